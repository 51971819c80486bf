// W3C Trace Context (https://www.w3.org/TR/trace-context/): the `traceparent` a client sends
// with a request, and the one xinyu sends on to the LLM endpoint. Must never trust a malformed
// header: an invalid one starts a new trace, as the recommendation says.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

struct trace_context {
  std::string trace_id;  // 32 lower-case hex digits, not all zero
  std::string parent_id; // 16 lower-case hex digits, not all zero (the caller's span)
  std::string flags = "00";
};

/// Parses a `traceparent` header value; nullopt when it is not a valid version-00 value (or a
/// later version's valid prefix).
std::optional<trace_context> parse_traceparent(std::string_view value);

/// A fresh context: random trace id and span id, not sampled.
trace_context new_trace();

/// The `traceparent` for a child request of `ctx`: same trace id and flags, a new span id.
std::string child_traceparent(const trace_context& ctx);

} // namespace xinyu::core
