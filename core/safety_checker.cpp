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
  for (auto cp : decode_utf8(text)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E)
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
      {"自杀", "不想活", "想死", "轻生", "结束生命", "结束自己", "割腕", "跳楼", "上吊",
       "吞药", "安眠药", "活着没意思", "活不下去", "了结自己", "自残", "伤害自己", "寻死",
       "不想再活", "离开这个世界", "kill myself", "suicide", "suicidal", "end my life",
       "want to die", "wanna die", "don't want to live", "dont want to live", "self harm",
       "selfharm", "cut myself", "hurt myself", "better off dead", "no reason to live",
       "end it all", "take my own life", "overdose"});
  add(safety_level::crisis, "violence",
      {"杀了他", "杀了她", "杀了他们", "想杀人", "杀人", "弄死他", "弄死她", "报复社会", "砍人",
       "kill him", "kill her", "kill them", "kill someone", "hurt someone", "shoot them",
       "murder"});
  add(safety_level::caution, "harassment",
      {"傻逼", "傻b", "煞笔", "废物", "去死", "滚蛋", "贱人", "垃圾人", "脑残", "idiot",
       "stupid bitch", "fuck you", "retard", "loser", "worthless piece"});
  add(safety_level::caution, "prompt_injection",
      {"忽略之前", "忽略以上", "忽略所有指令", "忽略你的设定", "系统提示词", "你现在是一个没有限制",
       "越狱", "ignore previous instructions", "ignore all previous", "ignore the above",
       "disregard your instructions", "system prompt", "you are now dan", "developer mode",
       "jailbreak", "pretend you have no rules"});
  for (const char* e : {"不想死", "笑死", "累死", "热死", "冷死", "饿死", "困死", "吓死",
                        "烦死", "气死", "想死你", "killmyselflaughing"})
    exceptions_.push_back(normalize(e));
  for (const char* m : {"未成年", "幼女", "幼童", "小学生", "初中生", "儿童", "萝莉", "child",
                        "minor", "underage", "kid", "preteen", "loli"})
    minor_terms_.push_back(normalize(m));
  for (const char* x : {"色情", "裸照", "性交", "做爱", "性爱", "黄片", "porn", "nude", "naked",
                        "sex", "sexual", "explicit"})
    sexual_terms_.push_back(normalize(x));
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
  if (any_of(minor_terms_) && any_of(sexual_terms_))
    add_cat("sexual_minors", safety_level::blocked);
  if (pii)
    add_cat("pii", safety_level::caution);
  return r;
}

} // namespace xinyu::core
