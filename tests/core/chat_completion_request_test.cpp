// Unit tests for core::chat_completion_body: valid JSON with every member, kept messages only,
// hostile text escaped and invalid UTF-8 replaced. Must never depend on sockets or actors.
#include "core/protocol/chat_completion_request.hpp"

#include "core/support/text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <random>

using namespace xinyu::core;

TEST_CASE("chat_completion_body writes the model, the kept messages and the other members",
          "[core]") {
  std::vector<chat_message> messages{{"system", "be kind"},
                                     {"user", "old question"},
                                     {"assistant", "old answer"},
                                     {"user", "new \"question\"\n\twith\\ marks \x01 and 你好"}};
  auto body = chat_completion_body("gpt-x", messages, {true, false, false, true}, 321,
                                   R"(,"stream":true,"temperature":0.7,"stop":["\n\n"])");
  auto j = nlohmann::json::parse(body);
  CHECK(j["model"] == "gpt-x");
  CHECK(j["max_tokens"] == 321);
  CHECK(j["stream"] == true);
  CHECK(j["temperature"] == 0.7);
  CHECK(j["stop"] == nlohmann::json::array({"\n\n"}));
  REQUIRE(j["messages"].size() == 2);
  CHECK(j["messages"][0]["role"] == "system");
  CHECK(j["messages"][0]["content"] == "be kind");
  CHECK(j["messages"][1]["role"] == "user");
  CHECK(j["messages"][1]["content"] == messages[3].content);
}

TEST_CASE("chat_completion_body: no keep flags means every message; no other members", "[core]") {
  std::vector<chat_message> messages{{"user", "a"}, {"assistant", "b"}, {"user", "c"}};
  auto j = nlohmann::json::parse(chat_completion_body("m", messages, {}, 5, ""));
  CHECK(j.size() == 3);
  CHECK(j["messages"].size() == 3);
  CHECK(j["messages"][2]["content"] == "c");
  auto none = nlohmann::json::parse(chat_completion_body("m", {}, {}, 1, ""));
  CHECK(none["messages"].empty());
}

TEST_CASE("chat_completion_body never sends invalid UTF-8", "[core]") {
  std::vector<chat_message> messages{{"user", std::string{"half a character: \xe4\xbd"}}};
  auto body = chat_completion_body("m", messages, {}, 5, "");
  auto j = nlohmann::json::parse(body); // throws on invalid UTF-8
  CHECK(j["messages"][0]["content"] == "half a character: \xEF\xBF\xBD\xEF\xBF\xBD"); // per byte
}

TEST_CASE("plan_fit keeps what fit_prompt keeps and counts its tokens", "[core]") {
  std::vector<chat_message> messages{{"system", "s"},
                                     {"user", std::string(400, 'a') + " one"},
                                     {"assistant", std::string(400, 'b') + " two"},
                                     {"user", "the question"}};
  auto all = plan_fit(messages, 100000);
  CHECK(all.keep == std::vector<bool>{true, true, true, true});
  CHECK(all.tokens == approximate_prompt_tokens(messages));
  auto cut = plan_fit(messages, 40);
  CHECK(cut.keep == std::vector<bool>{true, false, false, true});
  CHECK(cut.tokens == approximate_prompt_tokens({messages[0], messages[3]}));
  CHECK(fit_prompt(messages, 40).size() == 2);
}

TEST_CASE("chat_completion_body: every byte string becomes valid JSON; valid text is kept exactly",
          "[core]") {
  std::mt19937 rng(7); // fixed seed: deterministic
  const std::vector<std::string> pieces{"a",
                                        "\"",
                                        "\\",
                                        "\n",
                                        "\x01",
                                        "\x1f",
                                        "\x7f",
                                        "é",
                                        "你",
                                        "😊",
                                        "\xc0\xaf",
                                        "\xed\xa0\x80",
                                        "\xf4\x90\x80\x80",
                                        "\x80",
                                        "\xe4\xbd",
                                        "\xf0\x9f\x98"};
  for (int round = 0; round < 500; ++round) {
    std::string text;
    for (int k = 0, n = static_cast<int>(rng() % 12); k < n; ++k)
      text += pieces[rng() % pieces.size()];
    bool valid = is_valid_utf8(text); // pieces may join into a whole character
    auto body = chat_completion_body("m", {{"user", text}}, {}, 1, "");
    nlohmann::json j;
    REQUIRE_NOTHROW(j = nlohmann::json::parse(body)); // the parser refuses invalid UTF-8
    auto sent = j["messages"][0]["content"].get<std::string>();
    if (valid)
      REQUIRE(sent == text);
    else
      REQUIRE(sent.find("\xEF\xBF\xBD") != std::string::npos);
  }
}
