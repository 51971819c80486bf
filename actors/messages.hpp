// Message types exchanged between xinyu actors (requests to stage pools, LLM stream control).
// Plain data; must never carry a socket or a storage handle.
#pragma once

#include "actors/client_sink.hpp"
#include "core/analysis.hpp"
#include "core/client_frame.hpp"
#include "llm/offline_provider.hpp"
#include "storage/conversation_store.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <cstdint>
#include <string>

namespace xinyu::actors {

/// Input of the emotion and safety stages.
struct stage_request {
  std::string user;
  std::string text;
};

/// Input of the memory stage.
struct memory_request {
  enum class op { recall, remember, forget, seed, unload } kind = op::recall;
  std::string user;
  std::string text;                     // recall: the message being answered
  std::vector<std::string> facts = {};  // remember: facts of the user message of `turn`
  std::uint64_t turn = 0;
  std::vector<core::memory_fact> stored = {}; // seed: memories loaded from storage
  std::uint64_t epoch = 0;                    // unload: what seed answered
};

/// Connections handed over from a crashed session to its successor.
using sink_list = std::vector<client_sink_ptr>;

/// One page of stored history.
struct history_page {
  std::vector<storage::stored_message> messages;
  bool more = false;
};

/// Starts one streamed reply on an LLM worker; tokens go to `reply_to` tagged `stream_id`.
struct llm_start {
  std::uint64_t stream_id = 0;
  caf::actor reply_to;
  llm::llm_request request;
};

} // namespace xinyu::actors

// Local-only messages: never serialised, so no inspect() is needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::client_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::sink_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::core::client_command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::core::emotion_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::core::safety_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::core::memory_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::stage_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::memory_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::llm_start)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::history_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::storage::turn_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::storage::user_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<xinyu::core::memory_fact>)
