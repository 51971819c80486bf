// Normalisation for the classifiers: NFKC, confusables, traditional to simplified Chinese,
// leetspeak, squeezing, spelled-out letters and crisis-word aliases. Must never call out. Over 400
// lines for its tables: leetspeak, confusables and the pinyin/homophone crisis aliases.
#include "core/analysis/text_normalizer.hpp"

#include "core/support/text.hpp"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <unordered_map>

namespace xinyu::core {

namespace {

/// Look-alike letters from other scripts mapped to the ASCII letter they imitate. ICU's
/// confusable skeletons give most; a few common ones ICU maps elsewhere are added by hand.
class confusable_table {
public:
  confusable_table() {
    UErrorCode status = U_ZERO_ERROR;
    USpoofChecker* sc = uspoof_open(&status);
    const std::pair<char32_t, char32_t> ranges[] = {
      {0x0100, 0x02AF}, // Latin extended, IPA
      {0x0370, 0x03FF}, // Greek
      {0x0400, 0x052F}, // Cyrillic
      {0x13A0, 0x13FF}, // Cherokee
      {0x1D00, 0x1DBF}, // phonetic extensions (small capitals)
      {0x2100, 0x214F}, // letterlike symbols
      {0xA640, 0xA69F}, // Cyrillic extended-B
    };
    if (U_SUCCESS(status)) {
      for (auto [lo, hi] : ranges)
        for (char32_t cp = lo; cp <= hi; ++cp) {
          UChar in[2];
          int32_t n = 0;
          U16_APPEND_UNSAFE(in, n, cp);
          UChar out[8];
          UErrorCode st = U_ZERO_ERROR;
          int32_t len = uspoof_getSkeleton(sc, 0, in, n, out, 8, &st);
          if (U_SUCCESS(st) && len == 1 && out[0] < 0x80) {
            char c = static_cast<char>(u_tolower(out[0]));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
              map_.emplace(cp, c);
          }
        }
      uspoof_close(sc);
    }
    const std::pair<char32_t, char> manual[] = {
      {U'а', 'a'}, {U'α', 'a'}, {U'е', 'e'}, {U'ε', 'e'}, {U'о', 'o'}, {U'ο', 'o'},
      {U'р', 'p'}, {U'ρ', 'p'}, {U'с', 'c'}, {U'х', 'x'}, {U'χ', 'x'}, {U'у', 'y'},
      {U'і', 'i'}, {U'ι', 'i'}, {U'ѕ', 's'}, {U'к', 'k'}, {U'κ', 'k'}, {U'т', 't'},
      {U'τ', 't'}, {U'ν', 'v'}, {U'м', 'm'}, {U'н', 'h'}, {U'в', 'b'}, {U'ј', 'j'},
      {U'ԁ', 'd'}, {U'ɡ', 'g'}, {U'ӏ', 'l'}, {U'η', 'n'}, {U'υ', 'u'}, {U'ω', 'w'},
    };
    for (auto [cp, c] : manual)
      map_.insert_or_assign(cp, c);
  }

  /// The ASCII letter `cp` imitates, or 0.
  char lookup(char32_t cp) const {
    auto it = map_.find(cp);
    return it == map_.end() ? 0 : it->second;
  }

private:
  std::unordered_map<char32_t, char> map_;
};

const confusable_table& confusables() {
  static const confusable_table t;
  return t;
}

/// Traditional Chinese characters mapped to their simplified form (殺 -> 杀, 結束 -> 结束,
/// 醒來 -> 醒来), so the rules, lexicons and models written in simplified characters read
/// 繁體 too. Built once from ICU's Hant-Hans transliterator, character by character over the
/// CJK blocks (a few milliseconds); a lookup is one array index.
class traditional_table {
public:
  static constexpr char32_t first = 0x3400, last = 0x9FFF;

  traditional_table() : map_(last - first + 1, 0) {
    UErrorCode st = U_ZERO_ERROR;
    UTransliterator* t = utrans_openU(u"Hant-Hans", -1, UTRANS_FORWARD, nullptr, 0, nullptr, &st);
    if (U_FAILURE(st))
      return; // without the data every character stays as written
    for (char32_t cp = first; cp <= last; ++cp) {
      UChar buf[8];
      int32_t len = 0;
      U16_APPEND_UNSAFE(buf, len, cp);
      int32_t limit = len;
      UErrorCode e = U_ZERO_ERROR;
      utrans_transUChars(t, buf, &len, 8, 0, &limit, &e);
      if (U_SUCCESS(e) && len == 1 && buf[0] != cp && buf[0] >= 0x3400)
        map_[cp - first] = buf[0];
    }
    utrans_close(t);
  }

