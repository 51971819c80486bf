// Unit tests for core/analysis/guard_verdict: request bodies and both answer shapes.
#include "core/analysis/guard_verdict.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xinyu::core;
using nlohmann::json;

namespace {
std::string chat_answer(const std::string& content) {
  return json{
    {"choices", json::array({{{"message", {{"role", "assistant"}, {"content", content}}}}})}}
    .dump();
}
} // namespace

TEST_CASE("guard request bodies", "[guard]") {
  auto chat = json::parse(guard_request_body(guard_shape::chat, "llama-guard3", "hi"));
  CHECK(chat["model"] == "llama-guard3");
  CHECK(chat["messages"][0]["content"] == "hi");
  CHECK(chat["stream"] == false);
  CHECK(guard_path(guard_shape::chat) == "/chat/completions");
  auto mod = json::parse(guard_request_body(guard_shape::moderations, "", "hi"));
  CHECK(mod["input"] == "hi");
  CHECK_FALSE(mod.contains("model"));
  CHECK(guard_path(guard_shape::moderations) == "/moderations");
  CHECK(parse_guard_shape("chat") == guard_shape::chat);
  CHECK_FALSE(parse_guard_shape("llama"));
}

TEST_CASE("Llama Guard answers", "[guard]") {
  std::string err;
  CHECK(parse_guard_response(guard_shape::chat, chat_answer("safe"), err)->level
        == safety_level::ok);
  auto sh = parse_guard_response(guard_shape::chat, chat_answer("unsafe\nS11"), err);
  REQUIRE(sh);
  CHECK(sh->level == safety_level::crisis);
  CHECK(sh->categories == std::vector<std::string>{"self_harm"});
  auto many = parse_guard_response(guard_shape::chat, chat_answer(" Unsafe\nS4,S10"), err);
  CHECK(many->level == safety_level::blocked);
  CHECK(parse_guard_response(guard_shape::chat, chat_answer("unsafe\nS1"), err)->level
        == safety_level::crisis);
  CHECK(parse_guard_response(guard_shape::chat, chat_answer("unsafe\nS2"), err)->level
        == safety_level::caution);
  CHECK_FALSE(parse_guard_response(guard_shape::chat, chat_answer("I think it is fine"), err));
  CHECK_FALSE(parse_guard_response(guard_shape::chat, "{}", err));
  CHECK_FALSE(parse_guard_response(guard_shape::chat, "not json", err));
}

TEST_CASE("/moderations answers", "[guard]") {
  std::string err;
  auto ans = [](json cats, bool flagged) {
    return json{{"results", json::array({{{"flagged", flagged}, {"categories", cats}}})}}.dump();
  };
  CHECK(
    parse_guard_response(guard_shape::moderations, ans({{"self-harm", false}}, false), err)->level
    == safety_level::ok);
  auto r = parse_guard_response(guard_shape::moderations,
                                ans({{"self-harm/intent", true}, {"violence", true}}, true), err);
  CHECK(r->level == safety_level::crisis);
  CHECK(r->categories.size() == 2);
  CHECK(
    parse_guard_response(guard_shape::moderations, ans({{"sexual/minors", true}}, true), err)->level
    == safety_level::blocked);
  CHECK(parse_guard_response(guard_shape::moderations, ans(json::object(), true), err)->level
        == safety_level::caution);
  CHECK_FALSE(parse_guard_response(guard_shape::moderations, R"({"results":[]})", err));
}
