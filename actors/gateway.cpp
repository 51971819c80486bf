// The gateway maps user ids to session actors and routes connection messages to them; it lets
// an idle session stop only when nothing routed to it is still unseen. Holds no conversation.
#include "actors/gateway.hpp"

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/stray_messages.hpp"
#include "core/metrics.hpp"
#include "core/server_frame.hpp"
#include "core/service_state.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace xinyu::actors {

namespace {

struct route {
  caf::actor session;
  std::uint64_t routed = 0; // messages sent to it
};

struct gateway_state {
  stage_pools pools;
  std::shared_ptr<const session_settings> settings;
  std::unordered_map<std::string, route> sessions;
  std::unordered_map<caf::actor_addr, std::string> users;
  static inline const char* name = "gateway";
};

using gateway_t = caf::stateful_actor<gateway_state>;

route& route_of(gateway_t* self, const std::string& user) {
  auto& st = self->state;
  auto it = st.sessions.find(user);
  if (it == st.sessions.end()) {
    auto s = spawn_session(self->system(), user, st.pools, st.settings,
                           caf::actor_cast<caf::actor>(self));
    self->monitor(s);
    st.users.emplace(s.address(), user);
    it = st.sessions.emplace(user, route{std::move(s), 0}).first;
  }
  ++it->second.routed;
  return it->second;
}

caf::behavior gateway(gateway_t* self, stage_pools pools,
                      std::shared_ptr<const session_settings> settings) {
  self->state.pools = std::move(pools);
  self->state.settings = std::move(settings);
  tolerate_stray_messages(self, "gateway");
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
    [self](detach_atom, std::string& user, client_sink_ptr& sink) {
      auto it = self->state.sessions.find(user);
      if (it != self->state.sessions.end()) {
        ++it->second.routed;
        self->send(it->second.session, detach_atom::value, std::move(sink));
      }
    },
    [self](command_atom, std::string& user, client_sink_ptr& origin,
           core::client_command& cmd) {
      // A request, not a send: if the session died with this in its mailbox, CAF answers with
      // an error and the client gets an `error` frame instead of silence.
      std::optional<std::string> chat_id;
      if (auto* chat = std::get_if<core::chat_command>(&cmd))
        chat_id = chat->id;
      self->request(route_of(self, user).session, caf::infinite, command_atom::value, origin,
                    std::move(cmd))
        .then([](bool) {},
              [origin, chat_id](caf::error&) {
                // The session died before it saw this command (a session that dies while
                // handling one answers it from its crash handler): tell the client.
                if (!origin)
                  return;
                std::optional<std::string_view> id;
                if (chat_id)
                  id = *chat_id;
                core::metrics()
                  .get_counter("xinyu_errors_total", "error frames sent, by code",
                               "code=\"internal\"")
                  .inc();
                origin->deliver(std::make_shared<const std::string>(core::frames::error(
                  "internal", "the session restarted before it saw this; re-send", id)));
              });
    },
    [self](attach_atom, std::string& user, std::vector<client_sink_ptr>& sinks,
           caf::actor_addr& dead) {
      // handover from a session that crashed: a fresh session takes its connections
      auto& st = self->state;
      if (auto s = st.sessions.find(user);
          s != st.sessions.end() && s->second.session.address() == dead)
        st.sessions.erase(s);
      st.users.erase(dead);
      auto& r = route_of(self, user);
      for (auto& sink : sinks) {
        ++r.routed;
        self->send(r.session, attach_atom::value, std::move(sink), true);
      }
      --r.routed; // route_of counted one message too many
    },
    [self](persisted_atom, std::string& id, std::uint64_t turn, std::string& user) {
      // storage wrote a turn: the session that now holds the user's connections tells them
      // (after a crash that is the successor). No session: nobody is connected to tell.
      auto& st = self->state;
      auto it = st.sessions.find(user);
      if (it == st.sessions.end()) {
        if (st.settings && st.settings->svc)
          --st.settings->svc->persisted_unsent; // nobody is connected to tell
        return;
      }
      // If that session died meanwhile, CAF bounces the request after the session's handover
      // (same sender, so in order): then the successor is in the map and gets it.
      self->request(it->second.session, caf::infinite, persisted_atom::value, id, turn, user)
        .then([](bool) {},
              [self, id, turn, user](caf::error&) {
                auto& st = self->state;
                // a request again: a plain send would get the session's `bool` back as a
                // stray message
                auto unsent = [self] {
                  if (self->state.settings && self->state.settings->svc)
                    --self->state.settings->svc->persisted_unsent;
                };
                if (auto next = st.sessions.find(user); next != st.sessions.end())
                  self->request(next->second.session, caf::infinite, persisted_atom::value, id,
                                turn, user)
                    .then([](bool) {}, [unsent](caf::error&) { unsent(); });
                else
                  unsent();
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
    [self](stats_atom) { return self->state.sessions.size(); },
  };
}

} // namespace

caf::actor spawn_gateway(caf::actor_system& sys, stage_pools pools,
                         std::shared_ptr<const session_settings> settings) {
  return sys.spawn(gateway, std::move(pools), std::move(settings));
}

} // namespace xinyu::actors
