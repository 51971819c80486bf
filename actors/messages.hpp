// The plain-data messages between xinyu actors (stage and memory requests, history pages) and
// how CAF inspects them and the core/storage values they carry. Must never hold a handle to
// a socket or a store: what cannot be inspected is listed in local_message_types.hpp.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/policy/care_report.hpp"
#include "core/policy/prompt_builder.hpp"
#include "llm/provider.hpp"
#include "storage/conversation_store.hpp"
#include "storage/lease_store.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace xinyu::actors {

/// Input of the emotion and safety stages (and the external guard).
struct stage_request {
  std::string user;
  std::string text;
};

/// Memory: the memories most similar to `text` (most similar first).
struct recall_request {
  std::string user;
  std::string text;
};

/// Memory: index the facts of the user message of `turn`; answers what was indexed, with
/// embeddings (the worker also has them stored beside the facts).
struct remember_request {
  std::string user;
  std::uint64_t turn = 0;
  std::vector<std::string> facts;
};

/// Memory: erase everything of `user`; answers how many memories were dropped.
struct forget_memories_request {
  std::string user;
};

/// Memory: load stored memories of `user` into the index; answers the epoch to unload with.
struct seed_request {
  std::string user;
  std::vector<core::memory_fact> stored;
};

/// Memory: drop `user`'s index if it is still the one seeded at `epoch`; answers whether it was.
struct unload_request {
  std::string user;
  std::uint64_t epoch = 0;
};

/// Memory and storage: the user deleted (`erase`) or edited (to `text`) their fact
/// `index` of turn `turn`. Storage answers first (the durable truth), then the memory pool.
struct memory_change_request {
  std::string user;
  std::uint64_t turn = 0;
  std::uint32_t index = 0;
  std::string text;
  bool erase = false;
  bool stored = false; // an edit storage has made: the index takes it even if it lacks the fact
};

/// What a memory change found: whether the fact existed, and the text it had.
struct memory_change {
  bool found = false;
  std::string old_text;
};

/// Memory: the user's indexed facts (the list a user sees when there is no storage).
struct list_memories_request {
  std::string user;
};

/// One page of stored history.
struct history_page {
  std::vector<storage::stored_message> messages;
  bool more = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stage_request& x) {
  return f(caf::meta::type_name("stage_request"), x.user, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recall_request& x) {
  return f(caf::meta::type_name("recall_request"), x.user, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, remember_request& x) {
  return f(caf::meta::type_name("remember_request"), x.user, x.turn, x.facts);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, forget_memories_request& x) {
  return f(caf::meta::type_name("forget_memories_request"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, seed_request& x) {
  return f(caf::meta::type_name("seed_request"), x.user, x.stored);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unload_request& x) {
  return f(caf::meta::type_name("unload_request"), x.user, x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_change_request& x) {
  return f(caf::meta::type_name("memory_change_request"), x.user, x.turn, x.index, x.text, x.erase,
           x.stored);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_change& x) {
  return f(caf::meta::type_name("memory_change"), x.found, x.old_text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_memories_request& x) {
  return f(caf::meta::type_name("list_memories_request"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_page& x) {
  return f(caf::meta::type_name("history_page"), x.messages, x.more);
}

} // namespace xinyu::actors

// Inspection of the core and storage values that travel in messages (found by ADL).
namespace xinyu::core {
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, emotion_result& x) {
  return f(caf::meta::type_name("emotion_result"), x.label, x.score, x.valence);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, safety_result& x) {
  return f(caf::meta::type_name("safety_result"), x.level, x.categories, x.redacted_text,
           x.explicit_crisis, x.intent_or_plan, x.danger_words);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, memory_fact& x) {
  return f(caf::meta::type_name("memory_fact"), x.text, x.embedding, x.model, x.turn, x.index,
           x.ts);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, care_times& x) {
  return f(caf::meta::type_name("care_times"), x.last_disclosure, x.use_started, x.last_turn_end,
           x.last_break_reminder);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, care_report_query& x) {
  return f(caf::meta::type_name("care_report_query"), x.from, x.to, x.csv);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, conversation_summary& x) {
  return f(caf::meta::type_name("conversation_summary"), x.version, x.through_turn, x.text);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chat_message& x) {
  return f(caf::meta::type_name("chat_message"), x.role, x.content);
}
} // namespace xinyu::core

namespace xinyu::llm {
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_request& x) {
  return f(caf::meta::type_name("llm_request"), x.user_text, x.chinese, x.emotion, x.safety,
           x.memories, x.prompt, x.max_tokens);
}
} // namespace xinyu::llm

namespace xinyu::storage {
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_message& x) {
  return f(caf::meta::type_name("stored_message"), x.turn, x.role, x.text, x.id, x.ts, x.finish);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_record& x) {
  return f(caf::meta::type_name("turn_record"), x.user, x.id, x.user_turn, x.reply_turn,
           x.user_text, x.reply_text, x.finish, x.ts, x.reply_ts, x.facts, x.report_events, x.care,
           x.epoch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lease_grant& x) {
  return f(caf::meta::type_name("lease_grant"), x.granted, x.epoch, x.held_for_ms, x.holder);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, report_count& x) {
  return f(caf::meta::type_name("report_count"), x.day, x.event, x.count);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_snapshot& x) {
  return f(caf::meta::type_name("user_snapshot"), x.last_turn, x.recent, x.memories, x.care,
           x.contact, x.summary, x.newer_epoch);
}
} // namespace xinyu::storage
