// Memory retrieval as one unit: cache first, then embed and search the per-user index;
// remembering embeds and indexes facts. Thread-safe; must never touch storage or actors.
#pragma once

#include "core/analysis.hpp"
#include "core/embedding.hpp"
#include "core/memory_index.hpp"
#include "core/retrieval_cache.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class memory_engine {
public:
  struct settings {
    std::size_t top_k = 3;
    float min_similarity = 0.2f;
    memory_index::options index;
    retrieval_cache::options cache;
  };

  /// `emb` null: the built-in hashed embedder.
  memory_engine(settings s, std::shared_ptr<const embedder> emb = nullptr);

  /// The user's memories most related to `text` (cache first), or nullopt when the query
  /// could not be embedded (the caller falls back and reports `memory` degraded).
  std::optional<std::vector<std::string>> recall(const std::string& user, std::string_view text);

  /// Embeds and indexes `facts`; returns them with their embeddings for storage (a fact that
  /// could not be embedded comes back without one and is not indexed).
  std::vector<memory_fact> remember(const std::string& user, const std::vector<std::string>& facts);

  /// Indexes stored facts, reusing their embeddings when they are of this engine's model.
  /// Returns how many were indexed.
  std::size_t seed(const std::string& user, const std::vector<memory_fact>& facts);

  std::size_t forget(const std::string& user);

  const memory_index& index() const noexcept { return index_; }
  const retrieval_cache& cache() const noexcept { return cache_; }
  const embedder& embeddings() const noexcept { return *embedder_; }

private:
  settings settings_;
  std::shared_ptr<const embedder> embedder_;
  memory_index index_;
  retrieval_cache cache_;
};

} // namespace xinyu::core
