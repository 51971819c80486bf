// Built-in text embedding: hashed Han character uni/bi-grams and English words into a fixed
// L2-normalised vector. Pure and deterministic; must never depend on a model download.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// Hashed features (sorted by hash, L2-normalised): exact similarity without collisions.
using sparse_vector = std::vector<std::pair<std::uint64_t, float>>;

/// Where embeddings come from: the built-in hashed embedder or a remote endpoint.
class embedder {
public:
  virtual ~embedder() = default;
  /// Identifies the vector space: stored vectors are reused only under the same id.
  virtual std::string model() const = 0;
  /// The L2-normalised embedding, or nullopt when it cannot be made now (endpoint down).
  virtual std::optional<std::vector<float>> try_embed(std::string_view text) const = 0;
  /// Exact sparse features used to re-rank search candidates; none for remote models.
  virtual std::optional<sparse_vector> try_features(std::string_view) const { return std::nullopt; }
  /// Both at once (the built-in embedder derives the vector from the features).
  struct both {
    std::vector<float> vector;
    sparse_vector features;
  };
  virtual std::optional<both> try_embed_both(std::string_view text) const {
    auto v = try_embed(text);
    if (!v)
      return std::nullopt;
    return both{std::move(*v), try_features(text).value_or(sparse_vector{})};
  }
};

class hashed_embedder final : public embedder {
public:
  explicit hashed_embedder(std::size_t dim = 512) : dim_(dim) {}

  std::size_t dim() const noexcept { return dim_; }

  /// Embeds `text`; an empty or featureless text gives the zero vector.
  std::vector<float> embed(std::string_view text) const;

  std::string model() const override { return "hashed-v2-" + std::to_string(dim_); }
  std::optional<std::vector<float>> try_embed(std::string_view text) const override {
    return embed(text);
  }

  /// The features `embed` folds into `dim` dimensions, before folding (no collisions).
  sparse_vector features(std::string_view text) const;
  std::optional<sparse_vector> try_features(std::string_view text) const override {
    return features(text);
  }
  std::optional<both> try_embed_both(std::string_view text) const override {
    auto f = features(text);
    auto v = fold(f);
    return both{std::move(v), std::move(f)};
  }
  /// The dense vector of `features`: hashed into dim() signed buckets, L2-normalised.
  std::vector<float> fold(const sparse_vector& features) const;
  static float sparse_cosine(const sparse_vector& a, const sparse_vector& b) noexcept;

  static float cosine(const std::vector<float>& a, const std::vector<float>& b) noexcept;

  /// Stored form of a vector: float32 little-endian, base64. `unpack` gives nullopt for text
  /// that is not such a vector.
  static std::string pack(const std::vector<float>& v);
  static std::optional<std::vector<float>> unpack(std::string_view packed);

private:
  std::size_t dim_;
};

} // namespace xinyu::core
