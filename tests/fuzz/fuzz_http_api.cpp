// libFuzzer target: the HTTP API request parsers (POST /v1/chat bodies, OpenAI
// chat/completions bodies, /v1/history queries, the memories API), server-frame peeking and
// the W3C traceparent header. The first byte picks the parser; the rest is its input.
#include "core/protocol/http_api.hpp"
#include "core/protocol/trace_context.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(data) + 1, size - 1};
  xinyu::core::frame_limits limits{64, 16};
  xinyu::core::http_failure err;
  bool dev = (data[0] & 0x10) != 0;
  switch (data[0] % 6) {
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
    case 5: {
      // path, query and body separated by the first two newlines; the method by the second byte
      auto nl = in.find('\n');
      auto path = in.substr(0, nl);
      auto rest = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
      auto nl2 = rest.find('\n');
      auto query = rest.substr(0, nl2);
      auto body = nl2 == std::string_view::npos ? std::string_view{} : rest.substr(nl2 + 1);
      static constexpr std::string_view methods[] = {"GET", "PATCH", "DELETE", "POST"};
      std::string allow;
      if (auto m = xinyu::core::parse_http_memories(methods[(data[0] >> 5) % 4], path, query, body,
                                                    dev, limits, err, allow)) {
        if (auto* e = std::get_if<xinyu::core::memory_edit_command>(&m->command);
            e && e->text.size() > limits.max_text_bytes)
          __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
