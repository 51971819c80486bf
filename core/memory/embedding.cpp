// Built-in text embedding: hashed n-grams into a fixed L2-normalised vector.
// Pure and deterministic; must never depend on a model download.
#include "core/memory/embedding.hpp"

#include "core/support/text.hpp"

#include <cmath>
#include <cstring>
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace xinyu::core {

namespace {

std::uint64_t fnv1a(std::string_view s, std::uint64_t seed = 1469598103934665603ull) {
  std::uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// English function words carry no topic.
bool is_stopword(std::string_view w) {
  static constexpr std::string_view stop[] = {
    "the",  "a",      "an",   "and",  "or",    "to",     "of",   "in",    "on",   "at",  "is",
    "am",   "are",    "was",  "were", "be",    "it",     "that", "this",  "my",   "me",  "i",
    "you",  "your",   "do",   "did",  "for",   "with",   "what", "about", "have", "has", "had",
    "so",   "just",   "im",   "i'm",  "don't", "dont",   "not",  "know",  "i've", "i'd", "i'll",
    "it's", "that's", "can",  "will", "would", "really", "very", "too",   "good", "ok",  "okay",
    "yes",  "no",     "sure", "hmm",  "lol",   "oh"};
  for (auto s : stop)
    if (s == w)
      return true;
  return false;
}

// Capitalised at the start of a sentence, not names.
bool is_common_capital(std::string_view w) {
  static constexpr std::string_view common[] = {
    "what",  "where",     "when",     "why",    "how",       "who",     "which",    "can",
    "could", "should",    "would",    "does",   "did",       "tell",    "please",   "thanks",
    "thank", "hello",     "hi",       "hey",    "yesterday", "today",   "tomorrow", "any",
    "some",  "we",        "they",     "he",     "she",       "there",   "here",     "let's",
    "maybe", "sometimes", "everyone", "nobody", "our",       "his",     "her",      "their",
    "after", "before",    "since",    "if",     "but",       "because", "then",     "also",
    "still", "again",     "mom",      "dad",    "good"};
  for (auto c : common)
    if (c == w)
      return true;
  return is_stopword(w);
}

// Han characters that are mostly grammar.
bool is_han_stop(char32_t cp) {
  static constexpr char32_t stop[] = {U'的', U'了', U'是', U'我', U'你', U'在', U'吗', U'呢',
                                      U'吧', U'啊', U'就', U'也', U'都', U'和', U'很', U'有'};
  for (auto s : stop)
    if (s == cp)
      return true;
  return false;
}

// Concept features: words that mean the same thing (across Chinese and English) also hash to
// one shared feature, so "my dog" meets "狗狗" and "mortgage" meets "house". Small and
// hand-written: the topics people bring to a companion (family, pets, work, health, study).
struct concept_entry {
  const char* name;
  std::initializer_list<const char*> words; // lower-case English words or Chinese strings
};
const concept_entry concepts[] = {
  {"dog", {"dog", "dogs", "puppy", "retriever", "corgi", "狗", "柯基", "金毛", "小狗"}},
  {"cat", {"cat", "cats", "kitten", "kitty", "猫", "喵"}},
  {"mother", {"mom", "mother", "mum", "mommy", "妈", "母亲"}},
  {"father", {"dad", "father", "daddy", "爸", "父亲"}},
  {"grandma", {"grandma", "grandmother", "granny", "奶奶", "外婆", "姥姥"}},
  {"grandpa", {"grandpa", "grandfather", "爷爷", "外公", "姥爷"}},
  {"husband", {"husband", "老公", "丈夫"}},
  {"wife", {"wife", "老婆", "妻子"}},
  {"partner", {"boyfriend", "girlfriend", "partner", "男朋友", "女朋友", "对象"}},
  {"ex", {"ex", "前任", "前男友", "前女友"}},
  {"sibling", {"sister", "brother", "sis", "bro", "姐姐", "妹妹", "哥哥", "弟弟"}},
  {"child", {"kid", "kids", "child", "children", "son", "daughter", "孩子", "儿子", "女儿"}},
  {"friend", {"friend", "friends", "buddy", "朋友", "闺蜜", "兄弟"}},
  {"work", {"job", "work", "office", "career", "shift", "shifts", "工作", "上班", "加班", "公司"}},
  {"boss", {"boss", "manager", "supervisor", "老板", "领导", "上司"}},
  {"medical",
   {"hospital", "nurse", "nursing", "patient", "patients", "doctor", "clinic", "医院", "护士",
    "病人", "医生", "夜班"}},
  {"heart", {"heart", "cardiac", "心脏"}},
  {"blood_sugar", {"diabetes", "diabetic", "sugar", "insulin", "糖尿病", "血糖"}},
  {"blood_pressure", {"hypertension", "pressure", "血压"}},
  {"allergy", {"allergy", "allergic", "过敏"}},
  {"nut", {"peanut", "peanuts", "nut", "nuts", "花生", "坚果"}},
  {"spicy", {"spicy", "chili", "辣"}},
  {"meat", {"vegetarian", "vegan", "meat", "素", "肉"}},
  {"alcohol", {"alcohol", "drink", "drinking", "beer", "wine", "bar", "酒"}},
  {"coffee", {"coffee", "espresso", "latte", "咖啡"}},
  {"exam", {"exam", "exams", "test", "ielts", "toefl", "考试", "考研", "雅思", "考"}},
  {"english", {"english", "ielts", "toefl", "英语", "雅思"}},
  {"interview", {"interview", "面试"}},
  {"teacher", {"teacher", "teaching", "students", "student", "老师", "教师", "学生"}},
  {"math", {"math", "maths", "algebra", "calculus", "数学"}},
  {"programming",
   {"programmer", "programming", "coding", "developer", "software", "computer", "程序员", "编程",
    "计算机", "代码"}},
  {"music", {"singer", "song", "songs", "music", "band", "album", "歌手", "歌", "音乐"}},
  {"orchestra", {"orchestra", "violin", "concert", "symphony", "乐团", "小提琴", "音乐会"}},
  {"guitar", {"guitar", "chord", "chords", "吉他", "和弦"}},
  {"painting", {"painting", "paint", "drawing", "draw", "watercolor", "watercolour", "画"}},
  {"run", {"run", "running", "runs", "jog", "jogging", "marathon", "跑步", "马拉松", "跑"}},
  {"hike", {"hike", "hiking", "trail", "trails", "mountain", "mountains", "爬山", "徒步", "山"}},
  {"sleep", {"sleep", "insomnia", "asleep", "awake", "失眠", "睡", "熬夜"}},
  {"anxiety", {"anxiety", "anxious", "panic", "焦虑", "惊恐"}},
  {"therapy", {"therapy", "therapist", "counselor", "counseling", "心理咨询", "咨询师"}},
  {"flight", {"fly", "flying", "flight", "plane", "airport", "飞机", "航班", "机场"}},
  {"dark", {"dark", "darkness", "black", "黑"}},
  {"house",
   {"house", "home", "mortgage", "apartment", "flat", "rent", "房子", "房贷", "房租", "买房"}},
  {"weight", {"diet", "weight", "weigh", "slim", "减肥", "瘦", "体重"}},
  {"book", {"book", "books", "novel", "novels", "read", "reading", "书", "小说"}},
  {"fire", {"firefighter", "firefighting", "fireman", "消防"}},
  {"farm", {"farm", "farmer", "ranch", "农场", "乡下", "农村"}},
  {"brazil", {"brazil", "brazilian", "巴西"}},
  {"japan", {"japan", "japanese", "日本", "日语"}},
  {"germany", {"germany", "german", "berlin", "德国", "柏林"}},
  {"birthday", {"birthday", "生日"}},
  {"food", {"food", "dinner", "lunch", "meal", "meals", "美食"}},
};

struct concept_table {
  std::unordered_map<std::string, std::string> english; // word -> concept
  std::vector<std::pair<std::vector<char32_t>, std::string>> chinese;
  concept_table() {
    for (const auto& c : concepts)
      for (const char* w : c.words) {
        std::string_view sv{w};
        if (!sv.empty() && static_cast<unsigned char>(sv[0]) < 0x80)
          english.emplace(w, c.name);
        else
          chinese.emplace_back(decode_utf8(sv), c.name);
      }
  }
};

const concept_table& concept_map() {
  static const concept_table t;
  return t;
}

// Han bigrams that say little about the topic: they count, but much less.
bool is_common_bigram(std::string_view bi) {
  static constexpr std::string_view common[] = {
    "最近", "一个", "我们", "什么", "怎么", "这个", "那个", "有点", "已经", "因为", "所以",
    "可以", "没有", "时候", "觉得", "一直", "今天", "真的", "现在", "还是", "一下", "这么",
    "自己", "大家", "我最", "我在", "我有", "我的", "我是", "对我", "好的", "我不", "不知",
    "知道", "你好", "谢谢", "早上", "晚上", "是不", "不是", "哈哈", "嗯嗯", "好吧", "算了"};
  for (auto c : common)
    if (c == bi)
      return true;
  return false;
}

} // namespace

std::vector<float> hashed_embedder::embed(std::string_view text) const {
  return fold(features(text));
}

std::vector<float> hashed_embedder::fold(const sparse_vector& features) const {
  std::vector<float> v(dim_, 0.0f);
  for (const auto& [h, w] : features) {
    auto idx = static_cast<std::size_t>(h % dim_);
    float sign = ((h >> 63) & 1u) ? -1.0f : 1.0f; // signed hashing reduces collision bias
    v[idx] += sign * w;
  }
  double norm = 0;
  for (float x : v)
    norm += static_cast<double>(x) * x;
  if (norm > 0) {
    auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (float& x : v)
      x *= inv;
  }
  return v;
}

float hashed_embedder::sparse_cosine(const sparse_vector& a, const sparse_vector& b) noexcept {
  float s = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i].first == b[j].first)
      s += a[i++].second * b[j++].second;
    else if (a[i].first < b[j].first)
      ++i;
    else
      ++j;
  }
  return s; // both L2-normalised
}

