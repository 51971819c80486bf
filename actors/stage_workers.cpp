// Factories for the pre-processing pools: emotion, safety and memory workers under supervisors.
// Workers wrap core/ logic; they must never block on I/O.
#include "actors/stage_workers.hpp"

#include "actors/atoms.hpp"
#include "actors/chaos_reply.hpp"
#include "actors/messages.hpp"
#include "actors/worker_pool.hpp"
#include "core/config.hpp"
#include "core/emotion_analyzer.hpp"
#include "core/memory_engine.hpp"
#include "core/guard_verdict.hpp"
#include "core/safety_checker.hpp"
#include "core/service_state.hpp"

namespace xinyu::actors {

namespace {

using namespace std::chrono;

using svc_ptr = std::shared_ptr<core::service_state>;

caf::behavior emotion_worker(caf::event_based_actor* self,
                             std::shared_ptr<const core::emotion_scorer> analyzer, svc_ptr svc) {
  return {
    [self, analyzer, svc](work_atom, stage_request& req) {
      return chaos_reply<core::emotion_result>(self, svc.get(), core::chaos_kind::emotion,
                                               [&] { return analyzer->analyze(req.text); });
    },
    deferred_handler(),
  };
}

caf::behavior safety_worker(caf::event_based_actor* self,
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
caf::behavior guard_worker(caf::event_based_actor* self,
                           std::shared_ptr<const core::safety_guard> guard) {
  return {
    [guard](work_atom, stage_request& req) -> caf::expected<core::safety_result> {
      std::string error;
      auto r = guard->ask(req.text, error);
      if (!r)
        return caf::make_error(caf::sec::runtime_error, "safety guard: " + error);
      return std::move(*r);
    },
    deferred_handler(),
  };
}

using engine_ptr = std::shared_ptr<core::memory_engine>;

/// Recall fails (an error, so the session degrades `memory`) when the query cannot be
/// embedded; remember embeds, indexes and has the embeddings stored beside the facts.
caf::expected<core::memory_result> run_memory(caf::event_based_actor* self,
                                              core::memory_engine& m, const caf::actor& storage,
                                              memory_request& req) {
  core::memory_result r;
  switch (req.kind) {
    case memory_request::op::recall: {
      auto items = m.recall(req.user, req.text);
      if (!items)
        return caf::make_error(caf::sec::runtime_error, "the message could not be embedded");
      r.items = std::move(*items);
      break;
    }
    case memory_request::op::remember:
      r.facts = m.remember(req.user, req.facts);
      r.count = r.facts.size();
      if (storage)
        self->send(storage, embed_atom::value, req.user, req.turn, r.facts);
      break;
    case memory_request::op::forget:
      r.count = m.forget(req.user);
      break;
    case memory_request::op::seed:
      r.epoch = m.seed(req.user, req.stored);
      r.count = req.stored.size();
      break;
    case memory_request::op::unload:
      r.count = m.unload(req.user, req.epoch) ? 1 : 0;
      break;
  }
  return r;
}

caf::behavior memory_worker(caf::event_based_actor* self, engine_ptr engine, caf::actor storage,
                            svc_ptr svc) {
  return {
    [=](work_atom, memory_request& req) -> caf::result<core::memory_result> {
      if (req.kind != memory_request::op::recall) // faults hit retrieval, not bookkeeping
        return detail::as_result<core::memory_result>(run_memory(self, *engine, storage, req));
      return chaos_reply<core::memory_result>(self, svc.get(), core::chaos_kind::memory,
                                              [&] { return run_memory(self, *engine, storage, req); });
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

caf::actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg, svc_ptr svc,
                              std::shared_ptr<const core::emotion_scorer> model) {
  std::shared_ptr<const core::emotion_scorer> analyzer = std::move(model);
  if (!analyzer)
    analyzer = std::make_shared<const core::emotion_analyzer>();
  return spawn_worker_pool<stage_request, core::emotion_result>(
    sys, stage_pool_settings(cfg, "emotion", cfg.emotion.workers, cfg.emotion.deadline_ms),
    [analyzer, svc](caf::actor_system& s) { return s.spawn(emotion_worker, analyzer, svc); });
}

caf::actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg, svc_ptr svc,
                             std::shared_ptr<const core::safety_checker> checker) {
  if (!checker)
    checker = std::make_shared<const core::safety_checker>();
  return spawn_worker_pool<stage_request, core::safety_result>(
    sys, stage_pool_settings(cfg, "safety", cfg.safety.workers, cfg.safety.deadline_ms),
    [checker, svc](caf::actor_system& s) { return s.spawn(safety_worker, checker, svc); });
}

caf::actor spawn_guard_pool(caf::actor_system& sys, const core::config& cfg,
                            std::shared_ptr<const core::safety_guard> guard) {
  // each call blocks on the network: the workers get their own threads
  return spawn_worker_pool<stage_request, core::safety_result>(
    sys, stage_pool_settings(cfg, "safety_guard", cfg.safety.guard.workers, cfg.safety.guard.deadline_ms),
    [guard](caf::actor_system& s) { return s.spawn<caf::detached>(guard_worker, guard); });
}

caf::actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg,
                             std::shared_ptr<core::memory_engine> engine, svc_ptr svc,
                             caf::actor storage) {
  // a remote embeddings endpoint blocks its caller: such workers get their own threads
  bool blocking = !cfg.memory.embeddings.base_url.empty();
  return spawn_worker_pool<memory_request, core::memory_result>(
    sys, stage_pool_settings(cfg, "memory", cfg.memory.workers, cfg.memory.deadline_ms),
    [engine, svc, storage, blocking](caf::actor_system& s) {
      return blocking ? s.spawn<caf::detached>(memory_worker, engine, storage, svc)
                      : s.spawn(memory_worker, engine, storage, svc);
    });
}

} // namespace xinyu::actors
