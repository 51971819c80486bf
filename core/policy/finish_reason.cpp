// How a turn ended and how a provider's finish maps onto the wire set.
// Must never invent a value outside the protocol's list.
#include "core/policy/finish_reason.hpp"

namespace xinyu::core {

const char* to_string(finish_reason f) noexcept {
  switch (f) {
    case finish_reason::stop: return "stop";
    case finish_reason::length: return "length";
    case finish_reason::cancelled: return "cancelled";
    case finish_reason::fallback: return "fallback";
    case finish_reason::error: return "error";
    case finish_reason::human: return "human";
  }
  return "error";
}

finish_reason finish_from_provider(std::string_view f) noexcept {
  if (f == "length")
    return finish_reason::length;
  if (f == "error")
    return finish_reason::error;
  if (f == "cancelled")
    return finish_reason::cancelled;
  return finish_reason::stop;
}

} // namespace xinyu::core
