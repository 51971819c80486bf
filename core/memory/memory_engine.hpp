// Memory retrieval as one unit: cache first, then embed and search the per-user index;
// remembering embeds and indexes facts. Thread-safe; must never touch storage or actors.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/memory/embedding.hpp"
#include "core/memory/memory_id.hpp"
#include "core/memory/memory_index.hpp"
#include "core/memory/retrieval_cache.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
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

  /// Embeds and indexes `facts` (fact i of the user message of `turn`; 0: of no known
  /// turn); returns them with their embeddings for storage (a fact that could not be embedded
  /// comes back without one and is not indexed). A fact the user already deleted or edited
  /// (the remember came late) is not indexed.
  std::vector<memory_fact> remember(const std::string& user, const std::vector<std::string>& facts,
                                    std::uint64_t turn = 0);

  /// The user deleted fact `ref`: it is never recalled again (cached results included); the
  /// text it had, or nullopt when it was not indexed.
  std::optional<std::string> erase(const std::string& user, const memory_ref& ref);

  /// The user edited fact `ref` to read `text`: re-embedded and indexed in the old one's
  /// place. The fact with its new embedding (empty when it could not be made: the old text
  /// is gone all the same, and the new one is indexed when the user is next loaded).
  memory_fact replace(const std::string& user, const memory_ref& ref, const std::string& text);

  /// Indexes stored facts, reusing their embeddings when they are of this engine's model.
  /// Returns the load epoch: a number that changes with every seed of the user.
  std::uint64_t seed(const std::string& user, const std::vector<memory_fact>& facts);

  std::size_t forget(const std::string& user);

  /// Drops the user's index from memory (their facts stay in storage) unless it was seeded
  /// again since `epoch` (the value seed returned, 0 if never seeded): a passivated session
  /// must not unload what its successor just loaded. True when dropped.
  bool unload(const std::string& user, std::uint64_t epoch);

  const memory_index& index() const noexcept { return index_; }
  const retrieval_cache& cache() const noexcept { return cache_; }
  const embedder& embeddings() const noexcept { return *embedder_; }

private:
  settings settings_;
  std::shared_ptr<const embedder> embedder_;
  memory_index index_;
  retrieval_cache cache_;
  std::mutex epochs_mtx_;
  std::unordered_map<std::string, std::uint64_t> epochs_; // user -> last seed's epoch
  std::uint64_t next_epoch_ = 1;
};

} // namespace xinyu::core
