// Builds the chat-completion prompt for one turn: persona, detected emotion, safety guidance,
// retrieved memories and recent turns. Pure; must never call an LLM or read storage.
#pragma once

#include "core/analysis/analysis.hpp"

#include <string>
#include <vector>

namespace xinyu::core {

struct chat_message {
  std::string role; // system | user | assistant
  std::string content;
};

struct prompt_input {
  std::string user_text; // already redacted
  bool chinese = false;
  emotion_result emotion;
  safety_result safety;
  std::vector<std::string> memories;
  std::vector<chat_message> recent; // oldest first, user/assistant alternating
  bool minor = false;               // the user is a minor (token claim age_band)
};

class prompt_builder {
public:
  explicit prompt_builder(std::string persona, std::size_t max_recent_messages = 8,
                          std::size_t max_prompt_bytes = 16000);

  std::vector<chat_message> build(const prompt_input& in) const;

private:
  std::string persona_;
  std::size_t max_recent_;
  std::size_t max_bytes_;
};

} // namespace xinyu::core
