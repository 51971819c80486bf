// Per-endpoint circuit breaker (closed -> open after K consecutive failures -> half-open probe
// after a cool-down) and jittered retry backoff. Pure: time is passed in, nothing sleeps.
#pragma once

#include <chrono>
#include <cstdint>

namespace xinyu::core {

class circuit_breaker {
public:
  using clock = std::chrono::steady_clock;
  enum class state { closed, open, half_open };

  circuit_breaker(unsigned failure_threshold, std::chrono::milliseconds cooldown)
    : threshold_(failure_threshold == 0 ? 1 : failure_threshold), cooldown_(cooldown) {}

  /// May a request go out now? In half-open state exactly one probe is let through.
  bool allow(clock::time_point now);
  void on_success();
  void on_failure(clock::time_point now);
  state current(clock::time_point now) const;
  unsigned consecutive_failures() const { return failures_; }

private:
  unsigned threshold_;
  std::chrono::milliseconds cooldown_;
  unsigned failures_ = 0;
  bool open_ = false;
  bool probing_ = false;
  clock::time_point opened_at_{};
};

/// Delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, with full
/// jitter from `unit_random` in [0,1). A server's Retry-After (ms, when > 0) wins, capped.
std::chrono::milliseconds retry_delay(unsigned attempt, std::chrono::milliseconds base,
                                      std::chrono::milliseconds cap, double unit_random,
                                      std::chrono::milliseconds retry_after = {});

} // namespace xinyu::core
