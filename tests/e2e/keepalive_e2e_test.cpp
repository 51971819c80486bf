// End-to-end tests of what keeps a quiet stream alive and how it ends: SSE keep-alive comments
// and WebSocket pings while a slow first token is awaited, and the 1001 close at shutdown.
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <csignal>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// The offline provider waits 900 ms before its first token: a slow model.
json slow_first_token(unsigned keepalive_ms) {
  return json{{"offline", {{"first_token_ms", 900}, {"tokens_per_s", 0}}},
              {"transport", {{"keepalive_ms", keepalive_ms}}}};
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("e2e: SSE streams get keep-alive comments while the first token is slow",
          "[e2e][keepalive]") {
  SECTION("POST /v1/chat") {
    server_process srv{slow_first_token(100)};
    auto r = http_call(srv.port(), "POST", "/v1/chat", R"({"user":"ka","id":"k1","text":"hello"})");
    REQUIRE(r.status == 200);
    auto first_token = r.body.find("event: token");
    REQUIRE(first_token != std::string::npos);
    // 900 ms of silence at 100 ms: several comments, all before the first token
    CHECK(count(r.body.substr(0, first_token), ": keep-alive\n\n") >= 4);
    CHECK(r.body.find("event: done") != std::string::npos);
  }
  SECTION("POST /v1/chat/completions, streaming") {
    server_process srv{slow_first_token(100)};
    auto r =
      http_call(srv.port(), "POST", "/v1/chat/completions",
                R"({"user":"ka","stream":true,"messages":[{"role":"user","content":"hi"}]})");
    REQUIRE(r.status == 200);
    auto first_chunk = r.body.find("data: {");
    REQUIRE(first_chunk != std::string::npos);
    CHECK(count(r.body.substr(0, first_chunk), ": keep-alive\n\n") >= 4);
    CHECK(r.body.find("data: [DONE]") != std::string::npos);
  }
  SECTION("transport.keepalive_ms 0 turns them off") {
    server_process srv{slow_first_token(0)};
    auto r = http_call(srv.port(), "POST", "/v1/chat", R"({"user":"ka","id":"k1","text":"hello"})");
    REQUIRE(r.status == 200);
    CHECK(r.body.find(": keep-alive") == std::string::npos);
  }
}

TEST_CASE("e2e: WebSocket clients are pinged while a reply is awaited, and only then",
          "[e2e][keepalive]") {
  server_process srv{slow_first_token(100)};
  ws_client c{srv.port()};
  c.auth("pinged");
  c.send({{"type", "chat"}, {"id", "p1"}, {"text", "hello"}});
  c.read_until("done");
  auto during_turn = c.pings();
  CHECK(during_turn >= 4); // ~900 ms without a frame at 100 ms
  // no reply awaited: no more pings (Beast's own idle ping comes only after idle_timeout/2)
  c.send({{"type", "ping"}});
  c.read_until("pong");
  c.send({{"type", "ping"}});
  CHECK(c.read_until("pong", 2s)["type"] == "pong");
  CHECK(c.pings() <= during_turn + 1);

  server_process quiet{slow_first_token(0)};
  ws_client q{quiet.port()};
  q.auth("quiet");
  q.send({{"type", "chat"}, {"id", "p1"}, {"text", "hello"}});
  q.read_until("done");
  CHECK(q.pings() == 0);
}

TEST_CASE("e2e: a connection that resumes an awaited reply is pinged too", "[e2e][keepalive]") {
  server_process srv{slow_first_token(100)};
  {
    ws_client a{srv.port()};
    a.auth("resumer");
    a.send({{"type", "chat"}, {"id", "r1"}, {"text", "hello"}});
    a.read_until("accepted");
  } // the page's connection dropped while the model was still silent
  ws_client b{srv.port()};
  b.auth("resumer");
  b.send({{"type", "resume"}, {"id", "r1"}, {"seq", 0}});
  b.read_until("done");
  CHECK(b.pings() >= 3); // it never saw `accepted`: the resume itself opens the wait
}

TEST_CASE("e2e: shutdown closes WebSockets with 1001 going away", "[e2e][keepalive]") {
  server_process srv;
  ws_client c{srv.port()};
  c.auth("leaving");
  REQUIRE(::kill(srv.pid(), SIGTERM) == 0);
  CHECK(c.wait_closed(10s) == 1001);
  CHECK(srv.stop() == 0);
}