  /// The simplified form of `cp`, or `cp` itself.
  char32_t simplified(char32_t cp) const {
    if (cp < first || cp > last)
      return cp;
    auto s = map_[cp - first];
    return s != 0 ? s : cp;
  }

private:
  std::vector<char16_t> map_;
};

const traditional_table& traditional() {
  static const traditional_table t;
  return t;
}

/// NFKC with case folding and default ignorables removed, then canonical decomposition with
/// combining marks dropped, then look-alikes folded. ASCII text takes a fast path.
std::vector<char32_t> fold_code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  bool ascii = std::all_of(text.begin(), text.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    for (char c : text)
      out.push_back(c >= 'A' && c <= 'Z' ? char32_t(c + 32) : char32_t(c));
    return out;
  }
  UErrorCode st = U_ZERO_ERROR;
  std::vector<UChar> u16(text.size() + 1);
  int32_t n16 = 0;
  // invalid UTF-8 becomes U+FFFD instead of failing the whole message
  u_strFromUTF8WithSub(u16.data(), static_cast<int32_t>(u16.size()), &n16, text.data(),
                       static_cast<int32_t>(text.size()), 0xFFFD, nullptr, &st);
  if (U_FAILURE(st)) {
    for (auto cp : decode_utf8(text))
      out.push_back(cp);
    return out;
  }
  auto normalize = [](const UNormalizer2* norm, const std::vector<UChar>& in, int32_t n,
                      std::vector<UChar>& res) -> int32_t {
    UErrorCode e = U_ZERO_ERROR;
    res.resize(static_cast<std::size_t>(n) * 4 + 16);
    int32_t len =
      unorm2_normalize(norm, in.data(), n, res.data(), static_cast<int32_t>(res.size()), &e);
    if (e == U_BUFFER_OVERFLOW_ERROR) {
      res.resize(static_cast<std::size_t>(len) + 1);
      e = U_ZERO_ERROR;
      len = unorm2_normalize(norm, in.data(), n, res.data(), static_cast<int32_t>(res.size()), &e);
    }
    return U_SUCCESS(e) ? len : -1;
  };
  UErrorCode e = U_ZERO_ERROR;
  const UNormalizer2* nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
  const UNormalizer2* nfd = unorm2_getNFDInstance(&e);
  std::vector<UChar> folded, decomposed;
  int32_t nf = U_SUCCESS(e) ? normalize(nfkc_cf, u16, n16, folded) : -1;
  int32_t nd = nf >= 0 ? normalize(nfd, folded, nf, decomposed) : -1;
  if (nd < 0) {
    for (auto cp : decode_utf8(text))
      out.push_back(cp);
    return out;
  }
  const auto& table = confusables();
  const auto& hant = traditional();
  for (int32_t i = 0; i < nd;) {
    UChar32 cp;
    U16_NEXT(decomposed.data(), i, nd, cp);
    auto type = u_charType(cp);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_COMBINING_SPACING_MARK)
      continue; // accents: "suïcide" reads "suicide"
    if (cp >= 0x80 && !is_cjk(static_cast<char32_t>(cp))) {
      if (char c = table.lookup(static_cast<char32_t>(cp)))
        cp = static_cast<unsigned char>(c);
    } else if (cp >= 0x80) {
      cp = static_cast<UChar32>(hant.simplified(static_cast<char32_t>(cp)));
    }
    out.push_back(static_cast<char32_t>(cp));
  }
  return out;
}

bool is_ascii_alnum(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_leet_symbol(char32_t c) { return c == '@' || c == '$'; }

/// Emoji and other pictographs: one token each, they carry feelings.
bool is_pictograph(char32_t c) {
  return (c >= 0x1F300 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF) || c == 0x2764;
}

char leet(char c) {
  switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '@': return 'a';
    case '$': return 's';
    default: return c;
  }
}

