// Per-user memory index: stores remembered texts with embeddings and answers top-k by cosine
// similarity. Thread-safe (shared by the memory workers); must never grow past its per-user bound.
#pragma once

#include "core/embedding.hpp"

#include <cstddef>
#include <deque>
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

class memory_index {
public:
  explicit memory_index(std::size_t max_items_per_user = 500, std::size_t dim = 512);

  /// Remembers `text` for `user`; the oldest item goes when the user is at the bound.
  void remember(const std::string& user, std::string_view text);

  /// Top `k` items with similarity >= `min_similarity`, most similar first. An identical
  /// text (the message being answered) is skipped.
  std::vector<memory_hit> recall(const std::string& user, std::string_view query, std::size_t k,
                                 float min_similarity) const;

  /// Erases everything remembered for `user`; returns how many items went.
  std::size_t forget(const std::string& user);

  std::size_t size(const std::string& user) const;

private:
  struct item {
    std::string text;
    std::vector<float> vec;
  };
  hashed_embedder embedder_;
  std::size_t max_items_;
  mutable std::shared_mutex mtx_;
  std::unordered_map<std::string, std::deque<item>> users_;
};

} // namespace xinyu::core
