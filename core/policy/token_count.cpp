// An approximate BPE-style token count (see token_count.hpp for the rule of thumb).
// Must never allocate: it is called once per prompt message.
#include "core/policy/token_count.hpp"

namespace xinyu::core {

namespace {

bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/// The code point starting at `s[i]` (UTF-8) and its length; bad bytes count as one each.
char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
  auto c = static_cast<unsigned char>(s[i]);
  len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + len > s.size()) {
    len = 1;
    return c;
  }
  char32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
         || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFFEF)
         || (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

} // namespace

std::size_t approximate_tokens(std::string_view text) {
  std::size_t tokens = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_letter(c)) {
      std::size_t n = 0;
      while (i < text.size() && is_letter(static_cast<unsigned char>(text[i]))) {
        ++n;
        ++i;
      }
      tokens += 1 + (n - 1) / 7; // common words up to 7 letters are one token
    } else if (is_digit(c)) {
      std::size_t n = 0;
      while (i < text.size() && is_digit(static_cast<unsigned char>(text[i]))) {
        ++n;
        ++i;
      }
      tokens += (n + 2) / 3;
    } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      // a space usually joins the next word's token; a long run of blanks is tokens of its own
      std::size_t n = 0;
      while (i < text.size()
             && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r')) {
        ++n;
        ++i;
      }
      tokens += n / 16;
    } else if (c == '\'' && i + 1 < text.size()
               && is_letter(static_cast<unsigned char>(text[i + 1]))) {
      ++i; // an apostrophe joins the letters after it: 's, 've, n't are one token
    } else if (c < 0x80) {
      std::size_t n = 0;
      while (i < text.size() && static_cast<unsigned char>(text[i]) == c) {
        ++n;
        ++i;
      }
      // a short run of one mark ("!!!", "...") is one token; a long one (a divider of 4 000
      // dashes) is one per 8, never the single token that would let a prompt outgrow its window
      tokens += 1 + (n - 1) / 8;
    } else {
      std::size_t len = 1;
      auto cp = decode(text, i, len);
      tokens += is_cjk(cp) ? 1 : 2;
      i += len;
    }
  }
  return tokens;
}

std::size_t approximate_message_tokens(std::string_view content) {
  return approximate_tokens(content) + 4;
}

} // namespace xinyu::core
