// Unit tests for core/policy/prompt_builder: persona, emotion, safety guidance, memories, recent
// turns.
#include "core/policy/prompt_builder.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("prompt carries persona, emotion, memories and recent turns in order", "[prompt]") {
  prompt_builder b{"PERSONA", 4};
  prompt_input in;
  in.user_text = "我还是很难过";
  in.chinese = true;
  in.emotion = {"sadness", 0.8, -0.6};
  in.memories = {"我养了一只猫"};
  in.recent = {{"user", "u1"},      {"assistant", "a1"}, {"user", "u2"},
               {"assistant", "a2"}, {"user", "u3"},      {"assistant", "a3"}};
  auto p = b.build(in);
  REQUIRE(p.size() == 6); // system + 4 recent + user
  CHECK(p.front().role == "system");
  CHECK(p.front().content.find("PERSONA") == 0);
  CHECK(p.front().content.find("sadness") != std::string::npos);
  CHECK(p.front().content.find("Simplified Chinese") != std::string::npos);
  CHECK(p.front().content.find("我养了一只猫") != std::string::npos);
  CHECK(p[1].content == "u2");
  CHECK(p[4].content == "a3");
  CHECK(p.back().role == "user");
  CHECK(p.back().content == "我还是很难过");
}

TEST_CASE("crisis and caution add safety guidance", "[prompt]") {
  prompt_builder b{"P"};
  prompt_input in;
  in.user_text = "x";
  in.safety.level = safety_level::crisis;
  auto crisis_prompt = b.build(in).front().content;
  CHECK(crisis_prompt.find("SAFETY") != std::string::npos);
  CHECK(crisis_prompt.find("safe right now") != std::string::npos); // asks about safety
  CHECK(crisis_prompt.find("Never give any method") != std::string::npos);
  CHECK(crisis_prompt.find("never guilt") != std::string::npos); // leaving is always fine
  in.safety.level = safety_level::caution;
  in.safety.categories = {"prompt_injection"};
  CHECK(b.build(in).front().content.find("prompt_injection") != std::string::npos);
  in.safety.level = safety_level::ok;
  CHECK(b.build(in).front().content.find("English") != std::string::npos);
}

TEST_CASE("recent turns are dropped oldest-first to fit the byte budget", "[prompt]") {
  prompt_builder b{"P", 10, 1000};
  prompt_input in;
  in.user_text = "now";
  in.recent = {{"user", std::string(3000, 'a')}, {"assistant", std::string(100, 'b')}};
  auto p = b.build(in);
  REQUIRE(p.size() == 3);
  CHECK(p[1].content == std::string(100, 'b'));
}

TEST_CASE("a minor's prompt forbids romantic roles", "[prompt]") {
  xinyu::core::prompt_builder b{"persona"};
  xinyu::core::prompt_input in;
  in.user_text = "hi";
  CHECK(b.build(in).front().content.find("The user is a minor") == std::string::npos);
  in.minor = true;
  CHECK(b.build(in).front().content.find("never take a romantic") != std::string::npos);
}
