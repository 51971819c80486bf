// The session's deadlines behind one timer: arming, the wake-up, and dispatch to on_deadline.
// Must never start a timer per request: a delayed message only when a deadline is earlier
// than every wake-up already armed (core/policy/deadline_table).
#include "actors/session/session_state.hpp"

#include <caf/all.hpp>

namespace xinyu::actors::session {

namespace {

std::int64_t to_ns(clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/// One delayed message to this session at `at` (never earlier: the delay is rounded up).
void arm_wakeup(session_ptr self, clock::time_point at) {
  self->state.deadlines.armed(at);
  auto delay = std::chrono::ceil<std::chrono::milliseconds>(at - clock::now());
  self->delayed_send(self, std::max(delay, std::chrono::milliseconds{0}), timeout_atom::value,
                     to_ns(at));
}

} // namespace

void arm_deadline(session_ptr self, std::uint64_t key, deadline_kind kind,
                  std::chrono::milliseconds after) {
  auto at = clock::now() + after;
  if (self->state.deadlines.set(key, static_cast<std::uint8_t>(kind), at))
    arm_wakeup(self, at);
}

void clear_deadline(session_ptr self, std::uint64_t key, deadline_kind kind) {
  self->state.deadlines.clear(key, static_cast<std::uint8_t>(kind));
}

void clear_deadlines(session_ptr self, std::uint64_t key) { self->state.deadlines.clear(key); }

void on_wakeup(session_ptr self, std::int64_t at_ns) {
  auto& d = self->state.deadlines;
  d.spent(clock::time_point{std::chrono::nanoseconds{at_ns}});
  for (const auto& e : d.take_due(clock::now()))
    on_deadline(self, e.key, static_cast<deadline_kind>(e.kind));
  if (auto next = d.wakeup_needed())
    arm_wakeup(self, *next);
}

} // namespace xinyu::actors::session
