// Writes chat-completions request bodies for the upstream client without building a JSON DOM.
// Must never emit invalid JSON or invalid UTF-8, whatever the messages hold.
#include "core/protocol/chat_completion_request.hpp"

#include "core/support/text.hpp"

namespace xinyu::core {

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  if (is_valid_utf8(s)) {
    append_json_escaped(out, s);
  } else {
    std::string clean; // invalid bytes as U+FFFD, as the upstream would otherwise refuse
    for (char32_t cp : decode_utf8(s))
      append_utf8(clean, cp);
    append_json_escaped(out, clean);
  }
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
