// The emotion stage's verdict from a trained model and the lexicon, and the crisis floor.
// Pure and thread-safe; must never do I/O.
#include "core/analysis/emotion_ensemble.hpp"

#include "core/analysis/text_normalizer.hpp"

#include <algorithm>

namespace xinyu::core {

emotion_ensemble::emotion_ensemble(std::shared_ptr<const text_classifier> model,
                                   double model_threshold)
  : model_(std::move(model)), model_threshold_(model_threshold) {}

emotion_result emotion_ensemble::model_only(std::string_view text) const {
  emotion_result r;
  auto p = model_->predict(normalize_text(text).model_input());
  auto best = std::max_element(p.begin(), p.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best == p.end())
    return r;
  bool known = emotion_analyzer::valence_of(best->first) != 0.0 || best->first == "neutral";
  r.label = known ? best->first : "neutral";
  r.score = std::clamp(best->second, 0.0, 1.0);
  r.valence = emotion_analyzer::valence_of(r.label) * r.score;
  return r;
}

emotion_result emotion_ensemble::choose(const emotion_result& model, const emotion_result& lexicon,
                                        double model_threshold) {
  return model.score >= model_threshold || lexicon.label == "neutral" ? model : lexicon;
}

emotion_result emotion_ensemble::analyze(std::string_view text) const {
  auto m = model_only(text);
  if (m.score >= model_threshold_) // the lexicon is not needed
    return m;
  return choose(m, lexicon_.analyze(text), model_threshold_);
}

emotion_result with_safety_floor(emotion_result e, const safety_result& s) {
  // "joy" in a crisis message is a misreading (or relief at the thought of dying): neither
  // may make the reply light
  if (s.level != safety_level::crisis || (e.label != "neutral" && e.label != "joy"))
    return e;
  bool violence =
    std::find(s.categories.begin(), s.categories.end(), "violence") != s.categories.end()
    && std::find(s.categories.begin(), s.categories.end(), "self_harm") == s.categories.end();
  e.label = violence ? "anger" : "sadness";
  e.score = std::max(e.score, 0.5);
  e.valence = emotion_analyzer::valence_of(e.label) * e.score;
  return e;
}

} // namespace xinyu::core
