// A session's lifecycle: spawn and settings, loading its user from storage, routing what the
// gateway sends, passivation when idle and the hand-over when it crashes. Never sockets.
#include "actors/session/session_state.hpp"
#include "actors/cluster_router.hpp"
#include "actors/error.hpp"

#include "core/auth/sealed_box.hpp"

#include "core/support/config.hpp"
#include "core/support/log.hpp"
#include "core/protocol/server_frame.hpp"
#include "core/support/service_state.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace xinyu::actors {

namespace session {

namespace {

/// This session is about to die (an exception). Every admitted turn still gets its one `done`
/// (finish error) and is stored so the numbering stays right; the connections are handed to
/// the owner, which starts a fresh session for the user.
void on_crash(session_ptr self, const std::string& what) {
  auto& st = self->state;
  core::log::error("session_crashed", {{"user", core::log::user_pseudonym(st.user)},
                                       {"turns", st.turns.size()},
                                       {"detail", what.substr(0, 80)}});
  metrics().crashed.inc();
  for (auto& t : st.turns) {
    if (t.stream)
      self->send(t.stream, cancel_atom::value, t.key);
    core::frames::done_info d;
    d.id = t.id;
    d.turn = t.reply_turn;
    d.finish = core::to_string(core::finish_reason::error);
    d.degraded = t.degraded;
    d.degraded.push_back("session");
    d.ttft_ms = t.ttft_ms;
    d.total_ms = ms_since(t.accepted_at);
    st.broadcast(core::frames::done(d));
    metrics().finish(core::finish_reason::error).inc();
    persist(self, t, t.reply(), core::finish_reason::error, now_ms(), new_facts(st, t));
  }
  st.uncount_all();
  st.turns.clear();
  for (auto& w : st.waiting)
    if (auto* chat = std::get_if<core::chat_command>(&w.cmd))
      reply_error(w.origin, "internal", "the session restarted; re-send", chat->id);
  st.waiting.clear();
  if (st.owner)
    self->send(st.owner, handover_atom::value, st.user, std::move(st.sinks), self->address());
  st.sinks.clear();
}

/// The turn counter (and memories) are known: run what waited for them.
void loaded(session_ptr self) {
  auto& st = self->state;
  st.loading = false;
  if (st.loaded)
    return;
  st.loaded = true;
  // one at a time from the state: if one of them crashes us, the crash handler still sees
  // (and answers) the rest
  while (!st.waiting.empty()) {
    auto w = std::move(st.waiting.front());
    st.waiting.pop_front();
    dispatch(self, w.origin, w.cmd);
  }
}

/// Nobody waits silently when the load failed: what arrived is refused, and it is retried.
void load_failed(session_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.loading = false;
  core::log::error("session_load_failed", {{"detail", self->system().render(err)}});
  for (auto& w : st.waiting) {
    if (auto* chat = std::get_if<core::chat_command>(&w.cmd)) {
      metrics().overloaded.inc();
      reply_error(w.origin, "overloaded", "conversation storage is unavailable; re-send later",
                  chat->id, st.cfg->config.storage.retry_after_ms);
    } else {
      reply_error(w.origin, "internal", "conversation storage is unavailable");
    }
  }
  st.waiting.clear();
  self->delayed_send(self, std::chrono::milliseconds{st.cfg->config.storage.retry_after_ms},
                     load_atom::value);
}

} // namespace

/// Cluster mode: a session that does not own its user (lost the lease) and has no turn in flight
/// lets go of other nodes' connections: their node is told to ask for the lease again (and finds
/// the new owner); unsubscribed here, so this session can passivate. A turn in flight keeps them
/// until its `done` went out (called again when the last one finishes).
void release_other_nodes(session_ptr self) {
  auto& st = self->state;
  if (!st.cfg->router || st.lease_epoch != 0 || st.loaded || !st.turns.empty())
    return;
  for (const auto& gone : st.cfg->router->disown(st.user, st.sinks))
    st.sinks.erase(std::remove(st.sinks.begin(), st.sinks.end(), gone), st.sinks.end());
}

namespace {

using sink_kind = cluster_router::sink_kind;

/// Cluster mode: whether this session drops `sink`'s command or subscription instead of serving
/// it: another node's connection this node let go of, or one that reached a session that
/// forwards itself (never a chain of nodes: its node is told to find the owner directly, and
/// answers the command `overloaded` at its own timeout, so it runs once or not at all).
bool let_go_of(session_ptr self, const client_sink_ptr& sink) {
  auto& st = self->state;
  if (!st.cfg->router || !sink)
    return false;
  auto kind = cluster_router::kind_of(sink);
  if (kind == sink_kind::released)
    return true;
  if (kind == sink_kind::remote && !st.proxy_to.empty()) {
    st.cfg->router->disown(st.user, {sink});
    st.sinks.erase(std::remove(st.sinks.begin(), st.sinks.end(), sink), st.sinks.end());
    return true;
  }
  return false;
}

lease_listener_actor as_lease_listener(session_ptr self) {
  return caf::actor_cast<lease_listener_actor>(self);
}

/// Cluster mode: `cmd` goes to the owner node; a chat must be accepted (or refused) there
/// within cluster.forward_timeout_ms.
void forward(session_ptr self, const client_sink_ptr& origin, const core::client_command& cmd) {
  auto& st = self->state;
  st.cfg->router->proxy_command(st.proxy_to, st.user, origin, cmd, as_lease_listener(self));
  if (const auto* chat = std::get_if<core::chat_command>(&cmd))
    self->delayed_send(self, std::chrono::milliseconds{st.cfg->config.cluster.forward_timeout_ms},
                       timeout_atom::value, origin, chat->id);
}

/// Cluster mode: this node owns the user now, or another node than the one this session's
/// connections were attached to: the former owner stops serving them (a stale owner's frames
/// stop, and its session may passivate).
void detach_from_owner(session_ptr self) {
  auto& st = self->state;
  if (st.attached_to.empty())
    return;
  for (const auto& sink : st.sinks)
    st.cfg->router->proxy_move(st.attached_to, st.user, sink);
  st.attached_to.clear();
}

/// Cluster mode: another node owns the user and we can reach it: this session forwards its
/// connections and commands there, and the owner's frames come back to them.
void enter_proxy(session_ptr self, const std::string& owner) {
  auto& st = self->state;
  st.loading = false;
  if (st.proxy_to != owner)
    core::log::info("session_forwards", {{"owner", owner}});
  if (st.attached_to != owner)
    detach_from_owner(self);
  st.attached_to = owner;
  st.proxy_to = owner;
  // other nodes' connections find the owner themselves (no chain of nodes): let go of them and
  // drop what they sent (their node answers it `overloaded` at its timeout)
  std::vector<client_sink_ptr> remote;
  for (const auto& sink : st.sinks)
    if (cluster_router::kind_of(sink) != cluster_router::sink_kind::local)
      remote.push_back(sink);
  if (!remote.empty()) {
    for (const auto& gone : st.cfg->router->disown(st.user, remote))
      st.sinks.erase(std::remove(st.sinks.begin(), st.sinks.end(), gone), st.sinks.end());
    st.waiting.erase(std::remove_if(st.waiting.begin(), st.waiting.end(),
                                    [](const auto& w) {
                                      return cluster_router::kind_of(w.origin)
                                             != cluster_router::sink_kind::local;
                                    }),
                     st.waiting.end());
  }
  st.proxy_checked = clock::now();
  auto& router = *st.cfg->router;
  for (const auto& sink : st.sinks)
    router.proxy_attach(owner, st.user, sink, as_lease_listener(self));
  for (auto& w : st.waiting)
    forward(self, w.origin, w.cmd);
  st.waiting.clear();
}

/// Cluster mode: another node owns the user. With a router what waits is forwarded to it;
/// without one it is refused with the time its lease still runs, and the next command asks
/// again (no retry timer: an unused session may stop).
void lease_refused(session_ptr self, const storage::lease_grant& g) {
  auto& st = self->state;
  st.loading = false;
  if (st.cfg->router && !g.holder.empty() && g.holder != st.cfg->router->node()) {
    enter_proxy(self, g.holder);
    return;
  }
  auto retry = static_cast<unsigned>(
    std::clamp<std::uint64_t>(g.held_for_ms, 100, st.cfg->config.cluster.lease_ms));
  for (auto& w : st.waiting) {
    std::optional<std::string_view> id;
    if (auto* chat = std::get_if<core::chat_command>(&w.cmd))
      id = chat->id;
    metrics().overloaded.inc();
    reply_error(w.origin, "overloaded",
                "this conversation is open on another server of this service; re-send later", id,
                retry);
  }
  st.waiting.clear();
}

/// Cluster mode: the lease this session held was lost (expired and taken by another node, or
/// Redis unreachable for a whole lease). It stops acting as the owner: turns still in flight are
/// fenced off by storage, the next command asks for the lease again.
void on_lease_lost(session_ptr self, std::uint64_t epoch) {
  auto& st = self->state;
  if (epoch == 0) { // the owner we forwarded to is gone, or told us it lost the user
    if (!st.proxy_to.empty())
      core::log::warn("session_owner_gone", {{"owner", st.proxy_to}});
    st.proxy_to.clear(); // the next command asks for the lease (ours once the old one expires)
    return;
  }
  if (epoch != st.lease_epoch || !st.loaded)
    return;
  core::log::warn("session_lease_lost", {{"epoch", epoch}});
  st.loaded = false;
  st.lease_epoch = 0;
  st.pending_persists = 0; // fenced turns never get `persisted`
  release_other_nodes(self);
}

void subscribe(session_state& st, const client_sink_ptr& sink) {
  if (sink && std::find(st.sinks.begin(), st.sinks.end(), sink) == st.sinks.end())
    st.sinks.push_back(sink);
}

/// A command routed by the owner: run it, or keep it until the load is done.
void on_command(session_ptr self, const client_sink_ptr& origin, core::client_command& cmd) {
  auto& st = self->state;
  ++st.routed;
  if (let_go_of(self, origin))
    return;
  // A command from a connection proves it is this user's: make sure it sees our frames even if
  // it reached us before the hand-over of a crashed predecessor did.
  subscribe(st, origin);
  st.last_activity = clock::now();
  if (!st.proxy_to.empty()) {
    // the owner may have stalled (its lease then runs out): every third of a lease the lease is
    // asked for again before forwarding, so this node takes the user over once it is free
    if (clock::now() - st.proxy_checked
        < std::chrono::milliseconds{st.cfg->config.cluster.lease_ms / 3}) {
      forward(self, origin, cmd);
      return;
    }
    st.proxy_to.clear();
  }
  if (st.loaded) {
    dispatch(self, origin, cmd);
    return;
  }
  if (!st.loading && st.pools.storage)
    load(self); // refused by another node's lease before, or lost it: ask again
  if (st.waiting.size() >= st.cfg->config.session.max_queued_turns) {
    std::optional<std::string_view> id;
    if (auto* chat = std::get_if<core::chat_command>(&cmd))
      id = chat->id;
    metrics().busy.inc();
    reply_error(origin, "busy", "this session is still loading; re-send later", id);
    return;
  }
  st.waiting.push_back({origin, std::move(cmd)});
}

/// Idle for `settings.idle` with nothing in flight: ask the owner whether to stop; on yes the
/// memory index goes too (reseeded from storage by the next session).
void on_idle_check(session_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, std::chrono::seconds{st.cfg->config.session.idle_s}, idle_atom::value);
  // a session that never got the user's lease (another node owns it) may stop too
  bool idle =
    st.sinks.empty() && st.turns.empty() && st.waiting.empty() && st.pending_persists == 0
    && !st.loading
    && clock::now() - st.last_activity >= std::chrono::seconds{st.cfg->config.session.idle_s};
  if (!idle || !st.owner || !st.pools.storage)
    return;
  // the owner stops routing to us only if it has routed nothing we have not seen
  self
    ->request(st.owner, ms(st.cfg->config.session.bookkeeping_deadline_ms), idle_atom::value,
              st.routed)
    .then(
      [self](bool stop) {
        if (!stop)
          return;
        metrics().passivated.inc();
        auto& st = self->state;
        if (st.pools.lease && st.lease_epoch != 0) // another node may take the user at once
          self->send(st.pools.lease, release_atom::value, st.user, st.lease_epoch,
                     caf::actor_cast<lease_listener_actor>(self));
        // the epoch keeps this from dropping what a successor already loaded
        self
          ->request(st.pools.memory, ms(st.cfg->config.session.bookkeeping_deadline_ms),
                    work_atom::value, unload_request{st.user, st.memory_epoch})
          .then([](bool) {}, [](caf::error&) {});
        self->quit();
      },
      [](caf::error&) {});
}

/// The persisted frame for a turn storage wrote.
void on_persisted(session_ptr self, const std::string& id, std::uint64_t turn) {
  auto& st = self->state;
  if (st.pending_persists > 0)
    --st.pending_persists;
  st.broadcast(core::frames::persisted(id, turn));
  if (st.cfg->svc)
    --st.cfg->svc->persisted_unsent; // counted once the frame is with the connections
}

session_actor::behavior_type session_behavior(session_ptr self, std::string user, stage_pools pools,
                                              std::shared_ptr<const session_settings> cfg,
                                              session_owner_actor owner) {
  auto& st = self->state;
  st.user = std::move(user);
  st.pools = std::move(pools);
  st.cfg = std::move(cfg);
  st.owner = std::move(owner);
  st.risk =
    core::conversation_risk{core::conversation_risk_settings{st.cfg->config.safety.risk_half_life_s,
                                                             st.cfg->config.safety.risk_crisis_at}};
  st.chats =
    core::token_bucket{st.cfg->config.limits.chats_per_minute, st.cfg->config.limits.chat_burst};
  st.commands = core::token_bucket{st.cfg->config.limits.commands_per_minute,
                                   st.cfg->config.limits.command_burst};
  st.care = core::care_schedule{st.cfg->care, clock::now()};
  st.known = known_facts{st.cfg->config.session.max_known_facts};
  core::core_memory::options core_opts;
  core_opts.token_budget = st.cfg->config.memory.core_tokens;
  core_opts.max_facts = st.cfg->config.memory.max_items_per_user;
  st.core = core::core_memory{core_opts};
  metrics().sessions.add(1);
  if (st.pools.storage) {
    load(self);
    self->delayed_send(self, std::chrono::seconds{st.cfg->config.session.idle_s}, idle_atom::value);
  } else {
    st.loaded = true;
  }
  self->set_exception_handler([self](std::exception_ptr& ep) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    // The request being handled (a command or a `persisted` from the owner) reached us:
    // answer it, so that the owner reads any error on a request as "never seen".
    if (auto* cur = self->current_mailbox_element(); cur && cur->mid.is_request())
      if (auto rp = self->make_response_promise(); rp.pending())
        rp.deliver(true);
    on_crash(self, what);
    return caf::make_error(caf::exit_reason::unhandled_exception);
  });
  self->set_down_handler([self](caf::down_msg& dm) { on_stream_worker_down(self, dm.source); });
  return {
    [self](attach_atom, client_sink_ptr& sink) {
      auto& st = self->state;
      ++st.routed;
      st.last_activity = clock::now();
      subscribe(st, sink);
      session_state::reply(sink, core::frames::ready(st.user, st.cfg->config.server.name));
      if (!st.proxy_to.empty()) { // the owner node's session sends the rest
        st.cfg->router->proxy_attach(st.proxy_to, st.user, sink, as_lease_listener(self));
        return;
      }
      if (auto n = st.care.on_attach(clock::now()))
        session_state::reply(sink, core::frames::notice(n->kind, n->text));
    },
    [self](handover_atom, client_sink_ptr& sink) {
      ++self->state.routed;
      if (!let_go_of(self, sink))
        subscribe(self->state, sink);
    },
    [self](detach_atom, client_sink_ptr& sink) {
      auto& st = self->state;
      ++st.routed;
      st.last_activity = clock::now();
      st.sinks.erase(std::remove(st.sinks.begin(), st.sinks.end(), sink), st.sinks.end());
      if (st.cfg->router) // forgotten here, and the owner told when it serves the connection
        st.cfg->router->proxy_detach(st.attached_to, st.user, sink);
    },
    [self](command_atom, client_sink_ptr& origin, core::client_command& cmd) -> bool {
      on_command(self, origin, cmd);
      return true; // tells the owner the command reached a live session
    },
    [self](persisted_atom, std::string& id, std::uint64_t turn) -> bool {
      on_persisted(self, id, turn);
      return true;
    },
    [self](persisted_atom, std::string& id, std::uint64_t turn, std::string&) {
      on_persisted(self, id, turn); // straight from storage: no owner
    },
    [self](token_atom, std::uint64_t key, std::string& text) {
      on_token(self, key, std::move(text));
    },
    [self](retry_atom, std::uint64_t key) { on_stream_continued(self, key); },
    [self](end_atom, std::uint64_t key, core::finish_reason finish) {
      on_stream_end(self, key, finish);
    },
    [self](timeout_atom, std::int64_t at) { on_wakeup(self, at); },
    [self](handoff_atom, bool human, client_sink_ptr& op) { on_handoff(self, human, op); },
    [self](minor_atom) {
      auto& st = self->state;
      if (st.minor)
        return;
      st.minor = true; // sticky: once any credential says minor, the session is a minor's
      st.care.set_minor();
    },
    [self](reply_atom, std::string& id, std::string& text, client_sink_ptr& op) {
      on_operator_reply(self, id, text, op);
    },
    [self](load_atom) {
      if (!self->state.loaded && !self->state.loading)
        load(self);
    },
    [self](lease_atom, std::uint64_t epoch) { on_lease_lost(self, epoch); },
    [self](timeout_atom, client_sink_ptr& origin, std::string& id) {
      // a chat forwarded to the owner node: its `accepted` (or error) must have come back
      auto& st = self->state;
      if (!st.cfg->router || st.cfg->router->forward_answered(origin, id))
        return;
      metrics().overloaded.inc();
      reply_error(origin, "overloaded",
                  "the server holding this conversation does not answer; re-send", id,
                  st.cfg->config.storage.retry_after_ms);
      if (!st.proxy_to.empty()) {
        core::log::warn("session_owner_stalled", {{"owner", st.proxy_to}});
        st.proxy_to.clear(); // the next command asks for the lease again
      }
    },
    [self](idle_atom) { on_idle_check(self); },
  };
}

} // namespace

