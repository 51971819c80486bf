// End-to-end tests: every malformed input gets the protocol's error frame and the connection
// keeps working; repeated abuse closes it; oversize frames are refused.
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

void expect_error_then_alive(ws_client& c, const std::string& code,
                             const std::optional<std::string>& id = std::nullopt) {
  auto err = c.read_until("error");
  CHECK(err["code"] == code);
  CHECK_FALSE(err["message"].get<std::string>().empty());
  if (id)
    CHECK(err["id"] == *id);
  else
    CHECK_FALSE(err.contains("id"));
  c.send({{"type", "ping"}});
  CHECK(c.read_until("pong")["type"] == "pong");
}

} // namespace

TEST_CASE("e2e: malformed frames get error frames and the connection stays usable", "[e2e]") {
  server_process srv{json{{"limits", {{"max_text_bytes", 1000}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client c{srv.port()};

  SECTION("chat before auth is unauthorized") {
    c.send({{"type", "chat"}, {"id", "a1"}, {"text", "hi"}});
    expect_error_then_alive(c, "unauthorized", "a1");
  }
  SECTION("auth without user in dev mode") {
    c.send({{"type", "auth"}, {"token", "abc"}});
    expect_error_then_alive(c, "unauthorized");
  }
  c.auth("mallory");
  SECTION("binary frame") {
    c.send_binary("{\"type\":\"ping\"}");
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("invalid UTF-8 in a binary frame") {
    c.send_binary("\xff\xfe\xfd");
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("invalid JSON") {
    c.send_text("{\"type\":");
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("invalid escape (lone surrogate)") {
    c.send_text(R"({"type":"chat","id":"u1","text":"\udc00"})");
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("not an object") {
    c.send_text("[\"chat\"]");
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("unknown type") {
    c.send({{"type", "dance"}});
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("missing type") {
    c.send({{"id", "q"}});
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("missing text") {
    c.send({{"type", "chat"}, {"id", "q1"}});
    expect_error_then_alive(c, "bad_request", "q1");
  }
  SECTION("mistyped text") {
    c.send({{"type", "chat"}, {"id", "q2"}, {"text", 12}});
    expect_error_then_alive(c, "bad_request", "q2");
  }
  SECTION("bad id") {
    c.send({{"type", "chat"}, {"id", "no spaces allowed"}, {"text", "hi"}});
    expect_error_then_alive(c, "bad_request");
  }
  SECTION("empty text") {
    c.send({{"type", "chat"}, {"id", "q3"}, {"text", ""}});
    expect_error_then_alive(c, "bad_request", "q3");
  }
  SECTION("oversize text") {
    c.send({{"type", "chat"}, {"id", "q4"}, {"text", std::string(1001, 'x')}});
    expect_error_then_alive(c, "too_large", "q4");
  }
  SECTION("a second auth") {
    c.send({{"type", "auth"}, {"user", "someone-else"}});
    expect_error_then_alive(c, "bad_request");
  }
  // after any of the above, a real chat still works on the same connection
  c.send({{"type", "chat"}, {"id", "ok1"}, {"text", "still here?"}});
  auto done = c.read_until("done");
  CHECK(done["id"] == "ok1");
  CHECK(done["finish"] == "stop");
}

TEST_CASE("e2e: repeated abuse closes the connection with 1008", "[e2e]") {
  server_process srv{json{{"transport", {{"max_bad_frames", 3}}}}};
  ws_client c{srv.port()};
  for (int i = 0; i < 3; ++i)
    c.send_text("garbage");
  auto code = c.wait_closed(5s);
  REQUIRE(code);
  CHECK(*code == 1008);
}

TEST_CASE("e2e: a frame over transport.max_frame_bytes closes with 1009", "[e2e]") {
  server_process srv{
    json{{"transport", {{"max_frame_bytes", 4096}}}, {"limits", {{"max_text_bytes", 1000}}}}};
  ws_client c{srv.port()};
  c.auth("big");
  c.send({{"type", "chat"}, {"id", "huge"}, {"text", std::string(8000, 'x')}});
  auto code = c.wait_closed(5s);
  REQUIRE(code);
  CHECK(*code == 1009);
}

TEST_CASE("e2e: invalid UTF-8 inside a text frame closes with 1007 (RFC 6455)", "[e2e]") {
  server_process srv;
  ws_client c{srv.port()};
  c.auth("utf");
  c.send_text("{\"type\":\"chat\",\"id\":\"u\",\"text\":\"\xff\xfe\"}");
  auto code = c.wait_closed(5s);
  REQUIRE(code);
  CHECK(*code == 1007);
}

TEST_CASE("e2e: a client that stops reading is closed with 1013; others are not slowed", "[e2e]") {
  server_process srv{json{{"transport", {{"max_queued_frames", 80}}},
                          {"llm", {{"max_tokens", 64}}},
                          {"session", {{"max_queued_turns", 1000}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client slow{srv.port(), "/v1/ws", 4096};
  slow.auth("slowpoke");
  ws_client other{srv.port()};
  other.auth("speedy");
  // The slow client writes chats and never reads: its replies pile up until the bound.
  for (int i = 0; i < 5000; ++i)
    slow.send(
      {{"type", "chat"}, {"id", "s" + std::to_string(i)}, {"text", "tell me a long story"}});
  other.send({{"type", "chat"}, {"id", "o1"}, {"text", "hello"}});
  CHECK(other.read_until("done")["finish"] == "stop");
  auto code = slow.wait_closed(20s);
  REQUIRE(code);
  CHECK(*code == 1013);
  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find("xinyu_slow_reader_closed_total 0") == std::string::npos);
  other.send({{"type", "chat"}, {"id", "o2"}, {"text", "still fast?"}});
  CHECK(other.read_until("done")["id"] == "o2");
}
