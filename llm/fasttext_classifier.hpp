// Trained fastText text classifiers (safety and emotion) behind core::text_classifier, and the
// training call xinyu-train uses. Thread-safe after loading; must never do I/O per prediction.
#pragma once

#include "core/analysis/text_classifier.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace xinyu::llm {

/// Loads a .bin/.ftz fastText model whose labels are __label__<name>. Null with `error` when
/// the file is missing or not a fastText model. Labels are reported without the prefix.
std::shared_ptr<const core::text_classifier> load_fasttext_classifier(const std::string& path,
                                                                      std::string& error);

struct fasttext_training {
  int epoch = 40;
  double lr = 0.5;
  int dim = 32;
  int word_ngrams = 3; // chosen on dev (2026-12-04): 3 beat 2 on two successive dev sets
  int minn = 2;        // character n-grams read misspellings and Chinese without segmentation
  int maxn = 4;
  int bucket = 200000;
  int seed = 1;
};

/// Trains a softmax classifier on (label, normalised text) rows with one thread, so the same
/// rows give the same model, and saves it to `path`. False with `error` on failure.
bool train_fasttext(const std::vector<std::pair<std::string, std::string>>& rows,
                    const fasttext_training& params, const std::string& path, std::string& error);

} // namespace xinyu::llm
