// xinyu's error enum as CAF errors of category "xinyu", and their rendering.
// Must never put user text into an error.
#include "actors/error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

namespace xinyu {

namespace {
constexpr caf::atom_value category = caf::atom("xinyu");
}

const char* to_string(ec x) noexcept {
  switch (x) {
    case ec::pool_failed: return "pool_failed";
    case ec::pool_busy: return "pool_busy";
    case ec::embedding_failed: return "embedding_failed";
    case ec::guard_failed: return "guard_failed";
    case ec::storage_failed: return "storage_failed";
    case ec::llm_failed: return "llm_failed";
  }
  return "unknown";
}

caf::error make_error(ec x, std::string detail) {
  if (detail.empty())
    return caf::error{static_cast<std::uint8_t>(x), category};
  return caf::error{static_cast<std::uint8_t>(x), category, caf::make_message(std::move(detail))};
}

bool is(const caf::error& e, ec x) noexcept {
  return e.category() == category && e.code() == static_cast<std::uint8_t>(x);
}

void register_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(category, [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string out = "xinyu: ";
    out += to_string(static_cast<ec>(code));
    if (ctx.match_elements<std::string>())
      out += " (" + ctx.get_as<std::string>(0) + ")";
    return out;
  });
}

} // namespace xinyu
