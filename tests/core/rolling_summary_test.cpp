// Unit tests for core/policy/rolling_summary: one line per dropped user message, the newest kept
// within the budget, small talk dropped, self-harm never quoted, deleted facts pruned.
#include "core/policy/rolling_summary.hpp"

#include "core/policy/token_count.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

namespace {
std::vector<chat_message> turns(std::initializer_list<const char*> users) {
  std::vector<chat_message> out;
  for (const char* u : users) {
    out.push_back({"user", u});
    out.push_back({"assistant", "That sounds like a lot. Tell me more?"});
  }
  return out;
}
} // namespace

TEST_CASE("dropped turns fold into one line per user message, within the budget", "[summary]") {
  conversation_summary s;
  auto a = fold_extractive(s,
                           turns({"My sister Anna lives in Lyon. Anyway.", "ok", "thanks!",
                                  "Work has been brutal since the merger in March",
                                  "我最近在准备考研，每天学到很晚"}),
                           6, 400);
  CHECK(a.version == 1);
  CHECK(a.through_turn == 6);
  CHECK(a.text
        == "My sister Anna lives in Lyon\nWork has been brutal since the merger in March\n"
           "我最近在准备考研，每天学到很晚");
  CHECK(a.text.find("That sounds like a lot") == std::string::npos); // replies are not kept
  // nothing worth keeping: the summary (and its version) stays
  auto same = fold_extractive(a, turns({"haha", "ok"}), 10, 400);
  CHECK(same.text == a.text);
  CHECK(same.version == a.version);
  CHECK(same.through_turn == 10);
  // over the budget the oldest points give way
  auto tight =
    fold_extractive(a, turns({"I started a new job at the bakery on Main Street"}), 12, 30);
  std::size_t tokens = 0;
  for (auto at = tight.text.find('\n'); at != std::string::npos; at = tight.text.find('\n', at + 1))
    ++tokens;
  CHECK(approximate_tokens(tight.text) <= 30 + 2 * (tokens + 1));
  CHECK(tight.text.find("bakery") != std::string::npos);
  CHECK(tight.text.find("Anna") == std::string::npos);
  CHECK(tight.version == 2);
  // a long message is shortened at a character boundary
  std::string long_text(600, 'x');
  auto cut = fold_extractive({}, turns({("I keep thinking about " + long_text).c_str()}), 1, 400,
                             {}, {}, 60);
  CHECK(cut.text.size() <= 60);
  CHECK(cut.text.substr(cut.text.size() - 3) == "…");
  // what the core memory carries already is not repeated; the next sentence stands in
  auto known = fold_extractive({}, turns({"My cat is called Mimi. The vet visit went badly today"}),
                               2, 400, {"My cat is called Mimi"});
  CHECK(known.text == "The vet visit went badly today");
  // a point the summary has already is not added twice
  auto twice = fold_extractive(a, turns({"My sister Anna lives in Lyon"}), 16, 400);
  CHECK(twice.text == a.text);
  // budget 0: no summary at all
  CHECK(fold_extractive(a, turns({"I moved to Oslo last year"}), 14, 0).text.empty());
}

TEST_CASE("self-harm is never quoted in the summary; deleted facts are pruned", "[summary]") {
  auto s = fold_extractive({},
                           turns({"I want to kill myself tonight", "我不想活了，真的好累",
                                  "My cat is called Mimi"}),
                           3, 400);
  CHECK(s.text.find("kill myself") == std::string::npos);
  CHECK(s.text.find("不想活") == std::string::npos);
  CHECK(s.text.find("harming themselves") != std::string::npos);
  CHECK(s.text.find("伤害自己") != std::string::npos);
  // a crisis turn the session knows of leaves the neutral line whatever its words
  auto told = fold_extractive({}, turns({"honestly everything feels pointless lately"}), 1, 400, {},
                              {"honestly everything feels pointless lately"});
  CHECK(told.text.find("pointless") == std::string::npos);
  CHECK(told.text.find("harming themselves") != std::string::npos);
  // a request to xinyu is no point about the person
  CHECK(fold_extractive({}, turns({"tell me a fun fact about octopuses"}), 1, 400).text.empty());
  auto pruned = without(s, "My cat is called Mimi");
  CHECK(pruned.text.find("Mimi") == std::string::npos);
  CHECK(pruned.version == s.version + 1);
  CHECK(without(pruned, "not there").version == pruned.version);
}

TEST_CASE("a streamed summary answer is cut at its cap, never grows without bound", "[summary]") {
  std::string answer;
  const std::size_t budget = 400;
  auto cap = summary_answer_cap(budget);
  CHECK(cap == 6400);
  CHECK(summary_answer_cap(10) == 4096); // a floor for tiny budgets
  std::string piece(1000, 'x');
  std::size_t appended = 0;
  while (append_summary_answer(answer, piece, budget))
    appended += piece.size();
  CHECK(appended == 6000);
  CHECK(answer.size() == cap); // the piece that crossed the cap was cut to fit
  CHECK_FALSE(append_summary_answer(answer, "more", budget));
  CHECK(answer.size() == cap);
  CHECK(append_summary_answer(answer, "", budget)); // nothing to cut
}
