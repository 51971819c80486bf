// Rule-based self-disclosure detection for Chinese and English sentences.
// Pure and stateless; must never store or call out.
#include "core/memory/fact_extractor.hpp"

#include "core/memory/fact_slot.hpp"
#include "core/support/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace xinyu::core {

namespace {

bool contains(std::string_view s, std::string_view w) {
  return s.find(w) != std::string_view::npos;
}

template <std::size_t N>
bool contains_any(std::string_view s, const std::array<std::string_view, N>& ws) {
  return std::any_of(ws.begin(), ws.end(), [s](std::string_view w) { return contains(s, w); });
}

// Chinese: what the user says about a lasting part of their life. Moods (好累, 很难过) are
// not here on purpose: they belong to the turn, not to memory.
constexpr std::array<std::string_view, 64> zh_triggers = {
  "我叫",   "名字",   "我是",   "我在", "我住", "住在",   "我养",   "养了",   "我有",
  "我家",   "我的",   "喜欢",   "讨厌", "不吃", "爱吃",   "过敏",   "工作",   "上班",
  "做护士", "当老师", "读大",   "读研", "在读", "专业",   "学的是", "在学",   "学习",
  "考试",   "考研",   "考驾照", "面试", "出差", "下周",   "下个月", "明天要", "明年",
  "今年",   "岁",     "生日",   "妈妈", "爸爸", "女朋友", "男朋友", "老公",   "老婆",
  "儿子",   "女儿",   "弟弟",   "妹妹", "哥哥", "姐姐",   "奶奶",   "爷爷",   "外婆",
  "朋友",   "住院",   "生病",   "分手", "结婚", "怀孕",   "确诊",   "每天",   "开始"};
// ... that still do not make a fact on their own when the sentence is only about a mood
constexpr std::array<std::string_view, 10> zh_not_facts = {"我不知道", "我在吗", "我是不是",
                                                           "我觉得",   "我想想", "我也是",
                                                           "我是说",   "我在想", "我有点",
                                                           "我有些"};

constexpr std::array<std::string_view, 48> en_triggers = {
  "my name",      "i'm called", "call me ",        "i am a ",       "i'm a ",       "i am an ",
  "i'm an ",      "i work",     "i live",          "i have ",       "i've got",     "diagnosed",
  "allergic",     "i love ",    "i like ",         "i hate ",       "i enjoy",      "years old",
  "i go ",        "i started",  "i'm learning",    "i am learning", "i'm moving",   "i am moving",
  "i'm studying", "i study",    "i play",          "my birthday",   "my favourite", "my favorite",
  "i'm training", "i grew up",  "i moved",         "i don't drink", "i don't eat",  "vegetarian",
  "vegan",        "i'm saving", "i've been going", "i struggle",    "my wife",      "my husband",
  "my mom",       "my dad",     "my mother",       "my father",     "my son",       "my daughter"};
constexpr std::array<std::string_view, 16> en_relations = {
  "my sister",      "my brother", "my boyfriend",   "my girlfriend",  "my partner", "my friend",
  "my best friend", "my grandma", "my grandmother", "my grandfather", "my dog",     "my cat",
  "my kids",        "my manager", "my boss",        "my parents"};
constexpr std::array<std::string_view, 12> en_not_facts = {
  "i don't know", "i have no idea", "i have to go",        "i have a question",
  "i like it",    "i love it",      "i love you",          "i like that",
  "i hate it",    "i hate this",    "i have been feeling", "i have a feeling"};
constexpr std::array<std::string_view, 11> en_question_starts = {"what ",   "why ",      "how ",
                                                                 "when ",   "where ",    "who ",
                                                                 "can you", "could you", "do you",
                                                                 "are you", "is it"};

bool is_question(std::string_view lower, bool chinese) {
  if (chinese) {
    for (std::string_view end : {"吗", "呢", "么"}) // trailing question particle
      if (lower.size() >= end.size() && lower.substr(lower.size() - end.size()) == end)
        return true;
    return contains(lower, "为什么") || contains(lower, "怎么办");
  }
  return std::any_of(en_question_starts.begin(), en_question_starts.end(),
                     [lower](std::string_view q) { return lower.rfind(q, 0) == 0; });
}

std::string trim(std::string_view s) {
  auto cps = decode_utf8(s);
  auto space = [](char32_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x3000;
  };
  std::size_t b = 0, e = cps.size();
  while (b < e && space(cps[b]))
    ++b;
  while (e > b && space(cps[e - 1]))
    --e;
  return encode_utf8({cps.begin() + static_cast<long>(b), cps.begin() + static_cast<long>(e)});
}

} // namespace

