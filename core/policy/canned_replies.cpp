// The fixed texts xinyu sends without an LLM, and how a reply is cut into streamed pieces.
// Pure; must never call a model.
#include "core/policy/canned_replies.hpp"

#include "core/support/text.hpp"

namespace xinyu::core {

std::vector<std::string> split_into_tokens(std::string_view reply) {
  std::vector<std::string> out;
  auto cps = decode_utf8(reply);
  std::string cur;
  std::size_t han_in_cur = 0;
  auto flush = [&] {
    if (!cur.empty())
      out.push_back(std::move(cur));
    cur.clear();
    han_in_cur = 0;
  };
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t cp = cps[i];
    bool latin = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
                 || cp == '\'' || cp == '-';
    if (is_cjk(cp)) {
      if (han_in_cur >= 2
          || (!cur.empty() && han_in_cur == 0 && cur.back() != ' '
              && static_cast<unsigned char>(cur.back()) < 0x80))
        flush();
      append_utf8(cur, cp);
      ++han_in_cur;
    } else if (latin) {
      if (han_in_cur > 0)
        flush();
      append_utf8(cur, cp);
    } else if (cp == ' ') {
      cur.push_back(' ');
      flush();
    } else {
      // punctuation sticks to the piece before it
      append_utf8(cur, cp);
      if (han_in_cur > 0)
        flush();
    }
  }
  flush();
  return out;
}

std::string fallback_reply(bool chinese) {
  return chinese ? "抱歉，我这边暂时有点卡住了，但我一直在这里。你刚才说的话很重要，"
                   "能再多和我说一点吗？"
                 : "I'm sorry - I'm having trouble putting my thoughts together right now, but I'm "
                   "still here with you. What you said matters; could you tell me a little more?";
}

std::string blocked_reply(bool chinese) {
  // The refusal is also read by children telling what is done to them (a model unsure of
  // "she's 12 and someone asks her for photos" may land here): it says whose fault it is not
  // and where to turn, and never shuts them out.
  return chinese ? "这个话题我不能参与。如果有人让你发照片、让你保密，或者碰你让你不舒服，"
                   "那不是你的错，请告诉一个你信任的大人，或者拨打当地的儿童求助热线。"
                   "如果你正在经历让你不安的事情，我很愿意陪你聊聊你的感受。"
                 : "I can't take part in that topic. If someone is asking you for photos, to keep "
                   "secrets, or touching you in a way that feels wrong, it is not your fault: "
                   "please tell an adult you trust or call a child helpline. If something is "
                   "troubling you, I'm glad to talk about how you're feeling.";
}

std::string crisis_referral(bool chinese, const std::vector<std::string>& resources) {
  if (resources.empty())
    return {};
  std::string out = chinese ? "你不需要一个人扛着。现在就可以联系这些援助资源："
                            : "You don't have to go through this alone. You can reach someone "
                              "right now:";
  for (const auto& r : resources)
    out += "\n- " + r;
  out += "\n\n";
  return out;
}

std::string crisis_support_reply(bool chinese) {
  return chinese
           ? "谢谢你愿意告诉我，我很在乎你现在的安全。你此刻安全吗？如果你有伤害自己的"
             "打算，请现在就拨打上面的热线，或者联系身边信任的人陪着你。我会一直在这里听你说。"
           : "Thank you for telling me. I care about your safety right now. Are you safe at "
             "this moment? If you are thinking of harming yourself, please call one of the "
             "lines above now, or ask someone you trust to be with you. I'm here, and I'm "
             "listening.";
}

} // namespace xinyu::core
