// One WebSocket connection of protocol v1: auth, frame validation, routing to the gateway and a
// bounded outbound queue (client_sink). Must never touch storage or hold conversation state.
// Over 400 lines: one Beast session template; splitting it would add Beast TUs (compile time on 2
// cores).
#include "transport/websocket_session.hpp"

#include "core/protocol/awaited_replies.hpp"
#include "core/protocol/http_api.hpp"
#include "core/protocol/server_frame.hpp"
#include "transport/context.hpp"
#include "transport/streams.hpp"
#include "transport/write_coalescing_stream.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/container/deque.hpp>

#include <atomic>

namespace xinyu::transport {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using frame_ptr = std::shared_ptr<const std::string>;

namespace {

/// The client_sink actors deliver to: counts queued frames and hops onto the connection's
/// strand. Holds the connection weakly, so a closed connection simply drops frames.
template <class Session>
class connection_sink final : public actors::client_sink {
public:
  connection_sink(std::weak_ptr<Session> ws, std::shared_ptr<context> ctx)
    : ws_(std::move(ws)), ctx_(std::move(ctx)) {}
  void deliver(frame_ptr frame) override;
  void written() noexcept {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    ctx_->queued_frames.add(-1);
  }
  std::size_t pending() const noexcept { return pending_.load(std::memory_order_relaxed); }

private:
  std::weak_ptr<Session> ws_;
  std::shared_ptr<context> ctx_;
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> overflowed_{false};
};

/// One connection on a plain or a TLS stream (the TLS handshake happened in the HTTP session).
template <class Stream>
class websocket_session : public std::enable_shared_from_this<websocket_session<Stream>> {
public:
  using sink_type = connection_sink<websocket_session>;

  websocket_session(Stream stream, std::shared_ptr<context> ctx, slot_ptr slot)
    : ws_(std::move(stream)), auth_timer_(ws_.get_executor()), close_timer_(ws_.get_executor()),
      keepalive_timer_(ws_.get_executor()), ctx_(std::move(ctx)), slot_(std::move(slot)) {
    ctx_->connections.add(1);
    awaited_ = core::awaited_replies{ctx_->max_awaited_replies};
  }

  ~websocket_session() {
    ctx_->connections.add(-1);
    ctx_->forget_websocket(this);
    if (counted_user_)
      ctx_->remove_user_connection(user_);
    if (sink_) {
      // frames still queued will never be written
      auto left = queue_.size() - pre_auth_pending_;
      for (std::size_t i = 0; i < left; ++i)
        sink_->written();
      if (operator_)
        ctx_->gateway->operator_detach(actors::client_sink_ptr{sink_});
      else
        ctx_->gateway->detach(user_, actors::client_sink_ptr{sink_});
    }
  }

  void run(http::request<http::string_body> req, std::optional<std::string> user,
           bool operator_role, bool minor) {
    handshake_user_ = std::move(user);
    handshake_operator_ = operator_role;
    handshake_minor_ = minor;
    ws_.set_option(websocket::stream_base::timeout{ctx_->handshake_timeout,
                                                   websocket::stream_base::none(), false});
    ws_.set_option(
      websocket::stream_base::decorator([name = ctx_->server_name](websocket::response_type& res) {
        res.set(http::field::server, name);
      }));
    ws_.read_message_max(ctx_->max_frame_bytes);
    ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                    this->shared_from_this()));
  }

  /// Runs on the strand: queue one frame, start writing if idle.
  void send(frame_ptr frame) {
    if (closing_) {
      sink_->written();
      return;
    }
    if (ctx_->keepalive.count() > 0)
      watch_reply(*frame);
    queue_.push_back(std::move(frame));
    if (!writing_)
      do_write();
  }

  /// Runs on the strand: the outbound queue overflowed.
  void close_slow() {
    if (closing_)
      return;
    ctx_->slow_closed.inc();
    close(websocket::close_reason{websocket::close_code::try_again_later,
                                  "outbound queue full: reading too slowly"});
  }

  /// Runs on the strand: the server shuts down (close 1001, "going away").
  void go_away() {
    if (closing_)
      return;
    ctx_->going_away_closes.inc();
    close(websocket::close_reason{websocket::close_code::going_away, "server shutting down"});
  }

