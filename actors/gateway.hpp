// The gateway maps user ids to session actors, spawning a session on first use and routing
// connection messages to it. Must never hold conversation state itself.
#pragma once

#include "actors/session_actor.hpp"

namespace xinyu::actors {

/// Messages (from transport, via anon_send):
///   (attach_atom, std::string user, client_sink_ptr)
///   (detach_atom, std::string user, client_sink_ptr)
///   (command_atom, std::string user, client_sink_ptr origin, core::client_command)
///   (stats_atom) -> std::size_t live sessions
caf::actor spawn_gateway(caf::actor_system& sys, stage_pools pools,
                         std::shared_ptr<const session_settings> settings);

} // namespace xinyu::actors
