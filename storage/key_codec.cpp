// RocksDB key encoding: length-prefixed user id + big-endian integers.
// Pure; no RocksDB here.
#include "storage/key_codec.hpp"

#include <stdexcept>

namespace xinyu::storage::keys {

void append_u64be(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint64_t read_u64be(std::string_view b) {
  if (b.size() < 8)
    throw std::invalid_argument("read_u64be: fewer than 8 bytes");
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
  return v;
}

std::string user_prefix(std::string_view user) {
  std::string out;
  out.reserve(4 + user.size() + 8);
  auto n = static_cast<std::uint32_t>(user.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xFF));
  out.append(user);
  return out;
}

std::string message_key(std::string_view user, std::uint64_t turn) {
  auto k = user_prefix(user);
  append_u64be(k, turn);
  return k;
}

std::string memory_key(std::string_view user, std::uint64_t seq) {
  return message_key(user, seq); // same shape, different column family
}

std::optional<std::uint64_t> decode_index(std::string_view key, std::string_view user) {
  auto prefix = user_prefix(user);
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  return read_u64be(key.substr(prefix.size()));
}

std::string fact_key(std::string_view user, std::uint64_t turn, unsigned index) {
  return memory_key(user, (turn << 8) | (index & 0xFFu));
}

std::string report_prefix() { return std::string(4, '\xff') + "report/"; }

std::string report_key(std::string_view day, std::string_view event) {
  auto k = report_prefix();
  k += day;
  k += '/';
  k += event;
  return k;
}

} // namespace xinyu::storage::keys
