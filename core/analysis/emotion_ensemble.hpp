// The emotion stage's verdict: a trained model and the lexicon together, and the rule that a
// crisis message is never "neutral". Pure and thread-safe; must never do I/O.
#pragma once

#include "core/analysis/emotion_analyzer.hpp"
#include "core/analysis/text_classifier.hpp"

#include <memory>

namespace xinyu::core {

class emotion_ensemble final : public emotion_scorer {
public:
  /// The model's label wins when its probability is at least `model_threshold` (chosen on the
  /// dev split by xinyu-train) or when the lexicon finds no feeling; otherwise the lexicon's.
  emotion_ensemble(std::shared_ptr<const text_classifier> model, double model_threshold);

  emotion_result analyze(std::string_view text) const override;

  /// The model's verdict alone (for evaluation).
  emotion_result model_only(std::string_view text) const;

  /// analyze()'s rule from the two verdicts of one text: the model's when it is sure enough or
  /// the lexicon finds no feeling, else the lexicon's (the trainer sweeps `model_threshold`
  /// over verdicts computed once).
  static emotion_result choose(const emotion_result& model, const emotion_result& lexicon,
                               double model_threshold);

private:
  emotion_analyzer lexicon_;
  std::shared_ptr<const text_classifier> model_;
  double model_threshold_;
};

/// A crisis message always carries a painful feeling: "neutral" or "joy" becomes sadness
/// (self-harm) or anger (harm to others), so nothing downstream treats the person as calm.
emotion_result with_safety_floor(emotion_result e, const safety_result& s);

} // namespace xinyu::core
