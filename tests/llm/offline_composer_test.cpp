// Unit tests for llm/offline_composer: context-aware replies, language, tokenisation, pacing.
#include "llm/offline_composer.hpp"
#include "llm/offline_provider.hpp"
#include "core/policy/canned_replies.hpp"

#include "core/support/text.hpp"

#include <catch2/catch.hpp>

using namespace xinyu;

namespace {
llm::llm_request req(std::string text, bool zh, std::string label, double score = 0.8) {
  llm::llm_request r;
  r.user_text = std::move(text);
  r.chinese = zh;
  r.emotion = {std::move(label), score, -0.5};
  return r;
}
} // namespace

TEST_CASE("reply language follows the user", "[offline]") {
  llm::offline_composer p;
  CHECK(core::is_mostly_chinese(p.compose(req("我很难过", true, "sadness"))));
  CHECK_FALSE(core::is_mostly_chinese(p.compose(req("I am sad", false, "sadness"))));
}

TEST_CASE("reply uses emotion, topic, memories and safety", "[offline]") {
  llm::offline_composer p;
  auto sad = p.compose(req("I am sad", false, "sadness"));
  auto joy = p.compose(req("I am happy", false, "joy"));
  CHECK(sad != joy);
  CHECK(p.compose(req("my boss yelled at me at work", false, "anger")).find("Work")
        != std::string::npos);
  auto r = req("我还是很想她", true, "loneliness");
  r.memories = {"我和女朋友上个月分手了"};
  CHECK(p.compose(r).find("我和女朋友上个月分手了") != std::string::npos);
  auto crisis = req("I want to end my life", false, "sadness");
  crisis.safety = core::safety_level::crisis;
  CHECK(p.compose(crisis).find("safety") != std::string::npos);
  auto caution = req("call me 138", false, "neutral");
  caution.safety = core::safety_level::caution;
  CHECK(p.compose(caution).find("personal details") != std::string::npos);
}

TEST_CASE("tokens concatenate back to the reply exactly", "[offline]") {
  for (const std::string& s : {std::string{"听起来你现在真的很难过，谢谢你愿意说出来。"},
                               std::string{"I'm here - tell me more, okay?"},
                               std::string{"混合 mixed text 😊 with emoji"}}) {
    auto toks = core::split_into_tokens(s);
    std::string joined;
    for (auto& t : toks)
      joined += t;
    CHECK(joined == s);
    CHECK(toks.size() > 3);
    for (auto& t : toks)
      CHECK(core::decode_utf8(t).size() <= 12);
  }
}

TEST_CASE("pacing: first token delay then a steady rate, or none", "[offline]") {
  llm::pacing p{150, 30};
  CHECK(p.delay_before(0) == 150);
  CHECK(p.delay_before(1) == 33);
  llm::pacing off{0, 0};
  CHECK(off.delay_before(0) == 0);
  CHECK(off.delay_before(5) == 0);
}

TEST_CASE("fallback, blocked and crisis texts exist in both languages", "[offline]") {
  CHECK(core::is_mostly_chinese(core::fallback_reply(true)));
  CHECK_FALSE(core::is_mostly_chinese(core::fallback_reply(false)));
  // the refusal never shuts out a child telling what is done to them
  CHECK(core::is_mostly_chinese(core::blocked_reply(true)));
  CHECK(core::blocked_reply(true).find("不是你的错") != std::string::npos);
  CHECK(core::blocked_reply(false).find("not your fault") != std::string::npos);
  auto referral = core::crisis_referral(false, {"call 988"});
  CHECK(referral.find("call 988") != std::string::npos);
  CHECK(referral.substr(referral.size() - 2) == "\n\n"); // the reply follows after a blank line
  CHECK(core::crisis_referral(true, {}).empty());
  CHECK(core::is_mostly_chinese(core::crisis_support_reply(true)));
  CHECK(core::crisis_support_reply(false).find("safe") != std::string::npos);
}
