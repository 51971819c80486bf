// A stream layer under Beast's WebSocket that gathers writes in memory and hands them to the
// socket in one write: a connection with many frames queued costs one system call, not one per
// frame. Must never reorder bytes, report data as sent before the socket took it (async_flush),
// or keep a socket open after its owner is gone.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace xinyu::transport {

/// `Next` is the connection (beast::tcp_stream or an ssl_stream over one). Bytes written through
/// this layer, by Beast's asynchronous writes (handshake reply, pong, ping, close) or its
/// synchronous ones (the frames a connection writes in a batch, then async_flush), go into one
/// buffer in call order; at most one socket write is in flight, and it takes everything gathered
/// so far. Asynchronous writes start a socket write at once; synchronous ones wait for the next
/// async_flush or asynchronous write. Everything runs on the connection's executor.
template <class Next>
class write_coalescing_stream {
  /// Shared with the socket write in flight, so a write that completes after the layer is gone
  /// touches nothing freed (the layer's destructor closes the socket to end such a write).
  struct state {
    explicit state(Next&& n) : next(std::move(n)) {}
    Next next;
    std::string gathered;                 // appended, not yet handed to the socket
    std::string in_flight;                // the socket write in flight (empty: none)
    std::uint64_t appended = 0, sent = 0; // bytes ever appended / ever taken by the socket
    std::uint64_t socket_writes = 0;
    boost::beast::error_code failed; // the socket write that failed: every later call fails too
    std::uint64_t flush_target = 0;
    std::function<void(boost::beast::error_code)> flush_waiter; // async_flush's, one at a time
    std::function<void()> idle_waiter; // teardown: once everything is sent (or failed)

    template <class Buffers>
    std::size_t append(const Buffers& buffers) {
      std::size_t n = boost::asio::buffer_size(buffers);
      gathered.reserve(gathered.size() + n);
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer b = *it;
        gathered.append(static_cast<const char*>(b.data()), b.size());
      }
      appended += n;
      return n;
    }

    static void kick(const std::shared_ptr<state>& s) {
      if (!s->in_flight.empty() || s->gathered.empty() || s->failed)
        return;
      s->in_flight.swap(s->gathered);
      ++s->socket_writes;
      boost::asio::async_write(s->next, boost::asio::buffer(s->in_flight),
                               [s](boost::beast::error_code ec, std::size_t) { written(s, ec); });
    }

    static void written(const std::shared_ptr<state>& s, boost::beast::error_code ec) {
      s->sent += s->in_flight.size();
      std::string{}.swap(s->in_flight); // freed: an idle connection keeps no burst's buffer
      if (ec && !s->failed) {
        s->failed = ec;
        s->gathered.clear();
      }
      kick(s);
      if (s->flush_waiter && (s->failed || s->sent >= s->flush_target)) {
        auto w = std::move(s->flush_waiter);
        s->flush_waiter = nullptr;
        w(s->failed);
      }
      if (s->idle_waiter && s->in_flight.empty()) {
        auto w = std::move(s->idle_waiter);
        s->idle_waiter = nullptr;
        w();
      }
    }
  };

public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;

  explicit write_coalescing_stream(Next&& next) : s_(std::make_shared<state>(std::move(next))) {}
  write_coalescing_stream(const write_coalescing_stream&) = delete;
  write_coalescing_stream& operator=(const write_coalescing_stream&) = delete;
  ~write_coalescing_stream() {
    if (s_ && !s_->in_flight.empty()) { // a write to a peer that does not read: end it
      boost::beast::error_code ignored;
      boost::beast::get_lowest_layer(s_->next).socket().close(ignored);
    }
  }

  Next& next_layer() noexcept { return s_->next; }
  const Next& next_layer() const noexcept { return s_->next; }
  executor_type get_executor() noexcept { return s_->next.get_executor(); }

  /// Socket writes started so far (each took everything gathered before it).
  std::uint64_t socket_writes() const noexcept { return s_->socket_writes; }

  /// Bytes of buffer held (gathered and in flight); an idle connection holds none on the heap.
  std::size_t held_bytes() const noexcept {
    return s_->gathered.capacity() + s_->in_flight.capacity();
  }

  /// Calls `done` (on this executor, never inside this call) once every byte written before
  /// it is in the socket's hands, or with the error that ended the connection. One at a time.
  void async_flush(std::function<void(boost::beast::error_code)> done) {
    auto& s = *s_;
    if (s.failed || s.sent >= s.appended) {
      boost::asio::post(get_executor(), [done = std::move(done), ec = s.failed] { done(ec); });
      return;
    }
    s.flush_target = s.appended;
    s.flush_waiter = std::move(done);
    state::kick(s_);
  }

  /// Runs `fn` once nothing is waiting to be sent (at once when nothing is).
  void when_idle(std::function<void()> fn) {
    if (s_->in_flight.empty() && (s_->gathered.empty() || s_->failed)) {
      fn();
      return;
    }
    s_->idle_waiter = std::move(fn);
    state::kick(s_);
  }

  // SyncReadStream and AsyncReadStream: straight to the connection
  template <class Buffers>
  std::size_t read_some(const Buffers& b) {
    return s_->next.read_some(b);
  }
  template <class Buffers>
  std::size_t read_some(const Buffers& b, boost::beast::error_code& ec) {
    return s_->next.read_some(b, ec);
  }
  template <class Buffers, class Token>
  auto async_read_some(const Buffers& b, Token&& token) {
    return s_->next.async_read_some(b, std::forward<Token>(token));
  }

  // SyncWriteStream: gathered only (never blocks); sent by the next async_flush
  template <class Buffers>
  std::size_t write_some(const Buffers& b, boost::beast::error_code& ec) {
    ec = s_->failed;
    return ec ? 0 : s_->append(b);
  }
  template <class Buffers>
  std::size_t write_some(const Buffers& b) {
    boost::beast::error_code ec;
    auto n = write_some(b, ec);
    if (ec)
      throw boost::beast::system_error{ec};
    return n;
  }

  // AsyncWriteStream: gathered, a socket write started if none is in flight; completes at once
  // (posted) as taken, like a socket's send buffer
  template <class Buffers, class Token>
  auto async_write_some(const Buffers& b, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
      [s = s_](auto handler, const Buffers& buffers) {
        boost::beast::error_code ec = s->failed;
        std::size_t n = ec ? 0 : s->append(buffers);
        state::kick(s);
        auto ex = boost::asio::get_associated_executor(handler, s->next.get_executor());
        boost::asio::post(ex, boost::beast::bind_handler(std::move(handler), ec, n));
      },
      token, b);
  }

private:
  std::shared_ptr<state> s_;
};

/// The WebSocket closing handshake's last step: what was gathered goes out first, then the
/// connection's own teardown (TCP shutdown, TLS close_notify).
template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, write_coalescing_stream<Next>& stream,
                    Handler&& handler) {
  auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
  stream.when_idle([role, &stream, h] {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(*h));
  });
}

template <class Next>
void teardown(boost::beast::role_type role, write_coalescing_stream<Next>& stream,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec); // synchronous close is never used on a connection
}

} // namespace xinyu::transport
