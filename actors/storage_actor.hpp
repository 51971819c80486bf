// The storage actor owns the conversation_store: write-behind with group commit, a bounded
// queue feeding load shedding, retries with backoff, and `persisted` only after the write.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

namespace xinyu::core {
struct config;
struct service_state;
} // namespace xinyu::core

namespace xinyu::storage {
class conversation_store;
}

namespace xinyu::actors {

/// Spawned detached (its own thread: RocksDB writes and fsyncs block). Messages:
///   (persist_atom, storage::turn_record, caf::actor reply_to)
///       queued; once the batch holding it is written: (persisted_atom, id, reply_turn, user)
///       to reply_to
///   (load_atom, std::string user) -> storage::user_snapshot     (pending writes flushed first)
///   (history_atom, std::string user, uint64 before (0 = newest), uint32 limit) -> history_page
///   (forget_atom, std::string user) -> uint64 deleted messages  (durable before the reply)
///   (flush_atom) -> bool                                         (true when nothing is pending)
caf::actor spawn_storage_actor(caf::actor_system& sys, const core::config& cfg,
                               std::unique_ptr<storage::conversation_store> store,
                               std::shared_ptr<core::service_state> svc);

} // namespace xinyu::actors
