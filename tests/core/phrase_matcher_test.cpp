// Unit tests for core::phrase_matcher: every occurrence found, overlaps and suffixes included,
// and the same answers as a naive substring search. Must never depend on the actor system.
#include "core/support/phrase_matcher.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>

using xinyu::core::phrase_matcher;

namespace {

std::set<std::uint32_t> found_in(const phrase_matcher& m, std::string_view text) {
  std::set<std::uint32_t> ids;
  m.for_each_match(text, [&ids](std::uint32_t id) {
    ids.insert(id);
    return true;
  });
  return ids;
}

} // namespace

TEST_CASE("phrase_matcher finds overlapping phrases and phrases inside others", "[core]") {
  phrase_matcher m;
  m.add("he", 1);
  m.add("she", 2);
  m.add("his", 3);
  m.add("hers", 4);
  m.add("", 5); // ignored
  m.build();
  CHECK(found_in(m, "ushers") == std::set<std::uint32_t>{1, 2, 4});
  CHECK(found_in(m, "this") == std::set<std::uint32_t>{3});
  CHECK(found_in(m, "nothing here") == std::set<std::uint32_t>{1});
  CHECK(found_in(m, "") == std::set<std::uint32_t>{});
  CHECK(m.contains_any("ahisb"));
  CHECK_FALSE(m.contains_any("xyz"));
}

TEST_CASE("phrase_matcher: several phrases may share an id, UTF-8 is bytes", "[core]") {
  phrase_matcher m;
  m.add(" end it ", 7);
  m.add(" pill", 7); // a word-start prefix, as the safety lexicon writes "pill*"
  m.add("不想活", 8);
  m.add("活", 9);
  m.build();
  CHECK(found_in(m, " i want to end it now ") == std::set<std::uint32_t>{7});
  CHECK(found_in(m, " pills ") == std::set<std::uint32_t>{7});
  CHECK(found_in(m, " spill ") == std::set<std::uint32_t>{});
  CHECK(found_in(m, "我不想活了") == std::set<std::uint32_t>{8, 9});
  CHECK(found_in(m, "生活") == std::set<std::uint32_t>{9});
}

TEST_CASE("phrase_matcher stops when asked", "[core]") {
  phrase_matcher m;
  m.add("a", 1);
  m.build();
  int calls = 0;
  m.for_each_match("aaaa", [&calls](std::uint32_t) { return ++calls < 2; });
  CHECK(calls == 2);
}

TEST_CASE("phrase_matcher agrees with a naive search on random phrases and texts", "[core]") {
  std::mt19937 rng(42); // fixed seed: deterministic
  auto random_text = [&rng](std::size_t len) {
    std::string s;
    std::uniform_int_distribution<int> pick(0, 3); // a small alphabet makes overlaps common
    for (std::size_t i = 0; i < len; ++i)
      s += static_cast<char>('a' + pick(rng));
    return s;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> phrases;
    phrase_matcher m;
    for (std::uint32_t id = 0; id < 30; ++id) {
      phrases.push_back(random_text(1 + rng() % 5));
      m.add(phrases.back(), id);
    }
    m.build();
    for (int t = 0; t < 20; ++t) {
      auto text = random_text(rng() % 40);
      std::set<std::uint32_t> naive;
      for (std::uint32_t id = 0; id < phrases.size(); ++id)
        if (text.find(phrases[id]) != std::string::npos)
          naive.insert(id);
      REQUIRE(found_in(m, text) == naive);
    }
  }
}

TEST_CASE("phrase_matcher refuses phrases after build", "[core]") {
  phrase_matcher m;
  m.add("x", 1);
  m.build();
  CHECK_THROWS_AS(m.add("y", 2), std::logic_error);
}
