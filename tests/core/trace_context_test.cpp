// Unit tests for core/protocol/trace_context: W3C traceparent parsing and child ids.
#include "core/protocol/trace_context.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("traceparent: valid values parse, malformed ones start a new trace", "[trace]") {
  auto ok = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  REQUIRE(ok);
  CHECK(ok->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(ok->parent_id == "00f067aa0ba902b7");
  CHECK(ok->flags == "01");
  // a later version may carry more fields after the ones version 00 defines
  CHECK(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"));
  for (const char* bad : {
         "",
         "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // 00 has no extras
         "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",       // version ff
         "00-00000000000000000000000000000000-00f067aa0ba902b7-01",       // zero trace id
         "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",       // zero parent id
         "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",       // upper case
         "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",        // short trace id
         "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",       // separators
         "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",       // flags not hex
       }) {
    INFO(bad);
    CHECK_FALSE(parse_traceparent(bad));
  }
}

TEST_CASE("traceparent: a child keeps the trace and flags with a new span", "[trace]") {
  auto parent = *parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  auto child = child_traceparent(parent);
  auto parsed = parse_traceparent(child);
  REQUIRE(parsed);
  CHECK(parsed->trace_id == parent.trace_id);
  CHECK(parsed->flags == "01");
  CHECK(parsed->parent_id != parent.parent_id);
  auto fresh = new_trace();
  CHECK(parse_traceparent(child_traceparent(fresh)));
  CHECK(new_trace().trace_id != fresh.trace_id);
}
