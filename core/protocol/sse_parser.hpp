// Incremental Server-Sent Events parser: bytes in (split anywhere), complete events out.
// Handles LF/CRLF/CR, comments, multi-line data; pure and bounded (never grows past max_bytes).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace xinyu::core {

struct sse_event {
  std::string event; // "" = message
  std::string data;  // data lines joined with '\n'
  std::string id;
};

class sse_parser {
public:
  explicit sse_parser(std::size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}

  /// Feeds the next bytes of the stream; calls `on_event` for each complete event. Returns
  /// false (and stops) when a line or event exceeds max_bytes.
  bool feed(std::string_view bytes, const std::function<void(sse_event&&)>& on_event);

private:
  void line(const std::function<void(sse_event&&)>& on_event);

  std::size_t max_bytes_;
  std::string line_;
  sse_event cur_;
  bool has_data_ = false;
  bool cr_pending_ = false; // the previous chunk ended in '\r' (a '\n' may follow)
};

/// One `data:` payload of an OpenAI-compatible chat.completions stream, interpreted.
struct completion_chunk {
  enum class kind {
    content,   // `text` holds new reply text
    empty,     // role-only or empty delta, usage-only chunk, keep-alive: nothing to show
    done,      // the literal [DONE]
    error,     // an error object: `error` holds its message
    malformed, // not JSON / not a chunk
  } type = kind::empty;
  std::string text;
  std::string finish_reason; // "stop", "length", ... when present
  std::string error;
  // the `usage` object when the chunk carries one (OpenAI sends it last with
  // stream_options.include_usage); -1 when absent
  long long prompt_tokens = -1;
  long long completion_tokens = -1;
};

completion_chunk parse_completion_chunk(std::string_view data);

} // namespace xinyu::core
