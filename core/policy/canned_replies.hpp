// The fixed texts xinyu sends without an LLM: the fallback when no model answers, the refusal
// for blocked content, the crisis referral and crisis-support reply. Pure; must never call a model.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// The comforting reply used when no LLM answers.
std::string fallback_reply(bool chinese);

/// The safe reply for blocked content (no LLM is called).
std::string blocked_reply(bool chinese);

/// The referral that opens every crisis reply, before any word of the model's: a heading, one
/// "- resource" line each, then a blank line. Empty when there are no resources.
std::string crisis_referral(bool chinese, const std::vector<std::string>& resources);

/// The crisis-support reply that follows the referral when no LLM answers (down, late, broken
/// before its first token): it never depends on a model being healthy.
std::string crisis_support_reply(bool chinese);

/// Splits a reply into streaming pieces: 1-2 Han characters or one English word (with its
/// trailing space/punctuation). Concatenating the pieces gives back the reply exactly.
std::vector<std::string> split_into_tokens(std::string_view reply);

} // namespace xinyu::core
