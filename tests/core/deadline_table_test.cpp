// Unit tests for core/policy/deadline_table: one wake-up for many deadlines, a wake-up armed
// only for an earlier deadline, due deadlines in order, cleared ones never due.
#include "core/policy/deadline_table.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;
using namespace std::chrono_literals;

namespace {
const deadline_table::time_point t0{std::chrono::hours{1}};
}

TEST_CASE("a later deadline needs no new wake-up; an earlier one does", "[deadlines]") {
  deadline_table d;
  REQUIRE(d.set(1, 0, t0 + 10s)); // first deadline: arm
  d.armed(t0 + 10s);
  CHECK_FALSE(d.set(1, 1, t0 + 120s)); // later: the 10 s wake-up covers it
  CHECK_FALSE(d.set(1, 2, t0 + 10s));  // same time: covered
  REQUIRE(d.set(1, 3, t0 + 200ms));    // earlier: arm another
  d.armed(t0 + 200ms);
  CHECK(d.size() == 4);
  CHECK(d.wakeups() == 2);
}

TEST_CASE("a wake-up returns what is due, earliest first, and asks for the next one",
          "[deadlines]") {
  deadline_table d;
  d.set(7, 1, t0 + 120s);
  d.set(7, 0, t0 + 10s);
  d.set(8, 4, t0 + 200ms);
  d.armed(t0 + 200ms);
  auto due = d.take_due(t0 + 200ms);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == 8);
  CHECK(due[0].kind == 4);
  CHECK(d.wakeup_needed() == t0 + 10s); // the wake-up was spent: the next deadline needs one
  d.armed(t0 + 10s);
  CHECK_FALSE(d.wakeup_needed());
  // a late wake-up (the scheduler was busy) returns everything overdue, in order
  d.set(9, 2, t0 + 11s);
  due = d.take_due(t0 + 200s);
  REQUIRE(due.size() == 3);
  CHECK(due[0].kind == 0);
  CHECK(due[1].kind == 2);
  CHECK(due[2].kind == 1);
  CHECK(d.size() == 0);
  CHECK(d.wakeups() == 0);
  CHECK_FALSE(d.wakeup_needed());
}

TEST_CASE("cleared deadlines never come due; moving one keeps one entry", "[deadlines]") {
  deadline_table d;
  d.set(1, 0, t0 + 1s);
  d.set(1, 1, t0 + 2s);
  d.set(2, 0, t0 + 3s);
  d.armed(t0 + 1s);
  d.clear(1); // the turn ended
  CHECK(d.size() == 1);
  d.set(2, 0, t0 + 5s); // moved (a stall deadline pushed back by a token)
  CHECK(d.size() == 1);
  d.clear(2, 0);
  CHECK(d.take_due(t0 + 10s).empty());
  CHECK_FALSE(d.wakeup_needed()); // nothing left: no wake-up to arm
}

TEST_CASE("an early wake-up returns nothing and re-arms for the earliest", "[deadlines]") {
  deadline_table d;
  d.set(1, 0, t0 + 5s);
  d.armed(t0 + 1s); // a wake-up asked for a deadline that was cleared since
  CHECK(d.take_due(t0 + 1s).empty());
  CHECK(d.wakeup_needed() == t0 + 5s);
  // a wake-up delivered a little before its time: spent, so the deadline is armed again
  d.armed(t0 + 5s);
  d.spent(t0 + 5s);
  CHECK(d.take_due(t0 + 5s - 1ms).empty());
  CHECK(d.wakeup_needed() == t0 + 5s);
}
