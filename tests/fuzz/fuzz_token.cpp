// libFuzzer target: the HS256 token verifier. Any bytes are refused with a reason unless
// they are a valid token; a token issued for a fuzzed user verifies back to that user.
#include "core/auth/token_verifier.hpp"
#include "core/protocol/client_frame.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const xinyu::core::token_verifier verifier{"fuzz-secret-0123456789abcdef0123"};
  constexpr std::int64_t now = 1'800'000'000;
  std::string_view in{reinterpret_cast<const char*>(data), size};
  auto check = verifier.verify(in, now);
  if (!check.user && check.error.empty())
    __builtin_trap(); // a refusal must say why
  // ':' is reserved for the users a platform token names: such subjects are refused
  if (xinyu::core::is_valid_user_id(in, 128) && in.find(':') == std::string_view::npos) {
    auto token = verifier.issue(in, now + 60, (size & 1) != 0, (size & 2) != 0);
    auto back = verifier.verify(token, now);
    if (!back.user || *back.user != in || back.operator_role != ((size & 1) != 0)
        || back.minor != ((size & 2) != 0))
      __builtin_trap();
    if (verifier.verify(token, now + 3600).user) // expired (beyond the leeway)
      __builtin_trap();
  }
  return 0;
}
