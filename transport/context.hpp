// Shared, read-mostly state of the transport: options, the gateway handle and metric refs.
// Internal to transport/; must never hold per-connection state.
#pragma once

#include "core/protocol/client_frame.hpp"
#include "core/support/metrics.hpp"
#include "core/support/service_state.hpp"
#include "core/auth/token_verifier.hpp"
#include "core/policy/token_bucket.hpp"

#include "actors/gateway_api.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace xinyu::transport {

struct context;

/// An accepted TCP connection's place under transport.max_connections and
/// max_connections_per_ip; given back when the last session object holding it goes away.
class connection_slot {
public:
  connection_slot(std::shared_ptr<context> ctx, std::string ip)
    : ctx_(std::move(ctx)), ip_(std::move(ip)) {}
  ~connection_slot();
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;

private:
  std::shared_ptr<context> ctx_;
  std::string ip_;
};
using slot_ptr = std::shared_ptr<connection_slot>;

struct context {
  actors::gateway_api_ptr gateway;
  std::shared_ptr<boost::asio::ssl::context> tls; // set: the public listener speaks TLS only
  std::string platform_user_header;               // auth.platform_user_header
  std::string server_name;
  std::int64_t started_at = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count(); // Unix seconds: the `created` of /v1/models
  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds auth_timeout{5000};
  std::chrono::milliseconds api_deadline{150000};  // an HTTP API call is answered by then
  std::chrono::milliseconds accept_backoff{100};   // after an accept error
  std::chrono::milliseconds persisted_wait{10000}; // transport.http_persisted_wait_ms
  std::size_t max_frame_bytes = 65536;
  std::size_t max_queued_frames = 1024;
  unsigned max_bad_frames = 20;
  std::size_t pre_auth_max_frames = 16;           // transport.pre_auth_max_frames
  std::size_t pre_auth_max_bytes = 16384;         // transport.pre_auth_max_bytes
  std::chrono::milliseconds close_timeout{2000};  // transport.close_timeout_ms
  std::chrono::milliseconds idle_timeout{120000}; // transport.idle_timeout_ms; 0 = never
  std::chrono::milliseconds keepalive{15000};     // transport.keepalive_ms; 0 = off
  std::size_t max_awaited_replies = 9;            // session.max_queued_turns + 1
  std::vector<std::string> allowed_origins;       // transport.allowed_origins
  std::vector<std::string> allowed_hosts;         // transport.allowed_hosts (dev mode)
  std::string admin_token;                        // admin.token; empty: see http_session
  bool separate_admin = false;                    // admin.listen is set
  std::size_t max_connections = 15000;            // transport.max_connections
  std::size_t max_connections_per_ip = 2000;      // transport.max_connections_per_ip
  std::size_t max_connections_per_user = 32;      // transport.max_connections_per_user
  double connections_per_second_per_ip = 0;       // transport.connections_per_second_per_ip
  double connection_burst_per_ip = 1;             // transport.connection_burst_per_ip
  std::size_t max_rate_entries = 100000;          // per-IP rate buckets kept before pruning

  /// A slot for a new connection from `ip`, or null (and `why`) when a limit is reached.
  static slot_ptr admit(const std::shared_ptr<context>& self, const std::string& ip,
                        const char*& why) {
    std::lock_guard lock{self->limits_mtx};
    if (self->open_connections >= self->max_connections) {
      why = "total";
      return nullptr;
    }
    if (self->connections_per_second_per_ip > 0 && !self->take_handshake(ip)) {
      why = "per_ip_rate";
      return nullptr;
    }
    auto& n = self->per_ip[ip];
    if (n >= self->max_connections_per_ip) {
      why = "per_ip";
      return nullptr;
    }
    ++n;
    ++self->open_connections;
    self->tcp_connections.add(1);
    return std::make_shared<connection_slot>(self, ip);
  }
  void release(const std::string& ip) {
    std::lock_guard lock{limits_mtx};
    --open_connections;
    tcp_connections.add(-1);
    if (auto it = per_ip.find(ip); it != per_ip.end() && --it->second == 0)
      per_ip.erase(it);
  }
  /// Counts an authenticated WebSocket of `user`; false when the user already has the most.
  bool add_user_connection(const std::string& user) {
    std::lock_guard lock{limits_mtx};
    auto& n = per_user[user];
    if (n >= max_connections_per_user)
      return false;
    ++n;
    return true;
  }
  void remove_user_connection(const std::string& user) {
    std::lock_guard lock{limits_mtx};
    if (auto it = per_user.find(user); it != per_user.end() && --it->second == 0)
      per_user.erase(it);
  }

