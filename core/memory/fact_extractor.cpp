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
// questions typed without a question mark ("is the post office open saturday afternoon")
constexpr std::array<std::string_view, 26> en_question_starts = {
  "what ",     "why ",    "how ",      "when ",   "where ", "who ",     "can you",
  "could you", "do you",  "are you",   "is it",   "is the", "is there", "are there",
  "does ",     "will ",   "would ",    "should ", "whats ", "what's ",  "hows ",
  "how's ",    "do most", "do people", "do i ",   "am i "};

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

/// Chat fillers that say nothing about the speaker's life ("lol", "ngl", emoji): a fact
/// written in chat style is judged without them.
constexpr std::array<std::string_view, 16> en_fillers = {
  " lol ", " lmao ", " haha ", " hahaha ", " ngl ",     " tbh ",    " omg ", " fr ",
  " btw ", " ugh ",  " oh ",   " ok so ",  " so yeah ", " anyway ", " idk ", " welp "};

/// Chat spellings of contractions, so that "im a barista" reads as "i'm a barista".
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> en_contractions = {{
  {" im ", " i'm "},
  {" ive ", " i've "},
  {" dont ", " don't "},
  {" cant ", " can't "},
  {" didnt ", " didn't "},
  {" doesnt ", " doesn't "},
  {" ill ", " i'll "},
  {" its ", " it's "},
}};

/// Words that carry no part of a life story: what is left when a mood sentence is told
/// without them decides whether it is only a mood.
constexpr std::array<std::string_view, 48> en_light_words = {
  "the", "and",   "but",    "so",      "too",  "very", "really", "just",  "again", "still",
  "all", "that",  "this",   "it's",    "was",  "were", "are",    "is",    "have",  "has",
  "had", "been",  "feel",   "feeling", "felt", "i'm",  "i've",   "me",    "my",    "myself",
  "not", "like",  "kinda",  "super",   "sooo", "soo",  "much",   "about", "today", "tonight",
  "now", "right", "lately", "morning", "day",  "week", "can't",  "don't"};

/// Openers of a remark about the world rather than the speaker ("the weather is nice").
constexpr std::array<std::string_view, 10> en_world_openers = {" the ",    " this ",  " that ",
                                                               " that's ", " it ",    " it's ",
                                                               " there ",  " these ", " those ",
                                                               " what a "};

/// Emoji, pictographs and their joiners become spaces.
bool pictograph(char32_t c) {
  return (c >= 0x2190 && c <= 0x2BFF) || (c >= 0x1F000 && c <= 0x1FAFF) || c == 0xFE0F
         || c == 0x200D || (c >= 0x1F1E6 && c <= 0x1F1FF);
}

/// " " + the sentence + " ", lower-case, in plain chat spelling: pictographs, fillers and
/// punctuation out, contractions spelled out.
std::string english_chat(std::string_view lower) {
  std::string out = " ";
  for (char32_t c : decode_utf8(lower)) {
    if (pictograph(c) || c == ',' || c == '!' || c == '"' || c == '(' || c == ')' || c == ':'
        || c == '.')
      out += ' ';
    else
      append_utf8(out, c);
  }
  out += ' ';
  auto replace_all = [&out](std::string_view from, std::string_view to) {
    for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at))
      out.replace(at, from.size(), to);
  };
  replace_all("  ", " ");
  for (auto [from, to] : en_contractions)
    replace_all(from, to);
  for (auto f : en_fillers)
    replace_all(f, " ");
  return out;
}

/// Words of at least three letters that are not light words: the life around a mood.
std::size_t content_words(std::string_view chat) {
  std::size_t n = 0, i = 0;
  while (i < chat.size()) {
    while (i < chat.size() && chat[i] == ' ')
      ++i;
    auto start = i;
    while (i < chat.size() && chat[i] != ' ')
      ++i;
    auto w = chat.substr(start, i - start);
    if (w.size() >= 3
        && std::find(en_light_words.begin(), en_light_words.end(), w) == en_light_words.end()
        && !contains_any(" " + std::string{w} + " ", en_feelings))
      ++n;
  }
  return n;
}

/// Chinese chat fillers (laughter, "let me tell you") judged without, like English "lol".
constexpr std::array<std::string_view, 10> zh_fillers = {"哈",     "嘿嘿", "呵呵", "嗯",  "跟你说",
                                                         "告诉你", "hhh",  "233",  "lol", "啊"};
/// ... and the little words of a mood sentence (好累啊 is 累 and nothing else).
constexpr std::array<std::string_view, 18> zh_light_words = {"我",   "好",   "很",   "太",   "了",
                                                             "呀",   "吧",   "的",   "真",   "又",
                                                             "都",   "也",   "有点", "特别", "非常",
                                                             "感觉", "觉得", "好像"};

