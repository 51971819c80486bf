// Built-in text embedding: hashed n-grams into a fixed L2-normalised vector.
// Pure and deterministic; must never depend on a model download.
#include "core/embedding.hpp"

#include "core/text.hpp"

#include <cmath>
#include <cstdint>
#include <string>

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
    "the", "a", "an", "and", "or", "to", "of", "in", "on", "at", "is", "am", "are", "was",
    "were", "be", "it", "that", "this", "my", "me", "i", "you", "your", "do", "did", "for",
    "with", "what", "about", "have", "has", "had", "so", "just", "im", "i'm"};
  for (auto s : stop)
    if (s == w)
      return true;
  return false;
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

} // namespace

std::vector<float> hashed_embedder::embed(std::string_view text) const {
  std::vector<float> v(dim_, 0.0f);
  auto add = [&](std::string_view feature, float w) {
    auto h = fnv1a(feature);
    auto idx = static_cast<std::size_t>(h % dim_);
    float sign = ((h >> 63) & 1u) ? -1.0f : 1.0f; // signed hashing reduces collision bias
    v[idx] += sign * w;
  };
  auto cps = decode_utf8(text);
  std::string prev_word;
  for (std::size_t i = 0; i < cps.size();) {
    char32_t cp = cps[i];
    if (is_cjk(cp)) {
      std::string uni;
      append_utf8(uni, cp);
      if (!is_han_stop(cp))
        add(uni, 1.0f);
      if (i + 1 < cps.size() && is_cjk(cps[i + 1])) {
        std::string bi = uni;
        append_utf8(bi, cps[i + 1]);
        add(bi, 1.5f);
      }
      ++i;
      continue;
    }
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
      std::string w;
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
      add("w:" + stem, 1.0f);
      if (!prev_word.empty())
        add("b:" + prev_word + "_" + stem, 0.5f);
      prev_word = stem;
      continue;
    }
    ++i;
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

float hashed_embedder::cosine(const std::vector<float>& a, const std::vector<float>& b) noexcept {
  if (a.size() != b.size())
    return 0.0f;
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s; // inputs are L2-normalised
}

} // namespace xinyu::core
