// Hand-off from the HTTP session to a WebSocket session for GET /v1/ws.
// Only http_session.cpp includes this; must never be included by non-Beast code.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>
#include <string>

namespace xinyu::transport {

struct context;

/// `user`: already authenticated by a Bearer token in the handshake (`operator_role`, `minor`:
/// the token's role and age_band claims).
void start_websocket_session(boost::asio::ip::tcp::socket socket,
                             boost::beast::http::request<boost::beast::http::string_body> req,
                             std::shared_ptr<context> ctx, std::optional<std::string> user,
                             bool operator_role, bool minor,
                             std::shared_ptr<class connection_slot> slot);

} // namespace xinyu::transport