  net::any_io_executor executor() { return ws_.get_executor(); }

private:
  /// Keep-alive while a reply is awaited: frames are built by core/protocol/server_frame, so
  /// their type is at a fixed place. `accepted` opens a wait, `done` closes one; while any is
  /// open, a ping goes out after each transport.keepalive_ms in which nothing was written (a
  /// slow first token must not look like a dead connection to a proxy). No timer otherwise.
  void watch_reply(const std::string& frame) {
    wrote_since_tick_ = true;
    std::string_view f{frame};
    bool accepted = f.starts_with(R"({"type":"accepted")");
    bool ends = f.starts_with(R"({"type":"done")") || f.starts_with(R"({"type":"error")");
    if (!accepted && !(ends && !awaited_.empty()))
      return; // tokens and the rest: no parse on the hot path
    auto head = core::peek_frame(f);
    if (head.id.empty())
      return;
    if (accepted)
      await_reply(head.id);
    else
      awaited_.close(head.id); // this chat's done, or its error (e.g. a resume not found)
  }

  /// Keyed by chat id: another tab's done or a replayed done never ends this one's wait.
  void await_reply(const std::string& id) {
    if (awaited_.open(id)) // bounded by session.max_queued_turns + 1: a done was lost
      ctx_->keepalive_waits_dropped.inc();
    if (!keepalive_armed_)
      arm_keepalive();
  }

