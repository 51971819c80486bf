// Plain HTTP on the shared port: the web page, /healthz, /readyz, /metrics, JSON errors
// elsewhere; hands GET /v1/ws to a WebSocket session and /v1/chat, /v1/history,
// /v1/chat/completions to an API call. Must never touch storage or actors directly.
#include "transport/sessions.hpp"

#include "transport/context.hpp"
#include "transport/api_session.hpp"
#include "transport/websocket_session.hpp"
#include "web_page.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

namespace xinyu::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string json_error(const std::string& code, const std::string& message) {
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
}

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp::socket socket, std::shared_ptr<context> ctx)
    : stream_(std::move(socket)), ctx_(std::move(ctx)) {
  }

  void run() { do_read(); }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024);
    stream_.expires_after(ctx_->handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    if (ec)
      return; // timeout or reset
    auto req = parser_->release();
    std::string_view target{req.target().data(), req.target().size()};
    auto path = target.substr(0, target.find('?'));
    if (websocket::is_upgrade(req)) {
      if (path == "/v1/ws") {
        // non-browser clients may authenticate in the handshake; a bad token is a 401 here
        std::optional<std::string> user;
        if (auto auth = req[http::field::authorization]; !auth.empty() && !ctx_->dev_mode) {
          std::string_view a{auth.data(), auth.size()};
          std::string error = "the Authorization header must be 'Bearer <token>'";
          if (a.rfind("Bearer ", 0) == 0)
            user = ctx_->verify_token(a.substr(7), error);
          if (!user)
            return respond(req, http::status::unauthorized, "application/json",
                           nlohmann::json{{"error", {{"code", "unauthorized"}, {"message", error}}}}.dump());
        }
        stream_.expires_never();
        start_websocket_session(stream_.release_socket(), std::move(req), ctx_, std::move(user));
        return;
      }
      return respond(req, http::status::not_found, "application/json",
                     R"({"error":{"code":"not_found","message":"WebSocket endpoint is /v1/ws"}})");
    }
    if (path == "/admin/chaos")
      return admin_chaos(req);
    // the HTTP API: each call gets the connection and closes it when answered
    auto api = [&](http::verb method, api_kind kind) {
      if (req.method() != method) {
        respond(req, http::status::method_not_allowed, "application/json",
                json_error("bad_request", std::string{"use "} + std::string{http::to_string(method)}));
        return;
      }
      stream_.expires_never();
      start_api_call(stream_.release_socket(), std::move(req), ctx_, kind);
    };
    if (path == "/v1/chat")
      return api(http::verb::post, api_kind::chat);
    if (path == "/v1/chat/completions")
      return api(http::verb::post, api_kind::completions);
    if (path == "/v1/history")
      return api(http::verb::get, api_kind::history);
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return respond(req, http::status::method_not_allowed, "application/json",
                     R"({"error":{"code":"bad_request","message":"method not allowed"}})");
    if (path == "/" || path == "/index.html")
      return respond(req, http::status::ok, "text/html; charset=utf-8", std::string{web_page});
    if (path == "/healthz")
      return respond(req, http::status::ok, "text/plain", "ok\n");
    if (path == "/readyz") {
      const auto& svc = *ctx_->svc;
      if (svc.draining)
        return respond(req, http::status::service_unavailable, "application/json",
                       R"({"ready":false,"reason":"draining"})");
      if (!svc.storage_ok)
        return respond(req, http::status::service_unavailable, "application/json",
                       R"({"ready":false,"reason":"storage writes are failing; retrying"})");
      if (svc.shedding())
        return respond(req, http::status::service_unavailable, "application/json",
                       R"({"ready":false,"reason":"storage queue above its high-water mark"})");
      return respond(req, http::status::ok, "application/json", R"({"ready":true})");
    }
    if (path == "/metrics")
      return respond(req, http::status::ok, "text/plain; version=0.0.4",
                     core::metrics().render());
    respond(req, http::status::not_found, "application/json",
            R"({"error":{"code":"not_found","message":"no such path"}})");
  }

  /// GET shows, POST sets failure injection. Loopback clients only.
  void admin_chaos(const http::request<http::string_body>& req) {
    beast::error_code ec;
    auto peer = stream_.socket().remote_endpoint(ec);
    if (ec || !peer.address().is_loopback())
      return respond(req, http::status::forbidden, "application/json",
                     R"({"error":{"code":"unauthorized","message":"admin endpoints are loopback only"}})");
    auto& svc = *ctx_->svc;
    if (req.method() == http::verb::post) {
      if (auto e = svc.chaos.apply_json(req.body()); !e.empty())
        return respond(req, http::status::bad_request, "application/json",
                       json_error("bad_request", e));
    } else if (req.method() != http::verb::get) {
      return respond(req, http::status::method_not_allowed, "application/json",
                     json_error("bad_request", "use GET or POST"));
    }
    respond(req, http::status::ok, "application/json", svc.chaos.to_json());
  }

  void respond(const http::request<http::string_body>& req, http::status status,
               const char* type, std::string body) {
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, ctx_->server_name);
    res->set(http::field::content_type, type);
    res->set(http::field::cache_control, "no-store");
    res->keep_alive(req.keep_alive());
    if (req.method() != http::verb::head)
      res->body() = std::move(body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec)
                          return;
                        if (!res->keep_alive()) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->do_read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<context> ctx_;
};

} // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<context> ctx) {
  std::make_shared<http_session>(std::move(socket), std::move(ctx))->run();
}

} // namespace xinyu::transport
