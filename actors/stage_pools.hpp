// The interfaces and factories of the pre-processing pools: emotion, safety, the optional
// external guard and memory. Workers wrap core/ logic; must never hold per-user state.
#pragma once

#include "actors/fwd.hpp"
#include "actors/local_message_types.hpp"
#include "actors/messages.hpp"
#include "actors/pool_actor.hpp"

#include <caf/fwd.hpp>

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

/// `(work_atom, stage_request) -> core::emotion_result`
using emotion_actor = pool_actor<op<stage_request, core::emotion_result>>;

/// `(work_atom, stage_request) -> core::safety_result` (the local checker and the guard)
using safety_actor = pool_actor<op<stage_request, core::safety_result>>;

/// Recall answers the memories (most similar first), or ec::embedding_failed.
using memory_actor =
  pool_actor<op<recall_request, std::vector<std::string>>,
             op<remember_request, std::vector<core::memory_fact>>,
             op<forget_memories_request, std::uint64_t>, op<seed_request, std::uint64_t>,
             op<unload_request, bool>, op<list_memories_request, std::vector<core::memory_fact>>,
             op<memory_change_request, memory_change>>;

/// Where the memory workers send the embeddings of remembered facts (the storage actor).
using embeddings_sink_actor = caf::typed_actor<
  caf::reacts_to<embed_atom, std::string, std::uint64_t, std::vector<core::memory_fact>>>;

/// `svc` (may be null) carries the failure-injection knobs; `model` null = the lexicon.
emotion_actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg,
                                 std::shared_ptr<core::service_state> svc = nullptr,
                                 std::shared_ptr<const core::emotion_scorer> model = nullptr);
/// `checker` null = the rules alone.
safety_actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg,
                               std::shared_ptr<core::service_state> svc = nullptr,
                               std::shared_ptr<const core::safety_checker> checker = nullptr);
/// The optional external guard model's pool (detached workers: each call blocks).
safety_actor spawn_guard_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<const core::safety_guard> guard);

/// `storage` (may be null) receives the embeddings of remembered facts.
memory_actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg,
                               std::shared_ptr<core::memory_engine> engine,
                               std::shared_ptr<core::service_state> svc = nullptr,
                               embeddings_sink_actor storage = {});

struct pool_settings;
/// Pool settings for `kind` from the config (size, deadline, queue bound, restart intensity).
pool_settings stage_pool_settings(const core::config& cfg, const char* kind, unsigned size,
                                  unsigned deadline_ms);

} // namespace xinyu::actors
