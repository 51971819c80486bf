// fastText behind core::text_classifier: every label's probability for one normalised line;
// training on rows through a temporary file. Must never do I/O per prediction.
#include "llm/fasttext_classifier.hpp"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace xinyu::llm {

namespace {

constexpr std::string_view prefix = "__label__";

class fasttext_classifier final : public core::text_classifier {
public:
  explicit fasttext_classifier(std::unique_ptr<fasttext::FastText> ft) : ft_(std::move(ft)) {}

  std::vector<std::pair<std::string, double>> predict(std::string_view input) const override {
    std::string line;
    line.reserve(input.size() + 1);
    line.append(input);
    line.push_back('\n');
    std::istringstream in{line};
    std::vector<std::pair<fasttext::real, std::string>> predictions;
    std::vector<std::pair<std::string, double>> out;
    if (!ft_->predictLine(in, predictions, -1, 0.0))
      return out;
    out.reserve(predictions.size());
    for (auto& [p, label] : predictions) {
      std::string name = label.rfind(prefix, 0) == 0 ? label.substr(prefix.size()) : label;
      // a model trained on kinds ("self_harm/method") answers per category: their sum
      if (auto slash = name.find('/'); slash != std::string::npos) {
        name.resize(slash);
        auto same =
          std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.first == name; });
        if (same != out.end()) {
          same->second += static_cast<double>(p);
          continue;
        }
      }
      out.emplace_back(std::move(name), static_cast<double>(p));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    return out;
  }

private:
  std::unique_ptr<fasttext::FastText> ft_;
};

} // namespace

std::shared_ptr<const core::text_classifier> load_fasttext_classifier(const std::string& path,
                                                                      std::string& error) {
  if (!std::ifstream{path}.good()) {
    error = "cannot read '" + path + "'";
    return nullptr;
  }
  auto ft = std::make_unique<fasttext::FastText>();
  try {
    ft->loadModel(path);
  } catch (const std::exception& e) {
    error = "'" + path + "' is not a fastText model (" + e.what() + ")";
    return nullptr;
  }
  return std::make_shared<fasttext_classifier>(std::move(ft));
}

bool train_fasttext(const std::vector<std::pair<std::string, std::string>>& rows,
                    const fasttext_training& params, const std::string& path, std::string& error) {
  namespace fs = std::filesystem;
  auto input = fs::temp_directory_path()
               / ("xinyu-train-" + std::to_string(::getpid()) + "-"
                  + std::to_string(reinterpret_cast<std::uintptr_t>(&rows)) + ".txt");
  {
    std::ofstream out{input};
    for (const auto& [label, text] : rows)
      out << prefix << label << ' ' << text << '\n';
    if (!out) {
      error = "cannot write " + input.string();
      return false;
    }
  }
  fasttext::Args a;
  a.input = input.string();
  a.output = path;
  a.model = fasttext::model_name::sup;
  a.loss = fasttext::loss_name::softmax;
  a.epoch = params.epoch;
  a.lr = params.lr;
  a.dim = params.dim;
  a.wordNgrams = params.word_ngrams;
  a.minn = params.minn;
  a.maxn = params.maxn;
  a.bucket = params.bucket;
  a.minCount = 1;
  a.thread = 1; // one thread: the same rows give the same model
  a.seed = params.seed;
  a.verbose = 0;
  bool ok = true;
  try {
    fasttext::FastText ft;
    ft.train(a);
    ft.saveModel(path);
  } catch (const std::exception& e) {
    error = std::string{"fastText training failed: "} + e.what();
    ok = false;
  }
  std::error_code ec;
  fs::remove(input, ec);
  return ok;
}

} // namespace xinyu::llm