  void arm_keepalive() {
    keepalive_armed_ = true;
    wrote_since_tick_ = false;
    keepalive_timer_.expires_after(ctx_->keepalive);
    // weak: a pending keep-alive must never keep a closed connection (and its sink, which
    // holds the user's session awake) alive
    keepalive_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (!self)
        return;
      self->keepalive_armed_ = false;
      if (ec || self->closing_ || self->awaited_.empty())
        return;
      if (!self->wrote_since_tick_ && !self->ping_in_flight_) {
        self->ping_in_flight_ = true;
        self->ctx_->keepalives_ws.inc();
        self->ws_.async_ping({}, [self](beast::error_code) { self->ping_in_flight_ = false; });
      }
      self->arm_keepalive();
    });
  }

  void on_accept(beast::error_code ec) {
    if (ec)
      return;
    ctx_->remember_websocket(this, [weak = this->weak_from_this()] {
      if (auto self = weak.lock())
        net::post(self->executor(), [self] { self->go_away(); });
    });
    if (handshake_user_) { // authenticated by the handshake's Bearer token
      authenticate_as(std::move(*handshake_user_), handshake_operator_, handshake_minor_);
      do_read();
      return;
    }
    auth_timer_.expires_after(ctx_->auth_timeout);
    auth_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->sink_)
        return;
      self->ctx_->auth_timeouts.inc();
      self->close(
        websocket::close_reason{websocket::close_code::policy_error, "authentication timeout"});
    });
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                      this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      auth_timer_.cancel();
      keepalive_timer_.cancel(); // the peer is gone: nothing to keep alive
      closing_ = true;           // and nothing more to write to it
      return; // closed, reset, too big (1009 sent by Beast), or invalid UTF-8 (1007)
    }
    if (!ws_.got_text()) {
      auto size = buffer_.size();
      buffer_.consume(size);
      if (!sink_ && !within_pre_auth_budget(size))
        return;
      reject(core::frame_error{"bad_request", "binary frames are not accepted; send JSON text",
                               std::nullopt});
    } else {
      auto data = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      if (!sink_ && !within_pre_auth_budget(data.size()))
        return;
      handle(core::parse_client_frame(data, ctx_->limits));
    }
    if (!closing_)
      do_read();
  }

  void handle(core::parsed_frame&& f) {
    std::visit(
      [this](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, core::frame_error>) {
          reject(std::move(c));
        } else if constexpr (std::is_same_v<T, core::ping_command>) {
          // a ping is no proof of good faith: it leaves the bad-frame count as it is
          send_direct(core::frames::pong());
        } else if constexpr (std::is_same_v<T, core::auth_command>) {
          authenticate(c);
        } else if constexpr (
          std::is_same_v<
            T,
            core::
              takeover_command> || std::is_same_v<T, core::release_command> || std::is_same_v<T, core::operator_reply_command>) {
          if (!sink_ || !operator_) {
            reject(core::frame_error{"unauthorized", "only an operator may send this frame",
                                     std::nullopt});
            return;
          }
          bad_frames_ = 0;
          ctx_->gateway->operator_command(actors::client_sink_ptr{sink_},
                                          core::operator_command{std::move(c)});
        } else {
          if (operator_) {
            reject(core::frame_error{"bad_request",
                                     "an operator connection sends takeover, reply and release",
                                     std::nullopt});
            return;
          }
          if (!sink_) {
            std::optional<std::string> id;
            if constexpr (std::is_same_v<T, core::chat_command>)
              id = c.id;
            reject(
              core::frame_error{"unauthorized", "authenticate first (send an auth frame)", id});
            return;
          }
          bad_frames_ = 0;
          if constexpr (std::is_same_v<T, core::resume_command>)
            if (ctx_->keepalive.count() > 0) // a resumed reply is awaited here too
              await_reply(c.id);
          ctx_->gateway->command(user_, actors::client_sink_ptr{sink_},
                                 core::client_command{std::move(c)});
        }
      },
      f);
  }

  /// Before auth a connection may send only a few small frames (transport.pre_auth_max_frames,
  /// .pre_auth_max_bytes); past that it is closed (1008) without reading further, so an
  /// unauthenticated client can never make the server queue more than that many replies.
  bool within_pre_auth_budget(std::size_t bytes) {
    ++pre_auth_frames_;
    pre_auth_bytes_ += bytes;
    if (pre_auth_frames_ <= ctx_->pre_auth_max_frames
        && pre_auth_bytes_ <= ctx_->pre_auth_max_bytes)
      return true;
    ctx_->pre_auth_closed.inc();
    close(websocket::close_reason{websocket::close_code::policy_error,
                                  "too many frames before authentication"});
    return false;
  }

  void authenticate(const core::auth_command& a) {
    if (sink_) {
      reject(core::frame_error{"bad_request", "already authenticated", std::nullopt});
      return;
    }
    std::string user;
    bool operator_role = false, minor = false;
    if (ctx_->dev_mode) {
      operator_role = a.operator_role; // dev mode trusts names, roles and age bands too
      minor = a.minor;
      if (a.user.empty()) {
        reject(core::frame_error{
          "unauthorized",
          "this server runs in dev mode: send {\"type\":\"auth\",\"user\":\"<name>\"}",
          std::nullopt});
        return;
      }
      user = a.user;
    } else {
      if (a.token.empty()) {
        reject(core::frame_error{"unauthorized",
                                 "signed tokens are required: send {\"type\":\"auth\",\"token\":"
                                 "\"<HS256 JWT>\"}",
                                 std::nullopt});
        return;
      }
      std::string error;
      auto verified = ctx_->verify_token(a.token, error, &operator_role, &minor);
      if (!verified) {
        reject(core::frame_error{"unauthorized", error, std::nullopt});
        return;
      }
      user = std::move(*verified);
    }
    authenticate_as(std::move(user), operator_role, minor);
  }

  void authenticate_as(std::string user, bool operator_role, bool minor) {
    // one user's connections are bounded (transport.max_connections_per_user): each frame to
    // the user is written to every one of them
    if (!ctx_->add_user_connection(user)) {
      ctx_->limited_user.inc();
      send_direct(
        core::frames::error("busy", "too many connections for this user; close one", std::nullopt));
      close(websocket::close_reason{websocket::close_code::policy_error,
                                    "too many connections for this user"});
      return;
    }
    counted_user_ = true;
    // from now on a silent peer is pinged, and dropped when it answers nothing for
    // transport.idle_timeout_ms (vanished clients must not hold a socket and a session)
    if (ctx_->idle_timeout.count() > 0)
      ws_.set_option(
        websocket::stream_base::timeout{ctx_->handshake_timeout, ctx_->idle_timeout, true});
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::keep_alive(true), ignored);
    bad_frames_ = 0;
    user_ = std::move(user);
    auth_timer_.cancel();
    sink_ = std::make_shared<sink_type>(this->weak_from_this(), ctx_);
    operator_ = operator_role;
    if (minor && !operator_)
      ctx_->gateway->mark_minor(user_); // before attach: the session is a minor's from `ready`
    if (operator_) // an operator sees alerts and the chats of users it takes over
      ctx_->gateway->operator_attach(user_, actors::client_sink_ptr{sink_});
    else
      ctx_->gateway->attach(user_, actors::client_sink_ptr{sink_});
  }

  void reject(core::frame_error e) {
    ctx_->rejected(e.code).inc();
    send_direct(core::frames::error(e.code, e.message,
                                    e.id ? std::optional<std::string_view>{*e.id} : std::nullopt));
    if (++bad_frames_ >= ctx_->max_bad_frames)
      close(
        websocket::close_reason{websocket::close_code::policy_error, "too many invalid frames"});
  }

  /// A frame produced by the transport itself (errors, pong), counted like any other.
  void send_direct(std::string f) {
    if (sink_) {
      sink_->deliver(std::make_shared<const std::string>(std::move(f)));
      return;
    }
    // before auth there is no sink; the queue is still bounded by the read loop (one reply
    // per frame read, and at most max_bad_frames of them)
    pre_auth_pending_++;
    queue_.push_back(std::make_shared<const std::string>(std::move(f)));
    if (!writing_)
      do_write();
  }

  /// Every frame queued now (up to batch_bytes) goes into the stream's buffer, then to the
  /// socket in one write: a burst of tokens is one system call. The frames stay queued, and
  /// counted, until the socket has taken them, so the queue's bound still holds a slow reader.
  void do_write() {
    static constexpr std::size_t batch_bytes = 64 * 1024;
    writing_ = true;
    ws_.text(true);
    beast::error_code ec;
    std::size_t bytes = 0;
    batch_ = 0;
    while (batch_ < queue_.size() && bytes < batch_bytes && !ec) {
      const auto& f = *queue_[batch_++];
      ws_.write(net::buffer(f), ec);
      bytes += f.size();
    }
    if (ec) { // the stream is closing or failed: nothing more will be written
      net::post(executor(), beast::bind_front_handler(&websocket_session::on_write,
                                                      this->shared_from_this(), ec));
      return;
    }
    ws_.next_layer().async_flush(
      [self = this->shared_from_this()](beast::error_code ec) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
    for (; batch_ > 0; --batch_) {
      queue_.pop_front();
      if (pre_auth_pending_ > 0)
        --pre_auth_pending_;
      else if (sink_)
        sink_->written();
    }
    writing_ = false;
    if (ec) {
      closing_ = true;
      keepalive_timer_.cancel();
      return;
    }
    if (!queue_.empty())
      do_write();
  }

  void close(websocket::close_reason reason) {
    if (closing_)
      return;
    closing_ = true;
    auth_timer_.cancel();
    keepalive_timer_.cancel();
    // a peer that does not read can keep the close frame from ever being written: past
    // transport.close_timeout_ms the socket is dropped, cancelling every pending operation
    close_timer_.expires_after(ctx_->close_timeout);
    close_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->ctx_->close_deadline_drops.inc();
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().close(ignored);
    });
    ws_.async_close(reason, [self = this->shared_from_this()](beast::error_code) {
      self->close_timer_.cancel();
    });
  }

  websocket::stream<write_coalescing_stream<Stream>> ws_;
  beast::flat_buffer buffer_;
  net::steady_timer auth_timer_;
  net::steady_timer close_timer_;
  net::steady_timer keepalive_timer_;
  core::awaited_replies awaited_{1}; // chats whose `done` it awaits (bound set in the ctor)
  bool keepalive_armed_ = false;
  bool wrote_since_tick_ = false;
  bool ping_in_flight_ = false;
  std::optional<std::string> handshake_user_;
  bool handshake_operator_ = false;
  bool handshake_minor_ = false;
  bool operator_ = false; // signed in with the operator role
  std::shared_ptr<context> ctx_;
  // boost's deque allocates nothing until the first frame (std::deque: ~600 B per idle
  // connection)
  boost::container::deque<frame_ptr>
    queue_; // front batch_ frames are in the socket write in flight
  std::size_t batch_ = 0;
  bool writing_ = false;
  std::size_t pre_auth_pending_ = 0;
  std::shared_ptr<sink_type> sink_;
  std::string user_;
  unsigned bad_frames_ = 0;
  slot_ptr slot_;
  bool counted_user_ = false;
  std::size_t pre_auth_frames_ = 0;
  std::size_t pre_auth_bytes_ = 0;
  bool closing_ = false;
};

