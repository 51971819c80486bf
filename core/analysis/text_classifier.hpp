// A trained text classifier as the pure layers see it: label probabilities for normalised text.
// Implementations live outside core/ (fastText in llm/); this interface must never do I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xinyu::core {

class text_classifier {
public:
  virtual ~text_classifier() = default;
  /// Every label the model knows with its probability (summing to about 1), for text made by
  /// normalize_text(...).model_input(). Thread-safe; never blocks on I/O.
  virtual std::vector<std::pair<std::string, double>>
  predict(std::string_view model_input) const = 0;
};

/// The probability of `label` in `p`, 0 when absent.
inline double probability_of(const std::vector<std::pair<std::string, double>>& p,
                             std::string_view label) {
  for (const auto& [l, v] : p)
    if (l == label)
      return v;
  return 0.0;
}

} // namespace xinyu::core
