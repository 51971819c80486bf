// Baseline lexicon emotion scorer for Chinese and English: negation, degree words, contrast,
// emoji and repetition. Pure and thread-safe after construction; must never block or allocate
// globally.
#pragma once

#include "core/analysis/analysis.hpp"

#include <string>
#include <string_view>
#include <unordered_map>

namespace xinyu::core {

/// Anything that labels the emotion of a message: the built-in lexicon or a trained model.
class emotion_scorer {
public:
  virtual ~emotion_scorer() = default;
  /// Label one of joy, sadness, anxiety, anger, fear, loneliness, neutral; score and valence.
  virtual emotion_result analyze(std::string_view text) const = 0;
};

class emotion_analyzer final : public emotion_scorer {
public:
  emotion_analyzer();

  /// Scores `text`; label is one of joy, sadness, anxiety, anger, fear, loneliness, neutral.
  emotion_result analyze(std::string_view text) const override;

  /// The typical valence of a label (-1..1; 0 for neutral and unknown labels).
  static double valence_of(std::string_view label) noexcept;

  enum class term_kind { emotion, negator, degree, contrast, boundary, filler };
  struct term {
    term_kind kind;
    int label = -1;      // index into labels() for emotions
    double weight = 1.0; // emotion weight or degree multiplier
  };

  static const char* const* labels() noexcept;
  static constexpr int label_count = 6;

private:
  std::unordered_map<std::string, term> terms_;
  std::size_t max_term_chars_ = 1;
};

} // namespace xinyu::core
