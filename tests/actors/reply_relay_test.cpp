// Unit tests of the reply relay: frames and sequence numbers, the token limit, stop sequences,
// replay for `resume`, sink changes and closing. Plain class, no actor system.
#include "actors/reply_relay.hpp"
#include "core/support/metrics.hpp"
#include "test_sink.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace xinyu;
using actors::reply_relay;
using verdict = reply_relay::verdict;

namespace {

reply_relay::options base(const std::shared_ptr<test::test_sink>& sink) {
  reply_relay::options o;
  o.chat_id = "c1";
  o.sinks = {sink};
  o.accepted_at = reply_relay::clock::now();
  return o;
}

std::string joined(const std::vector<nlohmann::json>& frames) {
  std::string s;
  for (const auto& f : frames)
    s += f["text"].get<std::string>();
  return s;
}

} // namespace

TEST_CASE("reply relay: each piece is one token frame, numbered after the preface",
          "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  core::counter tokens;
  auto o = base(sink);
  o.tokens = {"ref ", "erral "}; // the crisis referral went out already
  o.preface = 2;
  o.token_count = &tokens;
  reply_relay r{std::move(o)};
  CHECK(r.model_pieces() == 0);
  CHECK(r.push("Hello") == verdict::more);
  CHECK(r.push(" there") == verdict::more);
  auto f = sink->of("token", "c1");
  REQUIRE(f.size() == 2);
  CHECK(f[0]["seq"] == 2);
  CHECK(f[1]["seq"] == 3);
  CHECK(joined(f) == "Hello there");
  CHECK(r.model_pieces() == 2);
  CHECK(tokens.value() == 2);
  auto t = r.close();
  CHECK(t.tokens == std::vector<std::string>{"ref ", "erral ", "Hello", " there"});
  CHECK(t.ttft_ms.has_value());
  CHECK(r.push("late") == verdict::closed); // after close nothing reaches a connection
  CHECK(sink->of("token").size() == 2);
}

TEST_CASE("reply relay: the piece after the limit ends the reply with length", "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  auto o = base(sink);
  o.limit = 2;
  reply_relay r{std::move(o)};
  CHECK(r.push("a") == verdict::more);
  CHECK(r.push("b") == verdict::more);
  CHECK(r.push("c") == verdict::length);
  CHECK(r.push("d") == verdict::closed);
  CHECK(joined(sink->of("token")) == "ab");
}

TEST_CASE("reply relay: a stop sequence ends the reply before it, across pieces",
          "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  auto o = base(sink);
  o.stops.emplace(std::vector<std::string>{"END"});
  reply_relay r{std::move(o)};
  CHECK(r.push("one two E") == verdict::more);
  CHECK(r.push("N") == verdict::more); // "EN" could still become the stop sequence: held
  CHECK(r.push("D three") == verdict::stop);
  CHECK(joined(sink->of("token")) == "one two ");
  auto t = r.close();
  REQUIRE(t.stops);
  CHECK(t.stops->flush().empty()); // nothing after a stop sequence is ever shown
}

TEST_CASE("reply relay: a held tail comes back to the session at the end", "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  auto o = base(sink);
  o.stops.emplace(std::vector<std::string>{"END"});
  reply_relay r{std::move(o)};
  CHECK(r.push("fine E") == verdict::more);
  auto t = r.close();
  REQUIRE(t.stops);
  CHECK(t.stops->flush() == "E"); // the stream ended: it can no longer become a stop
}

TEST_CASE("reply relay: replay sends what exists from a sequence number; new sinks get the rest",
          "[actors][relay]") {
  auto first = std::make_shared<test::test_sink>();
  auto second = std::make_shared<test::test_sink>();
  reply_relay r{base(first)};
  r.push("a");
  r.push("b");
  r.push("c");
  r.set_sinks({first, second}); // a second tab subscribed, then resumed from seq 1
  r.replay(second, 1);
  r.push("d");
  auto f = second->of("token");
  REQUIRE(f.size() == 3);
  CHECK(f[0]["seq"] == 1);
  CHECK(f[2]["seq"] == 3);
  CHECK(joined(f) == "bcd");
  CHECK(joined(first->of("token")) == "abcd");
  r.set_sinks({second}); // the first tab closed
  r.push("e");
  CHECK(joined(first->of("token")) == "abcd");
  CHECK(joined(second->of("token")) == "bcde");
}

TEST_CASE("reply relay: TTFT is measured once, and not again after a preface", "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  core::histogram ttft;
  auto o = base(sink);
  o.ttft = &ttft;
  reply_relay r{std::move(o)};
  r.push("a");
  r.push("b");
  CHECK(ttft.count() == 1);
  auto o2 = base(sink);
  o2.ttft = &ttft;
  o2.ttft_ms = 3.0; // the referral was the reply's first piece
  reply_relay r2{std::move(o2)};
  r2.push("x");
  CHECK(ttft.count() == 1);
  CHECK(r2.close().ttft_ms == 3.0);
}

TEST_CASE("reply relay: pushes from another thread and a close race without loss or tear",
          "[actors][relay]") {
  auto sink = std::make_shared<test::test_sink>();
  reply_relay r{base(sink)};
  std::thread producer{[&r] {
    for (int i = 0; i < 2000; ++i)
      if (r.push("x") == verdict::closed)
        return;
  }};
  while (r.model_pieces() < 100) // a relay fed elsewhere; the session closes it mid-stream
    std::this_thread::yield();
  auto t = r.close();
  producer.join();
  // every piece a connection saw is in what the session took back, in order, and no more
  auto f = sink->of("token");
  REQUIRE(f.size() == t.tokens.size());
  for (std::size_t i = 0; i < f.size(); ++i)
    CHECK(f[i]["seq"] == i);
}