/// Code points of a Chinese sentence left after fillers, moods, passing-time words, little
/// words and punctuation are taken out.
std::size_t zh_content(std::string s) {
  auto drop = [&s](std::string_view w) {
    for (auto at = s.find(w); at != std::string::npos; at = s.find(w, at))
      s.erase(at, w.size());
  };
  for (auto w : zh_fillers)
    drop(w);
  for (auto w : zh_feelings)
    drop(w);
  for (auto w : zh_passing)
    drop(w);
  for (auto w : zh_light_words)
    drop(w);
  std::size_t n = 0;
  for (char32_t c : decode_utf8(s))
    n += !(c == ' ' || c == U'，' || c == ',' || c == U'、' || c == U'～' || c == '~' || c == U'…'
           || c == U'《' || c == U'》' || pictograph(c));
  return n;
}

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
    // any other statement of some length, unless small talk, a remark to xinyu or a mood;
    // laughter and "let me tell you" are read past ("裸辞了 在家躺平中 哈哈哈")
    std::string plain = lower;
    for (auto f : zh_fillers)
      for (auto at = plain.find(f); at != std::string::npos; at = plain.find(f, at))
        plain.erase(at, f.size());
    if (decode_utf8(plain).size() < 8 || contains_any(plain, zh_not_statements))
      return false;
    // a mood is remembered only with a piece of life around it ("今天签了购房合同 ... 哭")
    return !contains_any(plain, zh_feelings) || zh_content(plain) >= 8;
  }
  lower = english_chat(lower);
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
  bool mine = first_person(lower);
  if (slot != fact_slot::other
      && (mine || slot == fact_slot::health || slot == fact_slot::pets || slot == fact_slot::plans
          || slot == fact_slot::situation || slot == fact_slot::likes))
    return true;
  // any other statement about the speaker's life, unless small talk, a remark to xinyu or a
  // passing mood; chat drops the subject ("no car, bike everywhere", "studio apartment, tiny
  // kitchen"), so a short statement needs only not to be a remark about the world ("the
  // weather is nice")
  auto n = words(lower);
  if (n < 4 || contains_any(lower, en_not_statements))
    return false;
  bool about_the_world =
    std::any_of(en_world_openers.begin(), en_world_openers.end(),
                [&lower](std::string_view o) { return lower.rfind(o, 0) == 0; });
  if (!mine && !names_someone(sentence) && n < 8 && about_the_world)
    return false;
  // a mood is remembered only with a piece of life around it ("Mia came home crying again
  // today, the girls in her class keep leaving her out"), never alone ("so tired today")
  return !contains_any(lower, en_feelings) || content_words(lower) >= 4;
}

bool fact_extractor::about_self_harm(std::string_view text) {
  return contains_any(lowered(text), not_remembered);
}

namespace {

/// A question that is a statement with a tag ("Dr. Patel says six more weeks in the boot, did I
/// tell you that?", "搬到成都了，你知道吗？"): the statement before the tag, else empty.
std::string untagged(const std::string& sentence) {
  static constexpr std::array<std::string_view, 14> tags = {
    "did i tell you",  "did i mention", "you know", "right",    "remember", "isn't it", "u know",
    "have i told you", "you remember",  "你知道吗", "还记得吗", "记得吗",   "对吧",     "是吧"};
  auto comma = sentence.rfind(',');
  auto zh_comma = sentence.rfind("，");
  if (zh_comma != std::string::npos && (comma == std::string::npos || zh_comma > comma))
    comma = zh_comma;
  if (comma == std::string::npos)
    return {};
  auto tail = lowered(sentence.substr(comma + (sentence[comma] == ',' ? 1 : 3)));
  auto start = tail.find_first_not_of(' ');
  if (start == std::string::npos)
    return {};
  tail.erase(0, start);
  for (auto t : tags)
    if (tail.rfind(t, 0) == 0)
      return trim(sentence.substr(0, comma));
  return {};
}

/// "Dr." and the like do not end a sentence.
bool abbreviation_before(const std::string& cur) {
  for (std::string_view a : {"Dr", "Mr", "Mrs", "Ms", "St", "Prof", "vs", "etc", "approx"})
    if (cur.size() >= a.size() && cur.compare(cur.size() - a.size(), a.size(), a) == 0
        && (cur.size() == a.size() || cur[cur.size() - a.size() - 1] == ' '))
      return true;
  return false;
}

} // namespace

std::vector<std::string> fact_extractor::extract(std::string_view text) const {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&](bool question) {
    auto s = trim(cur);
    cur.clear();
    if (question)
      s = untagged(s);
    if (!s.empty() && is_fact(s))
      out.push_back(std::move(s));
  };
  auto cps = decode_utf8(text);
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t cp = cps[i];
    bool end =
      cp == U'。' || cp == U'！' || cp == '!' || cp == '\n' || cp == U'；' || cp == ';'
      || cp == U'？' || cp == '?'
      || (cp == '.' && (i + 1 == cps.size() || cps[i + 1] == ' ') && !abbreviation_before(cur));
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
