// A blocking WebSocket test client for protocol v1 with a deadline on every read.
// Test-only; must never be linked into the server.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xinyu::test {

class ws_client {
public:
  /// `recv_buffer` > 0 shrinks the socket's receive buffer (to make a slow reader quickly);
  /// `bearer` non-empty authenticates in the handshake (Authorization: Bearer). A refused
  /// handshake throws.
  explicit ws_client(std::uint16_t port, std::string target = "/v1/ws", int recv_buffer = 0,
                     std::string bearer = {});
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);
  void send(const nlohmann::json& frame) { send_text(frame.dump()); }

  /// Next text frame as JSON; throws std::runtime_error on timeout or close.
  nlohmann::json read(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Reads until a frame of `type` arrives (others are dropped).
  nlohmann::json read_until(const std::string& type,
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Waits for the server to close; returns the close code (or nullopt on timeout).
  std::optional<int> wait_closed(std::chrono::milliseconds timeout);

  /// WebSocket pings received from the server so far (answered by the client automatically).
  int pings() const;

  /// auth as `user` in dev mode; returns the ready frame (the disclosure notice is consumed).
  nlohmann::json auth(const std::string& user);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

struct http_reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::vector<std::pair<std::string, std::string>> headers; // every response header, in order
  /// The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

/// One HTTP request read to its end (a close-delimited SSE stream included), with an
/// optional Bearer token; fails after 20 s of silence.
http_reply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = {}, const std::string& bearer = {},
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

/// One HTTP GET; returns {status, body}.
std::pair<int, std::string> http_get(std::uint16_t port, const std::string& target);

/// One HTTP POST with a JSON body; returns {status, body}.
std::pair<int, std::string> http_post(std::uint16_t port, const std::string& target,
                                      const std::string& body);

} // namespace xinyu::test