void acquire_lease(session_ptr self, std::uint64_t floor);

/// The user's stored state, after the lease (cluster mode) is ours: storage claims the epoch
/// first, so that everything a previous owner wrote is in the snapshot.
void load_snapshot(session_ptr self, bool may_raise_epoch) {
  auto& st = self->state;
  self
    ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), load_atom::value,
              st.user, st.lease_epoch)
    .then(
      [self, may_raise_epoch](storage::user_snapshot& snap) {
        auto& st = self->state;
        if (snap.newer_epoch != 0) {
          // storage has seen a newer epoch than Redis gave us (Redis lost its counters): once,
          // ask for one above it; a second refusal means another owner is really newer
          st.lease_epoch = 0;
          if (may_raise_epoch)
            acquire_lease(self, snap.newer_epoch);
          else
            load_failed(self, make_error(ec::storage_failed, "another node owns this user now"));
          return;
        }
        st.last_turn = std::max(st.last_turn, snap.last_turn);
        st.contact_sealed = snap.contact;
        st.summary = std::move(snap.summary);
        if (!snap.care.empty()) // the schedule continues where the last server left it
          st.care.restore(snap.care, clock::now(), now_ms());
        st.recent.clear();
        auto cap = st.cfg->config.session.recent_messages;
        auto skip = snap.recent.size() > cap ? snap.recent.size() - cap : 0; // the newest `cap`
        for (std::size_t i = skip; i < snap.recent.size(); ++i)
          st.recent.push(snap.recent[i].role, std::move(snap.recent[i].text));
        for (const auto& m : snap.memories) {
          st.known.add(m.text);
          if (m.turn != 0)
            st.core.add({m.turn, m.index}, m.text);
        }
        st.profile.invalidate();
        if (snap.memories.empty()) {
          loaded(self);
          return;
        }
        // the first turn must see the stored memories: wait for the index (bounded; if the
        // memory pool cannot, the turns run without them and `memory` shows as degraded)
        self
          ->request(st.pools.memory, ms(st.cfg->config.storage.load_timeout_ms), work_atom::value,
                    seed_request{st.user, std::move(snap.memories)})
          .then(
            [self](std::uint64_t epoch) {
              self->state.memory_epoch = epoch;
              loaded(self);
            },
            [self](caf::error&) { loaded(self); });
      },
      [self](caf::error& err) { load_failed(self, err); });
}

