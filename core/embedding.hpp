// Built-in text embedding: hashed Han character uni/bi-grams and English words into a fixed
// L2-normalised vector. Pure and deterministic; must never depend on a model download.
#pragma once

#include <string_view>
#include <vector>

namespace xinyu::core {

class hashed_embedder {
public:
  explicit hashed_embedder(std::size_t dim = 512) : dim_(dim) {}

  std::size_t dim() const noexcept { return dim_; }

  /// Embeds `text`; an empty or featureless text gives the zero vector.
  std::vector<float> embed(std::string_view text) const;

  static float cosine(const std::vector<float>& a, const std::vector<float>& b) noexcept;

private:
  std::size_t dim_;
};

} // namespace xinyu::core
