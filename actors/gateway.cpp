// The gateway maps user ids to session actors and routes connection messages to them; it lets
// an idle session stop only when nothing routed to it is still unseen. Holds no conversation.
#include "actors/gateway.hpp"

#include "actors/atoms.hpp"
#include "actors/messages.hpp"

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
  self->set_default_handler(caf::drop); // a stray message must not kill the router
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
      self->send(route_of(self, user).session, command_atom::value, std::move(origin),
                 std::move(cmd));
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