/// A word that starts with a letter (or @/$) and holds digits is leetspeak: "k1ll", "$uicide".
/// One that starts with a digit is a number, a time or an age ("15yo", "5pm", "1v1"), kept as
/// it is, unless a digit follows its letters again and it has three letters or more: "3nd1ng",
/// "0verd0se".
std::string fold_word(std::string w) {
  auto is_letter = [](char c) { return c >= 'a' && c <= 'z'; };
  auto letters = std::count_if(w.begin(), w.end(), is_letter);
  if (letters == 0)
    return w;
  if (w[0] >= '0' && w[0] <= '9') {
    bool digit_after_letter = false;
    for (std::size_t i = 1; i < w.size(); ++i)
      digit_after_letter |= w[i] >= '0' && w[i] <= '9' && is_letter(w[i - 1]);
    if (!digit_after_letter || letters < 3)
      return w;
  }
  for (auto& c : w)
    c = leet(c);
  return w;
}

/// The crisis word a word with letters masked by '*' stands for ("k*ll", "s**cide", "d*e"):
/// one of the same length whose other letters all match. Empty when none does.
std::string unmasked(const std::string& w) {
  static constexpr std::string_view words[] = {"kill",    "kills",    "killing", "killed",
                                               "suicide", "suicidal", "die",     "dying",
                                               "dead",    "death",    "murder",  "hang",
                                               "hanging", "cut",      "cutting", "overdose",
                                               "unalive", "selfharm"};
  for (auto cand : words) {
    if (cand.size() != w.size())
      continue;
    bool ok = true;
    for (std::size_t i = 0; i < w.size() && ok; ++i)
      ok = w[i] == '*' || w[i] == cand[i];
    if (ok)
      return std::string{cand};
  }
  return {};
}

/// Runs of three or more equal characters become one ("soooo" -> "so", "diiiie" -> "die").
std::string squeeze_runs(const std::string& w) {
  std::string out;
  out.reserve(w.size());
  for (std::size_t i = 0; i < w.size();) {
    std::size_t j = i;
    while (j < w.size() && w[j] == w[i])
      ++j;
    out.append(j - i >= 3 ? 1 : j - i, w[i]);
    i = j;
  }
  return out;
}

/// The end of the run of '*' that starts at `i`.
std::size_t end_of_stars(const std::vector<char32_t>& cps, std::size_t i) {
  while (i < cps.size() && cps[i] == '*')
    ++i;
  return i;
}

/// A Chinese crisis word spelled with one character and pinyin or initials right after it, with
/// nothing between them ("又zc了", "跳jiang"): read only when written together, so "想, tl;dr"
/// and "跳 lou" stay as they are.
struct mixed_spelling {
  std::string_view han, latin, plain;
};
constexpr mixed_spelling mixed_spellings[] = {
  {"又", "zc", "又自残"}, {"又", "gw", "又割腕"}, {"想", "tl", "想跳楼"}, {"跳", "jiang", "跳江"},
  {"跳", "he", "跳河"},   {"跳", "lou", "跳楼"},  {"自", "sha", "自杀"},
};

std::vector<std::string> raw_tokens(const std::vector<char32_t>& cps) {
  std::vector<std::string> tokens;
  std::string word;
  auto push_word = [&](std::string w) {
    // a word of leet symbols alone ("@", "$$") is punctuation
    if (!w.empty() && std::any_of(w.begin(), w.end(), [](char c) { return !is_leet_symbol(c); }))
      tokens.push_back(squeeze_runs(fold_word(std::move(w))));
  };
  bool word_after_han = false; // the word began right after a Han character
  auto flush = [&] {
    if (word_after_han && !tokens.empty()) {
      for (const auto& m : mixed_spellings)
        if (word == m.latin && tokens.back() == m.han) {
          tokens.pop_back();
          for (auto cp : decode_utf8(m.plain)) {
            std::string t;
            append_utf8(t, cp);
            tokens.push_back(std::move(t));
          }
          word.clear();
          break;
        }
    }
    word_after_han = false;
    if (word.find('*') == std::string::npos) {
      push_word(std::move(word)); // nothing when empty (or a mixed spelling was read)
    } else if (auto plain = unmasked(fold_word(word)); !plain.empty()) {
      tokens.push_back(std::move(plain)); // "k*ll" -> "kill"
    } else { // another masked word ("f*ck"): the stars part it, as any other mark would
      std::string part;
      for (char c : word) {
        if (c != '*') {
          part.push_back(c);
          continue;
        }
        push_word(std::move(part));
        part.clear();
      }
      push_word(std::move(part));
    }
    word.clear();
  };
  for (std::size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    if (is_ascii_alnum(c) || is_leet_symbol(c)) {
      if (word.empty())
        word_after_han = i > 0 && is_cjk(cps[i - 1]);
      word.push_back(static_cast<char>(c));
    } else if (c == '*') {
      auto end = end_of_stars(cps, i);
      if (!word.empty() && end < cps.size() && cps[end] >= 'a' && cps[end] <= 'z')
        word.append(end - i, '*'); // masked letters inside a word: "k*ll", "s**cide"
      else
        flush(); // stars around or between words ("**kill**", "*sigh*") part them
      i = end - 1;
    } else if ((c == '!' || c == '|') && !word.empty() && i + 1 < cps.size() && cps[i + 1] >= 'a'
               && cps[i + 1] <= 'z') {
      word.push_back('i'); // "k!ll", "k|ll"
    } else if (is_cjk(c) || is_pictograph(c)) {
      flush();
      std::string t;
      append_utf8(t, c);
      tokens.push_back(std::move(t));
    } else if (c >= 0x80 && u_isalpha(static_cast<UChar32>(c))) {
      append_utf8(word, c); // another script's letters stay part of the word
    } else if (c == '\'' || c == 0x2019) {
      // apostrophes vanish inside words: "don't" reads "dont"
    } else {
      flush();
    }
  }
  flush();
  return tokens;
}

