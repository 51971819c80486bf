// One rendering of a chat prompt as the model sees it (a ChatML-like template), shared by the
// prefix-cache benchmark and mock-llm's prefill mode so both measure the same prefix. Bench-only.
#pragma once

#include <string>
#include <string_view>

namespace xinyu::bench {

/// Appends one message as "<|role|>\ncontent<|end|>\n".
inline void render_message(std::string& out, std::string_view role, std::string_view content) {
  out += "<|";
  out += role;
  out += "|>\n";
  out += content;
  out += "<|end|>\n";
}

/// Bytes `a` and `b` share from the start.
inline std::size_t common_prefix(std::string_view a, std::string_view b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n])
    ++n;
  return n;
}

} // namespace xinyu::bench
