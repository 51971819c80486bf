// Unit tests for core/analysis/emotion_analyzer: labels, negation, degree, contrast, emoji,
// repetition.
#include "core/analysis/emotion_analyzer.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

namespace {
const emotion_analyzer analyzer;
std::string label(const char* s) { return analyzer.analyze(s).label; }
} // namespace

TEST_CASE("basic labels in Chinese and English", "[emotion]") {
  CHECK(label("我今天特别开心") == "joy");
  CHECK(label("我好难过，想哭") == "sadness");
  CHECK(label("明天考试，我很焦虑，睡不着") == "anxiety");
  CHECK(label("他这样做让我很生气") == "anger");
  CHECK(label("我好害怕一个人走夜路的那种恐惧") == "fear");
  CHECK(label("一个人在外地，好孤独") == "loneliness");
  CHECK(label("今天下午三点开会") == "neutral");
  CHECK(label("I am so happy today") == "joy");
  CHECK(label("I feel really sad and I keep crying") == "sadness");
  CHECK(label("I'm worried and stressed about my exams") == "anxiety");
  CHECK(label("I am furious at my boss") == "anger");
  CHECK(label("I'm scared of the dark") == "fear");
  CHECK(label("I feel so lonely") == "loneliness");
  CHECK(label("The meeting is at 3pm") == "neutral");
}

TEST_CASE("negation flips joy and cancels negative emotions", "[emotion]") {
  CHECK(label("我不开心") == "sadness");
  CHECK(label("I am not happy") == "sadness");
  CHECK(label("我没有难过") != "sadness");
  CHECK(label("I'm not sad anymore") != "sadness");
  CHECK(analyzer.analyze("I'm not sad anymore").valence >= 0);
}

TEST_CASE("degree words scale the score", "[emotion]") {
  auto mild = analyzer.analyze("我有点难过");
  auto strong = analyzer.analyze("我非常难过");
  CHECK(mild.label == "sadness");
  CHECK(strong.label == "sadness");
  CHECK(strong.score > mild.score);
  CHECK(analyzer.analyze("I am extremely sad").score > analyzer.analyze("I am a bit sad").score);
}

TEST_CASE("contrast: what follows but dominates", "[emotion]") {
  CHECK(label("虽然考试过了很开心，但是我还是很孤独") == "loneliness");
  CHECK(label("It was a nice day but I feel really anxious") == "anxiety");
}

TEST_CASE("emoji and repetition carry emotion", "[emotion]") {
  CHECK(label("😭😭") == "sadness");
  CHECK(label("今天 😊") == "joy");
  CHECK(analyzer.analyze("我好难过!!!").score > analyzer.analyze("我好难过").score);
}

TEST_CASE("valence sign follows the label and stays in range", "[emotion]") {
  auto joy = analyzer.analyze("太好了，我好开心");
  auto sad = analyzer.analyze("我很伤心");
  CHECK(joy.valence > 0);
  CHECK(sad.valence < 0);
  for (auto* s : {"开心开心开心开心!!!!😊😊😊", "难过难过难过😭😭😭!!!!", ""}) {
    auto r = analyzer.analyze(s);
    CHECK(r.score >= 0.0);
    CHECK(r.score <= 1.0);
    CHECK(r.valence >= -1.0);
    CHECK(r.valence <= 1.0);
  }
}
