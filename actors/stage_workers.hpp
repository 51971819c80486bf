// Factories for the pre-processing pools: emotion, safety and memory workers under supervisors.
// Workers wrap core/ logic; they must never block on I/O or hold per-user state of their own.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

namespace xinyu::core {
struct config;
class memory_index;
} // namespace xinyu::core

namespace xinyu::actors {

caf::actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg);
caf::actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg);
caf::actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg,
                             std::shared_ptr<core::memory_index> index);

} // namespace xinyu::actors
