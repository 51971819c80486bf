// How a turn ended (the `done` frame's `finish`) and how a provider's finish maps onto it.
// A closed set: must never carry a string the wire contract does not list.
#pragma once

#include <string_view>

namespace xinyu::core {

enum class finish_reason {
  stop,      // the reply is complete
  length,    // cut at llm.max_tokens
  cancelled, // the client cancelled the turn
  fallback,  // no LLM reply: the offline comforting text was sent instead
  error,     // the reply broke off after some tokens
  human,     // a human operator who took the conversation over wrote the reply
};

/// The wire spelling (`stop`, `length`, `cancelled`, `fallback`, `error`, `human`).
const char* to_string(finish_reason f) noexcept;

/// Maps an OpenAI-compatible `finish_reason` (or a provider's own end) onto the wire set:
/// `length` stays, `error`/`cancelled` stay, anything else (`stop`, `content_filter`,
/// `tool_calls`, "") is a complete reply.
finish_reason finish_from_provider(std::string_view provider_finish) noexcept;

} // namespace xinyu::core
