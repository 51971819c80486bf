// Wires the actor graph for one server from its config: storage actor, stage pools, gateway.
// Must never start transport or touch sockets.
#pragma once

#include "actors/gateway.hpp"
#include "actors/gateway_api.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace xinyu::core {
struct config;
class embedder;
class emotion_scorer;
class safety_checker;
class safety_guard;
class webhook;
struct service_state;
} // namespace xinyu::core

namespace xinyu::storage {
class conversation_store;
class lease_store;
} // namespace xinyu::storage

namespace xinyu::llm {
class provider;
}

namespace xinyu::actors {

class cluster_router;

struct runtime {
  stage_pools pools;                      // includes the storage actor
  std::shared_ptr<cluster_router> router; // cluster mode: forwarding between nodes
  gateway_actor gateway;
  gateway_api_ptr api; // what transport gets
};

/// `store` may be null (in-memory only: no `persisted`, history lost on restart); `provider`
/// null means the offline provider; `embeddings` null means the built-in hashed embedder;
/// `emotion` null means the built-in lexicon analyzer, `safety` null the rules alone, `guard`
/// null no external guard model, `leases` null a single node (no ownership leases).
runtime start_runtime(caf::actor_system& sys, const core::config& cfg,
                      std::unique_ptr<storage::conversation_store> store,
                      std::shared_ptr<core::service_state> svc,
                      std::shared_ptr<llm::provider> provider = nullptr,
                      std::shared_ptr<const core::embedder> embeddings = nullptr,
                      std::shared_ptr<const core::emotion_scorer> emotion = nullptr,
                      std::shared_ptr<const core::safety_checker> safety = nullptr,
                      std::shared_ptr<const core::safety_guard> guard = nullptr,
                      std::shared_ptr<const core::webhook> escalation = nullptr,
                      std::unique_ptr<storage::lease_store> leases = nullptr,
                      std::shared_ptr<cluster_router> router = nullptr);

/// Stops the gateway (and with it every session), the pools and the storage actor.
void stop_runtime(runtime& rt);

} // namespace xinyu::actors
