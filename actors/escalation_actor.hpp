// The typed interface of the escalation actor: duty-of-care events (crisis alerts) posted to
// care.escalation_url with retries and backoff. Must never block a scheduler thread (it runs
// detached) and never hold more than care.escalation_queue_max events (the sender counts).
#pragma once

#include "actors/atoms.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

namespace xinyu::core {
struct config;
class webhook;
} // namespace xinyu::core

namespace xinyu::actors {

using escalation_actor =
  caf::typed_actor<caf::reacts_to<alert_atom, std::string>, caf::reacts_to<retry_atom>>;

/// Events queued or being posted, all senders together: a sender drops an event (counted in
/// xinyu_escalations_total{result="dropped"}) instead of sending it when this is at the bound.
using escalation_backlog = std::shared_ptr<std::atomic<std::size_t>>;

escalation_actor spawn_escalation_actor(caf::actor_system& sys, const core::config& cfg,
                                        std::shared_ptr<const core::webhook> hook,
                                        escalation_backlog backlog);

} // namespace xinyu::actors
