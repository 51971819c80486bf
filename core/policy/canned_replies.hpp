// The fixed texts xinyu sends without an LLM: the fallback when no model answers, the refusal
// for blocked content and the crisis-resources paragraph. Pure; must never call a model.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// The comforting reply used when no LLM answers.
std::string fallback_reply(bool chinese);

/// The safe reply for blocked content (no LLM is called).
std::string blocked_reply(bool chinese);

/// The crisis-resources paragraph appended to a crisis reply: a blank line, a heading, then
/// one "- resource" line each. Empty when there are no resources.
std::string crisis_block(bool chinese, const std::vector<std::string>& resources);

/// Splits a reply into streaming pieces: 1-2 Han characters or one English word (with its
/// trailing space/punctuation). Concatenating the pieces gives back the reply exactly.
std::vector<std::string> split_into_tokens(std::string_view reply);

} // namespace xinyu::core
