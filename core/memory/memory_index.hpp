// Per-user memory index: remembered texts with embeddings, top-k by cosine similarity; exact
// for small users, through one HNSW graph per user beyond hnsw_min_items. Thread-safe; must
// never grow past its per-user bound.
#pragma once

#include "core/memory/embedding.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

/// One indexed item and where it came from (memory_ref::key(); 0: no known source).
struct memory_item {
  std::string text;
  std::uint64_t source = 0;
};

struct memory_index_options {
  std::size_t max_items_per_user = 500; // the oldest item is replaced beyond this
  std::size_t hnsw_m = 16;              // graph degree
  std::size_t ef_construction = 100;    // build-time beam
  std::size_t ef_search = 64;           // query-time beam (at least k)
  std::size_t hnsw_min_items = 256;     // below this a user is searched exactly (a graph costs
                                        // ~3 MB of hnswlib locks, more than it saves)
  /// Removed sources remembered per user so that a late add (a `remember` that lost the race
  /// with a forget or an edit) is refused; the oldest is forgotten beyond this.
  std::size_t max_removed_per_user = 1024;
};

class memory_index {
public:
  using options = memory_index_options;

  explicit memory_index(options opts = {});
  ~memory_index();

  /// Adds `text` with its embedding `vec` (L2-normalised) and, for the built-in embedder, its
  /// exact sparse features; the user's first item fixes the dimension. `source` (a
  /// memory_ref::key(), 0: none) names the fact it is. False when `vec` is empty, has another
  /// dimension, the text is known, or the source is indexed already or was removed (a late
  /// `remember` must not bring back a fact the user deleted or edited).
  bool add(const std::string& user, std::string_view text, const std::vector<float>& vec,
           sparse_vector features = {}, std::uint64_t source = 0);

  /// Removes the item of `source` (from the graph too: it is never found again) and
  /// remembers the removal, so that a later `add` of that source is refused; the text it
  /// had, or nullopt when no such item is indexed. Cached results go stale (generation).
  std::optional<std::string> remove(const std::string& user, std::uint64_t source);

  /// The fact `source` now reads `text` (an edit): its old item goes and `text` is indexed
  /// in its place, in one step (a concurrent add of the old text cannot slip in). False when
  /// the new text could not be indexed (no vector, or another item has that text); the
  /// source then stays removed.
  bool replace(const std::string& user, std::uint64_t source, std::string_view text,
               const std::vector<float>& vec, sparse_vector features = {});

  /// The user's items, ordered by source (items without one first).
  std::vector<memory_item> items(const std::string& user) const;

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
  std::shared_ptr<user_index> find_or_create(const std::string& user, std::uint64_t& gen);
  bool add_locked(user_index& u, std::string_view text, const std::vector<float>& vec,
                  sparse_vector features, std::uint64_t source) const;
  static std::optional<std::string> remove_locked(user_index& u, std::uint64_t source);
  void remember_removed(user_index& u, std::uint64_t source) const;
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
