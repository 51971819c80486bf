// The network front door: one port serving WebSocket /v1/ws and HTTP (/healthz, /readyz,
// /metrics). No Beast types here; never touches storage (only the gateway actor's API).
#pragma once

#include "actors/gateway_api.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace xinyu::core {
struct config;
struct service_state;
} // namespace xinyu::core

namespace xinyu::transport {

class server {
public:
  virtual ~server() = default;

  /// The bound port (useful with port 0).
  virtual std::uint16_t port() const = 0;

  /// The admin listener's port (admin.listen), 0 when admin shares the main port.
  virtual std::uint16_t admin_port() const = 0;

  /// Stops accepting new connections; open ones keep being served (for draining).
  virtual void stop_accepting() = 0;

  /// Closes every open WebSocket with 1001 (going away) and waits, at most `budget`, for the
  /// close handshakes to finish, so clients know to reconnect elsewhere or later.
  virtual void close_websockets(std::chrono::milliseconds budget) = 0;

  /// Stops accepting, closes connections and joins the I/O threads. Idempotent.
  virtual void stop() = 0;

  /// Binds and starts serving on `cfg.transport.threads` threads. On failure returns null
  /// and sets `error` to one clear sentence. `svc` feeds /readyz.
  static std::unique_ptr<server> start(const core::config& cfg, actors::gateway_api_ptr gateway,
                                       std::shared_ptr<core::service_state> svc,
                                       std::string& error);
};

} // namespace xinyu::transport
