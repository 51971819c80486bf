// Unit tests for core/policy/circuit_breaker: open after K failures, half-open probe after the
// cool-down, and jittered backoff that honours Retry-After.
#include "core/policy/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;
using namespace std::chrono_literals;

TEST_CASE("breaker opens after K consecutive failures and probes after the cool-down",
          "[breaker]") {
  circuit_breaker b{3, 1000ms};
  auto t = circuit_breaker::clock::now();
  CHECK(b.allow(t));
  b.on_failure(t);
  b.on_failure(t);
  CHECK(b.allow(t)); // 2 < 3
  b.on_failure(t);
  CHECK(b.current(t) == circuit_breaker::state::open);
  CHECK_FALSE(b.allow(t + 500ms));
  CHECK(b.current(t + 1000ms) == circuit_breaker::state::half_open);
  CHECK(b.allow(t + 1000ms));       // the probe
  CHECK_FALSE(b.allow(t + 1001ms)); // only one
  b.on_failure(t + 1100ms);         // probe failed: open again, cool-down restarts
  CHECK_FALSE(b.allow(t + 1500ms));
  CHECK(b.allow(t + 2100ms));
  b.on_success();
  CHECK(b.current(t + 2100ms) == circuit_breaker::state::closed);
  CHECK(b.allow(t + 2100ms));
  CHECK(b.consecutive_failures() == 0);
}

TEST_CASE("a success resets the failure count", "[breaker]") {
  circuit_breaker b{2, 1000ms};
  auto t = circuit_breaker::clock::now();
  b.on_failure(t);
  b.on_success();
  b.on_failure(t);
  CHECK(b.allow(t));
}

TEST_CASE("retry delay doubles, is capped, jittered, and Retry-After wins", "[breaker]") {
  CHECK(retry_delay(1, 100ms, 10s, 1.0) == 100ms);
  CHECK(retry_delay(2, 100ms, 10s, 1.0) == 200ms);
  CHECK(retry_delay(3, 100ms, 10s, 1.0) == 400ms);
  CHECK(retry_delay(10, 100ms, 1s, 1.0) == 1s);
  CHECK(retry_delay(3, 100ms, 10s, 0.0) == 40ms);
  CHECK(retry_delay(1, 100ms, 10s, 0.5, 2s) == 2s);
  CHECK(retry_delay(1, 100ms, 1s, 0.5, 5s) == 1s);
}
