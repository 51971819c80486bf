// End-to-end crisis protocol (docs/crisis-protocol.md): against the real binary, a crisis
// message interrupts the reply streaming for that user and opens with the referral, whatever
// state the LLM and the safety worker are in; reports count it without text or user.
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::test;
using nlohmann::json;

TEST_CASE("e2e: a crisis while a reply streams, the LLM failing and the safety worker crashed, "
          "still gets the referral first and exactly one done",
          "[e2e][crisis]") {
  // two tokens a second: the first reply is still streaming when the crisis message comes
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 2}}}}};
  ws_client c{srv.port()};
  c.auth("at-risk");
  c.send({{"type", "chat"}, {"id", "m1"}, {"text", "tell me something about the ocean"}});
  c.read_until("token");
  REQUIRE(
    http_post(srv.port(), "/admin/chaos", R"({"safety":{"crash_rate":1},"llm":{"fail_rate":1}})")
      .first
    == 200);
  c.send({{"type", "chat"}, {"id", "m2"}, {"text", "I want to kill myself tonight"}});
  std::vector<json> frames;
  for (;;) {
    auto f = c.read(std::chrono::seconds(10)); // m1 alone would stream for ~20 s more
    frames.push_back(f);
    if (f.value("type", "") == "done" && f.value("id", "") == "m2")
      break;
  }
  std::vector<std::string> dones;
  std::string reply;
  bool notice_before_tokens = false, seen_m2_token = false;
  for (auto& f : frames) {
    auto type = f.value("type", "");
    if (type == "done")
      dones.push_back(f["id"]);
    if (type == "notice" && f["kind"] == "crisis_resources" && !seen_m2_token)
      notice_before_tokens = true;
    if (type == "token" && f["id"] == "m2") {
      seen_m2_token = true;
      reply += f["text"].get<std::string>();
    }
    if (type == "done" && f["id"] == "m1")
      CHECK(f["finish"] == "cancelled"); // interrupted, not streamed to its end
    if (type == "analysis" && f["id"] == "m2")
      CHECK(f["safety"]["level"] == "crisis");
    if (type == "done" && f["id"] == "m2") {
      CHECK(f["finish"] == "fallback");
      auto degraded = f["degraded"].get<std::vector<std::string>>();
      CHECK(std::find(degraded.begin(), degraded.end(), "safety") != degraded.end());
      CHECK(std::find(degraded.begin(), degraded.end(), "llm") != degraded.end());
    }
  }
  CHECK(dones == std::vector<std::string>{"m1", "m2"}); // one done each, in order
  CHECK(notice_before_tokens);
  // the referral first (the configured US line), then the built-in crisis-support reply
  CHECK(reply.rfind("You don't have to go through this alone.", 0) == 0);
  CHECK(reply.find("988") < reply.find("Are you safe"));
  CHECK(reply.find("Are you safe") != std::string::npos);

  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find("xinyu_crisis_referrals_total{locale=\"en\"} 1") != std::string::npos);
  CHECK(m.find("xinyu_crisis_interruptions_total 1") != std::string::npos);
  CHECK(
    m.find(R"(xinyu_safety_detections_total{locale="en",level="crisis",category="self_harm"} 1)")
    != std::string::npos);
  CHECK(m.find("at-risk") == std::string::npos);     // no user in the reports
  CHECK(m.find("kill myself") == std::string::npos); // no text

  // the report for today: counts only, no user, no text, JSON and CSV
  auto report = http_get(srv.port(), "/admin/reports/crisis");
  REQUIRE(report.first == 200);
  auto j = json::parse(report.second);
  REQUIRE(j["days"].size() == 1);
  auto& day = j["days"][0];
  bool found = false;
  for (auto& d : day["detections"])
    if (d["locale"] == "en" && d["level"] == "crisis" && d["category"] == "self_harm") {
      CHECK(d["count"] == 1);
      found = true;
    }
  CHECK(found);
  CHECK(day["referrals"] == json::array({{{"locale", "en"}, {"count", 1}}}));
  CHECK(report.second.find("at-risk") == std::string::npos);
  CHECK(report.second.find("kill") == std::string::npos);
  auto csv = http_get(srv.port(), "/admin/reports/crisis?format=csv");
  REQUIRE(csv.first == 200);
  CHECK(csv.second.rfind("date,event,locale,level,category,count\r\n", 0) == 0);
  CHECK(csv.second.find(",referral,en,,,1\r\n") != std::string::npos);
  CHECK(http_get(srv.port(), "/admin/reports/crisis?from=tomorrow").first == 400);
}

TEST_CASE("e2e: the crisis report needs the admin credential", "[e2e][crisis]") {
  server_process srv{json{{"admin", {{"token", "s3cret-admin-token-0123"}}}}};
  CHECK(http_get(srv.port(), "/admin/reports/crisis").first == 403);
}

TEST_CASE("e2e: a minor (age_band) gets the refusal for romance; the claim is checked",
          "[e2e][crisis][minor]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client kid{srv.port()};
  kid.send({{"type", "auth"}, {"user", "kid"}, {"age_band", "minor"}});
  kid.read_until("ready");
  auto t = run_turn(kid, "r1", "做我女朋友好不好");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.text().find("不能做你的男朋友或女朋友") != std::string::npos);
  ws_client grown{srv.port()};
  grown.auth("grown");
  CHECK(run_turn(grown, "r1", "做我女朋友好不好").text().find("不能做你的男朋友或女朋友")
        == std::string::npos);
  ws_client bad{srv.port()};
  bad.send({{"type", "auth"}, {"user", "x"}, {"age_band", "teen"}});
  CHECK(bad.read_until("error")["code"] == "bad_request");
}

TEST_CASE("e2e: with the LLM endpoint down and the safety worker crashing, a crisis still gets "
          "the referral and the crisis-support reply",
          "[e2e][crisis]") {
  // nothing listens on port 1: every connection is refused at once
  server_process srv{json{
    {"llm",
     {{"provider", "openai"},
      {"endpoints",
       json::array({{{"name", "down"}, {"base_url", "http://127.0.0.1:1/v1"}, {"model", "any"}}})},
      {"max_attempts", 1}}},
    {"chaos", {{"safety", {{"crash_rate", 1.0}}}}}}};
  ws_client c{srv.port()};
  c.auth("alone");
  auto t = run_turn(c, "k1", "I want to kill myself tonight", false, std::chrono::seconds(20));
  CHECK(t.analysis["safety"]["level"] == "crisis");
  CHECK(t.done["finish"] == "fallback");
  CHECK(t.text().rfind("You don't have to go through this alone.", 0) == 0);
  CHECK(t.text().find("Are you safe") != std::string::npos);
  bool notice = false;
  for (auto& n : t.notices)
    notice = notice || n["kind"] == "crisis_resources";
  CHECK(notice);
}
