// The listener and I/O threads behind transport::server: binds, accepts onto per-connection
// strands and hands sockets to HTTP sessions. Must never parse frames or touch storage.
#include "transport/server.hpp"

#include "core/support/config.hpp"
#include "transport/context.hpp"
#include "transport/sessions.hpp"
#include "transport/tls_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <future>
#include <thread>
#include <vector>

namespace xinyu::transport {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

class asio_server final : public server {
public:
  explicit asio_server(unsigned threads)
    : ioc_(static_cast<int>(threads)), acceptor_(ioc_), backoff_(ioc_), admin_acceptor_(ioc_),
      admin_backoff_(ioc_) {}

  ~asio_server() override { stop(); }

  bool open(const std::string& host, std::uint16_t port, std::string& error) {
    if (!listen(acceptor_, "server.host", host, port, error))
      return false;
    port_ = acceptor_.local_endpoint().port();
    return true;
  }

  /// The separate admin listener ("host:port", validated by the config).
  bool open_admin(const std::string& listen_at, std::string& error) {
    auto colon = listen_at.rfind(':');
    auto host = listen_at.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    auto port = static_cast<std::uint16_t>(std::stoul(listen_at.substr(colon + 1)));
    if (!listen(admin_acceptor_, "admin.listen", host, port, error))
      return false;
    admin_port_ = admin_acceptor_.local_endpoint().port();
    return true;
  }

  void run(std::shared_ptr<context> ctx, unsigned threads) {
    ctx_ = std::move(ctx);
    do_accept();
    if (admin_acceptor_.is_open())
      do_accept(true);
    for (unsigned i = 0; i < threads; ++i)
      threads_.emplace_back([this] { ioc_.run(); });
  }

  std::uint16_t port() const override { return port_; }
  std::uint16_t admin_port() const override { return admin_port_; }

  void stop_accepting() override {
    std::promise<void> closed;
    net::post(ioc_, [this, &closed] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      admin_acceptor_.close(ignored);
      closed.set_value();
    });
    closed.get_future().wait_for(std::chrono::seconds(5));
  }

  void close_websockets(std::chrono::milliseconds budget) override {
    if (!ctx_ || ctx_->go_away_all() == 0)
      return;
    auto deadline = std::chrono::steady_clock::now() + budget;
    // polled: this is the process's last moment, not a hot path
    while (ctx_->open_websockets() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  void stop() override {
    if (stopped_.exchange(true))
      return;
    net::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      admin_acceptor_.close(ignored);
    });
    ioc_.stop();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  static bool listen(tcp::acceptor& acceptor, const char* key, const std::string& host,
                     std::uint16_t port, std::string& error) {
    boost::system::error_code ec;
    auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) {
      error = std::string{key} + " host '" + host + "' is not an IP address";
      return false;
    }
    tcp::endpoint ep{addr, port};
    acceptor.open(ep.protocol(), ec);
    if (!ec)
      acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(ep, ec);
    if (!ec)
      acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error =
        "cannot listen on " + host + ":" + std::to_string(port) + " (" + key + "): " + ec.message();
      return false;
    }
    return true;
  }

  void do_accept(bool admin = false) {
    auto& acceptor = admin ? admin_acceptor_ : acceptor_;
    acceptor.async_accept(net::make_strand(ioc_), [this, admin](boost::system::error_code ec,
                                                                tcp::socket socket) {
      auto& acceptor = admin ? admin_acceptor_ : acceptor_;
      auto& backoff = admin ? admin_backoff_ : backoff_;
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      if (ec) {
        // EMFILE, ENFILE, ENOBUFS: retrying at once would spin; pause, then accept again
        ctx_->accept_errors.inc();
        backoff.expires_after(ctx_->accept_backoff);
        backoff.async_wait([this, admin](boost::system::error_code e) {
          if (!e && (admin ? admin_acceptor_ : acceptor_).is_open())
            do_accept(admin);
        });
        return;
      }
      boost::system::error_code ignored;
      auto peer = socket.remote_endpoint(ignored);
      const char* why = "";
      if (auto slot = context::admit(ctx_, peer.address().to_string(), why)) {
        socket.set_option(tcp::no_delay(true), ignored);
        start_http_session(std::move(socket), ctx_, std::move(slot), admin);
      } else {
        std::string_view reason{why};
        (reason == "total"         ? ctx_->limited_total
         : reason == "per_ip_rate" ? ctx_->limited_rate
                                   : ctx_->limited_ip)
          .inc();
        // a short answer without reading the request, then the socket is closed
        static const std::string busy =
          "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
          "Content-Length: 75\r\nConnection: close\r\n\r\n"
          R"({"error":{"code":"overloaded","message":"too many connections; try again"}})";
        static const std::string too_fast =
          "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
          "Content-Length: 86\r\nConnection: close\r\n\r\n"
          R"({"error":{"code":"rate_limited","message":"too many new connections; slow down"}})";
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(reason == "per_ip_rate" ? too_fast : busy), ignored);
        socket.close(ignored);
      }
      do_accept(admin);
    });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_;
  tcp::acceptor admin_acceptor_;
  net::steady_timer admin_backoff_;
  std::uint16_t admin_port_ = 0;
  std::shared_ptr<context> ctx_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
};

} // namespace

