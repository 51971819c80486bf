// The id of one remembered fact, "<turn>.<index>": formatting and strict parsing.
// Pure; must never accept an id of another shape.
#include "core/memory/memory_id.hpp"

#include <charconv>

namespace xinyu::core {

std::string memory_id(std::uint64_t turn, std::uint32_t index) {
  return std::to_string(turn) + "." + std::to_string(index);
}

namespace {
/// A decimal number without sign or leading zero ("0" itself allowed), or nullopt.
std::optional<std::uint64_t> decimal(std::string_view s) noexcept {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}
} // namespace

std::optional<memory_ref> parse_memory_id(std::string_view id) noexcept {
  auto dot = id.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  auto turn = decimal(id.substr(0, dot));
  auto index = decimal(id.substr(dot + 1));
  if (!turn || !index || *turn == 0 || *turn >= (std::uint64_t{1} << 56) || *index > 255)
    return std::nullopt;
  return memory_ref{*turn, static_cast<std::uint32_t>(*index)};
}

} // namespace xinyu::core
