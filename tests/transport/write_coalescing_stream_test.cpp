// Tests of transport/write_coalescing_stream under a real Beast WebSocket on 127.0.0.1: frames
// gathered go out in one socket write, in order, with Beast's own writes (handshake, pong,
// close) in their place. Must never sleep: the client thread blocks on its socket only.
#include "transport/write_coalescing_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using server_ws = websocket::stream<xinyu::transport::write_coalescing_stream<beast::tcp_stream>>;

/// What a plain Beast client saw: the messages in order, pongs, and how its reading ended.
struct client_log {
  std::vector<std::string> messages;
  int pongs = 0;
  beast::error_code end;
};

enum class client_mode { read_all, ping_then_read_all, vanish };

/// A server-side WebSocket over the layer, its peer a synchronous Beast client on a thread.
class ws_pair {
public:
  explicit ws_pair(client_mode mode) {
    auto port = acceptor_.local_endpoint().port();
    client_ = std::thread([this, port, mode] { run_client(port, mode); });
    server_ = std::make_unique<server_ws>(beast::tcp_stream{acceptor_.accept()});
  }
  ~ws_pair() {
    if (client_.joinable())
      client_.join();
  }

  net::io_context ioc;
  server_ws& server() { return *server_; }
  /// Runs the server's handlers until none is left, then waits for the client to finish.
  const client_log& finish() {
    ioc.run();
    client_.join();
    return log_;
  }

private:
  void run_client(unsigned short port, client_mode mode) {
    net::io_context cioc;
    websocket::stream<tcp::socket> ws{cioc};
    ws.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1", "/");
    if (mode == client_mode::vanish) { // gone without a closing handshake, unread data and all
      ws.next_layer().close();
      return;
    }
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong)
        ++log_.pongs;
    });
    if (mode == client_mode::ping_then_read_all)
      ws.ping({});
    for (;;) {
      beast::flat_buffer b;
      ws.read(b, log_.end);
      if (log_.end)
        return;
      log_.messages.push_back(beast::buffers_to_string(b.data()));
    }
  }

  tcp::acceptor acceptor_{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  std::unique_ptr<server_ws> server_;
  std::thread client_;
  client_log log_;
};

std::vector<std::string> numbered(int n, const std::string& tag) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i)
    v.push_back(tag + " " + std::to_string(i));
  return v;
}

void write_all(server_ws& ws, const std::vector<std::string>& frames) {
  ws.text(true);
  for (const auto& f : frames)
    ws.write(net::buffer(f)); // gathered, not sent
}

} // namespace

TEST_CASE("write_coalescing_stream: a batch of frames is one socket write, in order") {
  ws_pair p{client_mode::read_all};
  auto& ws = p.server();
  auto frames = numbered(50, "token");
  std::uint64_t writes_for_frames = 0;
  beast::error_code flushed{net::error::would_block};
  ws.async_accept([&](beast::error_code ec) {
    REQUIRE_FALSE(ec);
    auto before = ws.next_layer().socket_writes();
    write_all(ws, frames);
    CHECK(ws.next_layer().socket_writes() == before); // nothing sent by the writes themselves
    ws.next_layer().async_flush([&, before](beast::error_code ec) {
      flushed = ec;
      writes_for_frames = ws.next_layer().socket_writes() - before;
      // sent: the burst's buffer is freed (only std::string's inline bytes remain)
      CHECK(ws.next_layer().held_bytes() < 2 * sizeof(std::string));
      ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
    });
  });
  const auto& log = p.finish();
  CHECK_FALSE(flushed);
  CHECK(writes_for_frames == 1);
  CHECK(log.messages == frames);
  CHECK(log.end == websocket::error::closed);
}

TEST_CASE("write_coalescing_stream: a close sent without a flush goes out after the frames") {
  ws_pair p{client_mode::read_all};
  auto& ws = p.server();
  auto frames = numbered(20, "before close");
  ws.async_accept([&](beast::error_code ec) {
    REQUIRE_FALSE(ec);
    write_all(ws, frames); // gathered; the close's own write takes them along, then teardown
    ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
  });
  const auto& log = p.finish();
  CHECK(log.messages == frames);
  CHECK(log.end == websocket::error::closed);
}

TEST_CASE("write_coalescing_stream: Beast's pong keeps its place among the batches") {
  ws_pair p{client_mode::ping_then_read_all};
  auto& ws = p.server();
  auto frames = numbered(30, "after pong");
  beast::flat_buffer in;
  beast::error_code read_end;
  std::function<void(int)> batch = [&](int left) {
    if (left == 0) {
      ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
      return;
    }
    write_all(ws, std::vector<std::string>(frames.begin() + (3 - left) * 10,
                                           frames.begin() + (4 - left) * 10));
    ws.next_layer().async_flush([&, left](beast::error_code ec) {
      REQUIRE_FALSE(ec);
      batch(left - 1);
    });
  };
  ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) // the pong is written after this returns
      net::post(p.ioc, [&] { batch(3); });
  });
  ws.async_accept([&](beast::error_code ec) {
    REQUIRE_FALSE(ec);
    ws.async_read(in, [&](beast::error_code ec, std::size_t) { read_end = ec; });
  });
  const auto& log = p.finish();
  CHECK(log.pongs == 1);
  CHECK(log.messages == frames);
  CHECK(log.end == websocket::error::closed);
  // the server's own close ends its pending read (Beast aborts it while it reads the reply)
  CHECK((read_end == websocket::error::closed || read_end == net::error::operation_aborted));
}

TEST_CASE("write_coalescing_stream: a vanished peer fails the flush and every write after it") {
  ws_pair p{client_mode::vanish};
  auto& ws = p.server();
  const std::string big(64 * 1024, 'x');
  beast::error_code failed;
  int flushes = 0;
  std::function<void()> more = [&] {
    // the peer's buffers fill, then its close resets the connection: some flush must fail
    write_all(ws, {big});
    ws.next_layer().async_flush([&](beast::error_code ec) {
      ++flushes;
      if (ec)
        failed = ec;
      else if (flushes < 10000)
        more();
    });
  };
  ws.async_accept([&](beast::error_code ec) {
    REQUIRE_FALSE(ec);
    more();
  });
  p.finish();
  REQUIRE(failed);
  beast::error_code after;
  ws.write(net::buffer(big), after);
  CHECK(after);
}