sparse_vector hashed_embedder::features(std::string_view text) const {
  sparse_vector v;
  auto add = [&](std::string_view feature, float w) { v.emplace_back(fnv1a(feature), w); };
  auto cps = decode_utf8(text);
  const auto& cmap = concept_map();
  // one feature per concept and text: a word said twice does not count twice
  std::vector<const std::string*> seen_concepts;
  auto add_concept = [&](const std::string& c) {
    for (auto* s : seen_concepts)
      if (*s == c)
        return;
    seen_concepts.push_back(&c);
    add("c:" + c, 2.5f);
  };
  for (const auto& [term, c] : cmap.chinese)
    if (std::search(cps.begin(), cps.end(), term.begin(), term.end()) != cps.end())
      add_concept(c);
  std::string prev_word;
  for (std::size_t i = 0; i < cps.size();) {
    char32_t cp = cps[i];
    if (is_cjk(cp)) {
      std::string uni;
      append_utf8(uni, cp);
      if (!is_han_stop(cp))
        add(uni, 0.5f); // single characters are weak evidence: 好 in 你好 is not 最好
      if (i + 1 < cps.size() && is_cjk(cps[i + 1])) {
        std::string bi = uni;
        append_utf8(bi, cps[i + 1]);
        // a doubled character (豆豆, 咪咪, 朵朵) is usually a pet's or a child's name
        float w = cps[i + 1] == cp ? 3.0f : is_common_bigram(bi) ? 0.3f : 1.5f;
        add(bi, w);
      }
      ++i;
      continue;
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      std::string w;
      bool capitalised = cp >= 'A' && cp <= 'Z';
      while (i < cps.size()
             && ((cps[i] >= 'a' && cps[i] <= 'z') || (cps[i] >= 'A' && cps[i] <= 'Z')
                 || (cps[i] >= '0' && cps[i] <= '9') || cps[i] == '\'')) {
        char c = static_cast<char>(cps[i]);
        if (c >= 'A' && c <= 'Z')
          c = static_cast<char>(c + 32);
        w.push_back(c);
        ++i;
      }
      if (is_stopword(w))
        continue;
      // crude stem: strip plural/tense endings so "dogs"/"dog" and "walked"/"walk" meet
      std::string stem = w;
      for (std::string_view suf : {"ing", "ed", "es", "s"}) {
        if (stem.size() > suf.size() + 2 && stem.ends_with(suf)) {
          stem.resize(stem.size() - suf.size());
          break;
        }
      }
      if (auto c = cmap.english.find(w); c != cmap.english.end())
        add_concept(c->second);
      else if (auto cs = cmap.english.find(stem); cs != cmap.english.end())
        add_concept(cs->second);
      // a capitalised word that is not a common one is likely a name (Max, Emma, Priya):
      // names are what a companion must not mix up
      add("w:" + stem, capitalised && w.size() > 1 && !is_common_capital(w) ? 2.5f : 1.0f);
      if (!prev_word.empty())
        add("b:" + prev_word + "_" + stem, 0.5f);
      prev_word = stem;
      continue;
    }
    ++i;
  }
  // merge repeated features, then L2-normalise
  std::sort(v.begin(), v.end());
  sparse_vector merged;
  for (const auto& [h, w] : v) {
    if (!merged.empty() && merged.back().first == h)
      merged.back().second += w;
    else
      merged.emplace_back(h, w);
  }
  double norm = 0;
  for (const auto& [h, w] : merged)
    norm += static_cast<double>(w) * w;
  if (norm > 0) {
    auto inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& f : merged)
      f.second *= inv;
  }
  return merged;
}

