// Factories for the pre-processing pools: emotion, safety and memory workers under supervisors.
// Workers wrap core/ logic; they must never block on I/O or hold per-user state of their own.
#pragma once

#include <caf/actor.hpp>

#include <memory>

namespace xinyu::core {
struct config;
class memory_engine;
class emotion_scorer;
class safety_checker;
class safety_guard;
struct service_state;
} // namespace xinyu::core

namespace xinyu::actors {

/// `svc` (may be null) carries the failure-injection knobs; `model` null = the lexicon.
caf::actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<core::service_state> svc = nullptr,
                              std::shared_ptr<const core::emotion_scorer> model = nullptr);
/// `checker` null = the rules alone.
caf::actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg,
                             std::shared_ptr<core::service_state> svc = nullptr,
                             std::shared_ptr<const core::safety_checker> checker = nullptr);
/// The optional external guard model's pool (detached workers: each call blocks).
caf::actor spawn_guard_pool(caf::actor_system& sys, const core::config& cfg,
                            std::shared_ptr<const core::safety_guard> guard);
/// `storage` (may be null) receives the embeddings of remembered facts.
caf::actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg,
                             std::shared_ptr<core::memory_engine> engine,
                             std::shared_ptr<core::service_state> svc = nullptr,
                             caf::actor storage = {});

struct pool_settings;
/// Pool settings for `kind` from the config (size, deadline, queue bound, restart intensity).
pool_settings stage_pool_settings(const core::config& cfg, const char* kind, unsigned size,
                                  unsigned deadline_ms);

} // namespace xinyu::actors
