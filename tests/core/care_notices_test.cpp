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

TEST_CASE("a stored schedule continues in another process", "[care]") {
  using namespace std::chrono_literals;
  xinyu::core::care_settings s;
  s.disclosure = true;
  s.disclosure_interval = std::chrono::hours{3};
  s.break_after = std::chrono::hours{2};
  s.break_reset = 15min;
  // process 1: attach at 10:00, a turn every 10 minutes until 11:50
  auto p1 = xinyu::core::care_schedule::clock::time_point{} + std::chrono::hours{500};
  const std::int64_t ten_o_clock = 1'796'378'400'000; // Unix ms of p1
  xinyu::core::care_schedule first{s, p1};
  (void)first.on_attach(p1);
  for (auto m = 0min; m <= 110min; m += 10min)
    CHECK(first.after_turn(p1 + m).empty());
  auto stored = first.times(p1 + 110min, ten_o_clock + 110 * 60'000);
  CHECK(stored.use_started == ten_o_clock);
  CHECK(stored.last_disclosure == ten_o_clock);
  // process 2 (another steady clock): restarted at 11:55, the next turn at 12:00 completes two
  // hours of use; without the stored schedule it would be the first minute of a new stretch
  auto p2 = xinyu::core::care_schedule::clock::time_point{} + std::chrono::hours{7};
  xinyu::core::care_schedule second{s, p2};
  second.restore(stored, p2, ten_o_clock + 115 * 60'000);
  auto due = second.after_turn(p2 + 5min);
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == "break_reminder");
  CHECK(due[0].text.find("120") != std::string::npos); // minutes of use, across the restart
  xinyu::core::care_schedule fresh{s, p2};
  CHECK(fresh.after_turn(p2 + 5min).empty());
}
