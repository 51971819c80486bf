// The interpretation of one `data:` payload of an OpenAI-compatible chat.completions stream.
// Pure; never throws to the caller, never shows text from a chunk it could not read.
#include "core/protocol/sse_parser.hpp"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <optional>

namespace xinyu::core {

namespace {

/// The reference reading (a JSON DOM) of a trimmed payload that is not [DONE]: every shape,
/// every error; the fast path below defers to it whenever a chunk is not the common one.
completion_chunk parse_with_dom(std::string_view trimmed) {
  completion_chunk c;
  auto j = nlohmann::json::parse(trimmed, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    c.type = completion_chunk::kind::malformed;
    return c;
  }
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    c.type = completion_chunk::kind::error;
    if (auto m = e->find("message"); m != e->end() && m->is_string()) // end() if not an object
      c.error = m->get<std::string>(); // (value("message", ...) throws on a non-string message)
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

/// The common chunk read by simdjson (validated, parsed into a tape in the parser's reused
/// buffers: no allocation per node, ~15x nlohmann's parse here): a delta's content, its finish
/// reason, a usage object. Anything else — an error object, no `choices`, a type it does not
/// expect, invalid JSON — returns nothing and the reference reading decides. (simdjson's
/// on-demand API was tried first: in 3.0.1 it reaches an unreachable point on some malformed
/// documents, found by fuzz_sse; the validating parser costs about the same here.)
std::optional<completion_chunk> parse_fast(std::string_view trimmed) {
  using namespace simdjson;
  thread_local dom::parser parser;
  dom::object root;
  if (parser.parse(trimmed.data(), trimmed.size()).get(root))
    return std::nullopt;
  completion_chunk c;
  if (auto e = root["error"]; e.error() != NO_SUCH_FIELD && !e.is_null())
    return std::nullopt; // an error object (rare): the reference reads every shape of it
  if (dom::object usage; !root["usage"].get(usage)) {
    auto count = [&usage](std::string_view key) -> long long {
      int64_t x = -1;
      auto n = usage[key];
      if (n.error() || !n.is_int64() || n.get(x))
        return -1;
      return x >= 0 ? x : -1;
    };
    c.prompt_tokens = count("prompt_tokens");
    c.completion_tokens = count("completion_tokens");
  }
  dom::array choices;
  if (root["choices"].get(choices))
    return std::nullopt;
  if (choices.size() == 0)
    return c; // e.g. the final usage chunk
  dom::object choice;
  if (choices.at(0).get(choice))
    return std::nullopt;
  std::string_view s;
  if (!choice["finish_reason"].get(s))
    c.finish_reason = std::string{s};
  auto text_of = [&](dom::object& o, std::string_view key) {
    if (!o[key].get(s) && !s.empty()) {
      c.type = completion_chunk::kind::content;
      c.text = std::string{s};
    }
  };
  if (dom::object delta; !choice["delta"].get(delta))
    text_of(delta, "content");
  else
    text_of(choice, "text"); // the legacy completions shape
  return c;
}

} // namespace

completion_chunk parse_completion_chunk(std::string_view data) {
  auto trimmed = data;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n'))
    trimmed.remove_suffix(1);
  if (trimmed == "[DONE]") {
    completion_chunk c;
    c.type = completion_chunk::kind::done;
    return c;
  }
  if (auto fast = parse_fast(trimmed))
    return std::move(*fast);
  return parse_with_dom(trimmed);
}

} // namespace xinyu::core
