// The typed interface of the lease actor (cluster mode): it takes, renews and gives up this node's
// ownership leases of users in Redis, and tells a session when its lease is lost. Must never talk
// to clients or storage.
#pragma once

#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace xinyu::core {
struct config;
struct service_state;
} // namespace xinyu::core

namespace xinyu::actors {

/// Told `(lease_atom, epoch)` when the lease it holds with `epoch` is lost (another node may own
/// the user now: its writes with that epoch will be fenced).
using lease_listener_actor = caf::typed_actor<caf::reacts_to<lease_atom, std::uint64_t>>;

/// Errors are ec::storage_failed with Redis's sentence as detail.
using lease_actor = caf::typed_actor<
  // take (or keep) the user's lease for this node with an epoch above the floor; the listener
  // hears of its loss
  caf::replies_to<lease_atom, std::string, lease_listener_actor,
                  std::uint64_t>::with<storage::lease_grant>,
  // give the user's lease up (the session that held it with this epoch stops)
  caf::reacts_to<release_atom, std::string, std::uint64_t, lease_listener_actor>,
  // internal: the renewal timer
  caf::reacts_to<tick_atom>>;

/// Spawned detached (its own thread: Redis calls block, each bounded by cluster.redis_timeout_ms).
lease_actor spawn_lease_actor(caf::actor_system& sys, const core::config& cfg,
                              std::unique_ptr<storage::lease_store> leases,
                              std::shared_ptr<core::service_state> svc);

} // namespace xinyu::actors
