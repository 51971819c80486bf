// The cluster router: JSON envelopes on the message bus ("a" attach, "d" detach, "x" command to
// the owner; "f" frame and "m" moved back), a registry of local connections being forwarded and
// of other nodes' connections served here. Must never deliver a frame to a connection of another
// user.
#include "actors/cluster_router.hpp"

#include "actors/atoms.hpp"
#include "core/protocol/forwarded_command.hpp"
#include "core/protocol/server_frame.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"
#include "storage/message_bus.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>

namespace xinyu::actors {

using nlohmann::json;

namespace {

/// The router's metrics, registered once.
struct router_metrics {
  core::gauge& remote =
    core::metrics().get_gauge("xinyu_cluster_remote_connections",
                              "connections of other nodes whose user this node owns");
  core::counter& forwarded =
    core::metrics().get_counter("xinyu_cluster_forwarded_total",
                                "commands forwarded to the node that owns their user");
  core::gauge& awaited = core::metrics().get_gauge(
    "xinyu_cluster_forwards_awaited",
    "chats forwarded to the owner node whose accepted (or error) has not come back yet");
  core::counter& malformed = core::metrics().get_counter(
    "xinyu_cluster_malformed_total",
    "node-to-node messages that did not parse or lacked a field (dropped)");
  core::counter& refused = core::metrics().get_counter(
    "xinyu_cluster_remote_refused_total",
    "connections of other nodes not served here: transport.max_connections of them already are");
  core::counter& late = core::metrics().get_counter(
    "xinyu_cluster_forwards_late_total",
    "forwarded chats that reached this owner after their deadline: refused, not run");
  core::counter& dropped = core::metrics().get_counter(
    "xinyu_cluster_dropped_total",
    "node-to-node messages dropped (the send queue full, or the other node gone)");
};

router_metrics& router_counters() {
  static router_metrics r;
  return r;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

} // namespace

/// A connection on another node, as this node's session sees it: frames go back over the bus.
class cluster_router::remote_sink final : public client_sink {
public:
  remote_sink(std::weak_ptr<cluster_router> router, std::string node, std::uint64_t conn,
              std::string user)
    : router_(std::move(router)), node_(std::move(node)), conn_(conn), user_(std::move(user)) {}
  void deliver(std::shared_ptr<const std::string> frame) override {
    if (released_.load(std::memory_order_acquire))
      return; // no longer this node's to serve (its node detached, or this node lost the user)
    if (auto r = router_.lock())
      r->send(node_, json{{"k", "f"}, {"c", conn_}, {"f", *frame}}.dump());
  }
  const std::string& user() const { return user_; }
  const std::string& node() const { return node_; }
  std::uint64_t conn() const { return conn_; }
  void release() { released_.store(true, std::memory_order_release); }
  bool released() const { return released_.load(std::memory_order_acquire); }

private:
  std::atomic<bool> released_{false};
  std::weak_ptr<cluster_router> router_;
  std::string node_;
  std::uint64_t conn_;
  std::string user_;
};

cluster_router::cluster_router(options opt) : opt_(std::move(opt)) {}

cluster_router::~cluster_router() = default;

void cluster_router::set_bus(std::unique_ptr<storage::message_bus> bus) {
  std::lock_guard lock{mutex_};
  bus_ = std::move(bus);
}

void cluster_router::stop() {
  std::shared_ptr<storage::message_bus> bus;
  {
    std::lock_guard lock{mutex_};
    bus = std::move(bus_);
    gateway_ = nullptr;
  }
  bus.reset(); // joins the bus's threads (their callbacks find no gateway and no bus)
}

void cluster_router::set_gateway(gateway_api_ptr api) {
  std::lock_guard lock{mutex_};
  gateway_ = std::move(api);
}

void cluster_router::send(const std::string& to, std::string payload) {
  std::shared_ptr<storage::message_bus> bus;
  {
    std::lock_guard lock{mutex_};
    bus = bus_;
  }
  if (!bus || !bus->send(to, std::move(payload)))
    router_counters().dropped.inc();
}

std::uint64_t cluster_router::conn_id(const client_sink_ptr& sink,
                                      const lease_listener_actor& session) {
  std::lock_guard lock{mutex_};
  auto [it, fresh] = ids_.try_emplace(sink.get(), next_conn_);
  if (fresh)
    ++next_conn_;
  conns_[it->second] = local_conn{sink, session};
  return it->second;
}

void cluster_router::proxy_attach(const std::string& owner, const std::string& user,
                                  const client_sink_ptr& sink,
                                  const lease_listener_actor& session) {
  auto id = conn_id(sink, session);
  send(owner, json{{"k", "a"}, {"u", user}, {"n", opt_.node}, {"c", id}}.dump());
}

void cluster_router::proxy_detach(const std::string& owner, const std::string& user,
                                  const client_sink_ptr& sink) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock{mutex_};
    auto it = ids_.find(sink.get());
    if (it == ids_.end())
      return;
    id = it->second;
    ids_.erase(it);
    conns_.erase(id);
    for (auto a = awaited_.lower_bound({id, std::string{}});
         a != awaited_.end() && a->first.first == id;)
      a = awaited_.erase(a);
    router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
  }
  if (!owner.empty())
    send(owner, json{{"k", "d"}, {"u", user}, {"n", opt_.node}, {"c", id}}.dump());
}