bool single_ascii_letter(const std::string& t) {
  return t.size() == 1 && t[0] >= 'a' && t[0] <= 'z';
}

/// Three or more one-letter words in a row were one word spelled out: "k i l l" -> "kill".
std::vector<std::string> join_spelled_out(std::vector<std::string> in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    std::size_t j = i;
    while (j < in.size() && single_ascii_letter(in[j]))
      ++j;
    if (j - i >= 3) {
      std::string w;
      for (std::size_t k = i; k < j; ++k)
        w += in[k];
      out.push_back(squeeze_runs(w));
      i = j;
    } else {
      out.push_back(std::move(in[i]));
      ++i;
    }
  }
  return out;
}

/// Spellings people use to say a crisis word without the word: pinyin, homophones, look-alike
/// characters and internet slang, each replaced by the plain words.
struct alias_table {
  std::map<std::vector<std::string>, std::vector<std::string>> map;
  std::size_t longest = 1;

  alias_table() {
    auto split = [](std::string_view s) {
      // space-separated ASCII words; Han characters are one token each
      std::vector<std::string> v;
      std::string cur;
      for (auto cp : decode_utf8(s)) {
        if (cp == ' ') {
          if (!cur.empty())
            v.push_back(std::move(cur));
          cur.clear();
        } else if (is_cjk(cp)) {
          if (!cur.empty())
            v.push_back(std::move(cur));
          cur.clear();
          std::string t;
          append_utf8(t, cp);
          v.push_back(std::move(t));
        } else {
          append_utf8(cur, cp);
        }
      }
      if (!cur.empty())
        v.push_back(std::move(cur));
      return v;
    };
    const std::pair<const char*, const char*> entries[] = {
      // Chinese: pinyin, homophones and look-alike characters
      {"zisha", "自杀"},
      {"zi sha", "自杀"},
      {"紫砂", "自杀"},
      // ... but the teapots and pots of Yixing clay keep their name (longest match wins)
      {"紫砂壶", "紫砂壶"},
      {"紫砂锅", "紫砂锅"},
      {"紫砂杯", "紫砂杯"},
      {"紫砂煲", "紫砂煲"},
      {"紫砂茶", "紫砂茶"},
      {"紫砂盆", "紫砂盆"},
      {"紫砂泥", "紫砂泥"},
      {"紫砂陶", "紫砂陶"},
      {"紫杀", "自杀"},
      {"自鲨", "自杀"},
      {"自刹", "自杀"},
      {"自沙", "自杀"},
      {"亖", "死"},
      {"想鼠", "想死"},
      {"想s", "想死"},
      {"去s", "去死"},
      {"xiangsi le", "想死了"},
      {"buxianghuo", "不想活"},
      {"bu xiang huo", "不想活"},
      {"buxianghuole", "不想活了"},
      {"bu xiang huo le", "不想活了"},
      {"si le suan le", "死了算了"},
      {"sile suanle", "死了算了"},
      {"tiaolou", "跳楼"},
      {"tiao lou", "跳楼"},
      {"qingsheng", "轻生"},
      {"qing sheng", "轻生"},
      {"shangdiao", "上吊"},
      {"shang diao", "上吊"},
      {"gewan", "割腕"},
      {"ge wan", "割腕"},
      {"wo xiang si", "我想死"},
      {"woxiangsi", "我想死"},
      {"huo bu xia qu", "活不下去"},
      {"huobuxiaqu", "活不下去"},
      {"烧碳", "烧炭"},
      {"jieshu shengming", "结束生命"},
      {"jie shu sheng ming", "结束生命"},
      // English slang and euphemisms
      {"unalive", "kill myself"},
      {"unalive myself", "kill myself"},
      {"unaliving", "killing"},
      {"unalived", "killed"},
      {"delete myself", "kill myself"},
      {"shaotan", "烧炭"},
      {"shao tan", "烧炭"},
      {"huo", "活"},
      {"zai huo", "再活"},
      {"kms", "kill myself"},
      {"kys", "kill yourself"},
      {"sewerslide", "suicide"},
      {"sewer slide", "suicide"},
      {"sui cide", "suicide"},
      {"ctb", "suicide"},
      {"catch the bus", "suicide"},
      {"self delete", "kill myself"},
      {"selfdelete", "kill myself"},
      {"off myself", "kill myself"},
      {"offing myself", "killing myself"},
      {"end myself", "kill myself"},
      {"selfharm", "self harm"},
      // "sh" for self-harm, only where the words around it say so ("sh" alone may be a hush)
      {"sh urges", "self harm urges"},
      {"sh urge", "self harm urge"},
      {"sh again", "self harm again"},
      {"did sh", "did self harm"},
      {"my sh", "my self harm"},
      {"sh scars", "self harm scars"},
      {"sh free", "self harm free"},
      {"sh clean", "self harm clean"},
      {"relapsed on sh", "relapsed on self harm"},
      // pinyin initials and mixed spellings of Chinese crisis words
      {"bxhl", "不想活了"},
      {"wxs", "我想死"},
      {"紫沙", "自杀"},
      // homophones of 自杀 only after 想 ("孩子杀鸡", "文字沙龙" keep their words)
      {"想子杀", "想自杀"},
      {"想字沙", "想自杀"},
      {"想字杀", "想自杀"},
      {"去逝", "去世"}, // a common misspelling, also used on purpose ("想去逝")
      // 鲨 (shark) for 杀 (kill) only where a person does it ("大白鲨了" stays a shark)
      {"被我鲨", "被我杀"},
      {"鲨掉", "杀掉"},
      // pinyin with one reading ("hen xiang si" may be 很相似, "sha le ta" 杀了它: not here)
      {"nong si ni", "弄死你"},
      {"zi can", "自残"},
      {"zican", "自残"},
    };
    for (auto [from, to] : entries) {
      auto key = split(from);
      longest = std::max(longest, key.size());
      map.emplace(std::move(key), split(to));
    }
  }
};