  /// One token of `ip`'s handshake bucket (limits_mtx held). The map stays bounded: past
  /// max_rate_entries, buckets that are full again (quiet addresses) are dropped.
  bool take_handshake(const std::string& ip) {
    auto now = std::chrono::steady_clock::now();
    if (handshake_buckets.size() >= max_rate_entries)
      std::erase_if(handshake_buckets, [&](auto& kv) { return kv.second.full(now); });
    auto it = handshake_buckets.find(ip);
    if (it == handshake_buckets.end())
      it = handshake_buckets
             .emplace(ip, core::token_bucket{connections_per_second_per_ip * 60,
                                             connection_burst_per_ip})
             .first;
    return it->second.take(now) == 0;
  }

  std::mutex limits_mtx;
  std::unordered_map<std::string, core::token_bucket> handshake_buckets;
  std::size_t open_connections = 0;
  std::unordered_map<std::string, std::size_t> per_ip, per_user;
  core::frame_limits limits;
  bool dev_mode = true;
  std::shared_ptr<const core::token_verifier> tokens; // set when not in dev mode
  std::shared_ptr<core::service_state> svc = std::make_shared<core::service_state>();

  core::gauge& connections =
    core::metrics().get_gauge("xinyu_connections", "open WebSocket connections");
  core::gauge& tcp_connections =
    core::metrics().get_gauge("xinyu_tcp_connections",
                              "accepted TCP connections (HTTP, WebSocket, API) being served");
  core::counter& limited_total =
    core::metrics().get_counter("xinyu_connections_refused_total",
                                "connections refused at accept, by limit", "limit=\"total\"");
  core::counter& limited_ip =
    core::metrics().get_counter("xinyu_connections_refused_total",
                                "connections refused at accept, by limit", "limit=\"per_ip\"");
  core::counter& limited_rate =
    core::metrics().get_counter("xinyu_connections_refused_total",
                                "connections refused at accept, by limit", "limit=\"per_ip_rate\"");
  core::counter& limited_user =
    core::metrics().get_counter("xinyu_connections_refused_total",
                                "connections refused at accept, by limit", "limit=\"per_user\"");
  core::counter& accept_errors =
    core::metrics().get_counter("xinyu_accept_errors_total",
                                "accept() failures (EMFILE, ENFILE, ...): accepting pauses 100 ms");
  core::counter& slow_closed =
    core::metrics().get_counter("xinyu_slow_reader_closed_total",
                                "connections closed (1013) for a full outbound queue");
  core::counter& auth_timeouts =
    core::metrics().get_counter("xinyu_auth_timeouts_total",
                                "connections closed (1008) for not authenticating in time");
  core::counter& pre_auth_closed = core::metrics().get_counter(
    "xinyu_pre_auth_budget_closed_total",
    "connections closed (1008) for sending too many frames or bytes before authenticating");
  core::counter& close_deadline_drops = core::metrics().get_counter(
    "xinyu_close_deadline_drops_total",
    "connections dropped because the close handshake did not finish by transport.close_timeout_ms");
  core::gauge& queued_frames =
    core::metrics().get_gauge("xinyu_outbound_frames_queued",
                              "frames queued for clients, all connections");
  core::counter& refused_origin =
    core::metrics().get_counter("xinyu_http_refused_total",
                                "requests refused before routing, by reason", "reason=\"origin\"");
  core::counter& refused_host =
    core::metrics().get_counter("xinyu_http_refused_total",
                                "requests refused before routing, by reason", "reason=\"host\"");
  core::counter& refused_content_type =
    core::metrics().get_counter("xinyu_http_refused_total",
                                "requests refused before routing, by reason",
                                "reason=\"content_type\"");
  core::counter& refused_admin =
    core::metrics().get_counter("xinyu_http_refused_total",
                                "requests refused before routing, by reason", "reason=\"admin\"");
  core::counter& tls_handshake_failures = core::metrics().get_counter(
    "xinyu_tls_handshake_failures_total",
    "connections to the TLS port that did not complete a TLS handshake (plain HTTP, bad hello, "
    "timeout)");
  core::counter& refused_bad_framing =
    core::metrics().get_counter("xinyu_http_refused_total",
                                "requests refused before routing, by reason", "reason=\"framing\"");
  core::counter& persisted_wait_expired = core::metrics().get_counter(
    "xinyu_http_persisted_wait_expired_total",
    "POST /v1/chat streams that ended after done without persisted (storage failing)");
  core::counter& keepalives_sse = core::metrics().get_counter(
    "xinyu_keepalives_total",
    "keep-alives sent while a reply was awaited (transport.keepalive_ms), by kind", "kind=\"sse\"");
  core::counter& keepalive_waits_dropped = core::metrics().get_counter(
    "xinyu_keepalive_waits_dropped_total",
    "replies a connection stopped awaiting because more than session.max_queued_turns + 1 "
    "were open (their done was lost)");
  core::counter& keepalives_ws = core::metrics().get_counter(
    "xinyu_keepalives_total",
    "keep-alives sent while a reply was awaited (transport.keepalive_ms), by kind", "kind=\"ws\"");
  core::counter& going_away_closes =
    core::metrics().get_counter("xinyu_going_away_closes_total",
                                "WebSockets closed with 1001 (going away) at shutdown");
  core::counter& auth_failures =
    core::metrics().get_counter("xinyu_auth_failures_total",
                                "signed tokens refused (bad signature, expired, malformed)");