template <class Session>
void connection_sink<Session>::deliver(frame_ptr frame) {
  auto ws = ws_.lock();
  if (!ws)
    return;
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= ctx_->max_queued_frames) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (!overflowed_.exchange(true))
      net::post(ws->executor(), [ws] { ws->close_slow(); });
    return;
  }
  ctx_->queued_frames.add(1);
  net::post(ws->executor(), [ws, f = std::move(frame)]() mutable { ws->send(std::move(f)); });
}

} // namespace

void start_websocket_session(plain_stream stream, http::request<http::string_body> req,
                             std::shared_ptr<context> ctx, std::optional<std::string> user,
                             bool operator_role, bool minor, slot_ptr slot) {
  std::make_shared<websocket_session<plain_stream>>(std::move(stream), std::move(ctx),
                                                    std::move(slot))
    ->run(std::move(req), std::move(user), operator_role, minor);
}

void start_websocket_session(tls_stream stream, http::request<http::string_body> req,
                             std::shared_ptr<context> ctx, std::optional<std::string> user,
                             bool operator_role, bool minor, slot_ptr slot) {
  std::make_shared<websocket_session<tls_stream>>(std::move(stream), std::move(ctx),
                                                  std::move(slot))
    ->run(std::move(req), std::move(user), operator_role, minor);
}

} // namespace xinyu::transport