float hashed_embedder::cosine(const std::vector<float>& a, const std::vector<float>& b) noexcept {
  if (a.size() != b.size())
    return 0.0f;
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s; // inputs are L2-normalised
}

namespace {
constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string hashed_embedder::pack(const std::vector<float>& v) {
  std::string bytes;
  bytes.reserve(v.size() * 4);
  for (float f : v) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<char>((u >> (8 * i)) & 0xFF)); // little-endian on any host
  }
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size())
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size())
      n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(b64[(n >> 18) & 63]);
    out.push_back(b64[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? b64[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? b64[n & 63] : '=');
  }
  return out;
}

std::optional<std::vector<float>> hashed_embedder::unpack(std::string_view packed) {
  if (packed.size() % 4 != 0)
    return std::nullopt;
  std::string bytes;
  bytes.reserve(packed.size() / 4 * 3);
  auto val = [](char c) -> int {
    const char* p = std::strchr(b64, c);
    return c != 0 && p ? static_cast<int>(p - b64) : -1;
  };
  for (std::size_t i = 0; i < packed.size(); i += 4) {
    int a = val(packed[i]), b = val(packed[i + 1]);
    int c = packed[i + 2] == '=' ? 0 : val(packed[i + 2]);
    int d = packed[i + 3] == '=' ? 0 : val(packed[i + 3]);
    if (a < 0 || b < 0 || c < 0 || d < 0)
      return std::nullopt;
    std::uint32_t n = (a << 18) | (b << 12) | (c << 6) | d;
    bytes.push_back(static_cast<char>((n >> 16) & 0xFF));
    if (packed[i + 2] != '=')
      bytes.push_back(static_cast<char>((n >> 8) & 0xFF));
    if (packed[i + 3] != '=')
      bytes.push_back(static_cast<char>(n & 0xFF));
  }
  if (bytes.size() % 4 != 0)
    return std::nullopt;
  std::vector<float> v(bytes.size() / 4);
  for (std::size_t k = 0; k < v.size(); ++k) {
    std::uint32_t u = 0;
    for (int i = 0; i < 4; ++i)
      u |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k * 4 + i])) << (8 * i);
    std::memcpy(&v[k], &u, 4);
  }
  return v;
}

} // namespace xinyu::core
