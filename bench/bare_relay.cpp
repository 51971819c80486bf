// bare-relay: the floor of issue 12's benchmark, the least work any correct gateway must do.
// One thread of Boost.Beast: WebSocket in (protocol v1's auth/chat frames), one keep-alive
// HTTP/1.1 connection per client to an OpenAI-compatible endpoint, the SSE stream parsed event
// by event with one JSON parse each, one `token` frame per delta, then `done` and `persisted`.
// No actors, no analysis, no storage. Never a product: it exists only to be measured against.
#include "core/protocol/sse_parser.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

namespace {

struct options {
  unsigned short port = 0;
  tcp::endpoint upstream{net::ip::make_address("127.0.0.1"), 18000};
  std::string path = "/v1/chat/completions";
  std::string model = "mock";
};

/// One client: its WebSocket, its upstream connection, at most one turn in flight.
class client : public std::enable_shared_from_this<client> {
public:
  client(tcp::socket s, const options& o) : ws_(std::move(s)), up_(ws_.get_executor()), opt_(o) {}

  void start() {
    ws_.async_accept([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->read();
    });
  }

private:
  void read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->up_.close();
      auto f = json::parse(beast::buffers_to_string(self->in_.data()), nullptr, false);
      self->in_.consume(self->in_.size());
      self->on_frame(f);
      self->read();
    });
  }

  void on_frame(const json& f) {
    if (!f.is_object())
      return;
    auto type = f.value("type", "");
    if (type == "auth") {
      send(R"({"type":"ready","protocol":1,"server":"bare-relay"})");
    } else if (type == "chat" && !in_turn_) {
      in_turn_ = true;
      id_ = f.value("id", "");
      turn_ += 2;
      seq_ = 0;
      send(R"({"type":"accepted","id":)" + json(id_).dump() + R"(,"turn":)"
           + std::to_string(turn_ - 1) + "}");
      json body{{"model", opt_.model},
                {"stream", true},
                {"messages", json::array({{{"role", "user"}, {"content", f.value("text", "")}}})}};
      req_ = {http::verb::post, opt_.path, 11};
      req_.set(http::field::host, "127.0.0.1");
      req_.set(http::field::content_type, "application/json");
      req_.keep_alive(true);
      req_.body() = body.dump();
      req_.prepare_payload();
      if (connected_)
        return post();
      up_.async_connect(opt_.upstream, [self = shared_from_this()](beast::error_code ec) {
        if (ec)
          return self->fail();
        self->connected_ = true;
        self->up_.socket().set_option(tcp::no_delay(true));
        self->post();
      });
    }
  }

  void post() {
    http::async_write(up_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail();
      self->parser_.emplace();
      self->parser_->body_limit(boost::none);
      self->sse_ = core_sse{};
      http::async_read_header(self->up_, self->ubuf_, *self->parser_,
                              [self](beast::error_code ec, std::size_t) {
                                if (ec)
                                  return self->fail();
                                self->read_body();
                              });
    });
  }

  void read_body() {
    parser_->get().body().data = body_buf_;
    parser_->get().body().size = sizeof body_buf_;
    http::async_read_some(up_, ubuf_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec == http::error::need_buffer)
                              ec = {};
                            if (ec)
                              return self->fail();
                            auto n = sizeof self->body_buf_ - self->parser_->get().body().size;
                            self->sse_.feed(std::string_view{self->body_buf_, n},
                                            [&](xinyu::core::sse_event&& ev) {
                                              self->on_event(ev);
                                            });
                            if (!self->parser_->is_done())
                              self->read_body();
                          });
  }

  // The floor as issue 12 defines it: one JSON parse per event (nlohmann, as a gateway written
  // the obvious way would), not xinyu's DOM-free reading (core/protocol/completion_chunk).
  void on_event(const xinyu::core::sse_event& ev) {
    if (ev.data == "[DONE]") {
      end_turn("stop");
      return;
    }
    auto j = json::parse(ev.data, nullptr, false); // the one JSON parse
    if (!j.is_object() || !j.contains("choices") || !j["choices"].is_array()
        || j["choices"].empty())
      return;
    const auto& delta = j["choices"][0]["delta"];
    if (delta.is_object() && delta.contains("content") && delta["content"].is_string()
        && !delta["content"].get_ref<const std::string&>().empty())
      send(R"({"type":"token","id":)" + json(id_).dump() + R"(,"seq":)" + std::to_string(seq_++)
           + R"(,"text":)" + delta["content"].dump() + "}");
  }

  void end_turn(const char* finish) {
    if (!in_turn_)
      return;
    in_turn_ = false;
    send(R"({"type":"done","id":)" + json(id_).dump() + R"(,"turn":)" + std::to_string(turn_)
         + R"(,"finish":")" + finish + R"(","degraded":[]})");
    send(R"({"type":"persisted","id":)" + json(id_).dump() + R"(,"turn":)" + std::to_string(turn_)
         + "}");
  }

  void fail() {
    beast::error_code ignored;
    up_.socket().close(ignored);
    connected_ = false;
    end_turn("error");
  }

  void send(std::string frame) {
    out_.push_back(std::move(frame));
    if (out_.size() == 1)
      write();
  }

  void write() {
    ws_.text(true);
    ws_.async_write(net::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec)
                        return;
                      self->out_.pop_front();
                      if (!self->out_.empty())
                        self->write();
                    });
  }

  using core_sse = xinyu::core::sse_parser;

  websocket::stream<beast::tcp_stream> ws_;
  beast::tcp_stream up_;
  const options& opt_;
  beast::flat_buffer in_, ubuf_;
  std::deque<std::string> out_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  core_sse sse_;
  char body_buf_[8192];
  std::string id_;
  std::uint64_t turn_ = 0, seq_ = 0;
  bool in_turn_ = false, connected_ = false;
};

void accept(tcp::acceptor& a, const options& o) {
  a.async_accept([&a, &o](beast::error_code ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<client>(std::move(s), o)->start();
    }
    accept(a, o);
  });
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--port") {
      o.port = static_cast<unsigned short>(std::stoi(v));
    } else if (a == "--upstream-port") {
      o.upstream.port(static_cast<unsigned short>(std::stoi(v)));
    } else if (a == "--model") {
      o.model = v;
    } else {
      std::cerr << "usage: bare-relay [--port P] [--upstream-port P] [--model M]\n"
                   "  relays protocol-v1 chats to http://127.0.0.1:P/v1/chat/completions\n";
      return 2;
    }
  }
  net::io_context ioc{1};
  tcp::acceptor a{ioc, {net::ip::make_address("127.0.0.1"), o.port}};
  a.listen(4096);
  std::cout << "bare-relay listening on http://127.0.0.1:" << a.local_endpoint().port()
            << std::endl;
  accept(a, o);
  ioc.run();
}