std::unique_ptr<server> server::start(const core::config& cfg, actors::gateway_api_ptr gateway,
                                      std::shared_ptr<core::service_state> svc,
                                      std::string& error) {
  auto s = std::make_unique<asio_server>(cfg.transport.threads);
  if (!s->open(cfg.server.host, cfg.server.port, error))
    return nullptr;
  if (!cfg.admin.listen.empty() && !s->open_admin(cfg.admin.listen, error))
    return nullptr;
  auto ctx = std::make_shared<context>();
  if (!cfg.server.tls_cert.empty()) {
    ctx->tls = make_tls_server_context(cfg.server.tls_cert, cfg.server.tls_key, error);
    if (!ctx->tls)
      return nullptr;
  }
  ctx->separate_admin = !cfg.admin.listen.empty();
  ctx->gateway = std::move(gateway);
  ctx->server_name = cfg.server.name;
  ctx->handshake_timeout = std::chrono::milliseconds{cfg.transport.handshake_timeout_ms};
  ctx->auth_timeout = std::chrono::milliseconds{cfg.transport.auth_timeout_ms};
  // a turn ends by llm.total_deadline_ms once started; waiting for the session to load and for
  // storage may add to that
  ctx->api_deadline = std::chrono::milliseconds{cfg.llm.total_deadline_ms}
                      + std::chrono::milliseconds{cfg.storage.load_timeout_ms}
                      + std::chrono::milliseconds{cfg.transport.http_deadline_slack_ms};
  ctx->accept_backoff = std::chrono::milliseconds{cfg.transport.accept_backoff_ms};
  ctx->connections_per_second_per_ip = cfg.transport.connections_per_second_per_ip;
  ctx->connection_burst_per_ip = cfg.transport.connection_burst_per_ip;
  ctx->max_frame_bytes = cfg.transport.max_frame_bytes;
  ctx->max_queued_frames = cfg.transport.max_queued_frames;
  ctx->max_bad_frames = cfg.transport.max_bad_frames;
  ctx->pre_auth_max_frames = cfg.transport.pre_auth_max_frames;
  ctx->pre_auth_max_bytes = cfg.transport.pre_auth_max_bytes;
  ctx->close_timeout = std::chrono::milliseconds{cfg.transport.close_timeout_ms};
  ctx->idle_timeout = std::chrono::milliseconds{cfg.transport.idle_timeout_ms};
  ctx->keepalive = std::chrono::milliseconds{cfg.transport.keepalive_ms};
  ctx->max_awaited_replies = cfg.session.max_queued_turns + 1;
  ctx->allowed_origins = cfg.transport.allowed_origins;
  ctx->allowed_hosts = cfg.transport.allowed_hosts;
  ctx->admin_token = cfg.admin.token;
  ctx->platform_user_header = cfg.auth.platform_user_header;
  ctx->max_connections = cfg.transport.max_connections;
  ctx->max_connections_per_ip = cfg.transport.max_connections_per_ip;
  ctx->max_connections_per_user = cfg.transport.max_connections_per_user;
  ctx->persisted_wait = std::chrono::milliseconds{cfg.transport.http_persisted_wait_ms};
  ctx->limits.max_text_bytes = cfg.limits.max_text_bytes;
  ctx->limits.max_user_bytes = cfg.limits.max_user_bytes;
  ctx->dev_mode = cfg.auth.secret.empty();
  if (!ctx->dev_mode)
    ctx->tokens =
      std::make_shared<const core::token_verifier>(cfg.auth.secret, cfg.limits.max_user_bytes);
  if (svc)
    ctx->svc = std::move(svc);
  s->run(std::move(ctx), cfg.transport.threads);
  return s;
}

} // namespace xinyu::transport
