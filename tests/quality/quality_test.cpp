// Quality of the understanding stages, measured on the hand-labelled sets in tests/data:
// emotion macro-F1, crisis recall, benign false positives, fact extraction and memory recall@3.
#include "core/config.hpp"
#include "core/emotion_analyzer.hpp"
#include "core/fact_extractor.hpp"
#include "core/memory_index.hpp"
#include "core/safety_checker.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace xinyu;

namespace {

/// Rows of a TSV file under tests/data, '#' lines skipped; every row has `columns` fields.
std::vector<std::vector<std::string>> read_tsv(const std::string& name, std::size_t columns) {
  std::ifstream in{std::string{XINYU_SOURCE_DIR} + "/tests/data/" + name};
  REQUIRE(in.good());
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> f;
    std::stringstream ss{line};
    std::string cell;
    while (std::getline(ss, cell, '\t'))
      f.push_back(cell);
    INFO(name << ": " << line);
    REQUIRE(f.size() == columns);
    rows.push_back(std::move(f));
  }
  return rows;
}

struct emotion_scores {
  std::size_t sentences = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  std::size_t labels = 0;
};

emotion_scores score_emotion(const std::string& file) {
  auto rows = read_tsv(file, 2);
  core::emotion_analyzer a;
  std::map<std::string, int> tp, fp, fn;
  std::set<std::string> labels;
  int correct = 0;
  for (const auto& r : rows) {
    const auto& gold = r[0];
    auto got = a.analyze(r[1]).label;
    labels.insert(gold);
    if (got == gold) {
      ++tp[gold];
      ++correct;
    } else {
      ++fp[got];
      ++fn[gold];
      std::printf("  emotion miss: want %-10s got %-10s %s\n", gold.c_str(), got.c_str(),
                  r[1].c_str());
    }
  }
  double f1_sum = 0;
  for (const auto& l : labels) {
    double p = tp[l] + fp[l] ? double(tp[l]) / (tp[l] + fp[l]) : 0;
    double rc = tp[l] + fn[l] ? double(tp[l]) / (tp[l] + fn[l]) : 0;
    double f1 = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
    std::printf("emotion %-10s precision %.3f recall %.3f F1 %.3f\n", l.c_str(), p, rc, f1);
    f1_sum += f1;
  }
  emotion_scores s{rows.size(), double(correct) / double(rows.size()),
                   f1_sum / static_cast<double>(labels.size()), labels.size()};
  std::printf("emotion (%s): %zu sentences, accuracy %.3f, macro-F1 %.3f\n", file.c_str(),
              s.sentences, s.accuracy, s.macro_f1);
  return s;
}

struct safety_scores {
  std::size_t sentences = 0;
  double crisis_recall = 0;
  double benign_fp = 0;
  double blocked_right = 0;
  double caution_right = 0;
};

safety_scores score_safety(const std::string& file) {
  auto rows = read_tsv(file, 3);
  core::safety_checker c;
  std::map<std::string, int> total, right; // by expected level
  int crisis = 0, crisis_found = 0, benign = 0, benign_flagged = 0;
  for (const auto& r : rows) {
    std::string got = core::to_string(c.check(r[2]).level);
    ++total[r[0]];
    bool ok = got == r[0];
    right[r[0]] += ok;
    if (r[0] == "crisis") {
      ++crisis;
      crisis_found += got == "crisis";
    }
    if (r[0] == "ok") {
      ++benign;
      benign_flagged += got != "ok";
    }
    if (!ok)
      std::printf("  safety miss: want %-8s got %-8s %s\n", r[0].c_str(), got.c_str(),
                  r[2].c_str());
  }
  for (const auto& [level, n] : total)
    std::printf("safety %-8s %3d sentences, level right %.3f\n", level.c_str(), n,
                double(right[level]) / n);
  safety_scores s{rows.size(), double(crisis_found) / crisis, double(benign_flagged) / benign,
                  double(right["blocked"]) / total["blocked"],
                  double(right["caution"]) / total["caution"]};
  std::printf("safety (%s): %zu sentences, crisis recall %.3f (%d/%d), benign false positives "
              "%.3f (%d/%d)\n",
              file.c_str(), s.sentences, s.crisis_recall, crisis_found, crisis, s.benign_fp,
              benign_flagged, benign);
  return s;
}

} // namespace

