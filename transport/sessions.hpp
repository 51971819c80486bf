// Entry points between the transport's translation units: the listener hands a socket to an
// HTTP session, which may hand it on to a WebSocket session. Must never expose Beast types.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace xinyu::transport {

struct context;

/// Serves HTTP requests on `socket` (keep-alive), upgrading /v1/ws to WebSocket. On the admin
/// listener only /admin/*, /metrics, /healthz and /readyz are served.
class connection_slot;
void start_http_session(boost::asio::ip::tcp::socket socket, std::shared_ptr<context> ctx,
                        std::shared_ptr<connection_slot> slot, bool admin_listener = false);

} // namespace xinyu::transport
