// Posts crisis alerts to the escalation webhook, oldest first, each with a deadline and up to
// care.escalation_attempts tries (doubling backoff). Detached: the POST blocks its own thread.
// Must never talk to clients or drop an event silently (every end is counted).
#include "actors/escalation_actor.hpp"

#include "core/support/config.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"
#include "core/support/webhook.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>

namespace xinyu::actors {

namespace {

core::counter& outcome(const char* result) {
  return core::metrics().get_counter("xinyu_escalations_total",
                                     "crisis events for the escalation webhook, by outcome",
                                     std::string{"result=\""} + result + "\"");
}

struct pending_event {
  std::string body;
  unsigned attempts = 0;
};

struct escalation_state {
  std::deque<pending_event> queue;
  bool waiting = false; // a retry is scheduled: the front waits for it
  static inline const char* name = "escalation";
};

using escalation_ptr = escalation_actor::stateful_pointer<escalation_state>;

/// Posts from the front until the queue is empty or a failure schedules a retry.
void drain(escalation_ptr self, const core::config& cfg, const core::webhook& hook,
           const escalation_backlog& backlog) {
  auto& st = self->state;
  const auto& care = cfg.care;
  while (!st.waiting && !st.queue.empty()) {
    auto& e = st.queue.front();
    std::string error;
    ++e.attempts;
    if (hook.post(e.body, std::chrono::milliseconds{care.escalation_timeout_ms}, error)) {
      outcome("delivered").inc();
    } else if (e.attempts < care.escalation_attempts) {
      outcome("retried").inc();
      auto delay = std::min<std::uint64_t>(static_cast<std::uint64_t>(care.escalation_backoff_ms)
                                             << (e.attempts - 1),
                                           60000);
      st.waiting = true;
      self->delayed_send(self, std::chrono::milliseconds{delay}, retry_atom::value);
      return;
    } else {
      outcome("failed").inc();
      core::log::error("escalation_failed", {{"attempts", e.attempts}, {"detail", error}});
    }
    st.queue.pop_front();
    --*backlog;
  }
}

escalation_actor::behavior_type escalation(escalation_ptr self, core::config cfg,
                                           std::shared_ptr<const core::webhook> hook,
                                           escalation_backlog backlog) {
  auto shared_cfg = std::make_shared<const core::config>(std::move(cfg));
  return {
    [self, shared_cfg, hook, backlog](alert_atom, std::string& body) {
      self->state.queue.push_back({std::move(body), 0});
      drain(self, *shared_cfg, *hook, backlog);
    },
    [self, shared_cfg, hook, backlog](retry_atom) {
      self->state.waiting = false;
      drain(self, *shared_cfg, *hook, backlog);
    },
  };
}

} // namespace

escalation_actor spawn_escalation_actor(caf::actor_system& sys, const core::config& cfg,
                                        std::shared_ptr<const core::webhook> hook,
                                        escalation_backlog backlog) {
  return sys.spawn<caf::detached>(escalation, cfg, std::move(hook), std::move(backlog));
}

} // namespace xinyu::actors
