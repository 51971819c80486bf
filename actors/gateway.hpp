// The typed interface of the gateway, which maps user ids to session actors, spawning a session
// on first use and routing connection messages to it. Must never hold conversation state.
#pragma once

#include "actors/fwd.hpp"
#include "actors/session_actor.hpp"

namespace xinyu::actors {

using gateway_actor = session_owner_actor::extend<
  caf::reacts_to<attach_atom, std::string, client_sink_ptr>,
  caf::reacts_to<detach_atom, std::string, client_sink_ptr>,
  // a connection of another node (cluster mode): attach without `ready`
  caf::reacts_to<handover_atom, std::string, client_sink_ptr>,
  caf::reacts_to<command_atom, std::string, client_sink_ptr, core::client_command>,
  // the user is a minor (token claim): the session applies the minors policy
  caf::reacts_to<minor_atom, std::string>,
  // the duty-of-care report (admin): one frame to the sink
  caf::reacts_to<report_atom, core::care_report_query, client_sink_ptr>,
  // operators: connect (name), disconnect, and their takeover / reply / release
  caf::reacts_to<operator_atom, attach_atom, std::string, client_sink_ptr>,
  caf::reacts_to<operator_atom, detach_atom, client_sink_ptr>,
  caf::reacts_to<operator_atom, command_atom, client_sink_ptr, core::operator_command>,
  // live sessions
  caf::replies_to<stats_atom>::with<std::size_t>>;

gateway_actor spawn_gateway(caf::actor_system& sys, stage_pools pools,
                            std::shared_ptr<const session_settings> settings);

} // namespace xinyu::actors
