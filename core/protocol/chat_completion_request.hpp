// The JSON body of an OpenAI-compatible chat-completions request, written straight into one
// string (no JSON tree per request). Must never send invalid JSON: text is escaped and any
// invalid UTF-8 in it becomes U+FFFD.
#pragma once

#include "core/policy/prompt_builder.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// `{"model":…,"messages":[…the messages whose keep flag is set…],"max_tokens":N` followed by
/// `other_members` and the closing brace. `other_members` is either empty or a JSON member
/// list starting with a comma (`,"stream":true,"temperature":0.7`); `keep` is empty (all
/// messages) or one flag per message.
std::string chat_completion_body(std::string_view model, const std::vector<chat_message>& messages,
                                 const std::vector<bool>& keep, unsigned max_tokens,
                                 std::string_view other_members);

} // namespace xinyu::core
