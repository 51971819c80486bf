// Builds the chat-completion prompt for one turn within a token budget, laid out for upstream
// prefix caches. Pure; must never call an LLM or read storage.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/policy/chat_message.hpp"
#include "core/policy/recent_window.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace xinyu::core {

struct prompt_input {
  std::string user_text; // already redacted
  bool chinese = false;
  emotion_result emotion;
  safety_result safety;
  std::vector<std::string> memories; // recalled for this turn (in the turn's context block)
  std::vector<std::string> profile;  // core memory: what matters most about the user, quoted in
                                     // the system message (stable across turns)
  std::string summary = {};          // the running summary of older turns (system message)
  recent_window recent;              // oldest first, user/assistant alternating
  bool minor = false;                // the user is a minor (token claim age_band)
};

/// Bounds of one prompt. `max_prompt_tokens` is the window of the endpoint the prompt goes to
/// first, less its reply reserve (approximate tokens, core/policy/token_count).
struct prompt_limits {
  std::size_t max_recent_messages = 128;
  std::size_t max_prompt_tokens = 8192 - 1024;
};

/// A built prompt and how many of the oldest `prompt_input::recent` messages it left out: the
/// caller drops those from its window for good, so the next turn's prompt starts the same way.
struct built_prompt {
  std::vector<chat_message> messages;
  std::size_t dropped = 0; // oldest messages of `recent` not used (always whole turns)
  std::size_t tokens = 0;  // approximate_prompt_tokens(messages)
};

/// The layout, stable first so that a turn's prompt extends the previous one (prefix caches in
/// vLLM, llama.cpp, DeepSeek, OpenAI hit):
///   system:    persona and the standing instructions (the minors policy), then the running
///              summary of older turns and the profile (core memory) — the same every turn
///              until one of them changes (at a window slide, or a deleted fact)
///   user/assistant: the recent turns, a window that slides in blocks (below)
///   user:      the turn's context (language, emotion, safety guidance, recalled memories) in a
///              marked block, then the user's message.
/// The turn's context rides in the last user message, not in a second system message: strict
/// chat templates (Gemma, older Mistral) refuse a system message after the first or roles that
/// do not alternate, and a prefix of the last message changes nothing before it.
/// The window: when the recent turns outgrow `max_recent_messages` or the token budget, the
/// oldest half goes at once (repeated until it fits), so most turns only append to the prompt.
/// Over budget even without recent turns, memories go last-first; the persona, the safety
/// guidance and the user's message are never cut.
class prompt_builder {
public:
  explicit prompt_builder(std::string persona, prompt_limits limits = {});

  built_prompt build(const prompt_input& in) const;

  const prompt_limits& limits() const { return limits_; }

private:
  std::string system_;       // persona + standing instructions, without the minors policy
  std::string system_minor_; // ... with it
  prompt_limits limits_;
};

/// Approximate tokens of a chat prompt: each message with its framing, and the reply's priming.
std::size_t approximate_prompt_tokens(const std::vector<chat_message>& messages);

/// Messages to drop from the front of a window of `n` so that at most `max_messages` remain:
/// none while it fits, else all but the newest half of `max_messages` (whole turns).
std::size_t drop_for_cap(std::size_t n, std::size_t max_messages);

/// Messages to drop from the front of `window` (oldest first, user/assistant pairs) so that at
/// most `max_messages` remain and their tokens fit `budget`: the oldest half at once, repeated.
/// `kept_tokens`, when given, receives the tokens of the messages that stay.
std::size_t slide_window(const recent_window& window, std::size_t budget, std::size_t max_messages,
                         std::size_t* kept_tokens = nullptr);

/// Which messages of a prompt fit_prompt keeps (`keep[i]`) and the tokens they take.
struct prompt_fit {
  std::vector<bool> keep;
  std::size_t tokens = 0;
};

/// fit_prompt's choice without copying the messages. `known_tokens`: the caller's
/// approximate_prompt_tokens(messages) when it has it (0 = count them here).
prompt_fit plan_fit(const std::vector<chat_message>& messages, std::size_t budget,
                    std::size_t known_tokens = 0);

/// `messages` cut to `budget` tokens for an endpoint with a smaller window: the oldest
/// messages between the leading system message and the last user message go first (a turn at a
/// time); system messages, the last user message and what follows it are never cut. Returns
/// the messages even when they still do not fit (the endpoint then refuses and the next one is
/// tried).
std::vector<chat_message> fit_prompt(std::vector<chat_message> messages, std::size_t budget);

} // namespace xinyu::core
