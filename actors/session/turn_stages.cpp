// The analysis part of a turn: emotion, safety, the optional guard and memory asked in
// parallel, each with its own deadline; verdicts merged, then generation starts. Never sockets.
#include "actors/session/session_state.hpp"

#include "core/analysis/emotion_ensemble.hpp"
#include "core/analysis/safety_checker.hpp"
#include "core/policy/care_report.hpp"
#include "core/protocol/server_frame.hpp"

#include <caf/all.hpp>

namespace xinyu::actors::session {

namespace {

/// Reports without text: one count per category of a verdict other than ok (core/policy/
/// care_report: a fixed set of categories, so no input can grow the label set).
void count_detection(const turn& t) {
  for (const auto& e : core::care_events(t.safety, t.chinese, false))
    metrics().safety_detections(e.locale, e.level, e.category).inc();
}

void record_stage(turn& t, stage s) {
  auto i = static_cast<std::size_t>(s);
  t.stage_ms[i] = ms_since(t.started_at);
  metrics().stage[i]->observe(t.stage_ms[i] / 1000);
}

/// One stage answered or failed: when none is pending, the verdicts merge and generation starts.
void stage_done(session_ptr self, std::uint64_t key) {
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::analyzing || --t->pending > 0)
    return;
  t->preprocess_ms = ms_since(t->started_at);
  metrics().preprocess.observe(t->preprocess_ms / 1000);
  // the more severe of the local verdict and the guard's wins
  if (t->guard)
    t->safety = core::merge(std::move(t->safety), *t->guard);
  // repeated distress across turns reaches the crisis path; a crisis is never "neutral"
  t->safety = self->state.risk.observe(std::move(t->safety), t->emotion, clock::now());
  t->emotion = core::with_safety_floor(std::move(t->emotion), t->safety);
  count_detection(*t);
  if (core::at_risk(t->safety))
    alert_operators(self, *t);
  self->state.broadcast(core::frames::analysis(t->id, t->emotion, t->safety));
  start_generation(self, *t);
}

void ask_memory(session_ptr self, const turn& t);

/// A late or failing guard: the local verdict stands.
void guard_failed(session_ptr self, std::uint64_t key) {
  clear_deadline(self, key, deadline_kind::stage_guard);
  if (auto* t = self->state.current(key); t && t->ph == phase::analyzing && t->settle_guard()) {
    t->degraded.emplace_back("safety_guard");
    stage_done(self, key);
  }
}

} // namespace

deadline_kind deadline_of(stage s) {
  switch (s) {
    case stage::emotion: return deadline_kind::stage_emotion;
    case stage::safety: return deadline_kind::stage_safety;
    case stage::memory: return deadline_kind::stage_memory;
  }
  return deadline_kind::stage_memory;
}

bool on_stage_deadline(session_ptr self, std::uint64_t key, deadline_kind kind) {
  if (kind == deadline_kind::stage_guard) {
    metrics().timeouts("safety_guard").inc();
    guard_failed(self, key);
    return true;
  }
  for (auto s : {stage::emotion, stage::safety, stage::memory})
    if (kind == deadline_of(s)) {
      metrics().timeouts(to_string(s)).inc();
      stage_failed(self, key, s);
      return true;
    }
  return false;
}

const core::safety_checker& local_safety_rules() {
  static const core::safety_checker rules; // the rules alone: no model, no worker
  return rules;
}

void stage_failed(session_ptr self, std::uint64_t key, stage s) {
  clear_deadline(self, key, deadline_of(s));
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::analyzing || !t->settle(s))
    return; // over, or this stage already answered (or failed) once
  record_stage(*t, s);
  t->degraded.emplace_back(to_string(s));
  if (s == stage::safety) {
    // the safety worker crashed or was late: the rules run here (well under a millisecond),
    // so a crisis is never missed because a worker was down; unknown stays at least caution
    auto r = local_safety_rules().check_rules(t->text);
    if (r.level == core::safety_level::ok)
      r.level = core::safety_level::caution;
    t->safety = std::move(r);
  }
  stage_done(self, key);
}

