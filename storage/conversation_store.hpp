// Durable conversation storage: RocksDB embedded (one node) or PostgreSQL (cluster mode), behind
// one interface. Not thread-safe: one owner (storage_actor) calls it. Must never include RocksDB
// or libpq headers here.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/memory/memory_id.hpp"
#include "core/policy/care_notices.hpp"
#include "core/policy/rolling_summary.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xinyu::storage {

struct stored_message {
  std::uint64_t turn = 0;
  std::string role; // user | assistant
  std::string text;
  std::string id; // the client's chat id
  std::int64_t ts = 0;
  std::string finish = {}; // assistant messages: the reply's finish reason
};

/// One finished turn: the user's message and the reply, written together.
struct turn_record {
  std::string user;
  std::string id;
  std::uint64_t user_turn = 0;
  std::uint64_t reply_turn = 0;
  std::string user_text;
  std::string reply_text;
  std::string finish;
  std::int64_t ts = 0;
  std::int64_t reply_ts = 0;
  std::vector<std::string> facts; // what the user message tells about them (<= 256), remembered
  /// Duty-of-care events of this turn, counted per UTC day of `ts` in the same batch (so a
  /// count is durable exactly when its turn is): "detection/<locale>/<level>/<category>" or
  /// "referral/<locale>". No user and no text ever go into a count.
  std::vector<std::string> report_events;
  /// The user's care-notice schedule after this turn (empty: leave the stored one).
  core::care_times care;
  /// The writer's ownership epoch for this user (cluster mode): a record whose epoch is older
  /// than one the store has seen for the user (a claim or a write) is refused, never written.
  /// 0 on a single node.
  std::uint64_t epoch = 0;
};

/// One day's count of one duty-of-care event.
struct report_count {
  std::string day;   // YYYY-MM-DD (UTC)
  std::string event; // as in turn_record::report_events
  std::uint64_t count = 0;
};

struct user_snapshot {
  std::uint64_t last_turn = 0;
  std::vector<stored_message> recent;      // oldest first
  std::vector<core::memory_fact> memories; // oldest first; embedding empty if never stored
  core::care_times care;                   // empty when never stored
  std::string contact;                     // the sealed emergency contact; empty: none
  core::conversation_summary summary = {}; // the running summary of older turns
  /// Cluster mode: the load's claim was refused because the store has seen this newer epoch
  /// (nothing else is filled in); 0 otherwise.
  std::uint64_t newer_epoch = 0;
};

/// Outcome of a call: ok, or one clear sentence.
struct store_status {
  bool ok = true;
  std::string error;
  explicit operator bool() const { return ok; }
  static store_status failure(std::string e) { return {false, std::move(e)}; }
};

class conversation_store {
public:
  struct options {
    std::string path = "./data";     // RocksDB directory
    bool sync = true;                // fsync (RocksDB WAL) / synchronous_commit (PostgreSQL)
    std::string backend = "rocksdb"; // "rocksdb" or "postgres"
    std::string postgres = {};       // libpq connection string (backend "postgres")
  };

  /// Opens the store `opt.backend` names: RocksDB at `opt.path` (created if missing), or the
  /// PostgreSQL database `opt.postgres` (tables created if missing). On failure returns null and
  /// sets `error` (in use by another process, not writable, corrupt, unreachable, ...).
  static std::unique_ptr<conversation_store> open(const options& opt, std::string& error);

  virtual ~conversation_store() = default;

  /// Writes all records (both messages, memory, meta.last_turn) in one atomic batch. Records
  /// refused for a stale epoch are not written; their positions go to `fenced` (the rest are).
  virtual store_status write(const std::vector<turn_record>& records,
                             std::vector<std::size_t>& fenced) = 0;
  /// write() where no record can be fenced (a single node, tests).
  store_status write(const std::vector<turn_record>& records) {
    std::vector<std::size_t> fenced;
    return write(records, fenced);
  }

  /// Records that the writer holding `epoch` owns `user` from now on: `granted` false (nothing
  /// changed) when a newer epoch was seen already, which `seen` then tells. Once granted, writes
  /// with older epochs are refused, and everything they wrote before is visible to a load that
  /// follows.
  virtual store_status claim(const std::string& user, std::uint64_t epoch, bool& granted,
                             std::uint64_t& seen) = 0;

  /// Stores the embeddings of the facts of `turn` (written with the turn) beside them, each
  /// under its fact's `index`; skipped for a fact that is gone or now reads otherwise (an
  /// edit won the race: no vector of the old text under the new one).
  virtual store_status put_embeddings(const std::string& user, std::uint64_t turn,
                                      const std::vector<core::memory_fact>& facts) = 0;

  /// The user's newest `limit` memories, oldest first, with turn, index and ts (no vectors).
  virtual store_status list_memories(const std::string& user, std::size_t limit,
                                     std::vector<core::memory_fact>& out) = 0;

  /// The fact `ref` now reads `text` (its vector is dropped, to be recomputed); `old` is the
  /// text it had, nullopt when there is no such fact (nothing written). Durable before return.
  virtual store_status edit_memory(const std::string& user, const core::memory_ref& ref,
                                   const std::string& text, std::optional<std::string>& old) = 0;

  /// Erases the fact `ref` and its vector; `old` as for edit_memory. Durable before return.
  virtual store_status delete_memory(const std::string& user, const core::memory_ref& ref,
                                     std::optional<std::string>& old) = 0;

  /// The user's turn counter, last `recent` messages and last `memories` memories.
  virtual store_status load(const std::string& user, std::size_t recent, std::size_t memories,
                            user_snapshot& out) = 0;

  /// Up to `limit` messages with turn < `before` (all when unset), oldest first; `more` tells
  /// whether older ones exist.
  virtual store_status history(const std::string& user, std::optional<std::uint64_t> before,
                               std::size_t limit, std::vector<stored_message>& out, bool& more) = 0;

  /// Erases the user's messages, memories, summary and emergency contact durably; the turn counter
  /// is kept. The duty-of-care counts (which carry no user) stay.
  virtual store_status forget(const std::string& user, std::uint64_t& deleted_messages) = 0;

  /// Stores the running summary of the user's older turns (a newer version only; an older one
  /// arriving late is ignored). Not fsynced: it can be rebuilt from the history.
  virtual store_status put_summary(const std::string& user,
                                   const core::conversation_summary& summary) = 0;

  /// Stores the user's sealed emergency contact (empty: removes it), durably.
  virtual store_status put_contact(const std::string& user, const std::string& sealed) = 0;

  /// The duty-of-care counts of the days `from`..`to` (YYYY-MM-DD, inclusive), by day then
  /// event.
  virtual store_status report(const std::string& from, const std::string& to,
                              std::vector<report_count>& out) = 0;
};

} // namespace xinyu::storage
