// End-to-end resilience: a session that crashes still ends its turns with one `done` and the
// next chat continues the numbering; the global in-flight bound sheds with `overloaded`.
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::test;
using nlohmann::json;

TEST_CASE("e2e: a crashed session ends its turn with done, persists it, and recovers",
          "[e2e][resilience]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client c{srv.port()};
  c.auth("fragile");
  auto first = run_turn(c, "f1", "hello", true);
  CHECK(first.done["finish"] == "stop");
  REQUIRE(http_post(srv.port(), "/admin/chaos", R"({"session":{"crash_rate":1}})").first == 200);
  auto crashed = run_turn(c, "f2", "this one crashes the session", true);
  CHECK(crashed.accepted["turn"] == 3);
  CHECK(crashed.done["finish"] == "error");
  CHECK(crashed.done["turn"] == 4);
  CHECK(crashed.done["degraded"] == json::array({"session"}));
  CHECK(crashed.persisted["turn"] == 4); // delivered through the new session
  REQUIRE(http_post(srv.port(), "/admin/chaos", R"({"session":{"crash_rate":0}})").first == 200);
  auto after = run_turn(c, "f3", "are you back?", true); // the same connection still works
  CHECK(after.accepted["turn"] == 5);
  CHECK(after.done["finish"] == "stop");
  c.send({{"type", "history"}});
  auto h = c.read_until("history");
  REQUIRE(h["messages"].size() == 6);
  CHECK(h["messages"][2]["text"] == "this one crashes the session");
  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find("xinyu_session_crashes_total 1") != std::string::npos);
  CHECK(m.find("xinyu_chaos_injected_total{kind=\"session\",fault=\"crash\"} 1")
        != std::string::npos);
}

TEST_CASE("e2e: the global in-flight bound sheds new chats with overloaded", "[e2e][resilience]") {
  server_process srv{json{{"limits", {{"max_inflight_turns", 1}}},
                          {"storage", {{"retry_after_ms", 321}}},
                          {"offline", {{"first_token_ms", 1500}}}}};
  ws_client a{srv.port()}, b{srv.port()};
  a.auth("one");
  b.auth("two");
  a.send({{"type", "chat"}, {"id", "a1"}, {"text", "hi"}});
  a.read_until("accepted");
  auto t = run_turn(b, "b1", "me too");
  CHECK(t.error["code"] == "overloaded");
  CHECK(t.error["retry_after_ms"] == 321);
  // the message names the bound that was hit, not storage (an operator reads it in logs)
  CHECK(t.error["message"].get<std::string>().find("replies in progress") != std::string::npos);
  auto ready = http_get(srv.port(), "/readyz");
  CHECK(ready.first == 503);
  CHECK(ready.second.find("replies in progress") != std::string::npos);
  CHECK(a.read_until("done")["finish"] == "stop");
  CHECK(run_turn(b, "b2", "now?").done["finish"] == "stop");
  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find("xinyu_shed_total{reason=\"overloaded\"} 1") != std::string::npos);
}

TEST_CASE("e2e: /admin/chaos validates and reports the knobs", "[e2e][resilience]") {
  server_process srv;
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"emotion":{"crash_rate":2}})").first == 400);
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"dragons":{"crash_rate":0.1}})").first == 400);
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"storage":{"crash_rate":0.1}})").first == 400);
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"emotion":{"fail_rate":0.1}})").first == 400);
  auto ok = http_post(srv.port(), "/admin/chaos", R"({"emotion":{"delay_ms":7,"hang_rate":0.5}})");
  CHECK(ok.first == 200);
  auto j = json::parse(http_get(srv.port(), "/admin/chaos").second);
  CHECK(j["emotion"]["delay_ms"] == 7);
  CHECK(j["emotion"]["hang_rate"] == 0.5);
  CHECK(j["llm"]["crash_rate"] == 0);
}
