// Plain HTTP on the shared port: the web page, /healthz, /readyz, /metrics, JSON errors
// elsewhere; hands GET /v1/ws to a WebSocket session and /v1/chat, /v1/history,
// /v1/chat/completions to an API call. Must never touch storage or actors directly.
// Over 400 lines: one Beast session template; splitting it would add Beast TUs (compile time on 2
// cores).
#include "transport/sessions.hpp"

#include "core/protocol/http_api.hpp"
#include "core/protocol/page_security.hpp"
#include "transport/context.hpp"
#include "transport/streams.hpp"
#include "transport/http_metrics.hpp"
#include "transport/api_session.hpp"
#include "transport/websocket_session.hpp"
#include "web_page.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace xinyu::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// The protocol's error body with OpenAI's type and param (core::http_failure::body). 403 is
/// the one status of these codes that http_status_for does not know.
std::string json_error(const std::string& code, const std::string& message) {
  int status = code == "forbidden" ? 403 : core::http_status_for(code);
  return core::http_failure{status, code, message}.body();
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// False when the request's body framing could be read two ways: a Transfer-Encoding whose
/// last coding is not chunked, or one beside a Content-Length.
bool framing_is_unambiguous(const http::request<http::string_body>& req) {
  auto te = req.find(http::field::transfer_encoding);
  if (te == req.end())
    return true;
  if (req.find(http::field::content_length) != req.end())
    return false;
  auto value = lower(std::string_view{te->value().data(), te->value().size()});
  auto comma = value.rfind(',');
  auto last = comma == std::string::npos ? std::string_view{value}
                                         : std::string_view{value}.substr(comma + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t'))
    last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t'))
    last.remove_suffix(1);
  return last == "chunked";
}

/// The host name of a Host header or an origin's authority, without the port ("[::1]:8080"
/// -> "[::1]", "localhost:8080" -> "localhost").
std::string host_name(std::string_view authority) {
  if (authority.starts_with('['))
    return lower(authority.substr(0, authority.find(']') + 1));
  return lower(authority.substr(0, authority.find(':')));
}

bool is_loopback_name(const std::string& host) {
  if (host == "localhost" || host.ends_with(".localhost") || host == "[::1]")
    return true;
  beast::error_code ec;
  auto a = net::ip::make_address(host, ec);
  return !ec && a.is_loopback();
}

/// Constant-time comparison, so a wrong admin token reveals nothing by its timing.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

/// HTTP/1.1 on a plain or a TLS stream; the TLS handshake comes first and is bounded by
/// transport.handshake_timeout_ms like the request itself.
template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
public:
  http_session(Stream stream, std::shared_ptr<context> ctx, slot_ptr slot, bool admin)
    : stream_(std::move(stream)), ctx_(std::move(ctx)), slot_(std::move(slot)),
      admin_listener_(admin) {}

  void run() {
    if constexpr (is_tls<Stream>) {
      tcp_layer().expires_after(ctx_->handshake_timeout);
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  // not TLS (a plain client on the TLS port) or a bad hello
                                  self->ctx_->tls_handshake_failures.inc();
                                  return;
                                }
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  /// Writes a response; then reads the next request (keep-alive) or ends the connection.
  template <class Body>
  void send(std::shared_ptr<http::response<Body>> res) {
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec)
                          return;
                        if (!res->keep_alive()) {
                          self->end_connection();
                          return;
                        }
                        self->do_read();
                      });
  }

  /// After the last response of a connection: plain TCP half-closes; TLS sends close_notify
  /// (bounded by transport.close_timeout_ms) and then closes.
  void end_connection() {
    if constexpr (is_tls<Stream>) {
      tcp_layer().expires_after(ctx_->close_timeout);
      stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) { self->tcp_layer().close(); });
    } else {
      beast::error_code ignored;
      tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(64 * 1024);
    tcp_layer().expires_after(ctx_->handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&http_session::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
      end_connection();
      return;
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      // answer what is wrong instead of resetting the connection
      bool body = ec == http::error::body_limit;
      http::request<http::string_body> stub{http::verb::get, "*", 11};
      stub.keep_alive(false);
      return respond(stub,
                     body ? http::status::payload_too_large
                          : http::status::request_header_fields_too_large,
                     "application/json",
                     json_error(body ? "too_large" : "bad_request",
                                body ? "the request body is over 64 KiB"
                                     : "the request headers are too large"));
    }
    if (ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length) {
      // Beast refuses Transfer-Encoding beside Content-Length (either order) and conflicting
      // lengths: a request smuggling attempt gets 400 and the connection closes
      ctx_->refused_bad_framing.inc();
      http::request<http::string_body> stub{http::verb::get, "*", 11};
      stub.keep_alive(false);
      return respond(stub, http::status::bad_request, "application/json",
                     json_error("bad_request", "Transfer-Encoding must end in chunked and "
                                               "must not come with Content-Length"));
    }
    if (ec)
      return; // timeout or reset
    auto req = parser_->release();
    if (!framing_is_unambiguous(req)) {
      // RFC 9112 6.1: a transfer coding other than a final "chunked" cannot be framed, and a
      // Transfer-Encoding beside a Content-Length is how requests are smuggled past proxies
      ctx_->refused_bad_framing.inc();
      req.keep_alive(false);
      return respond(req, http::status::bad_request, "application/json",
                     json_error("bad_request", "Transfer-Encoding must end in chunked and "
                                               "must not come with Content-Length"));
    }
    std::string_view target{req.target().data(), req.target().size()};
    auto path = target.substr(0, target.find('?'));
    if (ctx_->separate_admin) {
      bool admin_path = path.rfind("/admin/", 0) == 0;
      bool ops_path = path == "/metrics" || path == "/healthz" || path == "/readyz";
      if (admin_listener_ ? !(admin_path || ops_path) : admin_path)
        return respond(req, http::status::not_found, "application/json",
                       json_error("not_found", admin_listener_
                                                 ? "this is the admin listener"
                                                 : "admin endpoints are on admin.listen"));
    }
    if (!browser_allowed(req, path))
      return;
    if (req.method() == http::verb::options && is_api_path(path))
      return preflight(req); // CORS: the Origin (if any) passed browser_allowed
    if (websocket::is_upgrade(req)) {
      if (path == "/v1/ws") {
        // non-browser clients may authenticate in the handshake; a bad token is a 401 here
        std::optional<std::string> user;
        bool operator_role = false, minor = false;
        if (auto auth = req[http::field::authorization]; !auth.empty() && !ctx_->dev_mode) {
          std::string_view a{auth.data(), auth.size()};
          std::string error = "the Authorization header must be 'Bearer <token>'";
          if (a.size() > 7 && lower(a.substr(0, 7)) == "bearer ") // the scheme is case-insensitive
            user = ctx_->verify_token(a.substr(7), error, &operator_role, &minor);
          if (!user)
            return respond(req, http::status::unauthorized, "application/json",
                           json_error("unauthorized", error));
        }
        tcp_layer().expires_never();
        count_http_response("/v1/ws", 101);
        start_websocket_session(std::move(stream_), std::move(req), ctx_, std::move(user),
                                operator_role, minor, std::move(slot_));
        return;
      }
      return respond(req, http::status::not_found, "application/json",
                     json_error("not_found", "WebSocket endpoint is /v1/ws"));
    }
    if (path == "/admin/chaos")
      return admin_chaos(req);
    if (path == "/admin/reports/crisis") {
      if (!admin_allowed(req))
        return;
      if (req.method() != http::verb::get)
        return respond(req, http::status::method_not_allowed, "application/json",
                       json_error("bad_request", "use GET"), "GET");
      tcp_layer().expires_never();
      return start_api_call(std::move(stream_), std::move(req), ctx_, api_kind::care_report,
                            std::move(slot_));
    }
    // the HTTP API: each call gets the connection and closes it when answered
    auto api = [&](http::verb method, api_kind kind) {
      if (req.method() != method) {
        respond(req, http::status::method_not_allowed, "application/json",
                json_error("bad_request",
                           std::string{"use "} + std::string{http::to_string(method)}),
                std::string{http::to_string(method)});
        return;
      }
      tcp_layer().expires_never();
      start_api_call(std::move(stream_), std::move(req), ctx_, kind, std::move(slot_));
    };
    if (path == "/v1/chat")
      return api(http::verb::post, api_kind::chat);
    if (path == "/v1/chat/completions")
      return api(http::verb::post, api_kind::completions);
    if (path == "/v1/history")
      return api(http::verb::get, api_kind::history);
    if (path == "/v1/emergency_contact")
      return api(http::verb::post, api_kind::emergency_contact);
    if (path == "/v1/memories" || path.rfind("/v1/memories/", 0) == 0) {
      tcp_layer().expires_never(); // the call checks the method (GET, or PATCH/DELETE per id)
      return start_api_call(std::move(stream_), std::move(req), ctx_, api_kind::memories,
                            std::move(slot_));
    }
    bool known = path == "/" || path == "/index.html" || path == "/healthz" || path == "/readyz"
                 || path == "/metrics" || path.rfind("/v1/models", 0) == 0;
    if (!known) // whatever the method: nothing lives here
      return respond(req, http::status::not_found, "application/json",
                     json_error("not_found", "no such path"));
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return respond(req, http::status::method_not_allowed, "application/json",
                     json_error("bad_request", "method not allowed"), "GET, HEAD");
    if (path == "/v1/models" || path.rfind("/v1/models/", 0) == 0)
      return models(req, path);
    if (path == "/" || path == "/index.html")
      return respond(req, http::status::ok, "text/html; charset=utf-8", std::string{web_page}, {},
                     true);
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
      if (const char* why = svc.shed_reason())
        return respond(req, http::status::service_unavailable, "application/json",
                       nlohmann::json{{"ready", false}, {"reason", why}}.dump());
      return respond(req, http::status::ok, "application/json", R"({"ready":true})");
    }
    if (path == "/metrics")
      return respond(req, http::status::ok, "text/plain; version=0.0.4", core::metrics().render());
    respond(req, http::status::not_found, "application/json",
            json_error("not_found", "no such path"));
  }

  static bool is_api_path(std::string_view path) {
    return path == "/v1/chat" || path == "/v1/chat/completions" || path == "/v1/history"
           || path == "/v1/emergency_contact" || path == "/v1/models"
           || path.rfind("/v1/models/", 0) == 0 || path == "/v1/memories"
           || path.rfind("/v1/memories/", 0) == 0;
  }

  /// OPTIONS on an API path: a CORS preflight from an allowed origin (the page's own or
  /// transport.allowed_origins) is answered 204 with what a browser client may send.
  void preflight(const http::request<http::string_body>& req) {
    auto res =
      std::make_shared<http::response<http::string_body>>(http::status::no_content, req.version());
    count_http_response(http_route({req.target().data(), req.target().size()}), 204);
    res->set(http::field::server, ctx_->server_name);
    res->set(http::field::allow, "GET, POST, PATCH, DELETE, OPTIONS");
    if (auto origin = req[http::field::origin]; !origin.empty()) {
      res->set(http::field::access_control_allow_origin, origin);
      res->set(http::field::access_control_allow_methods, "GET, POST, PATCH, DELETE, OPTIONS");
      res->set(http::field::access_control_allow_headers,
               "authorization, content-type, traceparent");
      res->set(http::field::access_control_max_age, "600");
      res->set(http::field::vary, "Origin");
    }
    res->keep_alive(req.keep_alive());
    send(std::move(res));
  }

  /// What a browser may do: in dev mode only loopback Host names (or transport.allowed_hosts:
  /// a DNS-rebinding page reaches nothing); a request with an Origin only from the page's own
  /// origin or transport.allowed_origins (a cross-site page cannot open a socket or run a
  /// turn); a POST to the API only with a JSON body (no "simple" cross-site form posts).
  /// Answers and returns false when refused.
  bool browser_allowed(const http::request<http::string_body>& req, std::string_view path) {
    auto host_header = req[http::field::host];
    std::string host = host_name({host_header.data(), host_header.size()});
    if (ctx_->dev_mode && !is_loopback_name(host)
        && std::find(ctx_->allowed_hosts.begin(), ctx_->allowed_hosts.end(), host)
             == ctx_->allowed_hosts.end()) {
      ctx_->refused_host.inc();
      respond(req, http::status::forbidden, "application/json",
              json_error("forbidden", "this dev-mode server answers only to localhost; add the "
                                      "host name to transport.allowed_hosts"));
      return false;
    }
    auto origin_header = req[http::field::origin];
    if (!origin_header.empty()) {
      std::string origin = lower({origin_header.data(), origin_header.size()});
      std::string own = lower({host_header.data(), host_header.size()});
      bool same = origin == "http://" + own || origin == "https://" + own;
      bool listed = std::any_of(ctx_->allowed_origins.begin(), ctx_->allowed_origins.end(),
                                [&origin](const std::string& o) { return lower(o) == origin; });
      if (!same && !listed) {
        ctx_->refused_origin.inc();
        respond(req, http::status::forbidden, "application/json",
                json_error("forbidden", "origin not allowed; add it to transport.allowed_origins"));
        return false;
      }
    }
    if (req.method() == http::verb::post && path.starts_with("/v1/")) {
      auto type =
        lower({req[http::field::content_type].data(), req[http::field::content_type].size()});
      if (!type.starts_with("application/json")) {
        ctx_->refused_content_type.inc();
        respond(req, http::status::unsupported_media_type, "application/json",
                json_error("bad_request", "send the body as Content-Type: application/json"));
        return false;
      }
    }
    return true;
  }

  /// GET shows, POST sets failure injection. With admin.token: that bearer token is required
  /// from anywhere. Without: loopback clients of a dev-mode server only; a server with signed
  /// tokens keeps /admin/* off (behind a same-host proxy every client looks like loopback).
  /// GET /v1/models and /v1/models/{id} (OpenAI-compatible discovery, as platforms such as
  /// Open WebUI call it): with signed tokens a valid Bearer token is required, as for chats.
  void models(const http::request<http::string_body>& req, std::string_view path) {
    if (!ctx_->dev_mode) {
      auto auth = req[http::field::authorization];
      std::string_view a{auth.data(), auth.size()};
      std::string error = "send 'Authorization: Bearer <token>'";
      if (a.size() < 7 || lower(a.substr(0, 7)) != "bearer "
          || !ctx_->verify_token(a.substr(7), error))
        return respond(req, http::status::unauthorized, "application/json",
                       json_error("unauthorized", error));
    }
    if (path == "/v1/models")
      return respond(req, http::status::ok, "application/json",
                     core::models_list(ctx_->started_at));
    auto id = path.substr(std::string_view{"/v1/models/"}.size());
    if (auto m = core::model_object(id, ctx_->started_at))
      return respond(req, http::status::ok, "application/json", *m);
    respond(req, http::status::not_found, "application/json",
            json_error("not_found", "this server answers as the model 'xinyu'"));
  }

  /// The admin credential (admin.token), or loopback in dev mode without one. Answers 403
  /// and returns false when refused.
  bool admin_allowed(const http::request<http::string_body>& req) {
    auto refuse = [&](const char* why) {
      ctx_->refused_admin.inc();
      respond(req, http::status::forbidden, "application/json", json_error("unauthorized", why));
      return false;
    };
    if (!ctx_->admin_token.empty()) {
      auto auth = req[http::field::authorization];
      std::string_view a{auth.data(), auth.size()};
      if (a.size() < 7 || lower(a.substr(0, 7)) != "bearer "
          || !same_secret(a.substr(7), ctx_->admin_token))
        return refuse("admin endpoints need Authorization: Bearer <admin.token>");
      return true;
    }
    if (!ctx_->dev_mode)
      return refuse("admin endpoints are off: set admin.token to use them");
    beast::error_code ec;
    auto peer = tcp_layer().socket().remote_endpoint(ec);
    if (ec || !peer.address().is_loopback())
      return refuse("admin endpoints are loopback only");
    return true;
  }

  void admin_chaos(const http::request<http::string_body>& req) {
    if (!admin_allowed(req))
      return;
    auto& svc = *ctx_->svc;
    if (req.method() == http::verb::post) {
      if (auto e = svc.chaos.apply_json(req.body()); !e.empty())
        return respond(req, http::status::bad_request, "application/json",
                       json_error("bad_request", e));
    } else if (req.method() != http::verb::get) {
      return respond(req, http::status::method_not_allowed, "application/json",
                     json_error("bad_request", "use GET or POST"), "GET, POST");
    }
    respond(req, http::status::ok, "application/json", svc.chaos.to_json());
  }

  void respond(const http::request<http::string_body>& req, http::status status, const char* type,
               std::string body, std::string allow = {}, bool page = false) {
    count_http_response(http_route({req.target().data(), req.target().size()}),
                        static_cast<unsigned>(status));
    auto res = std::make_shared<http::response<http::string_body>>(status, req.version());
    res->set(http::field::server, ctx_->server_name);
    res->set(http::field::content_type, type);
    res->set(http::field::cache_control, "no-store");
    if (!allow.empty())
      res->set(http::field::allow, allow);
    if (page) { // a second line of defence should model text ever reach the DOM as markup
      static const std::string csp = core::page_content_security_policy(web_page);
      res->set("Content-Security-Policy", csp);
      res->set("X-Content-Type-Options", "nosniff");
      res->set("Referrer-Policy", "no-referrer");
      res->set("Cross-Origin-Opener-Policy", "same-origin");
    }
    if (auto origin = req[http::field::origin];
        !origin.empty() && status != http::status::forbidden) {
      // an Origin here passed browser_allowed: a browser client of that origin may read this
      res->set(http::field::access_control_allow_origin, origin);
      res->set(http::field::vary, "Origin");
    }
    res->keep_alive(req.keep_alive());
    if (req.method() != http::verb::head) {
      res->body() = std::move(body);
      res->prepare_payload();
    } else {
      res->content_length(body.size()); // what a GET would carry, without the body
    }
    send(std::move(res));
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<context> ctx_;
  slot_ptr slot_;
  bool admin_listener_ = false; // accepted on admin.listen
};

} // namespace

void start_http_session(tcp::socket socket, std::shared_ptr<context> ctx, slot_ptr slot,
                        bool admin_listener) {
  if (ctx->tls && !admin_listener) { // admin.listen stays plain: bind it to loopback
    auto& tls = *ctx->tls;
    std::make_shared<http_session<tls_stream>>(tls_stream{std::move(socket), tls}, std::move(ctx),
                                               std::move(slot), false)
      ->run();
    return;
  }
  std::make_shared<http_session<plain_stream>>(plain_stream{std::move(socket)}, std::move(ctx),
                                               std::move(slot), admin_listener)
    ->run();
}

} // namespace xinyu::transport
