// Baseline lexicon emotion scorer for Chinese and English.
// Pure and thread-safe after construction; must never block.
#include "core/analysis/emotion_analyzer.hpp"

#include "core/support/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <vector>

namespace xinyu::core {

namespace {

enum label_index { joy, sadness, anxiety, anger, fear, loneliness };
constexpr const char* label_names[] = {"joy", "sadness", "anxiety", "anger", "fear", "loneliness"};
constexpr double label_valence[] = {0.8, -0.7, -0.55, -0.65, -0.7, -0.6};

struct lex {
  int label;
  double weight;
  std::initializer_list<const char*> words;
};

const lex emotion_lexicon[] = {
  {joy, 1.0, {"开心",      "高兴",     "快乐",    "幸福",     "愉快",      "兴奋",     "满足",
              "欣慰",      "舒服",     "放松",    "轻松",     "不错",      "太好了",   "喜欢",
              "感激",      "感谢",     "谢谢",    "期待",     "顺利",      "成功",     "哈哈",
              "嘻嘻",      "美好",     "满意",    "骄傲",     "自豪",      "甜",       "温暖",
              "happy",     "glad",     "joy",     "joyful",   "excited",   "great",    "wonderful",
              "grateful",  "thankful", "love",    "awesome",  "relieved",  "proud",    "delighted",
              "fantastic", "amazing",  "good",    "nice",     "thrilled",  "cheerful", "enjoy",
              "enjoyed",   "fun",      "blessed", "relief",   "overjoyed", "smiling",  "smile",
              "pleased",   "通过",     "心情好",  "心情很好", "心情特别好"}},
  {sadness, 1.0, {"难过",         "伤心",      "悲伤",       "痛苦",      "失落",        "沮丧",
                  "绝望",         "哭",        "心痛",       "心碎",      "崩溃",        "难受",
                  "郁闷",         "低落",      "失望",       "委屈",      "抑郁",        "想哭",
                  "疲惫",         "没意思",    "无助",       "遗憾",      "后悔",        "分手",
                  "去世",         "心累",      "累",         "丧",        "空虚",        "sad",
                  "unhappy",      "depressed", "down",       "miserable", "heartbroken", "cry",
                  "crying",       "cried",     "tears",      "upset",     "hopeless",    "grief",
                  "disappointed", "exhausted", "devastated", "gloomy",    "empty",       "broke up",
                  "passed away",  "regret",    "空空",       "空荡荡"}},
  {anxiety, 1.0, {"焦虑",        "担心",      "紧张",      "压力",    "不安",     "着急",
                  "烦",          "烦躁",      "忐忑",      "失眠",    "睡不着",   "慌",
                  "纠结",        "担忧",      "心慌",      "发愁",    "anxious",  "anxiety",
                  "worried",     "worry",     "worrying",  "nervous", "stressed", "stress",
                  "overwhelmed", "panic",     "restless",  "tense",   "insomnia", "uneasy",
                  "can't sleep", "panicking", "stressful", "pressure"}},
  {anger, 1.0, {"生气", "愤怒",    "气死",    "恼火",   "讨厌",   "恨",          "烦死",
                "火大", "可恶",    "受够",    "气愤",   "不公平", "气人",        "angry",
                "mad",  "furious", "annoyed", "hate",   "pissed", "frustrated",  "irritated",
                "rage", "unfair",  "fed up",  "resent", "livid",  "infuriating", "sick of"}},
  {fear, 1.0, {"害怕",      "恐惧",      "怕",         "可怕",    "吓",
               "恐慌",      "噩梦",      "惊恐",       "afraid",  "scared",
               "fear",      "terrified", "frightened", "fearful", "nightmare",
               "horrified", "terrifies", "terrify",    "恐怖",    "不敢"}},
  {loneliness,
   1.0,
   {"孤独",     "寂寞",       "孤单",    "一个人",    "没人",     "没有朋友",        "被忽视",
    "没人理解", "冷落",       "想念",    "思念",      "孤零零",   "lonely",          "alone",
    "isolated", "lonesome",   "ignored", "abandoned", "nobody",   "no one",          "left out",
    "miss",     "no friends", "没有人",  "陪我",      "不在身边", "keep me company", "company"}},
  // words that share a sign with an emotion but carry less of it on their own
  {sadness, 0.6, {"lost", "hurt", "不好"}},
  // neutral units: they stop a shorter word inside them from matching (别人 is not 别)
  {-1, 0.0, {"别人", "不管", "无论", "没关系", "没事", "不用", "calm down"}},
};

const char* const negators[] = {"不",     "没",     "没有",   "别",    "不是",   "并不",
                                "从不",   "未",     "无",     "not",   "no",     "never",
                                "don't",  "dont",   "didn't", "isn't", "wasn't", "aren't",
                                "hardly", "cannot", "can't",  "nor",   "stop"};

struct degree_word {
  const char* word;
  double mult;
};
const degree_word degrees[] = {
  {"很", 1.5},         {"非常", 1.8},      {"特别", 1.7},   {"十分", 1.7},  {"太", 1.7},
  {"超", 1.6},         {"超级", 1.8},      {"极其", 2.0},   {"真的", 1.4},  {"好", 1.3},
  {"有点", 0.6},       {"有些", 0.7},      {"一点", 0.6},   {"稍微", 0.5},  {"比较", 0.8},
  {"更", 1.3},         {"最", 1.8},        {"越来越", 1.5}, {"very", 1.5},  {"really", 1.4},
  {"so", 1.5},         {"extremely", 2.0}, {"super", 1.6},  {"too", 1.4},   {"bit", 0.6},
  {"slightly", 0.5},   {"somewhat", 0.7},  {"little", 0.6}, {"quite", 1.2}, {"totally", 1.7},
  {"incredibly", 1.9}, {"kinda", 0.7},     {"pretty", 1.2}};

const char* const contrasts[] = {"但是", "但",      "可是",   "不过", "然而",    "却",
                                 "but",  "however", "though", "yet",  "although"};

struct emoji_entry {
  char32_t cp;
  int label;
};
const emoji_entry emojis[] = {{U'😊', joy},     {U'😄', joy},        {U'😁', joy},     {U'🙂', joy},
                              {U'😀', joy},     {U'😃', joy},        {U'🥰', joy},  {U'😍', joy},
                              {U'🎉', joy},     {U'❤', joy},        {U'😂', joy},     {U'😢', sadness},
                              {U'😭', sadness}, {U'😞', sadness},    {U'😔', sadness}, {U'💔', sadness},
                              {U'☹', sadness}, {U'🙁', sadness}, {U'😰', anxiety}, {U'😟', anxiety},
                              {U'😥', anxiety}, {U'😓', anxiety},    {U'😬', anxiety}, {U'😡', anger},
                              {U'😠', anger},   {U'🤬', anger},   {U'😤', anger},   {U'😱', fear},
                              {U'😨', fear},    {U'😧', fear}};

bool is_ascii_word_char(char32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '\'' || cp == 0x2019;
}

std::string lower_ascii(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

double emotion_analyzer::valence_of(std::string_view label) noexcept {
  for (int i = 0; i < label_count; ++i)
    if (label == label_names[i])
      return label_valence[i];
  return 0.0;
}

const char* const* emotion_analyzer::labels() noexcept { return label_names; }

emotion_analyzer::emotion_analyzer() {
  auto add = [this](std::string w, term t) {
    max_term_chars_ = std::max(max_term_chars_, decode_utf8(w).size());
    terms_.emplace(std::move(w), t);
  };
  for (const auto& l : emotion_lexicon)
    for (const char* w : l.words)
      add(w, l.label < 0 ? term{term_kind::filler} : term{term_kind::emotion, l.label, l.weight});
  for (const char* w : negators)
    add(w, term{term_kind::negator});
  for (const auto& d : degrees)
    add(d.word, term{term_kind::degree, -1, d.mult});
  for (const char* w : contrasts)
    add(w, term{term_kind::contrast});
}

emotion_result emotion_analyzer::analyze(std::string_view text) const {
  static const term boundary{term_kind::boundary};
  auto cps = decode_utf8(text);
  // Tokenise: English words become one unit (multi-word phrases are tried first);
  // Han runs are matched longest-first against the lexicon.
  std::vector<const term*> seq; // nullptr = unknown unit
  std::array<double, label_count> score{};
  double emoji_bonus = 0;
  std::size_t exclaim = 0;

  std::vector<std::string> words; // collected English words for phrase lookup
  std::size_t i = 0;
  while (i < cps.size()) {
    char32_t cp = cps[i];
    if (is_ascii_word_char(cp)) {
      std::string w;
      while (i < cps.size() && is_ascii_word_char(cps[i])) {
        char32_t c = cps[i] == 0x2019 ? U'\'' : cps[i];
        w.push_back(static_cast<char>(c));
        ++i;
      }
      w = lower_ascii(std::move(w));
      // two-word phrases ("broke up", "no one", "fed up", "can't sleep")
      if (!words.empty()) {
        auto it = terms_.find(words.back() + " " + w);
        if (it != terms_.end()) {
          if (!seq.empty())
            seq.back() = &it->second;
          words.push_back(w);
          continue;
        }
      }
      words.push_back(w);
      auto it = terms_.find(w);
      if (it == terms_.end() && w.size() > 4) {
        // light stemming: worried -> worry, crying -> cry, hates -> hate
        for (const char* suf : {"ing", "ed", "es", "s", "ly"}) {
          std::string_view sv{w};
          std::string_view s{suf};
          if (sv.size() > s.size() + 2 && sv.substr(sv.size() - s.size()) == s) {
            it = terms_.find(std::string{sv.substr(0, sv.size() - s.size())});
            if (it != terms_.end())
              break;
          }
        }
      }
      seq.push_back(it == terms_.end() ? nullptr : &it->second);
      continue;
    }
    if (is_cjk(cp)) {
      const term* found = nullptr;
      std::size_t len = 0;
      for (std::size_t n = std::min(max_term_chars_, cps.size() - i); n >= 1; --n) {
        std::string s;
        for (std::size_t k = 0; k < n; ++k)
          append_utf8(s, cps[i + k]);
        auto it = terms_.find(s);
        if (it != terms_.end()) {
          found = &it->second;
          len = n;
          break;
        }
      }
      if (found) {
        seq.push_back(found);
        i += len;
      } else {
        // repetition of the same Han character (啊啊啊, 呜呜呜) intensifies
        if (i + 2 < cps.size() && cps[i + 1] == cp && cps[i + 2] == cp)
          ++exclaim;
        seq.push_back(nullptr);
        ++i;
      }
      continue;
    }
    for (const auto& e : emojis) {
      if (e.cp == cp) {
        score[static_cast<std::size_t>(e.label)] += 0.8;
        emoji_bonus += 0.1;
        break;
      }
    }
    if (cp == '!' || cp == U'！')
      ++exclaim;
    if (cp == '.' || cp == U'。' || cp == '?' || cp == U'？' || cp == ',' || cp == U'，'
        || cp == ';' || cp == U'；' || cp == '!' || cp == U'！')
      seq.push_back(&boundary); // a clause boundary ends negation and degree
    ++i;
  }

  // Walk the units: modifiers apply to the next emotion word within a short window.
  bool negated = false;
  double degree = 1.0;
  std::size_t since_mod = 0;
  double positive_relief = 0;
  std::array<int, label_count> hits{};
  for (const term* t : seq) {
    if (!t) {
      if (++since_mod > 2) {
        negated = false;
        degree = 1.0;
      }
      continue;
    }
    switch (t->kind) {
      case term_kind::boundary:
        negated = false;
        degree = 1.0;
        break;
      case term_kind::filler:
        if (++since_mod > 2) {
          negated = false;
          degree = 1.0;
        }
        break;
      case term_kind::negator:
        negated = !negated;
        since_mod = 0;
        break;
      case term_kind::degree:
        degree *= t->weight;
        since_mod = 0;
        break;
      case term_kind::contrast:
        // what follows "but" dominates what came before
        for (auto& s : score)
          s *= 0.3;
        positive_relief *= 0.3;
        negated = false;
        degree = 1.0;
        break;
      case term_kind::emotion: {
        auto l = static_cast<std::size_t>(t->label);
        double w = t->weight * degree;
        if (negated) {
          if (t->label == joy)
            score[sadness] += 0.7 * w; // 不开心 / not happy
          else
            positive_relief += 0.3 * w; // 不难过 / not sad
        } else {
          score[l] += w;
          ++hits[l];
        }
        negated = false;
        degree = 1.0;
        since_mod = 0;
        break;
      }
    }
  }

  emotion_result r;
  auto best = std::max_element(score.begin(), score.end());
  double total = 0;
  for (auto s : score)
    total += s;
  if (*best <= 0.0) {
    r.label = "neutral";
    r.score = positive_relief > 0 ? 0.6 : 0.5;
    r.valence = std::min(0.3, positive_relief);
    return r;
  }
  auto idx = static_cast<std::size_t>(best - score.begin());
  double intensity =
    *best * (1.0 + 0.15 * static_cast<double>(std::min<std::size_t>(exclaim, 3))) + emoji_bonus;
  if (hits[idx] > 1)
    intensity *= 1.1; // repeated emotion words
  r.label = label_names[idx];
  // confidence: intensity squashed, discounted by how mixed the evidence is
  double share = *best / total;
  r.score = std::clamp((1.0 - std::exp(-1.2 * intensity)) * (0.5 + 0.5 * share), 0.05, 0.99);
  double v = 0;
  for (std::size_t k = 0; k < label_count; ++k)
    v += score[k] * label_valence[k];
  v = v / total * std::min(1.0, 0.6 + 0.2 * intensity);
  r.valence = std::clamp(v + 0.1 * positive_relief, -1.0, 1.0);
  return r;
}

} // namespace xinyu::core
