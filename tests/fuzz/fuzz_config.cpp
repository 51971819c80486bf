// libFuzzer target: the config loader (JSON with comments over the embedded defaults). Any
// text gives a config or one clear error, never both, never a crash.
#include "core/support/config.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text{reinterpret_cast<const char*>(data), size};
  auto r = xinyu::core::load_config(text);
  if (!r.value && r.error.empty())
    __builtin_trap();
  if (r.value && !r.error.empty())
    __builtin_trap();
  return 0;
}
