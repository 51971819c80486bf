// Factories for the pre-processing pools: emotion, safety and memory workers under supervisors.
// Workers wrap core/ logic; they must never block on I/O.
#include "actors/stage_workers.hpp"

#include "actors/messages.hpp"
#include "actors/worker_pool.hpp"
#include "core/config.hpp"
#include "core/emotion_analyzer.hpp"
#include "core/memory_index.hpp"
#include "core/safety_checker.hpp"

namespace xinyu::actors {

namespace {

using namespace std::chrono;

caf::behavior emotion_worker(caf::event_based_actor*,
                             std::shared_ptr<const core::emotion_analyzer> analyzer) {
  return {
    [analyzer](work_atom, stage_request& req) { return analyzer->analyze(req.text); },
  };
}

caf::behavior safety_worker(caf::event_based_actor*,
                            std::shared_ptr<const core::safety_checker> checker) {
  return {
    [checker](work_atom, stage_request& req) { return checker->check(req.text); },
  };
}

caf::behavior memory_worker(caf::event_based_actor*, std::shared_ptr<core::memory_index> index,
                            std::size_t top_k, float min_similarity) {
  return {
    [=](work_atom, memory_request& req) {
      core::memory_result r;
      switch (req.kind) {
        case memory_request::op::recall:
          for (auto& hit : index->recall(req.user, req.text, top_k, min_similarity))
            r.items.push_back(std::move(hit.text));
          break;
        case memory_request::op::remember:
          index->remember(req.user, req.text);
          r.count = 1;
          break;
        case memory_request::op::forget:
          r.count = index->forget(req.user);
          break;
        case memory_request::op::seed:
          for (const auto& item : req.items)
            index->remember(req.user, item);
          r.count = req.items.size();
          break;
      }
      return r;
    },
  };
}

pool_settings settings(const char* kind, unsigned size, unsigned deadline_ms) {
  // The pool's own deadline is a backstop; the session's shorter per-stage deadline decides.
  return pool_settings{kind, size, milliseconds{deadline_ms * 4 + 1000}};
}

} // namespace

caf::actor spawn_emotion_pool(caf::actor_system& sys, const core::config& cfg) {
  auto analyzer = std::make_shared<const core::emotion_analyzer>();
  return spawn_worker_pool<stage_request, core::emotion_result>(
    sys, settings("emotion", cfg.emotion.workers, cfg.emotion.deadline_ms),
    [analyzer](caf::actor_system& s) { return s.spawn(emotion_worker, analyzer); });
}

caf::actor spawn_safety_pool(caf::actor_system& sys, const core::config& cfg) {
  auto checker = std::make_shared<const core::safety_checker>();
  return spawn_worker_pool<stage_request, core::safety_result>(
    sys, settings("safety", cfg.safety.workers, cfg.safety.deadline_ms),
    [checker](caf::actor_system& s) { return s.spawn(safety_worker, checker); });
}

caf::actor spawn_memory_pool(caf::actor_system& sys, const core::config& cfg,
                             std::shared_ptr<core::memory_index> index) {
  auto k = cfg.memory.top_k;
  auto min = static_cast<float>(cfg.memory.min_similarity);
  return spawn_worker_pool<memory_request, core::memory_result>(
    sys, settings("memory", cfg.memory.workers, cfg.memory.deadline_ms),
    [index, k, min](caf::actor_system& s) { return s.spawn(memory_worker, index, k, min); });
}

} // namespace xinyu::actors