// A sentence about harming oneself is the turn's to answer (safety, the crisis flow), never a
// fact to quote back in every later prompt.
constexpr std::array<std::string_view, 48> not_remembered = {"not wake up",
                                                             "never wake up",
                                                             "wish i was dead",
                                                             "wish i were dead",
                                                             "better off dead",
                                                             "no reason to live",
                                                             "don't want to be here",
                                                             "dont want to be here",
                                                             "don't want to live",
                                                             "dont want to live",
                                                             "不想醒来",
                                                             "醒不过来",
                                                             "解脱",
                                                             "不想活着",
                                                             "kill myself",
                                                             "killing myself",
                                                             "suicid",
                                                             "end my life",
                                                             "end it all",
                                                             "want to die",
                                                             "wanna die",
                                                             "hurt myself",
                                                             "cut myself",
                                                             "self harm",
                                                             "self-harm",
                                                             "overdose",
                                                             "better off without me",
                                                             "goodbye letter",
                                                             "disappear",
                                                             "not be here",
                                                             "自杀",
                                                             "想死",
                                                             "不想活",
                                                             "轻生",
                                                             "割腕",
                                                             "结束生命",
                                                             "了结自己",
                                                             "跳楼",
                                                             "自残",
                                                             "去死",
                                                             "遗书",
                                                             "怎么死",
                                                             "消失",
                                                             "死了算了",
                                                             "活着没意思",
                                                             "没人会在意",
                                                             "我要是走了",
                                                             "过得更好"};

// Beyond the words above, a statement is remembered unless it is one of these: small talk, a
// request or remark to xinyu, or a passing mood. Word lists of what a fact *is* never cover how
// people actually mention their lives ("Pepper threw up on the rug again", "40 min drive to the
// warehouse"); what a fact is *not* is a much smaller set.
constexpr std::array<std::string_view, 30> en_not_statements = {
  " thank",      " lol ",     " haha",     " good morning", " good night", " hello ",
  " hi ",        " hey ",     " bye ",     " ok ",          " okay ",      " i see ",
  " never mind", " sure ",    " hmm",      " you ",         " you're ",    " your ",
  " you've ",    " u ",       " tell me ", " help me ",     " let's ",     " please ",
  " i think so", " i guess ", " me too ",  " same here ",   " nvm ",       " idk "};
constexpr std::array<std::string_view, 24> en_feelings = {
  " feel",    " tired",   " sad",    " happy",  " angry",   " mad ",      " upset",  " lonely",
  " stress",  " anxious", " scared", " bored",  " annoyed", " exhausted", " frustr", " excited",
  " nervous", " worried", " cry",    " crying", " ugh",     " meh",       " down ",  " hurt"};
constexpr std::array<std::string_view, 12> en_passing = {" today",          " tonight",
                                                         " right now",      " this morning",
                                                         " this afternoon", " this evening",
                                                         " at the moment",  " rn ",
                                                         " just now",       " currently feeling",
                                                         " atm ",           " lately"};
constexpr std::array<std::string_view, 14> zh_not_statements = {"谢谢",   "哈哈", "早上好", "晚安",
                                                                "你好",   "好的", "嗯",     "算了",
                                                                "你",     "帮我", "给我",   "请",
                                                                "我也是", "好吧"};
constexpr std::array<std::string_view, 24> zh_feelings = {"累",   "难过", "开心", "高兴", "生气",
                                                          "烦",   "孤独", "寂寞", "焦虑", "害怕",
                                                          "紧张", "郁闷", "委屈", "伤心", "哭",
                                                          "崩溃", "无聊", "emo",  "破防", "心累",
                                                          "压力", "难受", "不爽", "激动"};
constexpr std::array<std::string_view, 8> zh_passing = {"今天", "今晚",   "现在", "刚才",
                                                        "此刻", "这会儿", "刚刚", "最近"};

