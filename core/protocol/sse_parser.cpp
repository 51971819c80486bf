// Incremental Server-Sent Events parser and OpenAI chunk interpretation.
// Pure and bounded; never throws to the caller.
#include "core/protocol/sse_parser.hpp"

namespace xinyu::core {

bool sse_parser::feed(std::string_view bytes, const std::function<void(sse_event&&)>& on_event) {
  for (char c : bytes) {
    if (cr_pending_) {
      cr_pending_ = false;
      if (c == '\n')
        continue; // the LF of a CRLF split across chunks
    }
    if (c == '\r' || c == '\n') {
      cr_pending_ = c == '\r';
      line(on_event);
      line_.clear();
      continue;
    }
    line_.push_back(c);
    if (line_.size() + cur_.data.size() > max_bytes_)
      return false;
  }
  return true;
}

void sse_parser::line(const std::function<void(sse_event&&)>& on_event) {
  if (line_.empty()) { // blank line: dispatch
    if (has_data_) {
      if (!cur_.data.empty() && cur_.data.back() == '\n')
        cur_.data.pop_back();
      on_event(std::move(cur_));
    }
    cur_ = sse_event{};
    has_data_ = false;
    return;
  }
  if (line_.front() == ':')
    return; // comment / keep-alive
  auto colon = line_.find(':');
  std::string_view field{line_};
  std::string_view value;
  if (colon != std::string::npos) {
    field = std::string_view{line_}.substr(0, colon);
    value = std::string_view{line_}.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
  }
  if (field == "data") {
    cur_.data.append(value);
    cur_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    cur_.event = std::string{value};
  } else if (field == "id") {
    cur_.id = std::string{value};
  } // "retry" and unknown fields are ignored
}

} // namespace xinyu::core
