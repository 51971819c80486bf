// Unit tests for core/policy/token_bucket with an injected clock.
#include "core/policy/token_bucket.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;
using namespace std::chrono_literals;

TEST_CASE("a token bucket allows a burst, then one token per interval", "[rate]") {
  token_bucket b{60, 3}; // one a second, three at once
  token_bucket::time_point t{1h};
  CHECK(b.take(t) == 0);
  CHECK(b.take(t) == 0);
  CHECK(b.take(t) == 0);
  auto wait = b.take(t);
  CHECK(wait == 1000);
  CHECK(b.take(t + 500ms) == 500);
  CHECK(b.take(t + 1s) == 0);
  // a long pause refills only up to the burst
  CHECK(b.take(t + 1h) == 0);
  CHECK(b.take(t + 1h) == 0);
  CHECK(b.take(t + 1h) == 0);
  CHECK(b.take(t + 1h) > 0);
}

TEST_CASE("a rate of zero is unlimited", "[rate]") {
  token_bucket b{0, 1};
  for (int i = 0; i < 1000; ++i)
    CHECK(b.take(token_bucket::time_point{1h}) == 0);
}

TEST_CASE("a bucket is full again once its owner was quiet long enough", "[rate]") {
  using namespace std::chrono_literals;
  xinyu::core::token_bucket b{60, 2}; // one a second, two at once
  xinyu::core::token_bucket::time_point t0{std::chrono::hours{1}};
  CHECK(b.full(t0)); // never used
  CHECK(b.take(t0) == 0);
  CHECK_FALSE(b.full(t0));
  CHECK_FALSE(b.full(t0 + 500ms));
  CHECK(b.full(t0 + 1s));
}
