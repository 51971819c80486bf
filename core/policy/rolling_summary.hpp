// The running summary of a conversation's older turns: what the recent window no longer holds,
// folded in when the window slides, kept within a token budget, versioned. Pure; must never
// call an LLM or store.
#pragma once

#include "core/policy/prompt_builder.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

struct conversation_summary {
  std::uint64_t version = 0;      // one more at every change; 0: never summarised
  std::uint64_t through_turn = 0; // the newest turn it covers
  std::string text;               // one line per remembered point, oldest first
  bool operator==(const conversation_summary&) const = default;
};

/// The extractive summariser (the offline path, and the fallback of an LLM one): each user
/// message of `dropped` gives at most one line, its most telling sentence (a fact about the
/// user first, else its longest statement; small talk and questions give none), shortened to
/// `max_line_bytes`; the summary keeps the newest lines that fit `budget_tokens`. The
/// assistant's replies are not kept: what the person said is what must not be lost. A message
/// about harming oneself leaves a neutral line saying so, never the words.
/// Sentences in `known` (the core memory the prompt carries anyway) are not repeated; nor is a
/// point the summary has already. A message in `sensitive` (the session's crisis turns, which
/// no word list can recognise reliably) leaves the neutral line too. Requests to xinyu ("tell
/// me a joke") leave none.
conversation_summary fold_extractive(const conversation_summary& previous,
                                     const std::vector<chat_message>& dropped,
                                     std::uint64_t through_turn, std::size_t budget_tokens,
                                     const std::vector<std::string>& known = {},
                                     const std::vector<std::string>& sensitive = {},
                                     std::size_t max_line_bytes = 240);

/// `summary` without the lines that contain `text` (a fact the user deleted or edited); the
/// version moves on when a line went.
conversation_summary without(const conversation_summary& summary, std::string_view text);

/// The request that asks an LLM to fold `dropped` into `previous` (the summariser prompt):
/// short lines in the user's language, what the person said about their life and feelings and
/// the open threads, within about `budget_tokens`; the conversation is quoted as data.
std::vector<chat_message> summary_request(std::string_view previous,
                                          const std::vector<chat_message>& dropped,
                                          std::size_t budget_tokens);

/// Appends a piece of the model's streamed summary to `answer`, at most
/// `summary_answer_cap(budget_tokens)` bytes in all: a runaway model is cut there (the budget is
/// what survives anyway). False when (part of) the piece was cut.
bool append_summary_answer(std::string& answer, std::string_view piece, std::size_t budget_tokens);

/// Bytes of a summary answer kept while it streams: 16 per budget token (a token is at most a
/// few bytes; the model may write more than asked and the newest lines are kept), at least 4 KiB.
std::size_t summary_answer_cap(std::size_t budget_tokens);

/// A model's summary made fit for the prompt: trimmed, empty lines and list markers dropped,
/// the newest lines within `budget_tokens`; "" when nothing usable came back.
std::string accept_model_summary(std::string_view text, std::size_t budget_tokens);

} // namespace xinyu::core
