// fastText emotion classifier behind core::emotion_scorer: top label and its probability.
// Thread-safe after loading (predictLine is const); must never block on I/O per call.
#include "llm/emotion_model.hpp"

#include <fasttext/fasttext.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace xinyu::llm {

namespace {

constexpr const char* prefix = "__label__";

class fasttext_emotion final : public core::emotion_scorer {
public:
  explicit fasttext_emotion(std::unique_ptr<fasttext::FastText> ft) : ft_(std::move(ft)) {}

  core::emotion_result analyze(std::string_view text) const override {
    // the training script lower-cases ASCII and keeps the text as it is otherwise
    std::string line;
    line.reserve(text.size() + 1);
    for (char c : text)
      line.push_back(c == '\n' || c == '\r' ? ' '
                     : (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32)
                                              : c);
    line.push_back('\n');
    std::istringstream in{line};
    std::vector<std::pair<fasttext::real, std::string>> predictions;
    core::emotion_result r;
    if (!ft_->predictLine(in, predictions, 1, 0.0) || predictions.empty())
      return r; // nothing the model knows: neutral
    auto label = predictions[0].second;
    if (label.rfind(prefix, 0) == 0)
      label = label.substr(std::char_traits<char>::length(prefix));
    double p = predictions[0].first;
    r.label = core::emotion_analyzer::valence_of(label) != 0.0 || label == "neutral" ? label
                                                                                      : "neutral";
    r.score = std::clamp(p, 0.0, 1.0);
    r.valence = core::emotion_analyzer::valence_of(r.label) * r.score;
    return r;
  }

private:
  std::unique_ptr<fasttext::FastText> ft_;
};

} // namespace

std::shared_ptr<const core::emotion_scorer> load_fasttext_emotion(const std::string& path,
                                                                 std::string& error) {
  if (!std::ifstream{path}.good()) {
    error = "emotion.model: cannot read '" + path + "'";
    return nullptr;
  }
  auto ft = std::make_unique<fasttext::FastText>();
  try {
    ft->loadModel(path);
  } catch (const std::exception& e) {
    error = "emotion.model: '" + path + "' is not a fastText model (" + e.what() + ")";
    return nullptr;
  }
  bool known = false;
  for (const char* l : {"joy", "sadness", "anxiety", "anger", "fear", "loneliness", "neutral"})
    known = known || ft->getLabelId(std::string{prefix} + l) >= 0;
  if (!known) {
    error = "emotion.model: '" + path + "' has none of the labels __label__joy, __label__sadness, "
            "... (train it with scripts/train_emotion.sh)";
    return nullptr;
  }
  return std::make_shared<fasttext_emotion>(std::move(ft));
}

} // namespace xinyu::llm
