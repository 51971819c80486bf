// A blocking WebSocket test client for protocol v1 with a deadline on every read.
// Test-only; must never be linked into the server.
#include "tests/support/ws_client.hpp"

#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>

namespace xinyu::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buf;
  int pings = 0;

  // Runs the io_context until `done` or the timeout; cancels the socket on timeout.
  bool run_for(bool& done, std::chrono::milliseconds timeout) {
    ioc.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline)
      ioc.run_one_until(deadline);
    if (!done) {
      beast::error_code ignored;
      ws.next_layer().cancel(ignored);
      ioc.restart();
      ioc.run_for(std::chrono::milliseconds(200)); // let the cancelled op complete
      return false;
    }
    return true;
  }
};

ws_client::ws_client(std::uint16_t port, std::string target, int recv_buffer, std::string bearer)
  : impl_(std::make_unique<impl>()) {
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
  if (recv_buffer > 0) {
    impl_->ws.next_layer().open(tcp::v4());
    impl_->ws.next_layer().set_option(net::socket_base::receive_buffer_size(recv_buffer));
  }
  impl_->ws.next_layer().connect(ep);
  if (!bearer.empty())
    impl_->ws.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + bearer);
    }));
  impl_->ws.handshake("127.0.0.1:" + std::to_string(port), target);
  impl_->ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping)
      ++impl_->pings;
  });
}

int ws_client::pings() const { return impl_->pings; }

ws_client::~ws_client() {
  beast::error_code ec;
  impl_->ws.next_layer().close(ec);
}

void ws_client::send_text(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(net::buffer(text));
}

void ws_client::send_binary(const std::string& bytes) {
  impl_->ws.binary(true);
  impl_->ws.write(net::buffer(bytes));
}

nlohmann::json ws_client::read(std::chrono::milliseconds timeout) {
  bool done = false;
  beast::error_code result;
  impl_->buf.consume(impl_->buf.size());
  impl_->ws.async_read(impl_->buf, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->run_for(done, timeout))
    throw std::runtime_error("timed out waiting for a frame");
  if (result)
    throw std::runtime_error("read failed: " + result.message());
  return nlohmann::json::parse(beast::buffers_to_string(impl_->buf.data()));
}

nlohmann::json ws_client::read_until(const std::string& type, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("timed out waiting for " + type);
    auto f = read(left);
    if (f.value("type", "") == type)
      return f;
  }
}

std::optional<int> ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool done = false;
    beast::error_code result;
    impl_->buf.consume(impl_->buf.size());
    impl_->ws.async_read(impl_->buf, [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !impl_->run_for(done, left))
      return std::nullopt;
    // A close frame was received (the write of our close reply may still fail with a
    // broken pipe when the server tore the connection down first).
    if (result && impl_->ws.reason().code != websocket::close_code::none)
      return static_cast<int>(impl_->ws.reason().code);
    if (result)
      return -1; // reset without a close frame
  }
}

nlohmann::json ws_client::auth(const std::string& user) {
  send({{"type", "auth"}, {"user", user}});
  auto ready = read_until("ready");
  return ready;
}

namespace {

/// One HTTP/1.1 request on a fresh loopback connection; returns {status, body}.
http_reply http_request(std::uint16_t port, http::verb verb, const std::string& target,
                        const std::string* body, const std::string& bearer = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  net::io_context ioc;
  tcp::socket sock{ioc};
  sock.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port});
  timeval tv{20, 0}; // a server that never answers fails the test instead of hanging it
  ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty())
    req.set(http::field::authorization, "Bearer " + bearer);
  for (const auto& [name, value] : headers)
    req.set(name, value);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = *body;
  }
  req.prepare_payload();
  http::write(sock, req);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(sock, buf, parser);
  auto res = parser.release();
  http_reply r{static_cast<int>(res.result_int()),
               res.body(),
               std::string{res[http::field::content_type]},
               std::string{res["Retry-After"]},
               {}};
  for (const auto& f : res)
    r.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
  return r;
}

} // namespace

std::pair<int, std::string> http_get(std::uint16_t port, const std::string& target) {
  auto r = http_request(port, http::verb::get, target, nullptr);
  return {r.status, r.body};
}

std::pair<int, std::string> http_post(std::uint16_t port, const std::string& target,
                                      const std::string& body) {
  auto r = http_request(port, http::verb::post, target, &body);
  return {r.status, r.body};
}

http_reply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body, const std::string& bearer,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  auto verb = http::string_to_verb(method);
  return http_request(port, verb, target, body.empty() && verb == http::verb::get ? nullptr : &body,
                      bearer, headers);
}

std::string http_reply::header(std::string_view name) const {
  auto lower = [](std::string_view s) {
    std::string out{s};
    for (auto& c : out)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name))
      return v;
  return {};
}

} // namespace xinyu::test
