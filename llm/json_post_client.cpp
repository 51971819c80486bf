// One blocking JSON POST per call on Boost.Beast with a deadline, kept-alive connections and a
// circuit breaker; shared by the /embeddings and safety-guard clients. Never logs the key.
#include "llm/json_post_client.hpp"

#include "core/policy/circuit_breaker.hpp"
#include "llm/tls_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <mutex>
#include <vector>

namespace xinyu::llm {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;

/// One connection with its own io_context, so a caller can drive it alone with a deadline.
struct connection {
  net::io_context ioc;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

} // namespace

struct json_post_client::impl {
  json_endpoint ep_;
  endpoint_url url_;
  mutable ssl::context ssl_ctx_{ssl::context::tls_client};
  mutable std::mutex mtx_;
  mutable std::vector<std::unique_ptr<connection>> idle_;
  mutable core::circuit_breaker breaker_{3, std::chrono::milliseconds{5000}};

  std::unique_ptr<connection> take() const {
    std::lock_guard lock{mtx_};
    if (idle_.empty())
      return std::make_unique<connection>();
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }

  /// Runs `c`'s io_context until the operation completes or the deadline passes (then the
  /// socket is closed and the call fails).
  static bool run_until(connection& c, clock::time_point deadline, const bool& done) {
    c.ioc.restart();
    c.ioc.run_until(deadline);
    if (!done) {
      beast::error_code ignored;
      c.lowest().socket().close(ignored);
      c.ioc.restart();
      c.ioc.run(); // let the cancelled handlers finish
      return false;
    }
    return true;
  }

  /// Starts one asynchronous step with `start(handler)` and runs `c` until it completes or the
  /// deadline passes; false with `error` ("<what> failed: ..." or "<what> timed out").
  template <class Start>
  static bool await(connection& c, clock::time_point deadline, const char* what, std::string& error,
                    Start&& start) {
    beast::error_code ec;
    bool done = false;
    start([&](beast::error_code e, auto&&...) {
      ec = e;
      done = true;
    });
    if (!run_until(c, deadline, done)) {
      error = std::string{what} + " timed out";
      return false;
    }
    if (ec) {
      error = std::string{what} + " failed: " + ec.message();
      return false;
    }
    return true;
  }

  bool connect(connection& c, clock::time_point deadline, std::string& error) const {
    tcp::resolver resolver{c.ioc};
    beast::error_code ec;
    bool done = false;
    tcp::resolver::results_type results;
    resolver.async_resolve(url_.host, std::to_string(url_.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             results = std::move(r);
                             done = true;
                           });
    c.ioc.restart();
    c.ioc.run_until(deadline);
    if (!done) {
      resolver.cancel();
      c.ioc.restart();
      c.ioc.run();
      error = "resolving the " + ep_.name + " host timed out";
      return false;
    }
    if (ec) {
      error = "cannot resolve the " + ep_.name + " host: " + ec.message();
      return false;
    }
    c.buffer.clear();
    c.plain.reset();
    c.tls.reset();
    if (url_.tls)
      c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(c.ioc, ssl_ctx_);
    else
      c.plain = std::make_unique<beast::tcp_stream>(c.ioc);
    if (!await(c, deadline, ("connecting to the " + ep_.name + " endpoint").c_str(), error,
               [&](auto handler) { c.lowest().async_connect(results, std::move(handler)); }))
      return false;
    beast::error_code ignored;
    c.lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (c.tls) {
      if (!SSL_set_tlsext_host_name(c.tls->native_handle(), url_.host.c_str())) {
        error = "cannot set the TLS server name";
        return false;
      }
      if (ep_.tls_verify)
        c.tls->set_verify_callback(ssl::host_name_verification(url_.host));
      if (!await(c, deadline, ("the TLS handshake with the " + ep_.name + " endpoint").c_str(),
                 error, [&](auto handler) {
                   c.tls->async_handshake(ssl::stream_base::client, std::move(handler));
                 }))
        return false;
    }
    return true;
  }

  template <class Stream>
  bool exchange(connection& c, Stream& s, const http::request<http::string_body>& req,
                http::response<http::string_body>& res, clock::time_point deadline,
                std::string& error) const {
    if (!await(c, deadline, ("sending to the " + ep_.name + " endpoint").c_str(), error,
               [&](auto handler) { http::async_write(s, req, std::move(handler)); }))
      return false;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16u << 20);
    if (!await(c, deadline, ("reading from the " + ep_.name + " endpoint").c_str(), error,
               [&](auto handler) { http::async_read(s, c.buffer, parser, std::move(handler)); }))
      return false;
    res = parser.release();
    return true;
  }

  std::optional<std::string> call(connection& c, const std::string& path, const std::string& body,
                                  clock::time_point deadline, std::string& error) const {
    http::request<http::string_body> req{http::verb::post, url_.path + path, 11};
    req.set(http::field::host, url_.host);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "xinyu");
    if (!ep_.api_key.empty())
      req.set(http::field::authorization, "Bearer " + ep_.api_key);
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::response<http::string_body> res;
    // a reused connection may have been closed by the server meanwhile: then once more fresh
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = c.plain || c.tls;
      if (!reused && !connect(c, deadline, error))
        return std::nullopt;
      bool ok = c.tls ? exchange(c, *c.tls, req, res, deadline, error)
                      : exchange(c, *c.plain, req, res, deadline, error);
      if (ok)
        break;
      c.plain.reset();
      c.tls.reset();
      if (!reused || clock::now() >= deadline)
        return std::nullopt;
    }
    if (!res.keep_alive()) {
      c.plain.reset();
      c.tls.reset();
    }
    if (res.result() != http::status::ok) {
      error = ep_.name + " endpoint answered HTTP " + std::to_string(res.result_int());
      return std::nullopt;
    }
    return std::move(res.body());
  }
};

std::unique_ptr<json_post_client> json_post_client::make(const json_endpoint& ep,
                                                         std::string& error) {
  auto u = parse_endpoint_url(ep.base_url);
  if (!u) {
    error = ep.name + " base_url must be an http:// or https:// URL, got '" + ep.base_url + "'";
    return nullptr;
  }
  std::unique_ptr<json_post_client> c{new json_post_client};
  c->impl_ = std::make_unique<impl>();
  c->impl_->ep_ = ep;
  c->impl_->url_ = *u;
  if (u->tls && !configure_tls_client(c->impl_->ssl_ctx_, ep.tls_verify, ep.ca_file, error)) {
    error = ep.name + " endpoint: " + error;
    return nullptr;
  }
  return c;
}

json_post_client::~json_post_client() = default;

const endpoint_url& json_post_client::url() const { return impl_->url_; }

std::optional<std::string> json_post_client::post(const std::string& path, const std::string& body,
                                                  std::chrono::milliseconds timeout,
                                                  std::string& error) const {
  auto& m = *impl_;
  {
    std::lock_guard lock{m.mtx_};
    if (!m.breaker_.allow(clock::now())) {
      error = m.ep_.name + " endpoint failing: not called (circuit breaker open)";
      return std::nullopt;
    }
  }
  auto deadline = clock::now() + timeout;
  auto conn = m.take();
  auto body_out = m.call(*conn, path, body, deadline, error);
  std::lock_guard lock{m.mtx_};
  if (body_out) {
    m.breaker_.on_success();
    if (m.idle_.size() < m.ep_.max_idle && (conn->plain || conn->tls))
      m.idle_.push_back(std::move(conn));
  } else {
    m.breaker_.on_failure(clock::now());
  }
  return body_out;
}

} // namespace xinyu::llm
