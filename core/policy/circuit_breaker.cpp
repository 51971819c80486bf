// Per-endpoint circuit breaker and jittered retry backoff.
// Pure: time is passed in, nothing sleeps.
#include "core/policy/circuit_breaker.hpp"

#include <algorithm>

namespace xinyu::core {

bool circuit_breaker::allow(clock::time_point now) {
  if (!open_)
    return true;
  if (now - opened_at_ < cooldown_)
    return false;
  if (probing_)
    return false; // one probe at a time
  probing_ = true;
  return true;
}

void circuit_breaker::on_success() {
  failures_ = 0;
  open_ = false;
  probing_ = false;
}

void circuit_breaker::on_failure(clock::time_point now) {
  ++failures_;
  if (probing_ || failures_ >= threshold_) {
    open_ = true;
    opened_at_ = now;
  }
  probing_ = false;
}

circuit_breaker::state circuit_breaker::current(clock::time_point now) const {
  if (!open_)
    return state::closed;
  return now - opened_at_ >= cooldown_ ? state::half_open : state::open;
}

std::chrono::milliseconds retry_delay(unsigned attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap, double unit_random,
                                      std::chrono::milliseconds retry_after) {
  if (retry_after.count() > 0)
    return std::min(retry_after, cap);
  std::chrono::milliseconds exp{base.count() << std::min(attempt > 0 ? attempt - 1 : 0u, 20u)};
  auto capped = std::min(exp, cap);
  // full jitter, but never less than a tenth of the step
  auto jittered = static_cast<std::chrono::milliseconds::rep>(
    static_cast<double>(capped.count()) * (0.1 + 0.9 * std::clamp(unit_random, 0.0, 1.0)));
  return std::chrono::milliseconds{jittered};
}

} // namespace xinyu::core
