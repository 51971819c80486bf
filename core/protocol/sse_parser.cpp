// Incremental Server-Sent Events parser and OpenAI chunk interpretation.
// Pure and bounded; never throws to the caller.
#include "core/protocol/sse_parser.hpp"

#include <nlohmann/json.hpp>

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

completion_chunk parse_completion_chunk(std::string_view data) {
  completion_chunk c;
  auto trimmed = data;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n'))
    trimmed.remove_suffix(1);
  if (trimmed == "[DONE]") {
    c.type = completion_chunk::kind::done;
    return c;
  }
  auto j = nlohmann::json::parse(trimmed, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    c.type = completion_chunk::kind::malformed;
    return c;
  }
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    c.type = completion_chunk::kind::error;
    if (e->is_object())
      c.error = e->value("message", e->dump());
    else if (e->is_string())
      c.error = e->get<std::string>();
    else
      c.error = e->dump();
    return c;
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    auto count = [&](const char* key) -> long long {
      auto v = u->find(key);
      return v != u->end() && v->is_number_integer() && v->get<long long>() >= 0
               ? v->get<long long>()
               : -1;
    };
    c.prompt_tokens = count("prompt_tokens");
    c.completion_tokens = count("completion_tokens");
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) {
    // usage-only or other metadata chunks carry no text
    c.type =
      j.contains("usage") ? completion_chunk::kind::empty : completion_chunk::kind::malformed;
    return c;
  }
  if (choices->empty())
    return c; // e.g. the final usage chunk
  const auto& ch = (*choices)[0];
  if (!ch.is_object()) {
    c.type = completion_chunk::kind::malformed;
    return c;
  }
  if (auto fr = ch.find("finish_reason"); fr != ch.end() && fr->is_string())
    c.finish_reason = fr->get<std::string>();
  auto delta = ch.find("delta");
  if (delta != ch.end() && delta->is_object()) {
    auto content = delta->find("content");
    if (content != delta->end() && content->is_string()
        && !content->get_ref<const std::string&>().empty()) {
      c.type = completion_chunk::kind::content;
      c.text = content->get<std::string>();
    }
  } else if (auto text = ch.find("text"); text != ch.end() && text->is_string()
                                          && !text->get_ref<const std::string&>().empty()) {
    c.type = completion_chunk::kind::content; // legacy completions shape
    c.text = text->get<std::string>();
  }
  return c;
}

} // namespace xinyu::core
