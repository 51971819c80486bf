// The gateway maps user ids to session actors and routes connection messages to them; it lets
// an idle session stop only when nothing routed to it is still unseen. Holds no conversation.
#include "actors/gateway.hpp"

#include "actors/gateway_client.hpp"
#include "core/support/metrics.hpp"
#include "core/protocol/server_frame.hpp"
#include "core/support/service_state.hpp"

#include "actors/storage_actor.hpp"
#include "storage/conversation_store.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include <unordered_map>

namespace xinyu::actors {

namespace {

struct route {
  session_actor session;
  std::uint64_t routed = 0; // messages sent to it
};

struct gateway_state {
  stage_pools pools;
  std::shared_ptr<const session_settings> settings;
  std::unordered_map<std::string, route> sessions;
  std::unordered_map<caf::actor_addr, std::string> users;
  std::vector<client_sink_ptr> operators;                 // connected operators
  std::unordered_map<std::string, client_sink_ptr> taken; // user -> the operator who took over
  static inline const char* name = "gateway";

  /// A `persisted` that no session will turn into a frame: nobody is connected to tell.
  void persisted_unsent() {
    if (settings && settings->svc)
      --settings->svc->persisted_unsent;
  }
};

using gateway_ptr = gateway_actor::stateful_pointer<gateway_state>;

route& route_of(gateway_ptr self, const std::string& user) {
  auto& st = self->state;
  auto it = st.sessions.find(user);
  if (it == st.sessions.end()) {
    auto s = spawn_session(self->system(), user, st.pools, st.settings,
                           caf::actor_cast<session_owner_actor>(self));
    self->monitor(s);
    st.users.emplace(s.address(), user);
    it = st.sessions.emplace(user, route{std::move(s), 0}).first;
    // a conversation an operator holds stays with them across passivation and restarts
    if (auto t = st.taken.find(user); t != st.taken.end()) {
      ++it->second.routed;
      self->send(it->second.session, handoff_atom::value, true, t->second);
    }
  }
  ++it->second.routed;
  return it->second;
}

/// Tells `origin` that its command never reached a session (it died with it in its mailbox).
void reply_session_restarted(const client_sink_ptr& origin,
                             const std::optional<std::string>& chat_id) {
  if (!origin)
    return;
  std::optional<std::string_view> id;
  if (chat_id)
    id = *chat_id;
  core::metrics()
    .get_counter("xinyu_errors_total", "error frames sent, by code", "code=\"internal\"")
    .inc();
  origin->deliver(std::make_shared<const std::string>(
    core::frames::error("internal", "the session restarted before it saw this; re-send", id)));
}

gateway_actor::behavior_type gateway(gateway_ptr self, stage_pools pools,
                                     std::shared_ptr<const session_settings> settings) {
  self->state.pools = std::move(pools);
  self->state.settings = std::move(settings);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [user, r] : self->state.sessions)
      self->send_exit(r.session, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.users.find(dm.source);
    if (it == st.users.end())
      return;
    auto s = st.sessions.find(it->second);
    if (s != st.sessions.end() && s->second.session.address() == dm.source)
      st.sessions.erase(s);
    st.users.erase(it);
  });
  return {
    [self](attach_atom, std::string& user, client_sink_ptr& sink) {
      self->send(route_of(self, user).session, attach_atom::value, std::move(sink));
    },
    [self](handover_atom, std::string& user, client_sink_ptr& sink) {
      // a connection of another node: subscribed to the session without a `ready`
      self->send(route_of(self, user).session, handover_atom::value, std::move(sink));
    },
    [self](detach_atom, std::string& user, client_sink_ptr& sink) {
      auto it = self->state.sessions.find(user);
      if (it != self->state.sessions.end()) {
        ++it->second.routed;
        self->send(it->second.session, detach_atom::value, std::move(sink));
      }
    },
    [self](command_atom, std::string& user, client_sink_ptr& origin, core::client_command& cmd) {
      // A request, not a send: if the session died with this in its mailbox, CAF answers with
      // an error and the client gets an `error` frame instead of silence.
      std::optional<std::string> chat_id;
      if (auto* chat = std::get_if<core::chat_command>(&cmd))
        chat_id = chat->id;
      self
        ->request(route_of(self, user).session, caf::infinite, command_atom::value, origin,
                  std::move(cmd))
        .then([](bool) {},
              [origin, chat_id](caf::error&) { reply_session_restarted(origin, chat_id); });
    },
    [self](handover_atom, std::string& user, sink_list& sinks, caf::actor_addr& dead) {
      // a session crashed: a fresh session takes its connections
      auto& st = self->state;
      if (auto s = st.sessions.find(user);
          s != st.sessions.end() && s->second.session.address() == dead)
        st.sessions.erase(s);
      st.users.erase(dead);
      auto& r = route_of(self, user);
      --r.routed; // route_of counted one message; each sink below is one
      for (auto& sink : sinks) {
        ++r.routed;
        self->send(r.session, handover_atom::value, std::move(sink));
      }
    },
    [self](persisted_atom, std::string& id, std::uint64_t turn, std::string& user) {
      // storage wrote a turn: the session that now holds the user's connections tells them
      // (after a crash that is the successor).
      auto& st = self->state;
      auto it = st.sessions.find(user);
      if (it == st.sessions.end()) {
        st.persisted_unsent();
        return;
      }
      // If that session died meanwhile, CAF bounces the request after the session's handover
      // (same sender, so in order): then the successor is in the map and gets it.
      self->request(it->second.session, caf::infinite, persisted_atom::value, id, turn)
        .then([](bool) {},
              [self, id, turn, user](caf::error&) {
                auto& st = self->state;
                auto next = st.sessions.find(user);
                if (next == st.sessions.end()) {
                  st.persisted_unsent();
                  return;
                }
                self->request(next->second.session, caf::infinite, persisted_atom::value, id, turn)
                  .then([](bool) {}, [self](caf::error&) { self->state.persisted_unsent(); });
              });
    },
    [self](idle_atom, std::uint64_t seen) -> bool {
      // An idle session may stop iff every message routed to it has been handled: after we
      // forget it here, the next message for its user starts a fresh session that reloads.
      auto& st = self->state;
      auto sender = self->current_sender();
      auto u = st.users.find(caf::actor_cast<caf::actor_addr>(sender));
      if (u == st.users.end())
        return false;
      auto s = st.sessions.find(u->second);
      if (s == st.sessions.end() || s->second.routed != seen)
        return false;
      st.sessions.erase(s);
      st.users.erase(u);
      return true;
    },
    [self](stats_atom) -> std::size_t { return self->state.sessions.size(); },
    [self](minor_atom, std::string& user) {
      self->send(route_of(self, user).session, minor_atom::value);
    },
    [self](alert_atom, std::string& frame, std::string& webhook_body) {
      auto& st = self->state;
      if (st.pools.escalation) {
        // the webhook's queue is bounded here, where every event comes from
        if (*st.pools.escalation_queued >= st.settings->config.care.escalation_queue_max) {
          core::metrics()
            .get_counter("xinyu_escalations_total",
                         "crisis events for the escalation webhook, by outcome",
                         "result=\"dropped\"")
            .inc();
        } else {
          ++*st.pools.escalation_queued;
          self->send(st.pools.escalation, alert_atom::value, std::move(webhook_body));
        }
      }
      auto f = std::make_shared<const std::string>(std::move(frame));
      for (auto& op : st.operators)
        op->deliver(f);
      core::metrics()
        .get_counter("xinyu_crisis_alerts_total", "crisis alerts, by whether an operator saw them",
                     self->state.operators.empty() ? "seen=\"false\"" : "seen=\"true\"")
        .inc();
    },
    [self](operator_atom, attach_atom, std::string& name, client_sink_ptr& sink) {
      self->state.operators.push_back(sink);
      sink->deliver(std::make_shared<const std::string>(core::frames::ready(name, "xinyu")));
    },
    [self](operator_atom, detach_atom, client_sink_ptr& sink) {
      auto& st = self->state;
      std::erase(st.operators, sink);
      // whatever this operator held goes back to the AI
      for (auto it = st.taken.begin(); it != st.taken.end();) {
        if (it->second == sink) {
          if (auto s = st.sessions.find(it->first); s != st.sessions.end()) {
            ++s->second.routed;
            self->send(s->second.session, handoff_atom::value, false, sink);
          }
          it = st.taken.erase(it);
        } else {
          ++it;
        }
      }
    },
    [self](operator_atom, command_atom, client_sink_ptr& op, core::operator_command& cmd) {
      auto& st = self->state;
      auto refuse = [&op](const char* code, const char* message) {
        op->deliver(std::make_shared<const std::string>(core::frames::error(code, message)));
      };
      std::visit(
        [&](auto& c) {
          using T = std::decay_t<decltype(c)>;
          auto holder = st.taken.find(c.user);
          if constexpr (std::is_same_v<T, core::takeover_command>) {
            if (holder != st.taken.end() && holder->second != op)
              return refuse("busy", "another operator has this conversation");
            st.taken[c.user] = op;
            self->send(route_of(self, c.user).session, handoff_atom::value, true, op);
          } else {
            if (holder == st.taken.end() || holder->second != op)
              return refuse("not_found", "take this conversation over first");
            if constexpr (std::is_same_v<T, core::release_command>) {
              st.taken.erase(holder);
              self->send(route_of(self, c.user).session, handoff_atom::value, false, op);
            } else {
              self->send(route_of(self, c.user).session, reply_atom::value, std::move(c.id),
                         std::move(c.text), op);
            }
          }
        },
        cmd);
    },
    [self](report_atom, core::care_report_query& q, client_sink_ptr& origin) {
      auto& st = self->state;
      if (!st.pools.storage) {
        origin->deliver(std::make_shared<const std::string>(
          core::frames::error("internal", "reports need storage (storage.path)")));
        return;
      }
      self
        ->request(st.pools.storage,
                  std::chrono::milliseconds{st.settings->config.session.bookkeeping_deadline_ms},
                  report_atom::value, q.from, q.to)
        .then(
          [q, origin](std::vector<storage::report_count>& rows) {
            std::vector<core::care_count> counts;
            for (auto& r : rows)
              counts.push_back({std::move(r.day), std::move(r.event), r.count});
            nlohmann::json frame{{"type", "report"},
                                 {"content_type",
                                  q.csv ? "text/csv; charset=utf-8" : "application/json"},
                                 {"body", core::render_care_report(q, counts)}};
            origin->deliver(std::make_shared<const std::string>(frame.dump()));
          },
          [origin](caf::error& e) {
            origin->deliver(std::make_shared<const std::string>(
              core::frames::error("internal",
                                  "the report could not be read: " + caf::to_string(e))));
          });
    },
  };
}

