// Wires the actor graph for one server from its config: stage pools, then the gateway.
// Must never start transport or touch sockets.
#pragma once

#include "actors/session_actor.hpp"

#include <caf/fwd.hpp>

namespace xinyu::core {
struct config;
}

namespace xinyu::actors {

struct runtime {
  stage_pools pools;
  caf::actor gateway;
};

runtime start_runtime(caf::actor_system& sys, const core::config& cfg);

/// Stops the gateway and pools (sessions end with their gateway's references).
void stop_runtime(runtime& rt);

} // namespace xinyu::actors
