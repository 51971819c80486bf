// Shared, read-mostly state of the transport: options, the gateway handle and metric refs.
// Internal to transport/; must never hold per-connection state.
#pragma once

#include "core/client_frame.hpp"
#include "core/metrics.hpp"
#include "core/service_state.hpp"
#include "core/token_verifier.hpp"

#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace xinyu::transport {

struct context {
  caf::actor gateway;
  std::string server_name;
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds auth_timeout{5000};
  std::chrono::milliseconds api_deadline{150000};  // an HTTP API call is answered by then
  std::chrono::milliseconds persisted_wait{10000}; // transport.http_persisted_wait_ms
  std::size_t max_frame_bytes = 65536;
  std::size_t max_queued_frames = 1024;
  unsigned max_bad_frames = 20;
  std::size_t pre_auth_max_frames = 16;   // transport.pre_auth_max_frames
  std::size_t pre_auth_max_bytes = 16384; // transport.pre_auth_max_bytes
  std::chrono::milliseconds close_timeout{2000}; // transport.close_timeout_ms
  core::frame_limits limits;
  bool dev_mode = true;
  std::shared_ptr<const core::token_verifier> tokens; // set when not in dev mode
  std::shared_ptr<core::service_state> svc = std::make_shared<core::service_state>();

  core::gauge& connections = core::metrics().get_gauge("xinyu_connections",
                                                       "open WebSocket connections");
  core::counter& slow_closed = core::metrics().get_counter(
    "xinyu_slow_reader_closed_total", "connections closed (1013) for a full outbound queue");
  core::counter& auth_timeouts = core::metrics().get_counter(
    "xinyu_auth_timeouts_total", "connections closed (1008) for not authenticating in time");
  core::counter& pre_auth_closed = core::metrics().get_counter(
    "xinyu_pre_auth_budget_closed_total",
    "connections closed (1008) for sending too many frames or bytes before authenticating");
  core::counter& close_deadline_drops = core::metrics().get_counter(
    "xinyu_close_deadline_drops_total",
    "connections dropped because the close handshake did not finish by transport.close_timeout_ms");
  core::gauge& queued_frames = core::metrics().get_gauge(
    "xinyu_outbound_frames_queued", "frames queued for clients, all connections");
  core::counter& persisted_wait_expired = core::metrics().get_counter(
    "xinyu_http_persisted_wait_expired_total",
    "POST /v1/chat streams that ended after done without persisted (storage failing)");
  core::counter& auth_failures = core::metrics().get_counter(
    "xinyu_auth_failures_total", "signed tokens refused (bad signature, expired, malformed)");

  /// The user a signed token names, or nullopt with `error` (a sentence for the client).
  std::optional<std::string> verify_token(std::string_view token, std::string& error) const {
    if (!tokens) {
      error = "this server runs in dev mode: send {\"type\":\"auth\",\"user\":\"<name>\"}";
      return std::nullopt;
    }
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    auto r = tokens->verify(token, now);
    if (!r.user) {
      auth_failures.inc();
      error = r.error;
    }
    return r.user;
  }

  core::counter& rejected(const std::string& code) {
    return core::metrics().get_counter("xinyu_errors_total", "error frames sent, by code",
                                       "code=\"" + code + "\"");
  }
};

} // namespace xinyu::transport
