// Unit tests for core/analysis/conversation_risk: multi-turn scripts with an injected clock.
#include "core/analysis/conversation_risk.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace xinyu::core;
using namespace std::chrono_literals;

namespace {

/// A check-in for words of danger ("nothing ever gets better", "everyone would be better off").
safety_result caution(const char* category) {
  safety_result r;
  r.level = safety_level::caution;
  r.categories = {category};
  r.danger_words = true;
  return r;
}

/// A check-in on the model's suspicion alone ("stressed about work, can't sleep").
safety_result suspected() {
  safety_result r;
  r.level = safety_level::caution;
  r.categories = {"distress"};
  return r;
}

emotion_result mood(const char* label, double valence) {
  emotion_result e;
  e.label = label;
  e.valence = valence;
  return e;
}

bool escalated(const safety_result& r) {
  return r.level == safety_level::crisis
         && std::find(r.categories.begin(), r.categories.end(), "conversation_risk")
              != r.categories.end();
}

} // namespace

TEST_CASE("repeated hopelessness within a conversation escalates to the crisis path", "[risk]") {
  conversation_risk risk;
  conversation_risk::time_point t0{std::chrono::hours{1}};
  // "nothing matters", "I'm just a burden", "I'm so tired of all of it": each alone a check-in
  CHECK_FALSE(escalated(risk.observe(caution("distress"), mood("sadness", -0.6), t0)));
  CHECK_FALSE(escalated(risk.observe(caution("distress"), mood("sadness", -0.6), t0 + 1min)));
  auto third = risk.observe(caution("distress"), mood("sadness", -0.7), t0 + 2min);
  CHECK(escalated(third));
  CHECK(std::find(third.categories.begin(), third.categories.end(), "self_harm")
        != third.categories.end());
}

TEST_CASE("signals far apart decay and do not escalate", "[risk]") {
  conversation_risk risk;
  conversation_risk::time_point t0{std::chrono::hours{1}};
  for (int day = 0; day < 5; ++day)
    CHECK_FALSE(escalated(
      risk.observe(caution("distress"), mood("sadness", -0.6), t0 + std::chrono::hours{24 * day})));
  CHECK(risk.score(t0 + std::chrono::hours{24 * 5}) < 0.01);
}

TEST_CASE("ordinary turns never escalate and sad moods alone do not either", "[risk]") {
  conversation_risk risk;
  conversation_risk::time_point t0{std::chrono::hours{1}};
  for (int i = 0; i < 20; ++i) {
    auto r = risk.observe(safety_result{}, mood("sadness", -0.8), t0 + std::chrono::seconds{i});
    CHECK(r.level == safety_level::ok);
  }
  // a prompt-injection caution is not a risk signal
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(escalated(risk.observe(caution("prompt_injection"), mood("neutral", 0),
                                       t0 + std::chrono::minutes{1 + i})));
}

TEST_CASE("a crisis primes the conversation: the next distress turn stays on the crisis path",
          "[risk]") {
  conversation_risk risk;
  conversation_risk::time_point t0{std::chrono::hours{1}};
  safety_result crisis;
  crisis.level = safety_level::crisis;
  crisis.categories = {"self_harm"};
  risk.observe(crisis, mood("sadness", -0.9), t0);
  CHECK(escalated(risk.observe(caution("distress"), mood("neutral", 0), t0 + 5min)));
}

TEST_CASE("the model's suspicion alone never escalates, however often; words of danger then do",
          "[risk]") {
  conversation_risk risk;
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  // venting about work or loneliness, forty times in twenty minutes, each a check-in
  for (int i = 0; i < 40; ++i) {
    auto r = risk.observe(suspected(), mood("loneliness", -0.7), t0 + std::chrono::seconds{30 * i});
    CHECK(r.level == safety_level::caution);
  }
  CHECK(risk.score(t0 + 20min) >= 1.0); // the score is high ...
  // ... and the first words of hopelessness on top of it take the crisis path at once
  CHECK(escalated(risk.observe(caution("distress"), mood("sadness", -0.8), t0 + 21min)));
  // after them, the model's suspicion keeps the conversation there
  CHECK(escalated(risk.observe(suspected(), mood("sadness", -0.8), t0 + 22min)));
}

TEST_CASE("words of danger long ago no longer let the model's suspicion escalate", "[risk]") {
  conversation_risk risk;
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK_FALSE(escalated(risk.observe(caution("distress"), mood("sadness", -0.6), t0)));
  for (int i = 1; i <= 40; ++i) // hours later, suspicion alone, quickly repeated
    CHECK_FALSE(escalated(
      risk.observe(suspected(), mood("loneliness", -0.7), t0 + 3h + std::chrono::seconds{20 * i})));
}