  /// Open WebSockets, so that shutdown can close each with 1001 (going away). `hook` posts
  /// the close onto the connection's strand; it is called at most once, from go_away_all.
  void remember_websocket(const void* ws, std::function<void()> hook) {
    std::lock_guard lock{live_mtx};
    live_websockets.emplace(ws, std::move(hook));
  }
  void forget_websocket(const void* ws) {
    std::lock_guard lock{live_mtx};
    live_websockets.erase(ws);
  }
  /// Asks every open WebSocket to close with 1001; returns how many were asked.
  std::size_t go_away_all() {
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard lock{live_mtx};
      for (auto& [ws, hook] : live_websockets)
        hooks.push_back(hook);
    }
    for (auto& h : hooks)
      h();
    return hooks.size();
  }
  std::size_t open_websockets() {
    std::lock_guard lock{live_mtx};
    return live_websockets.size();
  }
  std::mutex live_mtx;
  std::unordered_map<const void*, std::function<void()>> live_websockets;

  /// The user a signed token names, or nullopt with `error` (a sentence for the client).
  std::optional<std::string> verify_token(std::string_view token, std::string& error,
                                          bool* operator_role = nullptr, bool* minor = nullptr,
                                          bool* platform_role = nullptr) const {
    if (!tokens) {
      error = "this server runs in dev mode: send {\"type\":\"auth\",\"user\":\"<name>\"}";
      return std::nullopt;
    }
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    auto r = tokens->verify(token, now);
    if (!r.user) {
      auth_failures.inc();
      error = r.error;
    }
    if (operator_role)
      *operator_role = r.operator_role;
    if (minor)
      *minor = r.minor;
    if (platform_role)
      *platform_role = r.platform_role;
    return r.user;
  }

  core::counter& rejected(const std::string& code) {
    return core::metrics().get_counter("xinyu_errors_total", "error frames sent, by code",
                                       "code=\"" + code + "\"");
  }
};

} // namespace xinyu::transport

namespace xinyu::transport {

inline connection_slot::~connection_slot() { ctx_->release(ip_); }

} // namespace xinyu::transport
