// A token bucket (per-user chat and command rates): refills continuously, holds at most a
// burst. Pure: the caller passes the time; must never read a clock or lock.
#pragma once

#include <chrono>
#include <cstdint>

namespace xinyu::core {

class token_bucket {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `per_minute` <= 0 means unlimited; the bucket starts full (`burst` tokens).
  token_bucket(double per_minute, double burst) : per_minute_(per_minute), burst_(burst) {}

  /// 0 when one token was taken, else the milliseconds until the next one (nothing taken).
  std::uint64_t take(time_point now);

  /// True when the bucket would hold all `burst` tokens at `now` (its owner was quiet long
  /// enough that forgetting it changes nothing).
  bool full(time_point now) const;

private:
  double per_minute_, burst_;
  double tokens_ = 0;
  time_point at_{};
};

} // namespace xinyu::core
