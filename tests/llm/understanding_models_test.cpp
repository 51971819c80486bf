// Trains tiny fastText models through llm::train_fasttext, loads them through the
// understanding-model loaders and checks that rules and model combine as documented.
#include "core/analysis/emotion_ensemble.hpp"
#include "core/analysis/safety_checker.hpp"
#include "core/analysis/text_normalizer.hpp"
#include "llm/fasttext_classifier.hpp"
#include "llm/understanding_models.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace xinyu;

namespace {

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("xinyu-um-" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

std::vector<std::pair<std::string, std::string>>
rows(std::initializer_list<std::pair<const char*, const char*>> raw, int repeat) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < repeat; ++i)
    for (auto [label, text] : raw)
      out.emplace_back(label, core::normalize_text(text).model_input());
  return out;
}

} // namespace

TEST_CASE("a trained safety model adds recall beside the rules; thresholds come from its json",
          "[fasttext]") {
  temp_dir d;
  auto bin = (d.path / "safety.bin").string();
  std::string error;
  llm::fasttext_training small;
  small.bucket = 10000;
  small.epoch = 30;
  REQUIRE(llm::train_fasttext(rows({{"self_harm", "the blue rope is waiting in the shed"},
                                    {"self_harm", "blue rope waiting in the shed again"},
                                    {"self_harm", "the blue lantern is calling me"},
                                    {"benign", "what a lovely sunny afternoon"},
                                    {"benign", "let us bake bread this afternoon"}},
                                   20),
                              small, bin, error));
  // thresholds as xinyu-train writes them
  std::ofstream{llm::settings_path(bin)}
    << R"({"thresholds":{"crisis":0.5,"blocked":0.9,"caution":0.3,"other":0.9}})";
  auto checker = llm::load_safety_model(bin, error);
  REQUIRE(checker);
  // the rules find no crisis in this private code phrase; the model learnt it, and "rope" is
  // a word of danger, so the model may call it a crisis
  CHECK(core::safety_checker{}.check("blue rope waiting in the shed").level
        != core::safety_level::crisis);
  CHECK(checker->check("blue rope waiting in the shed").level == core::safety_level::crisis);
  // without a single word of danger the model alone only asks gently
  CHECK(checker->check("blue lantern calling me").level == core::safety_level::caution);
  CHECK(checker->check("a sunny afternoon").level == core::safety_level::ok);
  // the rules still decide where they are sure
  CHECK(checker->check("I want to kill myself").level == core::safety_level::crisis);

  // a model that cannot be read is an error, not a silent fallback
  CHECK_FALSE(llm::load_safety_model((d.path / "missing.bin").string(), error));
  CHECK_FALSE(error.empty());
  std::ofstream{d.path / "junk.bin"} << "not a model";
  CHECK_FALSE(llm::load_safety_model((d.path / "junk.bin").string(), error));
}

TEST_CASE("a model trained on kinds of phrasing answers per category: the kinds' sum",
          "[fasttext]") {
  temp_dir d;
  auto bin = (d.path / "kinds.bin").string();
  std::string error;
  llm::fasttext_training small;
  small.bucket = 10000;
  small.epoch = 30;
  REQUIRE(llm::train_fasttext(rows({{"self_harm/method", "the blue rope is waiting in the shed"},
                                    {"self_harm/farewell", "goodbye letters are on the desk"},
                                    {"benign/everyday", "what a lovely sunny afternoon"},
                                    {"benign/cooking", "let us bake bread this afternoon"}},
                                   20),
                              small, bin, error));
  auto model = llm::load_fasttext_classifier(bin, error);
  REQUIRE(model);
  auto p = model->predict(core::normalize_text("goodbye letters on the desk").model_input());
  REQUIRE(p.size() == 2); // two categories, not four kinds
  CHECK(p[0].first == "self_harm");
  CHECK(p[1].first == "benign");
  CHECK(p[0].second + p[1].second == Approx(1.0).margin(0.01));
  CHECK(p[0].second > 0.5);
}

TEST_CASE("the emotion ensemble takes the model when sure and never leaves a crisis neutral",
          "[fasttext]") {
  temp_dir d;
  auto bin = (d.path / "emotion.bin").string();
  std::string error;
  llm::fasttext_training small;
  small.bucket = 10000;
  small.epoch = 30;
  REQUIRE(llm::train_fasttext(rows({{"anger", "my manager took credit for my work again"},
                                    {"anger", "he took credit for my project in the meeting"},
                                    {"neutral", "the train leaves at nine"},
                                    {"neutral", "what time does the shop open"}},
                                   20),
                              small, bin, error));
  std::ofstream{llm::settings_path(bin)} << R"({"model_threshold":0.4})";
  auto e = llm::load_emotion_model(bin, error);
  REQUIRE(e);
  CHECK(e->analyze("my manager took credit for my work").label == "anger");

  core::safety_result crisis;
  crisis.level = core::safety_level::crisis;
  crisis.categories = {"self_harm"};
  core::emotion_result neutral;
  CHECK(core::with_safety_floor(neutral, crisis).label == "sadness");
  crisis.categories = {"violence"};
  CHECK(core::with_safety_floor(neutral, crisis).label == "anger");
  core::emotion_result joy{"joy", 0.9, 0.7};
  CHECK(core::with_safety_floor(joy, crisis).label == "anger");
  core::safety_result ok;
  CHECK(core::with_safety_floor(neutral, ok).label == "neutral");
  CHECK(core::with_safety_floor(joy, ok).label == "joy");
}

TEST_CASE("the ensemble's rule: the model when sure or the lexicon finds nothing, else the lexicon",
          "[fasttext]") {
  core::emotion_result model{"anger", 0.6, -0.6};
  core::emotion_result lexicon{"sadness", 0.8, -0.8};
  core::emotion_result lexicon_none; // "neutral": the lexicon found no feeling
  CHECK(core::emotion_ensemble::choose(model, lexicon, 0.5).label == "anger");   // sure
  CHECK(core::emotion_ensemble::choose(model, lexicon, 0.6).label == "anger");   // at the bar
  CHECK(core::emotion_ensemble::choose(model, lexicon, 0.7).label == "sadness"); // unsure
  auto fallback = core::emotion_ensemble::choose(model, lexicon_none, 0.7);
  CHECK(fallback.label == "anger");
  CHECK(fallback.score == 0.6);
}

TEST_CASE("settings_path puts the json beside the model", "[fasttext]") {
  CHECK(llm::settings_path("a/b/safety.bin") == "a/b/safety.json");
  CHECK(llm::settings_path("a.dir/model") == "a.dir/model.json");
}