void cluster_router::proxy_move(const std::string& former, const std::string& user,
                                const client_sink_ptr& sink) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock{mutex_};
    auto it = ids_.find(sink.get());
    if (it == ids_.end())
      return;
    id = it->second;
  }
  send(former, json{{"k", "d"}, {"u", user}, {"n", opt_.node}, {"c", id}}.dump());
}

void cluster_router::proxy_command(const std::string& owner, const std::string& user,
                                   const client_sink_ptr& origin, const core::client_command& cmd,
                                   const lease_listener_actor& session) {
  auto id = conn_id(origin, session);
  router_counters().forwarded.inc();
  if (const auto* chat = std::get_if<core::chat_command>(&cmd)) {
    std::lock_guard lock{mutex_};
    if (auto a = awaited_.find({id, chat->id}); a != awaited_.end()) {
      // re-sent with the same id: a refusal of the earlier copy may still come (`late` counts
      // it since that copy was answered here)
      a->second.state = forward_state::waiting;
    } else {
      if (awaited_.size() >= opt_.max_awaited) // abandoned ones go first
        for (auto e = awaited_.begin(); e != awaited_.end();)
          e = e->second.state == forward_state::abandoned ? awaited_.erase(e) : std::next(e);
      if (awaited_.size() < opt_.max_awaited) // past the bound the chat is simply not watched
        awaited_[{id, chat->id}] = forward_watch{};
    }
    router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
  }
  json m{{"k", "x"},
         {"u", user},
         {"n", opt_.node},
         {"c", id},
         {"cmd", core::forwarded_command_json(cmd)}};
  if (opt_.forward_deadline_ms != 0 && std::holds_alternative<core::chat_command>(cmd))
    m["dl"] = wall_ms() + opt_.forward_deadline_ms; // node clocks agree (NTP) within this
  send(owner, m.dump());
}

bool cluster_router::forward_answered(const client_sink_ptr& origin, const std::string& id) {
  std::lock_guard lock{mutex_};
  auto conn = ids_.find(origin.get());
  if (conn == ids_.end())
    return true; // the connection is gone: nobody to answer
  auto it = awaited_.find({conn->second, id});
  if (it == awaited_.end() || it->second.state == forward_state::abandoned)
    return true; // not watched (over the bound), or answered here already
  if (it->second.state == forward_state::answered) {
    if (it->second.late == 0)
      awaited_.erase(it);
    router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
    return true;
  }
  it->second.state = forward_state::abandoned; // the caller answers it now
  ++it->second.late;                           // and the owner may still refuse it
  return false;
}

std::vector<client_sink_ptr> cluster_router::disown(const std::string& user,
                                                    const std::vector<client_sink_ptr>& sinks) {
  std::vector<client_sink_ptr> released;
  std::vector<std::pair<std::string, std::uint64_t>> moved;
  {
    std::lock_guard lock{mutex_};
    for (const auto& s : sinks) {
      auto* r = dynamic_cast<remote_sink*>(s.get());
      if (!r || r->user() != user)
        continue;
      auto it = remotes_.find({r->node(), r->conn()});
      if (it != remotes_.end() && it->second.get() == r)
        remotes_.erase(it);
      if (!r->released())
        moved.emplace_back(r->node(), r->conn());
      r->release();
      released.push_back(s);
    }
    router_counters().remote.set(static_cast<std::int64_t>(remotes_.size()));
  }
  for (const auto& [node, conn] : moved)
    send(node, json{{"k", "m"}, {"u", user}, {"n", opt_.node}, {"c", conn}}.dump());
  return released;
}

