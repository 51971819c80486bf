// The id by which a user sees and addresses one remembered fact: "<turn>.<index>", fact
// `index` of the user message of `turn`. Pure; must never accept an id of another shape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

struct memory_ref {
  std::uint64_t turn = 0;  // >= 1
  std::uint32_t index = 0; // < 256
  /// One number per fact (turn << 8 | index), as the memories are keyed in storage.
  std::uint64_t key() const noexcept { return turn << 8 | index; }
  bool operator==(const memory_ref&) const = default;
};

std::string memory_id(std::uint64_t turn, std::uint32_t index);
inline std::string memory_id(const memory_ref& r) { return memory_id(r.turn, r.index); }

/// "<turn>.<index>" with a turn of 1..2^56-1 and an index of 0..255, decimal without signs,
/// spaces or leading zeros; nullopt for anything else.
std::optional<memory_ref> parse_memory_id(std::string_view id) noexcept;

} // namespace xinyu::core
