// W3C traceparent parsing and child ids (random from a per-thread generator).
// Must never accept upper-case hex, an all-zero id or version ff.
#include "core/protocol/trace_context.hpp"

#include <random>

namespace xinyu::core {

namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

bool all_zero(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  while (out.size() < digits) {
    auto r = rng();
    for (int i = 0; i < 16 && out.size() < digits; ++i, r >>= 4)
      out.push_back(hex[r & 0xF]);
  }
  return all_zero(out) ? random_hex(digits) : out;
}

} // namespace

std::optional<trace_context> parse_traceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" flags: 2+1+32+1+16+1+2 = 55 characters
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-')
    return std::nullopt;
  auto version = v.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff")
    return std::nullopt;
  if (version == "00" && v.size() != 55)
    return std::nullopt;
  if (version != "00" && v.size() > 55 && v[55] != '-') // a later version may append fields
    return std::nullopt;
  trace_context ctx{std::string{v.substr(3, 32)}, std::string{v.substr(36, 16)},
                    std::string{v.substr(53, 2)}};
  if (!is_lower_hex(ctx.trace_id) || !is_lower_hex(ctx.parent_id) || !is_lower_hex(ctx.flags)
      || all_zero(ctx.trace_id) || all_zero(ctx.parent_id))
    return std::nullopt;
  return ctx;
}

trace_context new_trace() { return {random_hex(32), random_hex(16), "00"}; }

std::string child_traceparent(const trace_context& ctx) {
  return "00-" + ctx.trace_id + "-" + random_hex(16) + "-" + ctx.flags;
}

} // namespace xinyu::core
