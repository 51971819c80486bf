// An approximate BPE-style token count for text sent to or received from an LLM, used where an
// endpoint reports no `usage` (metrics) and for budgets. Must never be treated as exact: real
// tokenizers differ by model; the error against one is stated where it is used for budgets.
#pragma once

#include <cstddef>
#include <string_view>

namespace xinyu::core {

/// Tokens `text` is likely to take in a GPT-style byte-level BPE vocabulary: an English word is
/// about one token (long words one more per 6 letters), digits go in threes, other ASCII marks
/// one each, a CJK character about one, other non-ASCII characters two.
std::size_t approximate_tokens(std::string_view text);

/// Tokens one chat message adds to a prompt: its text plus the per-message framing (about 4).
std::size_t approximate_message_tokens(std::string_view content);

} // namespace xinyu::core
