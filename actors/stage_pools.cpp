// The pre-processing pools: emotion, safety, guard and memory workers under supervisors.
// Workers wrap core/ logic; they must never block on I/O on a scheduler thread.
#include "actors/stage_pools.hpp"

#include "actors/chaos_reply.hpp"
#include "actors/error.hpp"
#include "actors/worker_pool.hpp"
#include "core/support/config.hpp"
#include "core/analysis/emotion_analyzer.hpp"
#include "core/analysis/guard_verdict.hpp"
#include "core/memory/memory_engine.hpp"
#include "core/analysis/safety_checker.hpp"
#include "core/support/service_state.hpp"

#include <caf/all.hpp>

namespace xinyu::actors {

namespace {

using namespace std::chrono;

using svc_ptr = std::shared_ptr<core::service_state>;

using emotion_worker_actor = chaos_worker<emotion_actor>;
using safety_worker_actor = chaos_worker<safety_actor>;
using memory_worker_actor = chaos_worker<memory_actor>;

emotion_worker_actor::behavior_type
emotion_worker(emotion_worker_actor::pointer self,
               std::shared_ptr<const core::emotion_scorer> analyzer, svc_ptr svc) {
  return {
    [self, analyzer, svc](work_atom, stage_request& req) {
      return chaos_reply<core::emotion_result>(self, svc.get(), core::chaos_kind::emotion,
                                               [&] { return analyzer->analyze(req.text); });
    },
    deferred_handler(),
  };
}

safety_worker_actor::behavior_type
safety_worker(safety_worker_actor::pointer self,
              std::shared_ptr<const core::safety_checker> checker, svc_ptr svc) {
  return {
    [self, checker, svc](work_atom, stage_request& req) {
      return chaos_reply<core::safety_result>(self, svc.get(), core::chaos_kind::safety,
                                              [&] { return checker->check(req.text); });
    },
    deferred_handler(),
  };
}

/// Asks the external guard model; its failure is an error, so the session keeps the local
/// verdict and marks `safety_guard` degraded.
safety_actor::behavior_type guard_worker(safety_actor::pointer,
                                         std::shared_ptr<const core::safety_guard> guard) {
  return {
    [guard](work_atom, stage_request& req) -> caf::result<core::safety_result> {
      std::string error;
      auto r = guard->ask(req.text, error);
      if (!r)
        return make_error(ec::guard_failed, error);
      return std::move(*r);
    },
  };
}

using engine_ptr = std::shared_ptr<core::memory_engine>;

/// Recall fails (ec::embedding_failed, so the session degrades `memory`) when the query cannot
/// be embedded; faults are injected into recall only, not into bookkeeping.
memory_worker_actor::behavior_type memory_worker(memory_worker_actor::pointer self,
                                                 engine_ptr engine, embeddings_sink_actor storage,
                                                 svc_ptr svc) {
  return {
    [self, engine, svc](work_atom, recall_request& req) {
      return chaos_reply<std::vector<std::string>>(
        self, svc.get(), core::chaos_kind::memory,
        [&]() -> caf::expected<std::vector<std::string>> {
          auto items = engine->recall(req.user, req.text);
          if (!items)
            return make_error(ec::embedding_failed);
          return std::move(*items);
        });
    },
    [self, engine, storage](work_atom, remember_request& req) {
      auto facts = engine->remember(req.user, req.facts, req.turn);
      if (storage)
        self->send(storage, embed_atom::value, req.user, req.turn, facts);
      return facts;
    },
    [engine](work_atom, forget_memories_request& req) -> std::uint64_t {
      return engine->forget(req.user);
    },
    [engine](work_atom, seed_request& req) -> std::uint64_t {
      return engine->seed(req.user, req.stored);
    },
    [engine](work_atom, unload_request& req) { return engine->unload(req.user, req.epoch); },
    [engine](work_atom, list_memories_request& req) {
      std::vector<core::memory_fact> out;
      for (auto& item : engine->index().items(req.user)) {
        core::memory_fact f;
        f.text = std::move(item.text);
        f.turn = item.source >> 8;
        f.index = static_cast<std::uint32_t>(item.source & 0xFFu);
        if (f.turn != 0) // an item of no known turn cannot be addressed, so is not listed
          out.push_back(std::move(f));
      }
      return out;
    },
    [self, engine, storage](work_atom, memory_change_request& req) {
      core::memory_ref ref{req.turn, req.index};
      memory_change out;
      if (req.erase) {
        auto old = engine->erase(req.user, ref);
        out.found = old.has_value();
        out.old_text = old.value_or("");
        return out;
      }
      auto was = engine->erase(req.user, ref); // for the answer; replace re-indexes the source
      out.found = was.has_value();
      out.old_text = was.value_or("");
      if (!out.found && !req.stored)
        return out; // no such fact (and no storage that knows better): nothing is added
      auto fact = engine->replace(req.user, ref, req.text);
      if (storage && !fact.embedding.empty())
        self->send(storage, embed_atom::value, req.user, req.turn,
                   std::vector<core::memory_fact>{std::move(fact)});
      return out;
    },
    deferred_handler(),
  };
}

} // namespace

pool_settings stage_pool_settings(const core::config& cfg, const char* kind, unsigned size,
                                  unsigned deadline_ms) {
  pool_settings p;
  p.kind = kind;
  p.size = size;
  // The pool's own deadline is a backstop; the session's shorter per-stage deadline decides.
  p.deadline = milliseconds{deadline_ms * 4 + 1000};
  p.max_queue = cfg.limits.max_worker_queue;
  p.max_restarts = cfg.supervision.max_restarts;
  p.window = std::chrono::seconds{cfg.supervision.window_s};
  p.probe_after = milliseconds{cfg.supervision.probe_after_ms};
  return p;
}

emotion_actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg, svc_ptr svc,
                                 std::shared_ptr<const core::emotion_scorer> model) {
  std::shared_ptr<const core::emotion_scorer> analyzer = std::move(model);
  if (!analyzer)
    analyzer = std::make_shared<const core::emotion_analyzer>();
  return spawn_worker_pool<op<stage_request, core::emotion_result>>(
    sys, stage_pool_settings(cfg, "emotion", cfg.emotion.workers, cfg.emotion.deadline_ms),
    [analyzer, svc](caf::actor_system& s) -> emotion_actor {
      return s.spawn(emotion_worker, analyzer, svc);
    });
}

