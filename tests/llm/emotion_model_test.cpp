// Trains a tiny fastText emotion model from the shipped labelled set with
// scripts/train_emotion.sh, loads it through llm::load_fasttext_emotion and measures it.
#include "llm/emotion_model.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using xinyu::llm::load_fasttext_emotion;

namespace {

std::vector<std::pair<std::string, std::string>> labelled(const std::string& file) {
  std::ifstream in{std::string{XINYU_SOURCE_DIR} + "/tests/data/" + file};
  std::vector<std::pair<std::string, std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto tab = line.find('\t');
    rows.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return rows;
}

struct temp_dir {
  fs::path path = fs::temp_directory_path() / ("xinyu-ft-" + std::to_string(::getpid()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

int train(const fs::path& csv, const fs::path& out, int epochs) {
  auto cmd = "bash " + std::string{XINYU_SOURCE_DIR} + "/scripts/train_emotion.sh '" + csv.string()
             + "' '" + out.string() + "' " + std::to_string(epochs) + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

} // namespace

TEST_CASE("a fastText model trained from the shipped set loads and classifies", "[fasttext]") {
  temp_dir d;
  auto rows = labelled("emotion_eval.tsv");
  REQUIRE(rows.size() >= 300);
  {
    std::ofstream csv{d.path / "train.csv"};
    csv << "# label,text\n";
    for (const auto& [label, text] : rows)
      csv << label << "," << text << "\n";
  }
  REQUIRE(train(d.path / "train.csv", d.path / "emotion", 40) == 0);
  std::string error;
  auto model = load_fasttext_emotion((d.path / "emotion.bin").string(), error);
  INFO(error);
  REQUIRE(model);
  int right = 0;
  for (const auto& [label, text] : rows) {
    auto r = model->analyze(text);
    right += r.label == label;
    CHECK(r.score >= 0.0);
    CHECK(r.score <= 1.0);
  }
  double train_acc = double(right) / double(rows.size());
  // the held-out sentences were never seen in training
  auto held = labelled("emotion_holdout.tsv");
  int held_right = 0;
  for (const auto& [label, text] : held)
    held_right += model->analyze(text).label == label;
  std::printf("fastText emotion (trained on %zu sentences): training accuracy %.3f, held-out "
              "accuracy %.3f (%zu sentences)\n",
              rows.size(), train_acc, double(held_right) / double(held.size()), held.size());
  CHECK(train_acc >= 0.8); // it learned the set it was given
  auto sad = model->analyze("我今天很难过，什么都不想做");
  CHECK(sad.label == "sadness");
  CHECK(sad.valence < 0);
}

TEST_CASE("bad models and bad training input are refused with clear messages", "[fasttext]") {
  temp_dir d;
  std::string error;
  CHECK_FALSE(load_fasttext_emotion((d.path / "missing.bin").string(), error));
  CHECK(error.find("cannot read") != std::string::npos);
  std::ofstream{d.path / "junk.bin"} << "this is not a model";
  CHECK_FALSE(load_fasttext_emotion((d.path / "junk.bin").string(), error));
  CHECK(error.find("not a fastText model") != std::string::npos);
  std::ofstream{d.path / "bad.csv"} << "happiness,I am glad\n";
  CHECK(train(d.path / "bad.csv", d.path / "bad", 1) != 0);
  // a model with other labels is not an emotion model
  std::ofstream{d.path / "other.csv"} << "joy,x\n";
  {
    std::ofstream ft{d.path / "other.txt"};
    ft << "__label__spam buy now\n__label__ham hello friend\n";
  }
  auto cmd = "fasttext supervised -input '" + (d.path / "other.txt").string() + "' -output '"
             + (d.path / "other").string() + "' -epoch 1 -thread 1 -verbose 0 >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK_FALSE(load_fasttext_emotion((d.path / "other.bin").string(), error));
  CHECK(error.find("none of the labels") != std::string::npos);
}
