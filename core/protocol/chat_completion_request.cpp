// Writes chat-completions request bodies for the upstream client without building a JSON DOM.
// Must never emit invalid JSON or invalid UTF-8, whatever the messages hold.
#include "core/protocol/chat_completion_request.hpp"

#include "core/support/text.hpp"

namespace xinyu::core {

namespace {

/// Length of the well-formed UTF-8 sequence starting at s[i] (a lead byte >= 0x80), 0 if none.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto at = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](std::size_t k) { return k < s.size() && (at(k) & 0xC0) == 0x80; };
  unsigned c = at(i);
  if (c >= 0xC2 && c <= 0xDF)
    return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2))
      return 0;
    unsigned c1 = at(i + 1);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) // overlong; surrogate
      return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3))
      return 0;
    unsigned c1 = at(i + 1);
    if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) // overlong; above U+10FFFF
      return 0;
    return 4;
  }
  return 0;
}

/// A JSON string: runs of plain bytes appended at once, marks and control characters escaped,
/// each byte of an invalid UTF-8 sequence as U+FFFD (as decode_utf8 reads it).
void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t plain = 0; // start of the run not yet appended
  auto flush = [&](std::size_t end) { out.append(s.data() + plain, end - plain); };
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (auto len = utf8_sequence(s, i)) {
        i += len;
        continue;
      }
      flush(i);
      out += "\xEF\xBF\xBD";
      plain = ++i;
      continue;
    }
    flush(i);
    append_json_escaped(out, s.substr(i, 1));
    plain = ++i;
  }
  flush(s.size());
  out += '"';
}

} // namespace

std::string chat_completion_body(std::string_view model, const std::vector<chat_message>& messages,
                                 const std::vector<bool>& keep, unsigned max_tokens,
                                 std::string_view other_members) {
  std::size_t size = 64 + model.size() + other_members.size();
  for (const auto& m : messages)
    size += m.content.size() + m.role.size() + 32;
  std::string out;
  out.reserve(size + size / 16);
  out += "{\"model\":";
  append_string(out, model);
  out += ",\"messages\":[";
  bool first = true;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!keep.empty() && !keep[i])
      continue;
    if (!first)
      out += ',';
    first = false;
    out += "{\"role\":";
    append_string(out, messages[i].role);
    out += ",\"content\":";
    append_string(out, messages[i].content);
    out += '}';
  }
  out += "],\"max_tokens\":";
  out += std::to_string(max_tokens);
  out += other_members;
  out += '}';
  return out;
}

} // namespace xinyu::core
