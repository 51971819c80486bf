// Unit tests for core/protocol/awaited_replies: waits open and close by chat id, and the list
// never grows past its bound (session.max_queued_turns + 1) when `done` frames are lost.
#include "core/protocol/awaited_replies.hpp"

#include <catch2/catch.hpp>

#include <string>

using xinyu::core::awaited_replies;

TEST_CASE("a wait opens on accepted and closes on its own chat's done", "[keepalive]") {
  awaited_replies w{9};
  CHECK(w.empty());
  CHECK_FALSE(w.open("c1"));
  CHECK_FALSE(w.open("c1")); // the same chat twice is one wait
  CHECK(w.size() == 1);
  w.close("other-tab"); // a done this connection did not wait for closes nothing
  CHECK(w.size() == 1);
  w.close("c1");
  CHECK(w.empty());
}

TEST_CASE("at the bound the oldest wait goes, and the caller is told", "[keepalive]") {
  awaited_replies w{3};
  CHECK_FALSE(w.open("c1"));
  CHECK_FALSE(w.open("c2"));
  CHECK_FALSE(w.open("c3"));
  CHECK(w.open("c4")); // c1's done was lost: its wait is dropped
  CHECK(w.size() == 3);
  w.close("c1"); // already gone
  CHECK(w.size() == 3);
  for (int i = 5; i < 100; ++i)
    w.open("c" + std::to_string(i));
  CHECK(w.size() == 3);
  w.close("c99");
  w.close("c98");
  w.close("c97");
  CHECK(w.empty());
}