/// transport's view of the gateway: one message per call, no CAF types in its interface.
class gateway_client final : public gateway_api {
public:
  explicit gateway_client(gateway_actor gw) : gw_(std::move(gw)) {}
  void attach(const std::string& user, client_sink_ptr sink) override {
    caf::anon_send(gw_, attach_atom::value, user, std::move(sink));
  }
  void detach(const std::string& user, client_sink_ptr sink) override {
    caf::anon_send(gw_, detach_atom::value, user, std::move(sink));
  }
  void subscribe(const std::string& user, client_sink_ptr sink) override {
    caf::anon_send(gw_, handover_atom::value, user, std::move(sink));
  }
  void command(const std::string& user, client_sink_ptr origin, core::client_command cmd) override {
    caf::anon_send(gw_, command_atom::value, user, std::move(origin), std::move(cmd));
  }
  void mark_minor(const std::string& user) override {
    caf::anon_send(gw_, minor_atom::value, user);
  }
  void care_report(core::care_report_query q, client_sink_ptr origin) override {
    caf::anon_send(gw_, report_atom::value, std::move(q), std::move(origin));
  }
  void operator_attach(const std::string& name, client_sink_ptr sink) override {
    caf::anon_send(gw_, operator_atom::value, attach_atom::value, name, std::move(sink));
  }
  void operator_detach(client_sink_ptr sink) override {
    caf::anon_send(gw_, operator_atom::value, detach_atom::value, std::move(sink));
  }
  void operator_command(client_sink_ptr sink, core::operator_command cmd) override {
    caf::anon_send(gw_, operator_atom::value, command_atom::value, std::move(sink), std::move(cmd));
  }

private:
  gateway_actor gw_;
};

} // namespace

gateway_actor spawn_gateway(caf::actor_system& sys, stage_pools pools,
                            std::shared_ptr<const session_settings> settings) {
  return sys.spawn(gateway, std::move(pools), std::move(settings));
}

gateway_api_ptr make_gateway_api(gateway_actor gateway) {
  return std::make_shared<gateway_client>(std::move(gateway));
}

} // namespace xinyu::actors
