// The making-plain of context-block brackets in user text (see chat_message.hpp). Must never
// change any other character.
#include "core/policy/chat_message.hpp"

#include <cstring>

namespace xinyu::core {

namespace {

/// The plain bracket for the three UTF-8 bytes at `p` when they are ⟦ ⟧ 〚 or 〛, else 0.
char plain_bracket(const unsigned char* p) {
  if (p[0] == 0xE2 && p[1] == 0x9F && (p[2] == 0xA6 || p[2] == 0xA7)) // ⟦ U+27E6, ⟧ U+27E7
    return p[2] == 0xA6 ? '[' : ']';
  if (p[0] == 0xE3 && p[1] == 0x80 && (p[2] == 0x9A || p[2] == 0x9B)) // 〚 U+301A, 〛 U+301B
    return p[2] == 0x9A ? '[' : ']';
  return 0;
}

} // namespace

std::string neutralised(std::string text) {
  // one pass; nothing is copied unless a bracket is there (most text has none)
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size(), i = 0;
  while (i + 3 <= n && !plain_bracket(s + i))
    ++i;
  if (i + 3 > n)
    return text;
  std::string out;
  out.reserve(n);
  out.append(text, 0, i);
  while (i < n) {
    char plain = i + 3 <= n ? plain_bracket(s + i) : 0;
    if (plain) {
      out += plain;
      i += 3;
    } else {
      out += text[i++];
    }
  }
  return out;
}

} // namespace xinyu::core