namespace {

/// Asks `pool` for the turn `key`; the `Response` goes into the turn through `store`.
/// The request's deadline is in the session's table (one timer), not a CAF timer of its own;
/// whichever comes first, the answer or the deadline, settles the stage.
template <class Response, class Pool, class Request, class Store>
void ask_stage(session_ptr self, const Pool& pool, std::chrono::milliseconds deadline, Request req,
               std::uint64_t key, stage s, Store store) {
  arm_deadline(self, key, deadline_of(s), deadline);
  self->request(pool, caf::infinite, work_atom::value, std::move(req))
    .then(
      [self, key, s, store](Response& r) {
        clear_deadline(self, key, deadline_of(s));
        if (auto* t = self->state.current(key); t && t->ph == phase::analyzing && t->settle(s)) {
          record_stage(*t, s);
          store(*t, std::move(r));
          stage_done(self, key);
        }
      },
      [self, key, s](caf::error&) { stage_failed(self, key, s); });
}

void ask_memory(session_ptr self, const turn& t) {
  auto& st = self->state;
  auto remaining =
    ms(st.cfg->config.memory.deadline_ms)
    - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t.started_at);
  if (remaining <= std::chrono::milliseconds{0}) {
    stage_failed(self, t.key, stage::memory);
    return;
  }
  ask_stage<std::vector<std::string>>(self, st.pools.memory, remaining,
                                      recall_request{st.user, t.text}, t.key, stage::memory,
                                      [](turn& t, std::vector<std::string>&& items) {
                                        t.memories = std::move(items);
                                      });
}

} // namespace

/// A `remember` of this session finished: a recall that waited for it goes out now.
void on_remembered(session_ptr self) {
  auto& st = self->state;
  if (st.remembering > 0)
    --st.remembering;
  if (st.remembering > 0 || !st.deferred_recall)
    return;
  auto key = *st.deferred_recall;
  st.deferred_recall.reset();
  if (auto* t = st.current(key); t && t->ph == phase::analyzing)
    ask_memory(self, *t);
}

void ask_stages(session_ptr self, turn& t) {
  auto& st = self->state;
  auto key = t.key;
  const auto& cfg = *st.cfg;
  ask_stage<core::emotion_result>(self, st.pools.emotion, ms(cfg.config.emotion.deadline_ms),
                                  stage_request{st.user, t.text}, key, stage::emotion,
                                  [](turn& t, core::emotion_result&& r) {
                                    t.emotion = std::move(r);
                                  });
  ask_stage<core::safety_result>(self, st.pools.safety, ms(cfg.config.safety.deadline_ms),
                                 stage_request{st.user, t.text}, key, stage::safety,
                                 [](turn& t, core::safety_result&& r) { t.safety = std::move(r); });
  if (st.pools.guard) {
    arm_deadline(self, key, deadline_kind::stage_guard, ms(cfg.config.safety.guard.deadline_ms));
    self->request(st.pools.guard, caf::infinite, work_atom::value, stage_request{st.user, t.text})
      .then(
        [self, key](core::safety_result& r) {
          clear_deadline(self, key, deadline_kind::stage_guard);
          if (auto* t = self->state.current(key);
              t && t->ph == phase::analyzing && t->settle_guard()) {
            t->guard = std::move(r);
            stage_done(self, key);
          }
        },
        [self, key](caf::error&) { guard_failed(self, key); });
  }
  if (st.remembering > 0) {
    // what the user just said is still being indexed: recall once it is, within the stage's
    // deadline from now
    st.deferred_recall = key;
    arm_deadline(self, key, deadline_kind::memory_wait, ms(cfg.config.memory.deadline_ms));
  } else {
    ask_memory(self, t);
  }
}

} // namespace xinyu::actors::session
