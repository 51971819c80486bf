// Rule-based safety check over normalised text, plus redaction of personal data.
// Pure and thread-safe after construction; must never call out.
// Over 400 lines because its phrase tables (English and Chinese, with their frame guards) are
// data that reads best beside the rules that use them; the concept matcher is safety_concepts.
#include "core/analysis/safety_checker.hpp"

#include "core/support/phrase_matcher.hpp"
#include "core/support/text.hpp"
#include "core/analysis/text_normalizer.hpp"

#include <algorithm>
#include <regex>
#include <cctype>

namespace xinyu::core {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

std::string safety_checker::normalize(std::string_view text) {
  return normalize_text(text).compact;
}

namespace {

/// Street addresses (English, German, Chinese) and UK National Insurance numbers, on the
/// detector copy of the text; matches are masked.
const std::regex& address_pattern() {
  static const std::regex re{
    R"((\b\d{1,5}[a-z]?\s+([A-Za-z]+\s+){1,3}(street|st|avenue|ave|road|rd|lane|ln|drive|boulevard|blvd)\b\.?))"
    R"(|(\b[A-Za-z\xC3\x80-\xBF]+(straße|strasse|str\.|weg|platz|allee|gasse)\s*\d{1,4}[a-z]?\b))"
    R"(|((路|街|巷|弄|大道)\s*([0-9]+|(一|二|三|四|五|六|七|八|九|十|百|零|两)+)\s*(段\s*([0-9]+|(一|二|三|四|五|六|七|八|九|十)+)\s*)?号))"
    R"(|([0-9]+\s*(号楼|栋)))"
    R"(|(\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b))",
    std::regex::icase | std::regex::optimize};
  return re;
}

} // namespace

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
  // spelled-out e-mail addresses: name(at)example(dot)com
  for (auto [from, to] : {std::pair{"(at)", "@"}, std::pair{"[at]", "@"}, std::pair{"(dot)", "."},
                          std::pair{"[dot]", "."}})
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos))
      s.replace(pos, std::string_view{from}.size(), to);
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // digit runs, allowing single spaces, dashes, dots and brackets inside (138-1234-5678,
    // (416) 555-0199, +44 (0)20 7946 0958, 555.123.4567, 6222 0000 ...)
    bool open_paren = s[i] == '(' && i + 1 < s.size() && is_digit(s[i + 1]);
    if (is_digit(s[i]) || open_paren || (s[i] == '+' && i + 1 < s.size() && is_digit(s[i + 1]))) {
      if (i > 0 && (std::isalpha(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.')) {
        out.push_back(s[i]); // inside a word or a number with a decimal point: not a run
        ++i;
        continue;
      }
      std::size_t j = i + (s[i] == '+' || open_paren ? 1 : 0);
      std::string digits;
      std::size_t last = j, separators = 0;
      bool bracket = open_paren;
      while (j < s.size()) {
        if (is_digit(s[j])) {
          digits.push_back(s[j]);
          last = ++j;
        } else if ((s[j] == ' ' || s[j] == '-' || s[j] == '.') && j + 1 < s.size()
                   && is_digit(s[j + 1])) {
          ++j;
          ++separators;
        } else if (s[j] == ')' && j + 1 < s.size()
                   && (is_digit(s[j + 1])
                       || (s[j + 1] == ' ' && j + 2 < s.size() && is_digit(s[j + 2])))) {
          j += s[j + 1] == ' ' ? 2 : 1;
          ++separators;
          bracket = true;
        } else if (s[j] == ' ' && j + 2 < s.size() && s[j + 1] == '(' && is_digit(s[j + 2])) {
          j += 2; // "+44 (0)20"
          ++separators;
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
      bool plus = s[i] == '+';
      std::string_view run{s.data() + i, last - i};
      bool ssn = n == 9 && run.size() == 11 && run[3] == '-' && run[6] == '-';
      if (n == 18 || (n == 15 && digits.back() != 'X') || ssn)
        tag = "[ID]";
      else if (n == 11 && digits[0] == '1' && digits[1] >= '3')
        tag = "[PHONE]";
      else if (n >= 13 && n <= 19 && !plus)
        tag = "[CARD]";
      else if (plus && n >= 7 && n <= 15)
        tag = "[PHONE]";
      else if (n >= 10 && n <= 12 && (separators > 0 || bracket || digits[0] == '0' || n == 10))
        tag = "[PHONE]"; // national formats: (416) 555-0199, 07700 900123, 01 23 45 67 89
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
      while (l > 0
             && (std::isalnum(static_cast<unsigned char>(out[l - 1])) || out[l - 1] == '.'
                 || out[l - 1] == '_' || out[l - 1] == '-' || out[l - 1] == '+'))
        --l;
      std::size_t j = i + 1;
      bool dot = false;
      while (j < s.size()
             && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '-')) {
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
  // every address form holds a digit: the regex runs only on text that has one
  if (std::any_of(out.begin(), out.end(), is_digit) && std::regex_search(out, address_pattern())) {
    found = true;
    out = std::regex_replace(out, address_pattern(), "[ADDRESS]");
  }
  return out;
}

safety_checker::safety_checker(std::shared_ptr<const text_classifier> model,
                               safety_thresholds thresholds)
  : model_(std::move(model)), thresholds_(thresholds) {
  auto add = [this](safety_level lvl, const char* cat, std::initializer_list<const char*> ps) {
    for (const char* p : ps)
      rules_.push_back(rule{normalize(p), lvl, cat});
  };
  add(safety_level::crisis, "self_harm",
      {"自杀", "不想活", "想死", "想去死", "轻生", "结束生命", "结束自己", "割腕", "跳楼", "上吊",
       "吞药", "安眠药", "活着没意思", "活不下去", "了结自己", "杀了自己", "杀死自己", "弄死自己",
       "自残", "伤害自己", "寻死", "不想再活", "离开这个世界", "想跳下去", "跳下去算了", "遗书",
       "死了就解脱", "一睡不醒", "永远不要醒来", "不想醒来", "划自己", "结束这一切",
       "撑不下去了想死", "大家会不会更好", "没有我大家会更好", "kill myself", "suicide", "suicidal",
       "end my life", "ending my life", "want to die", "wanna die", "don't want to live",
       "dont want to live", "don't wanna be alive", "dont wanna be alive", "don't want to be alive",
       "self harm", "selfharm", "cut myself", "cutting myself", "hurt myself", "better off dead",
       "better off without me", "happier if i was dead", "happier if i were dead",
       "no reason to live", "no point in living", "not worth living", "isn't worth living",
       "can't go on living", "cant go on living", "end it all", "end everything",
       "take my own life", "taking my own life", "overdose", "bottle of pills", "slit my wrist",
       "want die", "reason to live", "reason to keep living", "reason to go on", "jump off the",
       "never wake up", "suicide note",
       // a wish to be dead said plainly (2026-12-07, dev out of fold: "its late and i keep
       // wishing i was dead" was a check-in, the model unsure at 0.70)
       "wish i was dead", "wish i were dead", "wishing i was dead", "wishing i were dead",
       "want to be dead", "wanting to be dead", "wanna be dead", "wish i could die",
       "wish i would die", "wish i could just die", "希望我死了", "希望自己死了"});
  add(safety_level::crisis, "violence",
      {"杀了他",
       "杀了她",
       "杀了他们",
       "想杀人",
       "杀人",
       "要杀",
       "弄死他",
       "弄死她",
       "弄死那个",
       "把他打死",
       "把她打死",
       "让他死",
       "让她死",
       "报复社会",
       "砍人",
       "血债血偿",
       "捅死",
       "kill him",
       "kill her",
       "kill them",
       "kill someone",
       "hurt someone",
       "shoot them",
       "shoot him",
       "shoot her",
       "stab him",
       "stab her",
       "stab them",
       "beat him to death",
       "beat her to death",
       "murder my",
       "murder him",
       "murder her",
       "murder them",
       "hurt my classmates",
       "hurt my coworkers"});
  add(safety_level::caution, "harassment",
      {"傻逼",
       "傻b",
       "煞笔",
       "废物",
       "去死",
       "滚蛋",
       "贱人",
       "垃圾人",
       "脑残",
       "都是垃圾",
       "都是畜生",
       "idiot",
       "stupid bitch",
       "fuck you",
       "retard",
       "loser",
       "worthless piece",
       "are vermin",
       "are animals",
       "go back to your country",
       "don't belong here"});
  add(safety_level::caution, "prompt_injection",
      {"忽略之前", "忽略以上", "忽略所有指令", "忽略你的设定", "系统提示词", "你现在是一个没有限制",
       "越狱", "ignore previous instructions", "ignore all previous", "ignore the above",
       "disregard your instructions", "forget your instructions", "you are now unrestricted",
       "system prompt", "you are now dan", "developer mode", "jailbreak",
       "pretend you have no rules"});
  // Harmless idioms and topics that contain a pattern: blanked out before matching.
  for (const char* e :
       {"不想死", "笑死", "累死", "热死", "冷死", "饿死", "困死", "吓死", "烦死", "气死", "想死你",
        "难死", "辣死", "苦死", "killmyselflaughing", "自杀预防", "预防自杀", "suicideprevention",
        "preventsuicide", "murdermystery", "dontwanttolivein", "dontwanttolivewith",
        "dontwanttolivethere", "dontwanttolivehere", "dontwanttolivenear", "dontwanttobedead",
        "donotwanttobedead", "dontwannabedead", "杀毒", "杀价",
        // everyday idioms: a rock-bottom price, going wild, missing someone
        // badly, social embarrassment, an all-out charge in a game or a drill
        "跳楼价", "跳楼大甩卖", "杀疯", "想死我了", "想死你们", "社死", "自杀式", "suicide run",
        "suicide rush", "suicide dive", "suicide squeeze", "suicide squad", "suicide door",
        "suicide sprint", "suicide drill", "suicide is painless", "kill the music",
        "kill the lights", "kill the engine", "killing time", "kill time"})
    exceptions_.push_back(normalize(e));
  // substrings of the compact text, so run-together spellings ("childporn") count too
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
  both("self_harm", {"药", "pills"},
       {"一瓶", "一整瓶", "全吃", "全部吃", "攒了", "whole bottle", "all of them", "took all"});
  both("self_harm", {"天台", "楼顶", "楼上", "桥上", "roof", "bridge", "ledge"},
       {"跳下", "想跳", "jump"});
  both("violence", {"刀", "knife", "gun", "枪"},
       {"去找他", "去找她", "找他算账", "明天去", "kill", "stab", "shoot"});
}

namespace {

/// Structure, not phrases: a harm verb aimed at a person ("kill my stepfather", "stab him"),
/// a self-harm verb on oneself ("hurting myself"), or in Chinese an intent word shortly
/// before a killing verb ("我想杀了我老板", "我要砍死他") that is not passive (被杀了).
/// Works on normalised text (lower case, no spaces or symbols).
std::vector<std::string> normalized(std::initializer_list<const char*> words) {
  std::vector<std::string> v;
  for (const char* w : words)
    v.push_back(safety_checker::normalize(w));
  return v;
}

bool starts_with_any(std::string_view s, const std::vector<std::string>& ws) {
  for (const auto& w : ws)
    if (s.starts_with(w))
      return true;
  return false;
}

const char* harm_structure(const std::string& norm) {
  static const auto self_verbs = normalized(
    {"hurting", "hurt",     "cutting", "cut",       "harming",  "harm",       "burning",
     "burn",    "starving", "killing", "kill",      "stabbing", "stab",       "hanging",
     "hang",    "drowning", "drown",   "poisoning", "poison",   "scratching", "punishing"});
  static const auto other_verbs = normalized(
    {"kill", "murder", "stab", "shoot", "strangle", "poison", "beat", "choke", "smother"});
  static const auto targets = normalized(
    {"him", "her", "them", "someone", "somebody", "everyone", "everybody", "people", "you"});
  static const auto not_people =
    normalized({"time", "self", "phone", "battery", "vibe", "score", "record", "game", "boss",
                "level", "cat", "dog", "plant", "hair", "laptop", "car"});
  static const std::string myself = safety_checker::normalize("myself");
  std::string_view n{norm};
  for (std::size_t i = 0; i < n.size(); ++i) {
    auto rest = n.substr(i);
    for (const auto& v : self_verbs)
      if (rest.starts_with(v) && rest.substr(v.size()).starts_with(myself))
        return "self_harm";
    for (const auto& v : other_verbs) {
      if (!rest.starts_with(v))
        continue;
      auto obj = rest.substr(v.size());
      if (starts_with_any(obj, targets)
          || (obj.starts_with("my") && !obj.starts_with(myself)
              && !starts_with_any(obj.substr(2), not_people)))
        return "violence";
    }
  }
  static const std::string_view zh_intent[] = {"想", "要", "会", "准备", "打算", "恨不得"};
  static const std::string_view zh_kill[] = {"杀了", "杀死", "砍死", "打死", "弄死",
                                             "捅死", "掐死", "毒死", "砍了", "捅了"};
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
    if (cp == 0x2019)
      cp = '\'';
    append_utf8(s, simplified_chinese(cp)); // 十三歲, 未滿十四 in traditional characters
  }
  auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_digit(s[i]) || (i > 0 && is_digit(s[i - 1])))
      continue;
    std::size_t j = i;
    int age = 0;
    while (j < s.size() && is_digit(s[j]) && j - i < 3)
      age = age * 10 + (s[j++] - '0');
    if (j < s.size() && is_digit(s[j]))
      continue;
    auto before = std::string_view{s}.substr(0, i);
    while (j < s.size() && (s[j] == ' ' || s[j] == '-'))
      ++j;
    auto rest = std::string_view{s}.substr(j);
    bool years = rest.starts_with("岁") || rest.starts_with("year") || rest.starts_with("yr")
                 || rest.starts_with("y/o") || rest.starts_with("y.o")
                 || (rest.starts_with("yo") && (rest.size() == 2 || !is_letter(rest[2])));
    // "she's 13", "he is 14", "aged 12", "age 12": the number is an age
    for (std::string_view p : {"she's ", "shes ", "he's ", "hes ", "she is ", "he is ", "aged ",
                               "age ", "i'm ", "im ", "i am "})
      years = years || before.ends_with(p);
    if (years && age > 0 && age < 18)
      return true;
  }
  // Chinese numerals: 十三岁, 九岁, 未满十四
  static const std::string_view digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};
  for (int age = 1; age < 18; ++age) {
    std::string word;
    if (age >= 10)
      word = "十";
    if (age % 10)
      word += std::string{digits[age % 10 - 1]};
    if (s.find(word + "岁") != std::string::npos || s.find("未满" + word) != std::string::npos)
      return true;
  }
  return false;
}

safety_result merge(safety_result a, const safety_result& b) {
  for (const auto& c : b.categories)
    if (std::find(a.categories.begin(), a.categories.end(), c) == a.categories.end())
      a.categories.push_back(c);
  if (static_cast<int>(b.level) > static_cast<int>(a.level))
    a.level = b.level;
  return a;
}

bool at_risk(const safety_result& r) noexcept {
  if (r.level == safety_level::crisis)
    return true;
  return r.level == safety_level::blocked
         && std::any_of(r.categories.begin(), r.categories.end(), [](const std::string& c) {
              // (conversation_risk never comes without self_harm: conversation_risk::observe)
              return c == "self_harm" || c == "violence";
            });
}

safety_result safety_checker::check(std::string_view text) const {
  auto n = normalize_text(text);
  // the concepts are found once and shared by the rules, the model's input and the evidence
  auto found = concepts_.find(n, mentions_minor_age(text));
  auto r = rules_on(text, n, found);
  if (!model_)
    return r;
  auto input = model_input(n, r, found);
  return combine(std::move(r), model_->predict(input), evidence_in(found, n.tokens.size()));
}

model_evidence safety_checker::evidence_for(std::string_view text) const {
  auto n = normalize_text(text);
  return evidence_in(concepts_.find(n, mentions_minor_age(text)), n.tokens.size());
}

bool safety_checker::danger_words_in(const concept_finding& found) {
  // words of death, method and harm only: a word of a child or of sex is no sign that a
  // person's low mood is a danger to them ("my kids drove me to tears again today"); sexual
  // content with a minor is refused on the message itself
  constexpr concept_set danger{harm_bits};
  return (found.concepts & danger).any();
}

model_evidence safety_checker::evidence_in(const concept_finding& found, std::size_t word_count) {
  // a child is evidence for a crisis too: plans and threats name them ("the kids are at their
  // father's on Thursday", "if I can't have the kids ..."); sex and abuse material are not
  using C = concept_id;
  constexpr concept_set crisis_evidence{harm_bits | quiet_bits | concept_bits({C::minor})};
  auto words = found.concepts | found.inflected;
  // someone aimed at, with intent or a time: "he walks his dog alone at 11. i'll be waiting"
  constexpr concept_set aimed{concept_bits({C::intent, C::timing})};
  bool at_someone = words.test(static_cast<std::size_t>(C::person)) && (words & aimed).any();
  return {(words & crisis_evidence).any() || at_someone, (words & abuse_evidence).any(),
          (words & abuse_concepts).any(), word_count >= model_evidence::alone_min_words};
}

namespace {

/// Context that turns the words of a crisis into something else: laughter, a game, a story, the
/// past, someone else, a medical question. Marker words let a small model learn from few
/// examples that "kms this boss lol" and "two years clean" are not "I will kill myself".
struct context_marker {
  const char* name;
  std::initializer_list<const char*> words;   // whole tokens (ASCII words or one Han character)
  std::initializer_list<const char*> phrases; // substrings of the compact text
};

const context_marker context_markers[] = {
  {"laugh",
   {"lol", "lmao", "lmfao", "haha", "jk", "rofl", "xd", "lul", "哈", "😂", "🤣", "😆", "😅"},
   {"开玩笑", "笑死", "hahaha"}},
  {"game",
   {"boss", "game", "gaming", "level",     "raid",     "respawn", "ranked",
    "gg",   "noob", "pvp",    "minecraft", "fortnite", "lol",     "dps",
    "npc",  "队",   "游",     "副",        "王",       "吃",      "鸡"},
   {"游戏", "队友", "开局", "副本", "王者", "吃鸡", "落地成盒", "打团", "排位"}},
  {"story",
   {"novel", "story", "character", "book", "movie", "film", "lyrics", "song", "episode", "plot",
    "script", "writing", "chapter", "scene", "poem", "anime", "manga", "series"},
   {"小说", "剧本", "角色", "电影", "歌词", "这首歌", "电视剧", "动漫", "情节", "剧情", "写一"}},
  {"past",
   {"used", "ago", "once", "recovered", "clean", "survived", "anniversary", "sober", "therapy",
    "was", "were", "back"},
   {"曾经", "以前", "当年", "年前", "那时候", "过去", "不再", "走出来", "撑过来", "康复"}},
  {"other",
   {"son",  "daughter", "friend",  "brother",  "sister",   "mom",       "mum",
    "dad",  "he",       "she",     "his",      "her",      "him",       "they",
    "teen", "teenager", "kid",     "child",    "partner",  "boyfriend", "girlfriend",
    "wife", "husband",  "student", "coworker", "roommate", "someone",   "somebody"},
   {"朋友", "女儿", "儿子", "同学", "孩子", "我妈", "我爸",     "男朋友", "女朋友", "老公",
    "老婆", "室友", "同事", "闺蜜", "兄弟", "表弟", "表妹",     "表哥",   "表姐",   "堂弟",
    "堂妹", "弟弟", "妹妹", "哥哥", "姐姐", "有人", "身边的人", "他说",   "她说"}},
  {"help",
   {"help", "how", "advice", "support", "what", "should"},
   {"怎么办", "怎么帮", "该怎么", "如何", "怎么跟", "怎么和"}},
  {"medical",
   {"dose", "dosage", "mg", "prescribed", "doctor", "pharmacist", "side", "effects", "tablet",
    "tablets", "daily", "medication", "ibuprofen", "tylenol", "advil"},
   {"剂量", "副作用", "医生", "吃几片", "一天吃", "处方", "药店", "会上瘾"}},
  {"self", {"i", "im", "me", "my", "myself", "ive", "ill", "id", "我"}, {}},
  // 2026-12-06, from the dev rows the rules called a crisis and people had written as benign:
  // reports about others (news, statistics), sports drills named "suicides", and people who
  // meet crises at work. Markers only let the model weigh in; they never make a message ok.
  {"news",
   {"news", "article", "report", "reported", "study", "statistics", "stats", "rates", "celebrity",
    "singer", "actor", "headline", "headlines", "documentary", "journalist", "media", "radio"},
   {"新闻", "报道", "热搜", "明星", "歌手", "通报", "评论区", "历史课", "刷到"}},
  {"sport",
   {"practice", "coach", "sprints", "sprint", "drills", "bunt", "laps", "gym", "squad"},
   {"训练", "教练", "体育课", "跑圈"}},
  {"work",
   {"nurse", "nurses", "counsellor", "counselor", "paramedic", "ward", "icu", "patients",
    "admissions", "clinician"},
   {"护士", "急诊", "病房", "病人"}},
};

/// Frames in which crisis words usually mean something else. Narrower than the model's markers:
/// a frame only turns the rules' crisis into a gentle check-in; the model may still escalate.
struct frame_guard {
  const char* name;
  std::initializer_list<const char*> words;   // whole tokens
  std::initializer_list<const char*> phrases; // substrings of the compact text
};

const frame_guard frame_guards[] = {
  {"game",
   {"boss", "raid", "respawn", "ranked", "pvp", "minecraft", "fortnite", "npc", "speedrun", "phase",
    "checkpoint"},
   {"this game", "the game", "游戏", "队友", "开局", "副本", "王者", "吃鸡", "落地成盒", "排位",
    "打团", "复活"}},
  {"story",
   {"novel", "screenplay", "script", "character", "chapter", "plot", "lyrics", "fanfic"},
   {"小说", "剧本", "角色", "歌词", "这首歌", "剧情", "情节", "这部剧", "电影里"}},
  {"recovered",
   {"recovered", "anniversary"},
   {"used to", "years ago", "months ago", "days clean", "years clean", "survived", "history of",
    "my past", "曾经", "年前", "不再", "撑过来", "走出来", "康复", "那时候"}},
  {"medical_question",
   {},
   {"side effect", "addictive", "kick in", "会上瘾", "副作用", "多久起效", "多久见效"}},
  {"joke", {"lol", "lmao", "lmfao", "jk", "rofl", "😂", "🤣"}, {"开玩笑", "哈哈"}},
  {"sports",
   {"referee", "playoffs", "halftime"},
   {"国足", "球迷", "比赛", "球队", "裁判", "世界杯", "my team", "the match"}},
};

/// A crisis told as overcome: the past (or a time since) and a good present, and no word of a
/// present relapse. Phrases of the compact text (normalised like messages).
const std::initializer_list<const char*> overcome_past = {
  "used to",        "years ago",     "year ago",
  "months ago",     "back then",     "years since",
  "year since",     "since my last", "since i tried",
  "self harm free", "selfharm free", "days clean",
  "months clean",   "years clean",   "year clean",
  "been clean",     "clean for",     "clean since",
  "haven't cut",    "havent cut",    "haven't had",
  "havent had",     "got help",      "last year",
  "in 2019",        "at uni",        "in high school",
  "as a teen",      "曾经",          "以前",
  "年前",           "那时候",        "那段",
  "去年",           "小时候",        "高中的时候",
  "大学那会",       "一年没",        "没有自残了",
  "没碰了",         "戒掉",          "天没"};
const std::initializer_list<const char*> overcome_now = {"i'm doing well",
                                                         "im doing well",
                                                         "doing really well",
                                                         "doing well",
                                                         "glad i'm",
                                                         "glad im",
                                                         "proud",
                                                         "okay since",
                                                         "ok since",
                                                         "does get better",
                                                         "got better",
                                                         "recovery",
                                                         "recovered",
                                                         "survivor",
                                                         "engaged",
                                                         "married",
                                                         "not true",
                                                         "现在好多了",
                                                         "现在很好",
                                                         "现在挺好",
                                                         "已经放下",
                                                         "和解了",
                                                         "都过去了",
                                                         "已经过去",
                                                         "日子挺好",
                                                         "不怕了",
                                                         "不怕别人",
                                                         "敢穿",
                                                         "点个赞",
                                                         "好很多",
                                                         "好多了",
                                                         "不会再伤害自己",
                                                         "不会再自残",
                                                         "不值得",
                                                         "坚持吃药"};
const std::initializer_list<const char*> relapse_now = {
  "again",      "relaps",      "last night",  "down the drain", "复发",          "破戒",
  "昨晚",       "tonight",     "right now",   "lately",         "these days",    "this week",
  "still want", "still think", "still feel",  "never did",      "didn't",        "didnt",
  "又开始",     "又想",        "又割",        "最近",           "今晚",          "现在又",
  "这几天",     "还是想",      "还想",        "仍然",           "不怕死",        "tomorrow",
  "decided",    "standing",    "on the edge", "on the roof",    "on the bridge", "明天",
  "决定",       "准备",        "想好了",      "站在",           "数到三"};

const std::initializer_list<const char*> helper_phrases = {
  "how do i help", "how can i help", "how to help",      "how do i talk",  "how to talk",
  "how should i",  "what do i do",   "what should i do", "how to support", "how do i support",
  "怎么帮",        "该怎么",         "怎么跟",           "怎么和",         "怎么劝",
  "怎么开导",      "怎么办"};
const std::initializer_list<const char*> other_people = {
  "son",     "daughter", "friend", "brother", "sister",  "mom",       "mum",        "dad",
  "teen",    "teenager", "kid",    "child",   "partner", "boyfriend", "girlfriend", "wife",
  "husband", "student",  "朋",     "女",      "儿",      "孩",        "闺"};

/// Phrases normalised like messages (letter runs squeezed, spaces dropped), built once.
std::vector<std::string> normalized_phrases(std::initializer_list<const char*> ps) {
  std::vector<std::string> v;
  for (const char* p : ps)
    v.push_back(normalize_text(p).compact);
  return v;
}

bool contains_any(const std::string& compact, const std::vector<std::string>& phrases) {
  return std::any_of(phrases.begin(), phrases.end(), [&compact](const std::string& p) {
    return compact.find(p) != std::string::npos;
  });
}

bool guard_hit(const normalized_text& n, const frame_guard& g,
               const std::vector<std::string>& phrases) {
  for (const auto& t : n.tokens)
    for (const char* w : g.words)
      if (t == w)
        return true;
  return contains_any(n.compact, phrases);
}

/// True when crisis words stand in a frame that says otherwise: a game, a story, the past, a
/// medication question, a parent asking how to help someone else, or (for harm to others
/// only) an obvious joke.
bool framed_otherwise(const normalized_text& n, const std::vector<std::string>& categories) {
  static const auto guard_phrases = [] {
    std::vector<std::vector<std::string>> v;
    for (const auto& g : frame_guards)
      v.push_back(normalized_phrases(g.phrases));
    return v;
  }();
  static const auto helpers = normalized_phrases(helper_phrases);
  bool self_harm = std::find(categories.begin(), categories.end(), "self_harm") != categories.end();
  for (std::size_t i = 0; i < std::size(frame_guards); ++i) {
    if (std::string_view{frame_guards[i].name} == "joke" && self_harm)
      continue; // "i want to die lol" is still a person in pain
    if (guard_hit(n, frame_guards[i], guard_phrases[i]))
      return true;
  }
  bool helper = contains_any(n.compact, helpers);
  bool other = std::any_of(n.tokens.begin(), n.tokens.end(), [](const std::string& t) {
    return std::find_if(other_people.begin(), other_people.end(),
                        [&t](const char* w) { return t == w; })
           != other_people.end();
  });
  return helper && other;
}

/// True when the message tells of a crisis overcome with nothing of now in it: the past before
/// the last word of now ("now", "现在", "today"), a good present after it, and no word of harm
/// or relapse in that present clause.
bool told_as_overcome(const normalized_text& n, const concept_finding& found) {
  static const auto past = normalized_phrases(overcome_past);
  static const auto good_now = normalized_phrases(overcome_now);
  static const auto relapse = normalized_phrases(relapse_now);
  static const auto now_words =
    normalized_phrases({"now", "these days", "nowadays", "today", "现在", "如今", "今天"});
  static const auto harm_words =
    normalized_phrases({"die", "dead", "kill", "suicid", "cut", "hurt myself", "end it", "死", "杀",
                        "割", "自杀", "自残", "轻生"});
  static const auto recovered_state = normalized_phrases(
    {"self harm free", "selfharm free", "days clean", "months clean", "years clean",
     "haven't cut since", "havent cut since", "没有自残了", "没碰了"});
  using C = concept_id;
  for (C c : {C::preparation, C::stockpile, C::urge, C::farewell})
    if (found.concepts.test(static_cast<std::size_t>(c)))
      return false;
  const std::string& text = n.compact;
  if (contains_any(text, relapse))
    return false;
  if (contains_any(text, recovered_state)) // "two years self-harm free today"
    return true;
  std::size_t cut = std::string::npos;
  for (const auto& w : now_words)
    if (auto at = text.rfind(w); at != std::string::npos && (cut == std::string::npos || at > cut))
      cut = at;
  if (cut == std::string::npos)
    return contains_any(text, past) && contains_any(text, good_now);
  auto before = text.substr(0, cut), present = text.substr(cut);
  return contains_any(before, past) && contains_any(present, good_now)
         && !contains_any(present, harm_words);
}

/// English words (" word " in the message's tokens joined by spaces) and Chinese phrases (in its
/// compact text), each reported by id: one pass over each text.
struct worded_phrases {
  phrase_matcher words, phrases;

  void build() {
    words.build();
    phrases.build();
  }
  /// Calls mark(id) for every match, the words first; mark returns false to stop both passes.
  template <class F>
  void find(const normalized_text& n, F&& mark) const {
    bool go = true;
    auto on = [&](std::uint32_t id) { return go = mark(id); };
    words.for_each_match(" " + n.model_input() + " ", on);
    if (go)
      phrases.for_each_match(n.compact, on);
  }
};

/// True when words of a child and of sex ask how to teach, not for sexual content: a parent's or
/// a teacher's question about sex education ("how do I talk to my 10 year old about sex",
/// 怎么给孩子讲性知识). It takes the name of sex education, or a verb of teaching or asking
/// and a topic of it together, and never a word of a sexual act, of showing or watching, of touch,
/// secrecy or meeting, a request for a picture, a story or a role, or abuse material: "how do I
/// teach my 9 year old to give oral sex" stays refused. English phrases match whole words (" " +
/// tokens + " "), Chinese ones the compact text; one pass over each.
bool told_as_sex_education(const normalized_text& n, const concept_finding& found) {
  if (found.concepts.test(static_cast<std::size_t>(concept_id::abuse_material))
      || found.inflected.test(static_cast<std::size_t>(concept_id::abuse_material)))
    return false;
  enum part : std::uint32_t { name, teaching, topic, content };
  static const auto matcher = [] {
    worded_phrases m;
    auto add = [&m](part p, std::initializer_list<const char*> phrases) {
      for (const char* phrase : phrases) {
        auto t = normalize_text(phrase);
        if (is_ascii(phrase))
          m.words.add(" " + t.model_input() + " ", p);
        else
          m.phrases.add(t.compact, p);
      }
    };
    // the names of sex education teach by themselves
    add(name, {"sex ed", "sex education", "sexual education", "body safety", "性教育", "生理卫生",
               "防性侵"});
    // a topic of it needs a verb of teaching or asking ("about sex" alone is no frame)
    add(teaching,
        {"talk",  "talking", "explain",  "explaining", "teach", "teaching", "tell",  "answer",
         "asked", "asking",  "question", "questions",  "book",  "books",    "class", "讲",
         "解释",  "教",      "告诉",     "聊",         "问",    "绘本",     "课"});
    add(topic, {"about sex", "sexual health", "where babies come from", "birds and the bees",
                "what sex is", "good touch", "bad touch", "性知识", "生理知识"});
    add(content, {"oral",
                  "anal",
                  "porn",
                  "porno",
                  "nude",
                  "nudes",
                  "naked",
                  "sexy",
                  "explicit",
                  "masturbate",
                  "masturbating",
                  "masturbation",
                  "orgasm",
                  "hands on",
                  "show",
                  "showed",
                  "showing",
                  "demonstrate",
                  "demonstration",
                  "practice",
                  "practise",
                  "feel",
                  "feels",
                  "feeling",
                  "watch",
                  "watching",
                  "together",
                  "with me",
                  "with my",
                  "have sex",
                  "having sex",
                  "do it",
                  "pics",
                  "pic",
                  "picture",
                  "pictures",
                  "photo",
                  "photos",
                  "video",
                  "videos",
                  "cam",
                  "her body",
                  "his body",
                  "touch me",
                  "touch her",
                  "touch him",
                  "let me",
                  "touching",
                  "touches",
                  "kiss",
                  "kissing",
                  "in bed",
                  "into bed",
                  "to bed",
                  "roleplay",
                  "role play",
                  "rp",
                  "story",
                  "write",
                  "describe",
                  "pretend",
                  "act as",
                  "you are now",
                  "secret",
                  "alone",
                  "undress",
                  "clothes",
                  "meet",
                  "come over",
                  "snapchat",
                  "做爱",
                  "性交",
                  "发生关系",
                  "示范",
                  "一起看",
                  "图片",
                  "照片",
                  "视频",
                  "裸",
                  "摸",
                  "亲她",
                  "亲他",
                  "亲吻",
                  "帮我写",
                  "写一",
                  "扮演",
                  "身材",
                  "上床",
                  "和我",
                  "跟我",
                  "感觉",
                  "手把手",
                  "实践",
                  "体验",
                  "秘密",
                  "单独",
                  "脱",
                  "见面"});
    m.build();
    return m;
  }();
  unsigned parts = 0;
  matcher.find(n, [&parts](std::uint32_t p) {
    parts |= 1u << p;
    return p != content; // one word of content ends it
  });
  auto has = [parts](part p) { return (parts & (1u << p)) != 0; };
  return (has(name) || (has(teaching) && has(topic))) && !has(content);
}

/// Which context markers a message carries (bit i = context_markers[i]).
unsigned context_of(const normalized_text& n) {
  static const auto matcher = [] {
    worded_phrases m;
    for (std::uint32_t i = 0; i < std::size(context_markers); ++i) {
      for (const char* w : context_markers[i].words)
        m.words.add(" " + std::string{w} + " ", i);
      for (const char* p : context_markers[i].phrases)
        m.phrases.add(p, i);
    }
    m.build();
    return m;
  }();
  unsigned bits = 0;
  matcher.find(n, [&bits](std::uint32_t i) {
    bits |= 1u << i;
    return true;
  });
  return bits;
}

} // namespace

std::string safety_checker::model_input(const normalized_text& n, const safety_result& rules,
                                        const concept_finding& found) const {
  std::string s;
  for (std::size_t c = 0; c < concept_count; ++c)
    if (found.concepts.test(c)) {
      s += "xyc_";
      s += to_string(static_cast<concept_id>(c));
      s += ' ';
    }
  for (const auto& c : rules.categories) {
    s += "xyrule_";
    s += c;
    s += ' ';
  }
  auto ctx = context_of(n);
  for (std::size_t i = 0; i < std::size(context_markers); ++i)
    if ((ctx >> i) & 1u) {
      s += "xyctx_";
      s += context_markers[i].name;
      s += ' ';
    }
  if (rules.sex_education)
    s += "xyctx_sex_education ";
  s += n.model_input();
  return s;
}

std::string safety_checker::model_input(std::string_view text) const {
  auto n = normalize_text(text);
  auto found = concepts_.find(n, mentions_minor_age(text));
  return model_input(n, rules_on(text, n, found), found);
}

safety_result safety_checker::combine(safety_result rules,
                                      const std::vector<std::pair<std::string, double>>& p,
                                      model_evidence evidence) const {
  if (rules.level == safety_level::crisis && !rules.explicit_crisis
      && probability_of(p, "benign") >= thresholds_.veto) {
    // the words of a crisis in a sentence the model is sure is harmless ("笑死", a worried
    // parent, a joke about a sibling): a gentle check-in, never silence
    rules.level = safety_level::caution;
    rules.categories.push_back("distress");
  }
  auto model = check_model(p);
  // Each of the model's severe verdicts needs a word of its own kind of danger: without one
  // ("are you there?", "good night", "my kids are in the garden") the model asks gently; it
  // calls a crisis alone only when very sure, and never refuses on its own.
  double harm = probability_of(p, "self_harm") + probability_of(p, "violence");
  bool crisis_supported = evidence.crisis || (evidence.says_enough && harm >= thresholds_.alone);
  model.level = safety_level::ok;
  for (const auto& c : model.categories) {
    auto level = safety_level::caution;
    if (c == "sexual_minors" && evidence.blocked)
      level = safety_level::blocked;
    else if ((c == "self_harm" || c == "violence") && crisis_supported)
      level = safety_level::crisis;
    if (static_cast<int>(level) > static_cast<int>(model.level))
      model.level = level;
  }
  if (static_cast<int>(model.level) < static_cast<int>(safety_level::crisis) && evidence.crisis
      && !evidence.abuse_words && harm + probability_of(p, "sexual_minors") >= thresholds_.crisis) {
    // the model is sure the message is severe but torn on the kind ("a blow to the temple ...
    // with her door unlocked" reads half abuse to it); the words say harm, not abuse
    model.categories.emplace_back(
      probability_of(p, "self_harm") >= probability_of(p, "violence") ? "self_harm" : "violence");
    model.level = safety_level::crisis;
  }
  if (model.level == safety_level::ok && evidence.crisis && harm >= harm_check_in) {
    // words of harm and a model leaning to a crisis but unsure: a gentle check-in, never ok
    model.categories.emplace_back("distress");
    model.level = safety_level::caution;
  }
  if (static_cast<int>(model.level) <= static_cast<int>(safety_level::caution)
      && evidence.abuse_words && probability_of(p, "sexual_minors") >= abuse_check_in) {
    // a word of a minor or of sex, and the model not sure it is abuse ("she's 12, how do I get
    // her to come over when he's not home"): never plain ok; a check-in keeps the reply careful,
    // and the category tells the reply what to be careful of (also beside the harm check-in)
    if (std::find(model.categories.begin(), model.categories.end(), "sexual_minors")
        == model.categories.end())
      model.categories.emplace_back("sexual_minors");
    model.level = safety_level::caution;
  }
  auto out = merge(std::move(rules), model);
  if (out.overcome && out.level == safety_level::crisis) {
    // a crisis overcome ("five years since my last self-harm, scars and all"): a warm check-in
    // that asks how they are now, never the crisis path
    out.level = safety_level::caution;
    if (std::find(out.categories.begin(), out.categories.end(), "distress") == out.categories.end())
      out.categories.push_back("distress");
  }
  return out;
}

safety_result safety_checker::check_rules(std::string_view text) const {
  auto n = normalize_text(text);
  return rules_on(text, n, concepts_.find(n, mentions_minor_age(text)));
}

safety_result
safety_checker::check_model(const std::vector<std::pair<std::string, double>>& p) const {
  safety_result r;
  auto add = [&r](const char* c, safety_level lvl) {
    r.categories.push_back(c);
    if (static_cast<int>(lvl) > static_cast<int>(r.level))
      r.level = lvl;
  };
  double self_harm = probability_of(p, "self_harm"), violence = probability_of(p, "violence");
  double distress = probability_of(p, "distress");
  if (self_harm + violence >= thresholds_.crisis)
    add(self_harm >= violence ? "self_harm" : "violence", safety_level::crisis);
  else if (self_harm + violence + distress >= thresholds_.caution)
    add("distress", safety_level::caution); // uncertain but near self-harm: never plain ok
  if (probability_of(p, "sexual_minors") >= thresholds_.blocked)
    add("sexual_minors", safety_level::blocked);
  for (const char* c : {"prompt_injection", "harassment", "pii"})
    if (probability_of(p, c) >= thresholds_.other)
      add(c, safety_level::caution);
  return r;
}

safety_result safety_checker::rules_on(std::string_view text, const normalized_text& n,
                                       const concept_finding& found) const {
  safety_result r;
  bool pii = false;
  r.redacted_text = redact(text, pii);
  std::string norm = n.compact;
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
    if (norm.find(rl.pattern) != std::string::npos) {
      add_cat(rl.category, rl.level);
      if (rl.level == safety_level::crisis)
        r.explicit_crisis = true;
    }
  auto any_of = [&norm](const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(),
                       [&norm](const std::string& p) { return norm.find(p) != std::string::npos; });
  };
  if (const char* cat = harm_structure(norm))
    add_cat(cat, safety_level::crisis);
  // read once for every message: the model sees the frame also where the rules found nothing
  r.sex_education = told_as_sex_education(n, found);
  if (found.sexual_minors
      || (any_of(sexual_terms_)
          && (any_of(minor_terms_)
              || found.concepts.test(static_cast<std::size_t>(concept_id::minor))))) {
    // a question about sex education is a careful answer, not a refusal; the model sees the
    // frame (model_input) and may still refuse
    add_cat("sexual_minors", r.sex_education ? safety_level::caution : safety_level::blocked);
  }
  for (const auto& cat : found.crisis)
    add_cat(cat, safety_level::crisis);
  if (found.distress)
    add_cat("distress", safety_level::caution);
  for (const auto& c : combos_)
    if (any_of(c.first) && any_of(c.second))
      add_cat(c.category, safety_level::crisis);
  r.overcome = told_as_overcome(n, found);
  if (r.level == safety_level::crisis && (framed_otherwise(n, r.categories) || r.overcome)) {
    r.level = safety_level::caution;
    r.explicit_crisis = false;
  }
  // an explicit phrase in a message with a frame the model knows (laughter, a game, a story,
  // the past, someone else, a medicine) may still be talked down by the model; without one,
  // never: fastText averages words, and "feeling really suicidal tonight" reads as ordinary
  // feelings to it
  constexpr unsigned not_a_frame = (1u << 5) | (1u << 7); // "help" and "self" markers
  if (r.explicit_crisis && (context_of(n) & ~not_a_frame) != 0)
    r.explicit_crisis = false;
  r.danger_words = danger_words_in(found)
                   || std::any_of(r.categories.begin(), r.categories.end(), [](const auto& c) {
                        return c == "self_harm" || c == "violence" || c == "distress";
                      });
  if (r.overcome && r.danger_words && r.level == safety_level::ok)
    add_cat("distress", safety_level::caution); // a warm "how are you now?", never plain ok
  if (pii)
    add_cat("pii", safety_level::caution);
  if (r.level == safety_level::crisis) {
    using C = concept_id;
    for (C c : {C::timing, C::preparation, C::method, C::strong_method, C::stockpile, C::intent,
                C::present, C::affairs})
      if (found.concepts.test(static_cast<std::size_t>(c)))
        r.intent_or_plan = true;
  }
  return r;
}

} // namespace xinyu::core
