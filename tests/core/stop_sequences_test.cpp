// Unit tests for core/policy/stop_sequences: stop sequences found whole or split across
// pieces, text before them shown at once, nothing after them ever shown.
#include "core/policy/stop_sequences.hpp"

#include <catch2/catch.hpp>

using xinyu::core::stop_scanner;

TEST_CASE("stop sequences end the reply before them, even split across pieces", "[stop]") {
  stop_scanner s{{"\nUser:", "END"}};
  auto a = s.feed("Hello there");
  CHECK(a.show == "Hello there");
  CHECK_FALSE(a.stopped);
  auto b = s.feed(", friend.\nUs"); // "\nUs" may start "\nUser:": held back
  CHECK(b.show == ", friend.");
  auto c = s.feed("er: and more");
  CHECK(c.stopped);
  CHECK(c.show.empty());
  CHECK(s.feed("ignored").show.empty());
  CHECK(s.flush().empty());
}

TEST_CASE("a held tail that does not become a stop is shown later or at the end", "[stop]") {
  stop_scanner s{{"END"}};
  CHECK(s.feed("the EN").show == "the ");
  CHECK(s.feed("D").stopped);
  stop_scanner t{{"END"}};
  CHECK(t.feed("the EN").show == "the ");
  CHECK(t.feed("tire day").show == "ENtire day");
  CHECK(t.feed("...E").show == "...");
  CHECK(t.flush() == "E"); // the stream ended: nothing can complete it any more
  stop_scanner first{{"b", "ab"}};
  auto r = first.feed("xxab");
  CHECK(r.stopped);
  CHECK(r.show == "xx"); // the earliest stop wins
  stop_scanner none{{""}};
  CHECK(none.feed("anything").show == "anything");
}