TEST_CASE("emotion macro-F1 on the labelled set is at least 0.75", "[quality][emotion]") {
  auto s = score_emotion("emotion_eval.tsv");
  REQUIRE(s.sentences >= 300);
  REQUIRE(s.labels == 7);
  CHECK(s.macro_f1 >= 0.75);
}

TEST_CASE("safety: crisis recall >= 0.95, benign false positives <= 2%", "[quality][safety]") {
  auto s = score_safety("safety_eval.tsv");
  REQUIRE(s.sentences >= 300);
  CHECK(s.crisis_recall >= 0.95);
  CHECK(s.benign_fp <= 0.02);
  // blocked and caution are judged too: a blocked request must never slip to ok
  CHECK(s.blocked_right >= 0.95);
  CHECK(s.caution_right >= 0.9);
}

// The sets above were used to develop the lexicons and rules; these were written afterwards
// and never tuned on. Their figures say how well the rules generalise (README reports both).
TEST_CASE("held-out sentences: figures printed, with a floor", "[quality][holdout]") {
  auto e = score_emotion("emotion_holdout.tsv");
  auto s = score_safety("safety_holdout.tsv");
  CHECK(e.macro_f1 >= 0.6);
  CHECK(s.crisis_recall >= 0.8);
  CHECK(s.benign_fp <= 0.1);
}

TEST_CASE("fact extraction keeps what is worth remembering and skips small talk",
          "[quality][memory]") {
  auto rows = read_tsv("fact_eval.tsv", 2);
  core::fact_extractor x;
  int tp = 0, fp = 0, fn = 0, tn = 0;
  for (const auto& r : rows) {
    bool want = r[0] == "yes";
    bool got = !x.extract(r[1]).empty();
    tp += want && got;
    fp += !want && got;
    fn += want && !got;
    tn += !want && !got;
    if (want != got)
      std::printf("  fact miss: want %s %s\n", r[0].c_str(), r[1].c_str());
  }
  double p = double(tp) / std::max(1, tp + fp), rc = double(tp) / std::max(1, tp + fn);
  std::printf("facts: %zu messages, precision %.3f recall %.3f\n", rows.size(), p, rc);
  CHECK(p >= 0.9);
  CHECK(rc >= 0.9);
}

TEST_CASE("memory recall@3 on stored facts and paraphrased messages is at least 0.9",
          "[quality][memory]") {
  auto rows = read_tsv("memory_eval.tsv", 2);
  REQUIRE(rows.size() >= 50);
  // the server's defaults: the threshold that keeps unrelated memories out of the prompt
  auto defaults = core::load_config("{}");
  REQUIRE(defaults.value);
  auto min_sim = static_cast<float>(defaults.value->memory.min_similarity);
  auto k = defaults.value->memory.top_k;
  REQUIRE(k == 3);
  core::memory_index index{core::memory_index::options{}};
  for (const auto& r : rows)
    index.remember("eval-user", r[0]);
  int found = 0;
  for (const auto& r : rows) {
    auto hits = index.recall("eval-user", r[1], k, min_sim);
    bool ok = false;
    for (const auto& h : hits)
      ok = ok || h.text == r[0];
    found += ok;
    if (!ok)
      std::printf("  recall miss: %s -> %s\n", r[1].c_str(),
                  hits.empty() ? "(nothing)" : hits[0].text.c_str());
  }
  double recall = double(found) / double(rows.size());
  // small talk must not drag memories into the prompt
  auto talk = read_tsv("fact_eval.tsv", 2);
  int asked = 0, dragged = 0;
  for (const auto& t : talk) {
    if (t[0] != "no")
      continue;
    ++asked;
    auto hits = index.recall("eval-user", t[1], k, min_sim);
    if (!hits.empty()) {
      ++dragged;
      std::printf("  unrelated recall: %s -> %s (%.3f)\n", t[1].c_str(), hits[0].text.c_str(),
                  hits[0].similarity);
    }
  }
  double unrelated = double(dragged) / asked;
  std::printf("memory: %zu facts, recall@3 %.3f at min_similarity %.2f; small talk with a "
              "memory attached %.3f (%d/%d)\n",
              rows.size(), recall, min_sim, unrelated, dragged, asked);
  CHECK(recall >= 0.9);
  CHECK(unrelated <= 0.1);
}
