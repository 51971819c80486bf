// libFuzzer target: the SSE parser fed in arbitrary pieces, and every event's data through
// the OpenAI completion-chunk parser (what an upstream LLM endpoint sends).
#include "core/protocol/sse_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  std::size_t piece = 1 + data[0] % 31; // the stream arrives in reads of this size
  std::string_view stream{reinterpret_cast<const char*>(data) + 1, size - 1};
  xinyu::core::sse_parser parser{4096};
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    bool ok = parser.feed(stream.substr(at, piece), [](xinyu::core::sse_event&& ev) {
      if (ev.data.size() > 4096)
        __builtin_trap(); // an event past the size bound was delivered
      auto chunk = xinyu::core::parse_completion_chunk(ev.data);
      if (chunk.type == xinyu::core::completion_chunk::kind::content && chunk.text.empty())
        __builtin_trap();
    });
    if (!ok)
      break;
  }
  return 0;
}