void cluster_router::count_late() { router_counters().late.inc(); }

cluster_router::sink_kind cluster_router::kind_of(const client_sink_ptr& sink) {
  auto* r = dynamic_cast<const remote_sink*>(sink.get());
  if (!r)
    return sink_kind::local;
  return r->released() ? sink_kind::released : sink_kind::remote;
}

void cluster_router::refuse_remote(const std::string& from, std::uint64_t conn,
                                   const std::string& chat_id) {
  router_counters().refused.inc();
  core::log::warn("cluster_remote_refused", {{"node", from}});
  if (chat_id.empty())
    return;
  send(from, json{{"k", "f"},
                  {"c", conn},
                  {"f", core::frames::error("overloaded", "this server is full; re-send", chat_id,
                                            opt_.retry_after_ms)}}
               .dump());
}

void cluster_router::session_of_conn_lost_owner(std::uint64_t conn) {
  lease_listener_actor session;
  {
    std::lock_guard lock{mutex_};
    auto it = conns_.find(conn);
    if (it == conns_.end())
      return;
    session = it->second.session;
  }
  if (session)
    caf::anon_send(session, lease_atom::value, std::uint64_t{0});
}

std::shared_ptr<cluster_router::remote_sink> cluster_router::remote(const std::string& from,
                                                                    std::uint64_t conn,
                                                                    const std::string& user,
                                                                    bool create) {
  std::lock_guard lock{mutex_};
  auto key = std::make_pair(from, conn);
  if (auto it = remotes_.find(key); it != remotes_.end())
    return it->second->user() == user ? it->second : nullptr;
  if (!create || remotes_.size() >= opt_.max_remote)
    return nullptr;
  auto sink = std::make_shared<remote_sink>(weak_from_this(), from, conn, user);
  remotes_.emplace(key, sink);
  router_counters().remote.set(static_cast<std::int64_t>(remotes_.size()));
  return sink;
}

void cluster_router::drop_remote(const std::string& from, std::uint64_t conn) {
  std::shared_ptr<remote_sink> sink;
  gateway_api_ptr gw;
  {
    std::lock_guard lock{mutex_};
    auto it = remotes_.find({from, conn});
    if (it == remotes_.end())
      return;
    sink = it->second;
    sink->release();
    remotes_.erase(it);
    router_counters().remote.set(static_cast<std::int64_t>(remotes_.size()));
    gw = gateway_;
  }
  if (gw)
    gw->detach(sink->user(), sink);
}

