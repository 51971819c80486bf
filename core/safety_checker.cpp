// Rule-based safety check over normalised text, plus redaction of personal data.
// Pure and thread-safe after construction; must never call out.
#include "core/safety_checker.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <cctype>

namespace xinyu::core {

namespace {

char32_t fold(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) // full-width ASCII
    cp -= 0xFEE0;
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  switch (cp) { // Cyrillic / Greek look-alikes and leetspeak
    case U'а': case U'α': case '@': case '4': return 'a';
    case U'е': case U'ε': case '3': return 'e';
    case U'о': case U'ο': case '0': return 'o';
    case U'р': case U'ρ': return 'p';
    case U'с': return 'c';
    case U'х': case U'χ': return 'x';
    case U'у': return 'y';
    case U'і': case U'ι': case '1': case '!': case '|': return 'i';
    case U'ѕ': case '$': case '5': return 's';
    case U'к': case U'κ': return 'k';
    case U'т': case U'τ': case '7': return 't';
    case U'ν': return 'v';
    case U'М': case U'м': return 'm';
    case U'Н': case U'н': return 'h';
    default: return cp;
  }
}

bool keep(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || is_cjk(cp);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

} // namespace

std::string safety_checker::normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (auto cp : decode_utf8(text)) {
    cp = fold(cp);
    if (cp >= 'A' && cp <= 'Z')
      cp += 32;
    if (keep(cp))
      append_utf8(out, cp);
  }
  return out;
}

