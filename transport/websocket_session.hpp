// Hand-off from the HTTP session to a WebSocket session for GET /v1/ws.
// Only http_session.cpp includes this; must never be included by non-Beast code.
#pragma once

#include "transport/streams.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <optional>
#include <string>

namespace xinyu::transport {

struct context;

/// `user`: already authenticated by a Bearer token in the handshake (`operator_role`, `minor`:
/// the token's role and age_band claims).
/// `stream` is the HTTP session's connection, TLS already negotiated when it is a tls_stream.
void start_websocket_session(plain_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> req,
                             std::shared_ptr<context> ctx, std::optional<std::string> user,
                             bool operator_role, bool minor,
                             std::shared_ptr<class connection_slot> slot);
void start_websocket_session(tls_stream stream,
                             boost::beast::http::request<boost::beast::http::string_body> req,
                             std::shared_ptr<context> ctx, std::optional<std::string> user,
                             bool operator_role, bool minor,
                             std::shared_ptr<class connection_slot> slot);

} // namespace xinyu::transport
