// A crisis-level message jumps its user's queue: whatever is streaming or waiting ahead of it
// ends `cancelled` so that the referral goes out now. Never sockets; never waits unbounded.
#include "actors/session/session_state.hpp"

#include "core/analysis/safety_checker.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace xinyu::actors::session {

namespace {

/// Ends every turn ahead of `key` (in order, each with its own `done`); the crisis turn then
/// starts at once. Nothing happens when it already runs or is gone.
void interrupt_for(session_ptr self, std::uint64_t key) {
  auto& st = self->state;
  auto it =
    std::find_if(st.turns.begin(), st.turns.end(), [key](const turn& t) { return t.key == key; });
  if (it == st.turns.end() || it == st.turns.begin() || it->cancelled)
    return;
  for (auto ahead = st.turns.begin(); ahead != it; ++ahead)
    ahead->cancelled = true;
  metrics().crisis_interruptions.inc();
  if (st.turns.front().ph != phase::queued)
    finish_turn(self, core::finish_reason::cancelled); // then start_next ends the queued ones
  else
    start_next(self);
}

} // namespace

void prescreen_for_crisis(session_ptr self, const turn& t) {
  auto& st = self->state;
  auto key = t.key;
  // the rules first (well under a millisecond, no worker needed), then the full check
  if (local_safety_rules().check_rules(t.text).level == core::safety_level::crisis) {
    interrupt_for(self, key);
    return;
  }
  self
    ->request(st.pools.safety, ms(st.cfg->config.safety.deadline_ms), work_atom::value,
              stage_request{st.user, t.text})
    .then(
      [self, key](core::safety_result& r) {
        if (r.level == core::safety_level::crisis)
          interrupt_for(self, key);
      },
      [](caf::error&) {
        // no verdict in time: the turn keeps its place and is checked again when it starts
      });
}

} // namespace xinyu::actors::session
