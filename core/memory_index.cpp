// Per-user memory index with brute-force cosine top-k over hashed embeddings.
// Thread-safe; must never grow past its per-user bound.
#include "core/memory_index.hpp"

#include <algorithm>
#include <mutex>

namespace xinyu::core {

memory_index::memory_index(std::size_t max_items_per_user, std::size_t dim)
  : embedder_(dim), max_items_(max_items_per_user == 0 ? 1 : max_items_per_user) {
}

void memory_index::remember(const std::string& user, std::string_view text) {
  item it{std::string{text}, embedder_.embed(text)};
  std::unique_lock lock{mtx_};
  auto& q = users_[user];
  for (const auto& existing : q)
    if (existing.text == it.text)
      return;
  q.push_back(std::move(it));
  while (q.size() > max_items_)
    q.pop_front();
}

std::vector<memory_hit> memory_index::recall(const std::string& user, std::string_view query,
                                             std::size_t k, float min_similarity) const {
  auto qv = embedder_.embed(query);
  std::vector<memory_hit> hits;
  std::shared_lock lock{mtx_};
  auto u = users_.find(user);
  if (u == users_.end())
    return hits;
  for (const auto& it : u->second) {
    if (it.text == query)
      continue;
    float s = hashed_embedder::cosine(qv, it.vec);
    if (s >= min_similarity)
      hits.push_back(memory_hit{it.text, s});
  }
  lock.unlock();
  std::sort(hits.begin(), hits.end(),
            [](const memory_hit& a, const memory_hit& b) { return a.similarity > b.similarity; });
  if (hits.size() > k)
    hits.resize(k);
  return hits;
}

std::size_t memory_index::forget(const std::string& user) {
  std::unique_lock lock{mtx_};
  auto u = users_.find(user);
  if (u == users_.end())
    return 0;
  auto n = u->second.size();
  users_.erase(u);
  return n;
}

std::size_t memory_index::size(const std::string& user) const {
  std::shared_lock lock{mtx_};
  auto u = users_.find(user);
  return u == users_.end() ? 0 : u->second.size();
}

} // namespace xinyu::core
