// Wires the actor graph for one server from its config.
// Must never start transport or touch sockets.
#include "actors/runtime.hpp"

#include "actors/cluster_router.hpp"
#include "actors/gateway_client.hpp"
#include "core/support/config.hpp"
#include "core/memory/memory_engine.hpp"
#include "core/support/service_state.hpp"
#include "core/support/webhook.hpp"
#include "llm/provider.hpp"
#include "storage/lease_store.hpp"
#include "storage/conversation_store.hpp"

#include <caf/all.hpp>

namespace xinyu::actors {

runtime start_runtime(
  caf::actor_system& sys, const core::config& cfg,
  std::unique_ptr<storage::conversation_store> store, std::shared_ptr<core::service_state> svc,
  std::shared_ptr<llm::provider> provider, std::shared_ptr<const core::embedder> embeddings,
  std::shared_ptr<const core::emotion_scorer> emotion,
  std::shared_ptr<const core::safety_checker> safety,
  std::shared_ptr<const core::safety_guard> guard, std::shared_ptr<const core::webhook> escalation,
  std::unique_ptr<storage::lease_store> leases, std::shared_ptr<cluster_router> router) {
  runtime rt;
  rt.router = router;
  core::memory_engine::settings ms;
  ms.top_k = cfg.memory.top_k;
  ms.min_similarity = static_cast<float>(cfg.memory.min_similarity);
  ms.index.max_items_per_user = cfg.memory.max_items_per_user;
  ms.index.max_removed_per_user = cfg.memory.max_removed_per_user;
  ms.index.hnsw_m = cfg.memory.hnsw_m;
  ms.index.ef_search = cfg.memory.hnsw_ef_search;
  ms.index.hnsw_min_items = cfg.memory.hnsw_min_items;
  ms.cache.max_bytes = cfg.memory.cache_bytes;
  ms.cache.ttl = std::chrono::milliseconds{cfg.memory.cache_ttl_ms};
  auto engine = std::make_shared<core::memory_engine>(ms, std::move(embeddings));
  if (store)
    rt.pools.storage = spawn_storage_actor(sys, cfg, std::move(store), svc);
  if (leases)
    rt.pools.lease = spawn_lease_actor(sys, cfg, std::move(leases), svc);
  rt.pools.emotion = spawn_emotion_pool(sys, cfg, svc, std::move(emotion));
  rt.pools.safety = spawn_safety_pool(sys, cfg, svc, std::move(safety));
  if (guard)
    rt.pools.guard = spawn_guard_pool(sys, cfg, std::move(guard));
  rt.pools.memory = spawn_memory_pool(sys, cfg, engine, svc, rt.pools.storage);
  rt.pools.llm = spawn_llm_pool(sys, cfg, std::move(provider), svc);
  if (escalation) {
    rt.pools.escalation_queued = std::make_shared<std::atomic<std::size_t>>(0);
    rt.pools.escalation =
      spawn_escalation_actor(sys, cfg, std::move(escalation), rt.pools.escalation_queued);
  }
  rt.gateway = spawn_gateway(sys, rt.pools, make_session_settings(cfg, svc, router));
  rt.api = make_gateway_api(rt.gateway);
  if (router)
    router->set_gateway(rt.api);
  return rt;
}

void stop_runtime(runtime& rt) {
  auto stop = [](const auto& a) {
    if (a)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  };
  if (rt.router)
    rt.router->stop(); // nothing more from other nodes
  stop(rt.gateway);
  stop(rt.pools.emotion);
  stop(rt.pools.safety);
  stop(rt.pools.memory);
  stop(rt.pools.llm);
  stop(rt.pools.storage);
  stop(rt.pools.guard);
  stop(rt.pools.escalation);
  stop(rt.pools.lease); // the leases expire on their own: another node takes the users over
}

} // namespace xinyu::actors
