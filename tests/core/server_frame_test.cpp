// Unit tests for core/protocol/server_frame: every frame is valid JSON with the protocol's fields.
#include "core/protocol/server_frame.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xinyu::core;
using nlohmann::json;

TEST_CASE("token frames escape text and carry seq", "[frames]") {
  auto j = json::parse(frames::token("m1", 7, "say \"hi\"\n你好"));
  CHECK(j["type"] == "token");
  CHECK(j["id"] == "m1");
  CHECK(j["seq"] == 7);
  CHECK(j["text"] == "say \"hi\"\n你好");
}

TEST_CASE("done frame has finish, degraded and timings", "[frames]") {
  frames::done_info d;
  d.id = "m1";
  d.turn = 4;
  d.finish = "fallback";
  d.degraded = {"llm", "memory"};
  d.total_ms = 12.5;
  auto j = json::parse(frames::done(d));
  CHECK(j["turn"] == 4);
  CHECK(j["finish"] == "fallback");
  CHECK(j["degraded"] == json::array({"llm", "memory"}));
  CHECK(j["timings"]["ttft_ms"].is_null());
  CHECK(j["timings"]["total_ms"] == 12.5);
  d.ttft_ms = 3.25;
  CHECK(json::parse(frames::done(d))["timings"]["ttft_ms"] == 3.25);
}

TEST_CASE("analysis, error, history and the small frames", "[frames]") {
  emotion_result e{"sadness", 0.8, -0.6};
  safety_result s{safety_level::crisis, {"self_harm"}, ""};
  auto a = json::parse(frames::analysis("x", e, s));
  CHECK(a["emotion"]["label"] == "sadness");
  CHECK(a["emotion"]["valence"] == -0.6);
  CHECK(a["safety"]["level"] == "crisis");
  CHECK(a["safety"]["categories"] == json::array({"self_harm"}));

  auto err = json::parse(frames::error("busy", "later", "m9", 250));
  CHECK(err["code"] == "busy");
  CHECK(err["id"] == "m9");
  CHECK(err["retry_after_ms"] == 250);
  CHECK_FALSE(json::parse(frames::error("bad_request", "x")).contains("id"));

  auto h =
    json::parse(frames::history({{1, "user", "hi", 10}, {2, "assistant", "hello", 11}}, true));
  CHECK(h["messages"].size() == 2);
  CHECK(h["messages"][1]["role"] == "assistant");
  CHECK(h["more"] == true);
  CHECK_FALSE(h["messages"][0].contains("id"));
  auto hx = json::parse(frames::history({{2, "assistant", "hi", 11, "m1", "cancelled"}}, false));
  CHECK(hx["messages"][0]["id"] == "m1");
  CHECK(hx["messages"][0]["finish"] == "cancelled");
  CHECK(json::parse(frames::pong())["type"] == "pong");
  CHECK(json::parse(frames::ready("u", "xinyu"))["user"] == "u");
  auto accepted = json::parse(frames::accepted("m", 3, "hi \"you\"", 1700000000000));
  CHECK(accepted["turn"] == 3);
  CHECK(accepted["text"] == "hi \"you\"");
  CHECK(accepted["ts"] == 1700000000000);
  CHECK(json::parse(frames::persisted("m", 4))["turn"] == 4);
  CHECK(json::parse(frames::forgotten(6))["deleted"] == 6);
  CHECK(json::parse(frames::notice("ai_disclosure", "t"))["kind"] == "ai_disclosure");
  CHECK_FALSE(json::parse(frames::notice("ai_disclosure", "t")).contains("id"));
  CHECK(json::parse(frames::notice("crisis_resources", "t", "m7"))["id"] == "m7");
}

TEST_CASE("memory frames are valid JSON with every field", "[frame][memory]") {
  auto list = nlohmann::json::parse(
    frames::memories({{"12.0", "我养了一只猫\"咪咪\"", 12, 1700000000000}, {"14.1", "x", 14, 0}}));
  CHECK(list["type"] == "memories");
  REQUIRE(list["items"].size() == 2);
  CHECK(list["items"][0]["id"] == "12.0");
  CHECK(list["items"][0]["text"] == "我养了一只猫\"咪咪\"");
  CHECK(list["items"][0]["turn"] == 12);
  CHECK(list["items"][0]["ts"] == 1700000000000);
  CHECK(nlohmann::json::parse(frames::memories({}))["items"].empty());
  auto edited = nlohmann::json::parse(frames::memory_edited("3.1", "I live in Oslo"));
  CHECK(edited
        == nlohmann::json{{"type", "memory_edited"}, {"id", "3.1"}, {"text", "I live in Oslo"}});
  CHECK(nlohmann::json::parse(frames::memory_deleted("3.1"))
        == nlohmann::json{{"type", "memory_deleted"}, {"id", "3.1"}});
}
