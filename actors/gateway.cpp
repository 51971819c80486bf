// The gateway maps user ids to session actors and routes connection messages to them.
// Must never hold conversation state itself.
#include "actors/gateway.hpp"

#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace xinyu::actors {

namespace {

struct gateway_state {
  stage_pools pools;
  std::shared_ptr<const session_settings> settings;
  std::unordered_map<std::string, caf::actor> sessions;
  std::unordered_map<caf::actor_addr, std::string> users;
  static inline const char* name = "gateway";
};

using gateway_t = caf::stateful_actor<gateway_state>;

caf::actor& session_of(gateway_t* self, const std::string& user) {
  auto& st = self->state;
  auto it = st.sessions.find(user);
  if (it != st.sessions.end())
    return it->second;
  auto s = spawn_session(self->system(), user, st.pools, st.settings);
  self->monitor(s);
  st.users.emplace(s.address(), user);
  return st.sessions.emplace(user, std::move(s)).first->second;
}

caf::behavior gateway(gateway_t* self, stage_pools pools,
                      std::shared_ptr<const session_settings> settings) {
  self->state.pools = std::move(pools);
  self->state.settings = std::move(settings);
  self->set_default_handler(caf::drop); // a stray message must not kill the router
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [user, session] : self->state.sessions)
      self->send_exit(session, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    auto it = st.users.find(dm.source);
    if (it == st.users.end())
      return;
    st.sessions.erase(it->second);
    st.users.erase(it);
  });
  return {
    [self](attach_atom, std::string& user, client_sink_ptr& sink) {
      self->send(session_of(self, user), attach_atom::value, std::move(sink));
    },
    [self](detach_atom, std::string& user, client_sink_ptr& sink) {
      auto it = self->state.sessions.find(user);
      if (it != self->state.sessions.end())
        self->send(it->second, detach_atom::value, std::move(sink));
    },
    [self](command_atom, std::string& user, client_sink_ptr& origin,
           core::client_command& cmd) {
      self->send(session_of(self, user), command_atom::value, std::move(origin),
                 std::move(cmd));
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
