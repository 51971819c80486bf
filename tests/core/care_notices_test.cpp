// Unit tests for care_schedule: the disclosure after attach and again after its interval, the
// break reminder after continuous use, a pause that resets use, texts from the settings.
#include "core/policy/care_notices.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;
using namespace std::chrono_literals;

namespace {

care_settings settings() {
  care_settings s;
  s.disclosure_interval = 60min;
  s.break_after = 120min;
  s.break_reset = 15min;
  s.disclosure_text = "I am an AI.";
  s.break_text = "{minutes} minutes together; {minutes} is a lot.";
  return s;
}

} // namespace

TEST_CASE("the disclosure follows attach and comes again after its interval of use", "[care]") {
  care_schedule::clock::time_point t0{std::chrono::hours{1000}};
  care_schedule care{settings(), t0};
  auto first = care.on_attach(t0);
  REQUIRE(first);
  CHECK(first->kind == "ai_disclosure");
  CHECK(first->text == "I am an AI.");
  CHECK(care.after_turn(t0 + 10min).empty());
  CHECK(care.after_turn(t0 + 59min).empty());
  auto again = care.after_turn(t0 + 61min);
  REQUIRE(again.size() == 1);
  CHECK(again[0].kind == "ai_disclosure");
  CHECK(care.after_turn(t0 + 62min).empty()); // the interval starts again
}

TEST_CASE("a break reminder after continuous use, with the minutes filled in", "[care]") {
  auto s = settings();
  s.disclosure = false;
  care_schedule::clock::time_point t0{std::chrono::hours{1000}};
  care_schedule care{s, t0};
  CHECK_FALSE(care.on_attach(t0));
  // a turn every 10 minutes: never a 15-minute pause
  std::vector<care_notice> got;
  for (int m = 0; m <= 130; m += 10)
    for (auto& n : care.after_turn(t0 + std::chrono::minutes{m}))
      got.push_back(n);
  REQUIRE(got.size() == 1);
  CHECK(got[0].kind == "break_reminder");
  CHECK(got[0].text == "120 minutes together; 120 is a lot.");
}

TEST_CASE("a pause of break_reset starts the use afresh; zero turns reminders off", "[care]") {
  auto s = settings();
  s.disclosure = false;
  care_schedule::clock::time_point t0{std::chrono::hours{1000}};
  care_schedule care{s, t0};
  std::size_t reminders = 0;
  for (int m = 0; m <= 100; m += 10)
    reminders += care.after_turn(t0 + std::chrono::minutes{m}).size();
  // a 20-minute pause: the next 100 minutes are a new stretch
  for (int m = 120; m <= 220; m += 10)
    reminders += care.after_turn(t0 + std::chrono::minutes{m}).size();
  CHECK(reminders == 0);

  s.break_after = 0ms;
  s.disclosure_interval = 0ms;
  s.disclosure = true;
  care_schedule off{s, t0};
  for (int m = 0; m <= 600; m += 10)
    CHECK(off.after_turn(t0 + std::chrono::minutes{m}).empty());
}

TEST_CASE("a minor's reminders come at least every minor_interval, and never switch off",
          "[care]") {
  using namespace std::chrono_literals;
  xinyu::core::care_settings s;
  s.disclosure = false; // off for adults ...
  s.disclosure_interval = 0ms;
  s.break_after = std::chrono::hours{2};
  s.minor_interval = std::chrono::hours{1};
  auto t0 = xinyu::core::care_schedule::clock::time_point{} + std::chrono::hours{100};
  xinyu::core::care_schedule adult{s, t0};
  xinyu::core::care_schedule minor{s, t0};
  minor.set_minor(); // ... but not for a minor
  CHECK(minor.on_attach(t0).has_value());
  std::vector<std::string> kinds;
  for (auto m = 5min; m <= 65min; m += 10min) // a turn every ten minutes for an hour
    for (auto& n : minor.after_turn(t0 + m))
      kinds.push_back(n.kind + "@" + std::to_string(m.count()));
  // the disclosure an hour after attach, the break after an hour of use (from the first turn)
  CHECK(kinds == std::vector<std::string>{"ai_disclosure@65", "break_reminder@65"});
  // an adult with the same settings gets neither in that time
  for (auto m = 5min; m <= 75min; m += 10min)
    CHECK(adult.after_turn(t0 + m).empty());
}