void cluster_router::on_receive(const std::string& payload) {
  auto m = json::parse(payload, nullptr, false);
  if (!m.is_object() || !m.contains("k") || !m["k"].is_string() || !m.contains("c")
      || !m["c"].is_number_unsigned()) {
    router_counters().malformed.inc();
    return;
  }
  auto k = m["k"].get<std::string>();
  auto conn = m["c"].get<std::uint64_t>();
  if (k == "f") { // a frame for one of our connections
    if (!m.contains("f") || !m["f"].is_string()) {
      router_counters().malformed.inc();
      return;
    }
    auto frame = m["f"].get<std::string>();
    client_sink_ptr sink;
    {
      std::lock_guard lock{mutex_};
      if (auto it = conns_.find(conn); it != conns_.end())
        sink = it->second.sink.lock();
      // the owner answered a forwarded chat (server frames open with their type)
      bool error = frame.rfind(R"({"type":"error")", 0) == 0;
      if (!awaited_.empty() && (error || frame.rfind(R"({"type":"accepted")", 0) == 0)) {
        auto f = json::parse(frame, nullptr, false);
        if (f.is_object() && f.contains("id") && f["id"].is_string())
          if (auto a = awaited_.find({conn, f["id"].get<std::string>()}); a != awaited_.end()) {
            auto& w = a->second;
            if (error && w.late > 0) {
              // the owner's late refusal of a copy this node answered `overloaded` already
              if (--w.late == 0 && w.state != forward_state::waiting)
                awaited_.erase(a);
              router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
              return;
            }
            if (w.state == forward_state::abandoned) {
              awaited_.erase(a); // accepted after all (the bus was slower than the deadline)
            } else {
              w.state = forward_state::answered;
            }
            router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
          }
      }
    }
    if (sink)
      sink->deliver(std::make_shared<const std::string>(std::move(frame)));
    return;
  }
  if (k == "m") { // the owner we forwarded this connection to lost the user
    session_of_conn_lost_owner(conn);
    return;
  }
  auto user = m.contains("u") && m["u"].is_string() ? m["u"].get<std::string>() : std::string{};
  auto from = m.contains("n") && m["n"].is_string() ? m["n"].get<std::string>() : std::string{};
  std::optional<core::client_command> cmd;
  if (k == "x")
    cmd = core::forwarded_command_from_json(m.value("cmd", json{}));
  auto* chat = cmd ? std::get_if<core::chat_command>(&*cmd) : nullptr;
  if (chat && m.contains("dl") && m["dl"].is_number_integer())
    chat->not_after_ms = m["dl"].get<std::int64_t>(); // the session checks it again on admission
  if (user.empty() || from.empty() || conn == 0 || (k != "a" && k != "d" && k != "x")
      || (k == "x" && !cmd)) {
    router_counters().malformed.inc();
    return;
  }
  gateway_api_ptr gw;
  {
    std::lock_guard lock{mutex_};
    gw = gateway_;
  }
  if (!gw)
    return;
  if (chat && chat->not_after_ms != 0 && wall_ms() > chat->not_after_ms) {
    // this node stalled (or the bus did) for longer than the sender waits: its node answers
    // the chat `overloaded` and the client re-sends; running it too would make it twice
    router_counters().late.inc();
    send(from, json{{"k", "f"},
                    {"c", conn},
                    {"f", core::frames::error("overloaded",
                                              "the server holding this conversation answered "
                                              "too late; re-send",
                                              chat->id, opt_.retry_after_ms)}}
                 .dump());
    return;
  }
  if (k == "d") {
    drop_remote(from, conn);
    return;
  }
  auto sink = remote(from, conn, user, true);
  if (!sink) {
    refuse_remote(from, conn, chat ? chat->id : std::string{});
    return;
  }
  gw->subscribe(user, sink); // had its `ready` from its own node; a command may come first
  if (cmd)
    gw->command(user, sink, std::move(*cmd));
}

void cluster_router::on_undelivered(const std::string& to, const std::string& payload) {
  router_counters().dropped.inc();
  auto m = json::parse(payload, nullptr, false);
  if (!m.is_object())
    return;
  auto k = m.value("k", std::string{});
  auto conn = m.value("c", std::uint64_t{0});
  if (k == "f") { // the node of that connection is gone
    drop_remote(to, conn);
    return;
  }
  if (k == "m" || k == "d") // that node is gone: nothing of it to move or detach
    return;
  // the owner we forwarded to is gone: its session must stop forwarding, and a lost chat is
  // answered so the client re-sends
  local_conn lc;
  {
    std::lock_guard lock{mutex_};
    auto it = conns_.find(conn);
    if (it == conns_.end())
      return;
    lc = it->second;
  }
  if (lc.session)
    caf::anon_send(lc.session, lease_atom::value, std::uint64_t{0});
  if (k != "x")
    return;
  auto sink = lc.sink.lock();
  auto cmd = m.value("cmd", json{});
  if (cmd.value("k", std::string{}) != "chat")
    return;
  {
    std::lock_guard lock{mutex_};
    if (auto a = awaited_.find({conn, cmd.value("id", std::string{})}); a != awaited_.end()) {
      if (a->second.late == 0)
        awaited_.erase(a); // answered here and now: the session's timeout says nothing more
      else
        a->second.state = forward_state::abandoned;
      router_counters().awaited.set(static_cast<std::int64_t>(awaited_.size()));
    }
  }
  if (sink)
    sink->deliver(std::make_shared<const std::string>(
      core::frames::error("overloaded", "the server holding this conversation stopped; re-send",
                          cmd.value("id", std::string{}), opt_.retry_after_ms)));
}

} // namespace xinyu::actors
