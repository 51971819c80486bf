// Per-user memory index: remembered texts with embeddings, top-k by cosine similarity; exact
// for small users, through one HNSW graph per user beyond hnsw_min_items. Thread-safe; must
// never grow past its per-user bound.
#pragma once

#include "core/memory/embedding.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xinyu::core {

struct memory_hit {
  std::string text;
  float similarity = 0;
};

struct memory_index_options {
  std::size_t max_items_per_user = 500; // the oldest item is replaced beyond this
  std::size_t hnsw_m = 16;              // graph degree
  std::size_t ef_construction = 100;    // build-time beam
  std::size_t ef_search = 64;           // query-time beam (at least k)
  std::size_t hnsw_min_items = 256;     // below this a user is searched exactly (a graph costs
                                        // ~3 MB of hnswlib locks, more than it saves)
};

class memory_index {
public:
  using options = memory_index_options;

  explicit memory_index(options opts = {});
  ~memory_index();

  /// Adds `text` with its embedding `vec` (L2-normalised) and, for the built-in embedder, its
  /// exact sparse features; the user's first item fixes the dimension. False when `vec` is
  /// empty, has another dimension, or the text is known.
  bool add(const std::string& user, std::string_view text, const std::vector<float>& vec,
           sparse_vector features = {});

  /// Top `k` items with similarity >= `min_similarity`, most similar first; an item whose
  /// text equals `skip_text` (the message being answered) is left out. With `features`, the
  /// HNSW candidates are re-ranked by exact sparse similarity (hash collisions in the dense
  /// vector cannot then pull in unrelated memories).
  std::vector<memory_hit> search(const std::string& user, const std::vector<float>& query,
                                 std::size_t k, float min_similarity,
                                 std::string_view skip_text = {},
                                 const sparse_vector* features = nullptr) const;

  /// `add` and `search` with the built-in hashed embedder.
  void remember(const std::string& user, std::string_view text);
  std::vector<memory_hit> recall(const std::string& user, std::string_view query, std::size_t k,
                                 float min_similarity) const;

  /// Erases everything remembered for `user`; returns how many items went.
  std::size_t forget(const std::string& user);

  std::size_t size(const std::string& user) const;

  /// Users with an index in memory.
  std::size_t users() const;

  /// Changes whenever the user's items change: a cached search result is valid only for the
  /// generation it was computed at.
  std::uint64_t generation(const std::string& user) const;

  const hashed_embedder& builtin_embedder() const noexcept { return embedder_; }

private:
  struct user_index;
  std::shared_ptr<user_index> find(const std::string& user) const;
  void build_graph(user_index& u) const;

public:
  /// True when `user` is searched through an HNSW graph (for tests and metrics).
  bool uses_graph(const std::string& user) const;

private:
  options opts_;
  hashed_embedder embedder_;
  mutable std::shared_mutex mtx_; // guards the map; each user_index has its own lock
  std::unordered_map<std::string, std::shared_ptr<user_index>> users_;
  std::uint64_t next_generation_ = 1; // under mtx_: generations never repeat, even after forget
};

} // namespace xinyu::core