/// An English sentence names someone or something of the speaker's life: a capitalised word
/// that is not a common sentence opener ("Pepper threw up again", "Koda blows his coat").
bool names_someone(std::string_view sentence) {
  static constexpr std::array<std::string_view, 40> openers = {
    "The",   "This", "That", "These", "Those", "It",    "Its",   "It's", "He",  "She",
    "They",  "We",   "You",  "What",  "When",  "Where", "Why",   "How",  "Who", "There",
    "Here",  "And",  "But",  "So",    "Also",  "Just",  "Still", "Some", "Any", "Every",
    "Today", "Now",  "Then", "Well",  "Yeah",  "Yes",   "No",    "Not",  "My",  "Our"};
  std::size_t i = 0;
  while (i < sentence.size()) {
    while (i < sentence.size() && !std::isalpha(static_cast<unsigned char>(sentence[i])))
      ++i;
    auto start = i;
    while (i < sentence.size()
           && (std::isalpha(static_cast<unsigned char>(sentence[i])) || sentence[i] == '\''))
      ++i;
    auto word = sentence.substr(start, i - start);
    if (word.size() >= 2 && std::isupper(static_cast<unsigned char>(word[0]))
        && std::islower(static_cast<unsigned char>(word[1]))
        && std::find(openers.begin(), openers.end(), word) == openers.end())
      return true;
  }
  return false;
}

std::size_t words(std::string_view s) {
  std::size_t n = 0;
  bool in = false;
  for (char c : s) {
    bool w = !std::isspace(static_cast<unsigned char>(c));
    n += w && !in;
    in = w;
  }
  return n;
}

namespace {
/// Lower-case ASCII; the typographic apostrophe (’, E2 80 99) becomes '.
std::string lowered(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 3) == "\xE2\x80\x99") {
      lower.push_back('\'');
      i += 2;
      continue;
    }
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  return lower;
}
} // namespace

bool fact_extractor::is_fact(std::string_view sentence) {
  auto lower = lowered(sentence);
  bool chinese = is_mostly_chinese(lower);
  if (is_question(lower, chinese) || contains_any(lower, not_remembered))
    return false;
  if (chinese) {
    auto cps = decode_utf8(lower);
    if (cps.size() < 4)
      return false;
    if (contains_any(lower, zh_not_facts)
        && !contains_any(lower, std::array<std::string_view, 6>{"我叫", "养", "工作", "住在", "岁",
                                                                "过敏"}))
      return false;
    if (contains(lower, "我") && contains_any(lower, zh_triggers))
      return true;
    // Chinese drops the subject ("失业快三个月了"): a sentence about a lasting part of life
    // (health, people, pets, work, home, plans, ...) is a fact with or without 我
    if (cps.size() >= 6 && classify_fact(sentence) != fact_slot::other)
      return true;
    // any other statement of some length, unless small talk, a remark to xinyu or a mood
    if (cps.size() < 8 || contains_any(lower, zh_not_statements))
      return false;
    bool feeling = contains_any(lower, zh_feelings);
    return !(feeling && (cps.size() <= 12 || contains_any(lower, zh_passing)));
  }
  lower = " " + lower + " ";
  if (contains_any(lower, en_not_facts))
    return false;
  if (contains_any(lower, en_relations))
    return true;
  if (contains_any(lower, en_triggers))
    return true;
  // chat drops the subject and names people and pets without "my" ("Biscuit hides when it
  // storms", "Race day is Sunday"): a statement about a lasting part of life is a fact; a
  // sentence about someone else's life needs the speaker in it
  auto slot = classify_fact(sentence);
  bool mine = first_person(sentence);
  if (slot != fact_slot::other
      && (mine || slot == fact_slot::health || slot == fact_slot::pets || slot == fact_slot::plans
          || slot == fact_slot::situation || slot == fact_slot::likes))
    return true;
  // any other statement about the speaker's life, unless small talk, a remark to xinyu or a
  // passing mood
  if (words(lower) < 4 || contains_any(lower, en_not_statements))
    return false;
  if (!mine && !names_someone(sentence))
    return false;
  bool feeling = contains_any(lower, en_feelings);
  return !(feeling && (words(lower) <= 7 || contains_any(lower, en_passing)));
}

bool fact_extractor::about_self_harm(std::string_view text) {
  return contains_any(lowered(text), not_remembered);
}

std::vector<std::string> fact_extractor::extract(std::string_view text) const {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&](bool question) {
    auto s = trim(cur);
    cur.clear();
    if (!question && !s.empty() && is_fact(s))
      out.push_back(std::move(s));
  };
  auto cps = decode_utf8(text);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t cp = cps[i];
    bool end = cp == U'。' || cp == U'！' || cp == '!' || cp == '\n' || cp == U'；' || cp == ';'
               || cp == U'？' || cp == '?'
               || (cp == '.' && (i + 1 == cps.size() || cps[i + 1] == ' '));
    if (end) {
      flush(cp == U'？' || cp == '?');
      continue;
    }
    append_utf8(cur, cp);
  }
  flush(false);
  return out;
}

} // namespace xinyu::core
