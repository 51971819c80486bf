// libFuzzer target: the HTTP API request parsers (POST /v1/chat bodies, OpenAI
// chat/completions bodies, /v1/history queries), server-frame peeking and the W3C
// traceparent header. The first byte picks the parser; the rest is its input.
#include "core/protocol/http_api.hpp"
#include "core/protocol/trace_context.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(data) + 1, size - 1};
  xinyu::core::frame_limits limits{64, 16};
  xinyu::core::http_failure err;
  bool dev = (data[0] & 0x10) != 0;
  switch (data[0] % 5) {
    case 0:
      if (auto c = xinyu::core::parse_http_chat(in, dev, limits, err);
          c && c->chat.text.size() > limits.max_text_bytes)
        __builtin_trap();
      break;
    case 1:
      if (auto c = xinyu::core::parse_completion_request(in, "chatcmpl-1", dev, limits, err);
          c && c->chat.text.size() > limits.max_text_bytes)
        __builtin_trap();
      break;
    case 2: xinyu::core::parse_http_history(in, dev, limits, err); break;
    case 3: xinyu::core::peek_frame(in); break;
    case 4:
      if (auto t = xinyu::core::parse_traceparent(in)) {
        // a parsed context always makes a child that parses again, with the same trace
        auto child = xinyu::core::parse_traceparent(xinyu::core::child_traceparent(*t));
        if (!child || child->trace_id != t->trace_id)
          __builtin_trap();
      }
      break;
  }
  return 0;
}
