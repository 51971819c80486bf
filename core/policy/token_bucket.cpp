// Token bucket arithmetic. Pure; must never read a clock.
#include "core/policy/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace xinyu::core {

std::uint64_t token_bucket::take(time_point now) {
  if (per_minute_ <= 0)
    return 0;
  double per_ms = per_minute_ / 60000.0;
  if (at_ == time_point{}) {
    tokens_ = burst_;
  } else {
    double elapsed = std::chrono::duration<double, std::milli>(now - at_).count();
    tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * per_ms);
  }
  at_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return 0;
  }
  return static_cast<std::uint64_t>(std::ceil((1.0 - tokens_) / per_ms));
}

bool token_bucket::full(time_point now) const {
  if (per_minute_ <= 0 || at_ == time_point{})
    return true;
  double elapsed = std::chrono::duration<double, std::milli>(now - at_).count();
  return tokens_ + std::max(0.0, elapsed) * (per_minute_ / 60000.0) >= burst_;
}

} // namespace xinyu::core
