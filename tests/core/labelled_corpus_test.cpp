// Tests for core/analysis/labelled_corpus: reading the train/dev/test TSV sets, each row named
// by the set it came from (what --cross-fit folds and --hold-out select by), and bad files.
#include "core/analysis/labelled_corpus.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace xinyu::core;

namespace {

struct corpus_dir {
  std::filesystem::path root =
    std::filesystem::temp_directory_path()
    / ("xinyu-corpus-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  corpus_dir() {
    std::filesystem::create_directories(root / "safety");
    std::filesystem::create_directories(root / "emotion");
  }
  ~corpus_dir() {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream{root / rel} << text;
  }
};

} // namespace

TEST_CASE("emotion rows carry the set they came from; other splits are not read",
          "[labelled_corpus]") {
  corpus_dir d;
  d.write("emotion/train.tsv", "# header\nf1\ten\tjoy\texplicit\tyay\n");
  d.write("emotion/train.wave5.zh.tsv", "f2\tzh\tanger\timplicit\t又被插队了\n\n");
  d.write("emotion/trainer.tsv", "f3\ten\tjoy\texplicit\tnot a train set\n");
  d.write("emotion/dev.wave5.zh.tsv", "f4\tzh\tsadness\timplicit\t猫走了\n");
  std::string error;
  auto train = read_emotion_split(d.root.string(), "train", error);
  REQUIRE(error.empty());
  REQUIRE(train.size() == 2);
  CHECK(train[0].source.empty());
  CHECK(train[0].label == "joy");
  CHECK(train[1].source == "wave5.zh");
  CHECK(train[1].text == "又被插队了");
  auto dev = read_emotion_split(d.root.string(), "dev", error);
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].source == "wave5.zh");
}

TEST_CASE("safety rows carry their set; a bad file names its line and empties the result",
          "[labelled_corpus]") {
  corpus_dir d;
  d.write("safety/dev.wave9.en.tsv",
          "w9-1\ten\tcrisis\tself_harm\tplan\tsaid goodbye to the cat\n");
  std::string error;
  auto dev = read_safety_split(d.root.string(), "dev", error);
  REQUIRE(dev.size() == 1);
  CHECK(dev[0].source == "wave9.en");
  CHECK(dev[0].category == "self_harm");
  d.write("emotion/train.tsv", "f1\ten\tecstatic\texplicit\tyay\n");
  CHECK(read_emotion_split(d.root.string(), "train", error).empty());
  CHECK(error.find("unknown emotion 'ecstatic'") != std::string::npos);
  d.write("emotion/train.tsv", "f1\ten\tjoy\tyay\n");
  CHECK(read_emotion_split(d.root.string(), "train", error).empty());
  CHECK(error.find("train.tsv:1: want 5") != std::string::npos);
  CHECK(read_emotion_split(d.root.string(), "test", error).empty());
  CHECK(error.find("no ") == 0);
}

TEST_CASE("scores count a crisis answered plain ok apart from one answered with a check-in",
          "[corpus]") {
  std::vector<safety_example> rows(3);
  for (auto& r : rows) {
    r.level = "crisis";
    r.category = "self_harm";
    r.kind = "wish_dead";
    r.lang = "en";
  }
  std::vector<safety_result> got(3);
  got[0].level = safety_level::crisis;
  got[1].level = safety_level::caution;
  got[2].level = safety_level::ok;
  auto s = score_safety(rows, got);
  CHECK(s.crisis.n == 3);
  CHECK(s.crisis.hits == 1);
  CHECK(s.crisis_as_ok.n == 3);
  CHECK(s.crisis_as_ok.hits == 1); // the check-in is a miss, but not a plain ok
}
