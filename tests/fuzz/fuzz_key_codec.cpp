// libFuzzer target: the storage key codec. Keys decode back to what was encoded, and no key
// of one user is ever read as another user's, whatever bytes the ids hold.
#include "storage/key_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace keys = xinyu::storage::keys;
  if (size < 9)
    return 0;
  std::uint64_t n = keys::read_u64be({reinterpret_cast<const char*>(data), 8});
  std::string_view rest{reinterpret_cast<const char*>(data) + 8, size - 8};
  auto split = rest.empty() ? 0 : static_cast<unsigned char>(rest[0]) % rest.size();
  std::string_view a = rest.substr(0, split), b = rest.substr(split);
  auto key = keys::message_key(a, n);
  auto back = keys::decode_index(key, a);
  if (!back || *back != n)
    __builtin_trap();
  if (a != b && keys::decode_index(key, b))
    __builtin_trap(); // another user's key read as this user's
  if (keys::decode_index(keys::report_key("2026-12-04", a), a))
    __builtin_trap();          // a report row read as a user's
  keys::decode_index(rest, a); // arbitrary bytes as a key: no crash
  return 0;
}
