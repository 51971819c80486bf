// The typed interface of the storage actor, which owns the conversation_store: write-behind
// with group commit, a bounded queue feeding load shedding, retries with backoff, and
// `persisted` only after the write. Must never talk to clients.
#pragma once

#include "actors/fwd.hpp"
#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/stage_pools.hpp"

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

namespace xinyu::storage {
class conversation_store;
}

namespace xinyu::actors {

/// Told `(persisted_atom, chat id, reply turn, user)` once a turn's batch is durable.
using persist_listener_actor =
  caf::typed_actor<caf::reacts_to<persisted_atom, std::string, std::uint64_t, std::string>>;

/// Errors are ec::storage_failed with the store's sentence as detail.
using storage_actor = embeddings_sink_actor::extend<
  // queued; (persisted_atom, ...) to the listener once the batch holding it is written
  caf::reacts_to<persist_atom, storage::turn_record, persist_listener_actor>,
  // (user, ownership epoch: 0 on a single node, else claimed first); pending writes are flushed
  // first (read your writes)
  caf::replies_to<load_atom, std::string, std::uint64_t>::with<storage::user_snapshot>,
  // (user, before (0 = newest), limit)
  caf::replies_to<history_atom, std::string, std::uint64_t, std::uint32_t>::with<history_page>,
  // deleted messages; durable before the reply
  caf::replies_to<forget_atom, std::string>::with<std::uint64_t>,
  // (user, sealed emergency contact; empty = remove); durable before the reply
  caf::replies_to<contact_atom, std::string, std::string>::with<bool>,
  // the user's newest memory.max_items_per_user facts, oldest first; pending writes first
  caf::replies_to<memories_atom, std::string>::with<std::vector<core::memory_fact>>,
  // a fact deleted or edited; durable before the reply
  caf::replies_to<memory_atom, memory_change_request>::with<memory_change>,
  // the running summary of a user's older turns (a newer version replaces the stored one)
  caf::reacts_to<summary_atom, std::string, core::conversation_summary>,
  // true when nothing is pending
  caf::replies_to<flush_atom>::with<bool>,
  // the duty-of-care counts of the days from..to (YYYY-MM-DD, inclusive); pending writes first
  caf::replies_to<report_atom, std::string, std::string>::with<std::vector<storage::report_count>>,
  // internal: the group-commit timer and the retry timer
  caf::reacts_to<flush_atom, bool>, caf::reacts_to<retry_atom>>;

/// Spawned detached (its own thread: RocksDB writes and fsyncs block).
storage_actor spawn_storage_actor(caf::actor_system& sys, const core::config& cfg,
                                  std::unique_ptr<storage::conversation_store> store,
                                  std::shared_ptr<core::service_state> svc);

} // namespace xinyu::actors
