// End-to-end tests on the real xinyu-server binary (port 0): streaming chat, two connections of
// one user, cancel, auth timeout, resume, history and the HTTP endpoints.
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json fast_config() { return json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}; }

/// Reads the frames of a chat sent separately (the shared reader also sends).
turn_frames read_turn(ws_client& c, const std::string& id) {
  turn_frames t;
  for (;;) {
    auto f = c.read();
    if (f.value("id", "") != id)
      continue;
    auto type = f["type"].get<std::string>();
    if (type == "accepted")
      t.accepted = f;
    else if (type == "analysis")
      t.analysis = f;
    else if (type == "token") {
      CHECK(f["seq"] == t.tokens.size());
      t.tokens.push_back(f["text"]);
    } else if (type == "done") {
      t.done = f;
      return t;
    } else if (type == "error")
      throw std::runtime_error("error frame: " + f.dump());
  }
}

} // namespace

TEST_CASE("e2e: auth, chat, streamed tokens and exactly one done", "[e2e]") {
  server_process srv{json{{"offline", {{"first_token_ms", 20}, {"tokens_per_s", 500}}}}};
  ws_client c{srv.port()};
  c.send({{"type", "auth"}, {"user", "alice"}});
  auto ready = c.read();
  CHECK(ready["type"] == "ready");
  CHECK(ready["user"] == "alice");
  CHECK(c.read()["kind"] == "ai_disclosure");
  c.send({{"type", "chat"}, {"id", "m1"}, {"text", "我最近工作压力很大，晚上睡不着"}});
  auto t = read_turn(c, "m1");
  CHECK(t.accepted["turn"] == 1);
  CHECK(t.analysis["emotion"]["label"] == "anxiety");
  CHECK(t.analysis["safety"]["level"] == "ok");
  REQUIRE(t.tokens.size() > 5); // seq 0,1,2,... is checked while reading
  CHECK(t.done["turn"] == 2);
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array());
  CHECK(t.done["timings"]["ttft_ms"].get<double>() >= 20.0); // paced like a hosted model
  CHECK(t.done["timings"]["total_ms"].get<double>() >= t.done["timings"]["ttft_ms"].get<double>());
  CHECK(t.text().find("工作") != std::string::npos); // context-aware, in Chinese

  c.send({{"type", "chat"}, {"id", "m2"}, {"text", "I feel lonely tonight"}});
  auto t2 = read_turn(c, "m2");
  CHECK(t2.accepted["turn"] == 3);
  CHECK(t2.done["turn"] == 4);
  CHECK(t2.analysis["emotion"]["label"] == "loneliness");

  c.send({{"type", "history"}, {"limit", 10}});
  auto h = c.read_until("history");
  REQUIRE(h["messages"].size() == 4);
  CHECK(h["messages"][0]["text"] == "我最近工作压力很大，晚上睡不着");
  CHECK(h["messages"][1]["text"] == t.text());
  CHECK(h["messages"][3]["text"] == t2.text());
  CHECK(h["more"] == false);

  c.send({{"type", "ping"}});
  CHECK(c.read_until("pong")["type"] == "pong");
}

TEST_CASE("e2e: two connections of one user both see the conversation", "[e2e]") {
  server_process srv{fast_config()};
  ws_client a{srv.port()}, b{srv.port()};
  a.auth("bob");
  b.auth("bob");
  a.send({{"type", "chat"}, {"id", "x1"}, {"text", "hello from the phone"}});
  auto ta = read_turn(a, "x1");
  auto tb = read_turn(b, "x1");
  CHECK(ta.accepted == tb.accepted);
  CHECK(ta.text() == tb.text());
  CHECK(ta.done["turn"] == tb.done["turn"]);
  b.send({{"type", "chat"}, {"id", "x2"}, {"text", "and from the laptop"}});
  CHECK(read_turn(a, "x2").accepted["turn"] == 3);
  // another user is isolated
  ws_client c{srv.port()};
  c.auth("carol");
  c.send({{"type", "history"}});
  CHECK(c.read_until("history")["messages"].empty());
}

TEST_CASE("e2e: cancel stops the reply with finish cancelled", "[e2e]") {
  server_process srv{json{{"offline", {{"first_token_ms", 30000}}}}};
  ws_client c{srv.port()};
  c.auth("dave");
  c.send({{"type", "chat"}, {"id", "c1"}, {"text", "tell me something"}});
  c.read_until("analysis");
  c.send({{"type", "cancel"}, {"id", "c1"}});
  auto done = c.read_until("done");
  CHECK(done["id"] == "c1");
  CHECK(done["finish"] == "cancelled");
  c.send({{"type", "cancel"}, {"id", "c1"}});
  auto err = c.read_until("error");
  CHECK(err["code"] == "not_found");
  CHECK(err["id"] == "c1");
}

TEST_CASE("e2e: resume after a reconnect replays the reply", "[e2e]") {
  server_process srv{fast_config()};
  std::string full;
  {
    ws_client c{srv.port()};
    c.auth("erin");
    c.send({{"type", "chat"}, {"id", "r1"}, {"text", "I passed my exam, I'm so happy"}});
    full = read_turn(c, "r1").text();
  }
  ws_client c{srv.port()};
  c.auth("erin");
  c.send({{"type", "resume"}, {"id", "r1"}, {"seq", 0}});
  std::string replay;
  for (;;) {
    auto f = c.read();
    if (f["type"] == "token")
      replay += f["text"].get<std::string>();
    if (f["type"] == "done")
      break;
  }
  CHECK(replay == full);
}

TEST_CASE("e2e: a connection that does not authenticate is closed with 1008", "[e2e]") {
  server_process srv{json{{"transport", {{"auth_timeout_ms", 300}}}}};
  ws_client c{srv.port()};
  auto code = c.wait_closed(5s);
  REQUIRE(code);
  CHECK(*code == 1008);
  ws_client ok{srv.port()};
  CHECK(ok.auth("frank")["type"] == "ready"); // authenticated in time: stays open
}

TEST_CASE("e2e: healthz, readyz, metrics and unknown paths", "[e2e]") {
  server_process srv{fast_config()};
  CHECK(http_get(srv.port(), "/healthz") == std::pair<int, std::string>{200, "ok\n"});
  CHECK(http_get(srv.port(), "/readyz").first == 200);
  auto m = http_get(srv.port(), "/metrics");
  CHECK(m.first == 200);
  CHECK(m.second.find("xinyu_connections") != std::string::npos);
  auto nf = http_get(srv.port(), "/nope");
  CHECK(nf.first == 404);
  CHECK(json::parse(nf.second)["error"]["code"] == "not_found");
  CHECK(srv.stop() == 0); // SIGTERM: clean exit
}
