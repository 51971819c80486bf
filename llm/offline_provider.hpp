// The built-in offline LLM provider: composes a context-aware supportive reply (emotion, safety
// level, memories, language) and splits it into paced tokens. Pure; must never do network I/O.
#pragma once

#include "core/analysis.hpp"
#include "core/prompt_builder.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::llm {

/// What a provider gets for one reply: the structured context and the built prompt.
struct llm_request {
  std::string user_text; // redacted
  bool chinese = false;
  core::emotion_result emotion;
  core::safety_level safety = core::safety_level::ok;
  std::vector<std::string> memories;
  std::vector<core::chat_message> prompt;
  unsigned max_tokens = 512;
};

struct pacing {
  unsigned first_token_ms = 150;
  double tokens_per_s = 30; // 0 = all at once
  /// Delay before token `seq` (0-based) counted from the previous one.
  unsigned delay_before(std::size_t seq) const noexcept;
};

class offline_provider {
public:
  /// The reply text for `req`; deterministic for the same input, varied across inputs.
  std::string compose(const llm_request& req) const;

  /// Splits a reply into streaming pieces: 1-2 Han characters or one English word (with its
  /// trailing space/punctuation). Concatenating the pieces gives back the reply exactly.
  static std::vector<std::string> tokenize(std::string_view reply);

  /// The comforting reply used when no LLM answers.
  static std::string fallback_reply(bool chinese);

  /// The safe reply for blocked content (no LLM is called).
  static std::string blocked_reply(bool chinese);

  /// Crisis resources paragraph appended to crisis replies.
  static std::string crisis_block(bool chinese, const std::vector<std::string>& resources);
};

} // namespace xinyu::llm