std::string safety_checker::redact(std::string_view text, bool& found) {
  // Work on ASCII-folded digits so full-width digits are caught too.
  std::string s;
  s.reserve(text.size());
  // Only the characters the detectors read are folded (full-width digits, letters and + - . @
  // _); everything else, punctuation included, reaches the LLM as the user wrote it.
  for (auto cp : decode_utf8(text)) {
    bool detector_char = (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A)
                         || (cp >= 0xFF41 && cp <= 0xFF5A) || cp == 0xFF0B || cp == 0xFF0D
                         || cp == 0xFF0E || cp == 0xFF20 || cp == 0xFF3F;
    if (detector_char)
      cp -= 0xFEE0;
    append_utf8(s, cp);
  }
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // digit runs, allowing single spaces or dashes inside (138-1234-5678, 6222 0000 ...)
    if (is_digit(s[i]) || (s[i] == '+' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      std::size_t j = i + (s[i] == '+' ? 1 : 0);
      std::string digits;
      std::size_t last = j;
      while (j < s.size()) {
        if (is_digit(s[j])) {
          digits.push_back(s[j]);
          last = ++j;
        } else if ((s[j] == ' ' || s[j] == '-') && j + 1 < s.size() && is_digit(s[j + 1])) {
          ++j;
        } else if ((s[j] == 'x' || s[j] == 'X') && digits.size() == 17) {
          digits.push_back('X');
          last = ++j;
          break;
        } else {
          break;
        }
      }
      const char* tag = nullptr;
      auto n = digits.size();
      if (n == 18 || (n == 15 && digits.back() != 'X'))
        tag = "[ID]";
      else if (n == 11 && digits[0] == '1' && digits[1] >= '3')
        tag = "[PHONE]";
      else if (n >= 13 && n <= 19)
        tag = "[CARD]";
      else if ((n >= 7 && n <= 12) && s[i] == '+')
        tag = "[PHONE]";
      if (tag) {
        found = true;
        out += tag;
        i = last;
        continue;
      }
      out.append(s, i, last - i);
      i = last;
      continue;
    }
    // e-mail: local@domain.tld
    if (s[i] == '@' && !out.empty()) {
      std::size_t l = out.size();
      while (l > 0 && (std::isalnum(static_cast<unsigned char>(out[l - 1])) || out[l - 1] == '.'
                       || out[l - 1] == '_' || out[l - 1] == '-' || out[l - 1] == '+'))
        --l;
      std::size_t j = i + 1;
      bool dot = false;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.'
                              || s[j] == '-')) {
        dot = dot || s[j] == '.';
        ++j;
      }
      if (l < out.size() && dot && j > i + 3) {
        out.resize(l);
        out += "[EMAIL]";
        found = true;
        i = j;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

safety_checker::safety_checker() {
  auto add = [this](safety_level lvl, const char* cat, std::initializer_list<const char*> ps) {
    for (const char* p : ps)
      rules_.push_back(rule{normalize(p), lvl, cat});
  };
  add(safety_level::crisis, "self_harm",
      {"自杀", "不想活", "想死", "想去死", "轻生", "结束生命", "结束自己", "割腕", "跳楼", "上吊",
       "吞药", "安眠药", "活着没意思", "活不下去", "了结自己", "自残", "伤害自己", "寻死",
       "不想再活", "离开这个世界", "想跳下去", "跳下去算了", "遗书", "死了就解脱", "一睡不醒",
       "永远不要醒来", "不想醒来", "划自己", "结束这一切", "撑不下去了想死", "大家会不会更好",
       "没有我大家会更好", "kill myself", "suicide", "suicidal", "end my life", "ending my life",
       "want to die", "wanna die", "don't want to live", "dont want to live",
       "don't wanna be alive", "dont wanna be alive", "don't want to be alive", "self harm",
       "selfharm", "cut myself", "cutting myself", "hurt myself", "better off dead",
       "better off without me", "happier if i was dead", "happier if i were dead",
       "no reason to live", "no point in living", "not worth living", "isn't worth living",
       "can't go on living", "cant go on living", "end it all", "end everything",
       "take my own life", "overdose", "bottle of pills", "slit my wrist", "want die",
       "reason to live", "reason to keep living", "reason to go on",
       "jump off the", "never wake up", "suicide note"});
  add(safety_level::crisis, "violence",
      {"杀了他", "杀了她", "杀了他们", "想杀人", "杀人", "要杀", "弄死他", "弄死她", "弄死那个",
       "把他打死", "把她打死", "让他死", "让她死", "报复社会", "砍人", "血债血偿", "捅死",
       "kill him", "kill her", "kill them", "kill someone", "hurt someone", "shoot them",
       "shoot him", "shoot her", "stab him", "stab her", "stab them", "beat him to death",
       "beat her to death", "murder my", "murder him", "murder her", "murder them",
       "hurt my classmates", "hurt my coworkers"});
  add(safety_level::caution, "harassment",
      {"傻逼", "傻b", "煞笔", "废物", "去死", "滚蛋", "贱人", "垃圾人", "脑残", "都是垃圾",
       "都是畜生", "idiot", "stupid bitch", "fuck you", "retard", "loser", "worthless piece",
       "are vermin", "are animals", "go back to your country", "don't belong here"});
  add(safety_level::caution, "prompt_injection",
      {"忽略之前", "忽略以上", "忽略所有指令", "忽略你的设定", "系统提示词", "你现在是一个没有限制",
       "越狱", "ignore previous instructions", "ignore all previous", "ignore the above",
       "disregard your instructions", "forget your instructions", "you are now unrestricted",
       "system prompt", "you are now dan", "developer mode", "jailbreak",
       "pretend you have no rules"});
  // Harmless idioms and topics that contain a pattern: blanked out before matching.
  for (const char* e : {"不想死", "笑死", "累死", "热死", "冷死", "饿死", "困死", "吓死", "烦死",
                        "气死", "想死你", "难死", "辣死", "苦死", "killmyselflaughing",
                        "自杀预防", "预防自杀", "suicideprevention", "preventsuicide",
                        "murdermystery", "dontwanttolivein", "dontwanttolivewith",
                        "dontwanttolivethere", "dontwanttolivehere", "dontwanttolivenear",
                        "杀毒", "杀价"})
    exceptions_.push_back(normalize(e));
  for (const char* m : {"未成年", "幼女", "幼童", "小学生", "初中生", "儿童", "萝莉", "child",
                        "minor", "underage", "kid", "preteen", "loli"})
    minor_terms_.push_back(normalize(m));
  for (const char* x : {"色情", "裸照", "性交", "做爱", "性爱", "黄片", "性关系", "发生关系",
                        "porn", "nude", "naked", "sex", "sexual", "explicit"})
    sexual_terms_.push_back(normalize(x));
  // Together in one message, these mean a plan: (any of the first) and (any of the second).
  auto both = [this](const char* cat, std::initializer_list<const char*> a,
                     std::initializer_list<const char*> b) {
    combo c{cat, {}, {}};
    for (const char* x : a)
      c.first.push_back(normalize(x));
    for (const char* x : b)
      c.second.push_back(normalize(x));
    combos_.push_back(std::move(c));
  };
  both("self_harm", {"药", "pills"}, {"一瓶", "一整瓶", "全吃", "全部吃", "攒了", "whole bottle",
                                      "all of them", "took all"});
  both("self_harm", {"天台", "楼顶", "楼上", "桥上", "roof", "bridge", "ledge"},
       {"跳下", "想跳", "jump"});
  both("violence", {"刀", "knife", "gun", "枪"}, {"去找他", "去找她", "找他算账", "明天去",
                                                  "kill", "stab", "shoot"});
}

namespace {

bool starts_with_any(std::string_view s, std::initializer_list<std::string_view> ws) {
  for (auto w : ws)
    if (s.starts_with(w))
      return true;
  return false;
}

/// Structure, not phrases: a harm verb aimed at a person ("kill my stepfather", "stab him"),
/// a self-harm verb on oneself ("hurting myself"), or in Chinese an intent word shortly
/// before a killing verb ("我想杀了我老板", "我要砍死他") that is not passive (被杀了).
/// Works on normalised text (lower case, no spaces or symbols).
const char* harm_structure(const std::string& norm) {
  static const std::string_view self_verbs[] = {"hurting", "hurt", "cutting", "cut", "harming",
                                                "harm", "burning", "burn", "starving", "killing",
                                                "kill"};
  static const std::string_view other_verbs[] = {"kill", "murder", "stab", "shoot", "strangle",
                                                 "poison"};
  std::string_view n{norm};
  for (std::size_t i = 0; i < n.size(); ++i) {
    auto rest = n.substr(i);
    for (auto v : self_verbs)
      if (rest.starts_with(v) && rest.substr(v.size()).starts_with("myself"))
        return "self_harm";
    for (auto v : other_verbs) {
      if (!rest.starts_with(v))
        continue;
      auto obj = rest.substr(v.size());
      if (starts_with_any(obj, {"him", "her", "them", "someone", "somebody", "everyone",
                                "everybody", "people", "you"})
          || (obj.starts_with("my") && !obj.starts_with("myself")
              && !starts_with_any(obj.substr(2), {"time", "self", "phone", "battery", "vibe"})))
        return "violence";
    }
  }
  static const std::string_view zh_intent[] = {"想", "要", "会", "准备", "打算", "恨不得"};
  static const std::string_view zh_kill[] = {"杀了", "杀死", "砍死", "打死", "弄死", "捅死",
                                             "掐死", "毒死", "砍了", "捅了"};
  for (auto k : zh_kill) {
    for (auto pos = n.find(k); pos != std::string_view::npos; pos = n.find(k, pos + 1)) {
      if (pos >= 3 && n.substr(pos - 3, 3) == "被")
        continue; // passive: something happened to the speaker
      auto before = n.substr(pos >= 12 ? pos - 12 : 0, pos >= 12 ? 12 : pos); // ~4 Han chars
      for (auto w : zh_intent)
        if (before.find(w) != std::string_view::npos)
          return "violence";
    }
  }
  return nullptr;
}

} // namespace

/// True when the text names an age under 18 ("12 year old", "12-year-old", "12岁").
bool safety_checker::mentions_minor_age(std::string_view text) {
  std::string s;
  for (auto cp : decode_utf8(text)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E)
      cp -= 0xFEE0;
    if (cp >= 'A' && cp <= 'Z')
      cp += 32;
    append_utf8(s, cp);
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
      continue;
    std::size_t j = i;
    int age = 0;
    while (j < s.size() && is_digit(s[j]) && j - i < 3)
      age = age * 10 + (s[j++] - '0');
    if (j < s.size() && is_digit(s[j]))
      continue;
    while (j < s.size() && (s[j] == ' ' || s[j] == '-'))
      ++j;
    auto rest = std::string_view{s}.substr(j);
    bool years = rest.starts_with("岁") || rest.starts_with("year") || rest.starts_with("yr")
                 || rest.starts_with("yo ") || rest == "yo";
    if (years && age > 0 && age < 18)
      return true;
  }
  return false;
}

safety_result safety_checker::check(std::string_view text) const {
  safety_result r;
  bool pii = false;
  r.redacted_text = redact(text, pii);
  std::string norm = normalize(text);
  // Blank out harmless idioms ("笑死", "不想死") so their substrings never match.
  for (const auto& e : exceptions_) {
    for (auto pos = norm.find(e); pos != std::string::npos; pos = norm.find(e, pos + 1))
      std::fill(norm.begin() + static_cast<long>(pos),
                norm.begin() + static_cast<long>(pos + e.size()), '_');
  }
  auto add_cat = [&r](const std::string& c, safety_level lvl) {
    if (std::find(r.categories.begin(), r.categories.end(), c) == r.categories.end())
      r.categories.push_back(c);
    if (static_cast<int>(lvl) > static_cast<int>(r.level))
      r.level = lvl;
  };
  for (const auto& rl : rules_)
    if (norm.find(rl.pattern) != std::string::npos)
      add_cat(rl.category, rl.level);
  auto any_of = [&norm](const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(),
                       [&norm](const std::string& p) { return norm.find(p) != std::string::npos; });
  };
  if (const char* cat = harm_structure(norm))
    add_cat(cat, safety_level::crisis);
  for (const auto& c : combos_)
    if (any_of(c.first) && any_of(c.second))
      add_cat(c.category, safety_level::crisis);
  if ((any_of(minor_terms_) || mentions_minor_age(text)) && any_of(sexual_terms_))
    add_cat("sexual_minors", safety_level::blocked);
  if (pii)
    add_cat("pii", safety_level::caution);
  return r;
}

} // namespace xinyu::core
