// The minors policy's content rule: romance and partner role-play requests from a minor are
// refused with a fixed text. Pure; must never call a model.
#include "core/policy/minor_policy.hpp"

#include "core/analysis/text_normalizer.hpp"

#include <array>
#include <vector>

namespace xinyu::core {

namespace {

/// Phrases, matched as substrings of the normalised compact text (built by normalize_text too,
/// so both sides are folded and squeezed alike).
constexpr std::array<std::string_view, 44> romance_requests = {"be my girlfriend",
                                                               "be my boyfriend",
                                                               "be my gf",
                                                               "be my bf",
                                                               "be my partner",
                                                               "be my wife",
                                                               "be my husband",
                                                               "be my bae",
                                                               "be my valentine",
                                                               "date me please",
                                                               "will you date me",
                                                               "want to date me",
                                                               "go on a date with me",
                                                               "be in love with me",
                                                               "fall in love with me",
                                                               "pretend to be my",
                                                               "act as my girlfriend",
                                                               "act as my boyfriend",
                                                               "roleplay as my",
                                                               "roleplay a romance",
                                                               "romantic roleplay",
                                                               "kiss me",
                                                               "flirt with me",
                                                               "make out with me",
                                                               "cuddle with me",
                                                               "say you love me",
                                                               "i love you babe",
                                                               "sext with me",
                                                               "send me nudes",
                                                               "talk dirty to me",
                                                               "做我女朋友",
                                                               "做我男朋友",
                                                               "当我女朋友",
                                                               "当我男朋友",
                                                               "做我老婆",
                                                               "做我老公",
                                                               "跟我谈恋爱",
                                                               "和我谈恋爱",
                                                               "扮演我的女朋友",
                                                               "扮演我的男朋友",
                                                               "亲我一下",
                                                               "和我约会",
                                                               "跟我约会",
                                                               "说你爱我"};

} // namespace

bool asks_for_romance(std::string_view text) {
  static const auto patterns = [] {
    std::vector<std::string> v;
    for (auto p : romance_requests)
      v.push_back(normalize_text(p).compact);
    return v;
  }();
  auto compact = normalize_text(text).compact;
  for (const auto& p : patterns)
    if (compact.find(p) != std::string::npos)
      return true;
  return false;
}

std::string minor_romance_refusal(bool chinese) {
  return chinese ? "我是你的 AI 陪伴助手，不能做你的男朋友或女朋友，也不会扮演恋爱的角色。"
                   "不过我很愿意听你说说最近的心情、学校或朋友的事。"
                 : "I'm your AI companion, so I can't be a boyfriend or girlfriend or play a "
                   "romantic role. I'm glad to listen, though: how are things with school, "
                   "friends, or how you're feeling?";
}

} // namespace xinyu::core
