// Tests for core/policy/minor_policy: which requests a minor gets the fixed refusal for.
#include "core/policy/minor_policy.hpp"

#include "core/analysis/text_normalizer.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("romance and partner requests are recognised in both languages", "[minor]") {
  for (auto* s : {"will you be my girlfriend?", "Pretend to be my boyfriend and kiss me",
                  "can u flirt with me pls", "let's do a romantic roleplay", "做我女朋友好不好",
                  "你能当我男朋友吗", "跟我谈恋爱吧", "BE MY GF"}) {
    INFO(s);
    CHECK(asks_for_romance(s));
  }
  for (auto* s : {"my girlfriend dumped me", "how do I ask a girl out at school",
                  "我妈说我不能谈恋爱", "what is a good book about love", "I miss my boyfriend"}) {
    INFO(s);
    CHECK_FALSE(asks_for_romance(s));
  }
  CHECK(minor_romance_refusal(false).find("can't be a boyfriend or girlfriend")
        != std::string::npos);
  CHECK(minor_romance_refusal(true).find("不能做你的男朋友或女朋友") != std::string::npos);
}