const alias_table& aliases() {
  static const alias_table t;
  return t;
}

std::vector<std::string> apply_aliases(const std::vector<std::string>& in) {
  const auto& a = aliases();
  std::vector<std::string> out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    bool hit = false;
    for (std::size_t len = std::min(a.longest, in.size() - i); len >= 1 && !hit; --len) {
      std::vector<std::string> key(in.begin() + static_cast<long>(i),
                                   in.begin() + static_cast<long>(i + len));
      auto it = a.map.find(key);
      if (it != a.map.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        i += len;
        hit = true;
      }
    }
    if (!hit)
      out.push_back(in[i++]);
  }
  return out;
}

} // namespace

std::string normalized_text::model_input() const {
  std::string s;
  for (const auto& t : tokens) {
    if (!s.empty())
      s.push_back(' ');
    s += t;
  }
  return s;
}

char32_t simplified_chinese(char32_t cp) { return traditional().simplified(cp); }

normalized_text normalize_text(std::string_view text) {
  normalized_text r;
  r.tokens = apply_aliases(join_spelled_out(raw_tokens(fold_code_points(text))));
  for (const auto& t : r.tokens)
    append_compact(r.compact, t);
  return r;
}

void append_compact(std::string& compact, std::string_view token) {
  for (char c : token)
    if (compact.empty() || c != compact.back() || !(c >= 'a' && c <= 'z'))
      compact.push_back(c);
}

} // namespace xinyu::core