safety_actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg, svc_ptr svc,
                               std::shared_ptr<const core::safety_checker> checker) {
  if (!checker)
    checker = std::make_shared<const core::safety_checker>();
  return spawn_worker_pool<op<stage_request, core::safety_result>>(
    sys, stage_pool_settings(cfg, "safety", cfg.safety.workers, cfg.safety.deadline_ms),
    [checker, svc](caf::actor_system& s) -> safety_actor {
      return s.spawn(safety_worker, checker, svc);
    });
}

safety_actor spawn_guard_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<const core::safety_guard> guard) {
  // each call blocks on the network: the workers get their own threads
  return spawn_worker_pool<op<stage_request, core::safety_result>>(
    sys,
    stage_pool_settings(cfg, "safety_guard", cfg.safety.guard.workers,
                        cfg.safety.guard.deadline_ms),
    [guard](caf::actor_system& s) -> safety_actor {
      return s.spawn<caf::detached>(guard_worker, guard);
    });
}

memory_actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg, engine_ptr engine,
                               svc_ptr svc, embeddings_sink_actor storage) {
  // a remote embeddings endpoint blocks its caller: such workers get their own threads
  bool blocking = !cfg.memory.embeddings.base_url.empty();
  return spawn_worker_pool<op<recall_request, std::vector<std::string>>,
                           op<remember_request, std::vector<core::memory_fact>>,
                           op<forget_memories_request, std::uint64_t>,
                           op<seed_request, std::uint64_t>, op<unload_request, bool>,
                           op<list_memories_request, std::vector<core::memory_fact>>,
                           op<memory_change_request, memory_change>>(
    sys, stage_pool_settings(cfg, "memory", cfg.memory.workers, cfg.memory.deadline_ms),
    [engine, svc, storage, blocking](caf::actor_system& s) -> memory_actor {
      if (blocking)
        return s.spawn<caf::detached>(memory_worker, engine, storage, svc);
      return s.spawn(memory_worker, engine, storage, svc);
    });
}

} // namespace xinyu::actors