/// Cluster mode: this node's lease on the user (an epoch above `floor`), then the load.
void acquire_lease(session_ptr self, std::uint64_t floor) {
  auto& st = self->state;
  self
    ->request(st.pools.lease, ms(st.cfg->config.storage.load_timeout_ms), lease_atom::value,
              st.user, as_lease_listener(self), floor)
    .then(
      [self, floor](storage::lease_grant& g) {
        if (!g.granted) {
          lease_refused(self, g);
          return;
        }
        self->state.lease_epoch = g.epoch;
        detach_from_owner(self); // this node owns the user now: a former owner's frames stop
        load_snapshot(self, floor == 0);
      },
      [self](caf::error& err) { load_failed(self, err); });
}

void load(session_ptr self) {
  auto& st = self->state;
  st.loading = true;
  if (!st.pools.lease) {
    load_snapshot(self, false);
    return;
  }
  acquire_lease(self, 0);
}

} // namespace session

std::shared_ptr<const session_settings>
make_session_settings(const core::config& cfg, std::shared_ptr<core::service_state> svc,
                      std::shared_ptr<cluster_router> router) {
  auto s = std::make_shared<session_settings>();
  s->router = std::move(router);
  s->config = cfg;
  s->care = core::care_settings_of(cfg.care);
  if (cfg.care.emergency_contacts) {
    std::string error;
    if (auto key = core::decode_sealing_key(cfg.care.contact_key, error))
      s->contact_key = std::move(*key); // the server refuses to start with a bad key
  }
  // the prompt is built for the window of the endpoint tried first (the upstream client cuts
  // it further for a smaller one later in the chain), or the offline provider's
  core::prompt_limits limits;
  limits.max_recent_messages = cfg.session.recent_messages;
  bool upstream = cfg.llm.provider == "openai" && !cfg.llm.endpoints.empty();
  auto window = upstream ? cfg.llm.endpoints.front().context_window : cfg.offline.context_window;
  auto reserve = upstream ? cfg.llm.endpoints.front().reply_reserve : cfg.offline.reply_reserve;
  limits.max_prompt_tokens = window > reserve ? window - reserve : 0;
  s->prompt = std::make_shared<const core::prompt_builder>(cfg.persona, limits);
  s->svc = std::move(svc);
  return s;
}

session_actor spawn_session(caf::actor_system& sys, std::string user, stage_pools pools,
                            std::shared_ptr<const session_settings> settings,
                            session_owner_actor owner) {
  return sys.spawn(session::session_behavior, std::move(user), std::move(pools),
                   std::move(settings), std::move(owner));
}

} // namespace xinyu::actors
