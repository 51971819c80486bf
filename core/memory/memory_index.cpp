// Per-user memory index: exact search over a flat array for small users, one hnswlib HNSW graph
// (inner product over L2-normalised vectors) once a user has hnsw_min_items; slots reused
// oldest-first at the bound. Thread-safe; must never grow past it.
#include "core/memory/memory_index.hpp"

#include "core/support/metrics.hpp"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <unordered_set>
#include <mutex>

namespace xinyu::core {

struct memory_index::user_index {
  mutable std::shared_mutex mtx;
  std::size_t dim = 0;
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;   // null while the user is small
  std::vector<std::vector<float>> flat;                     // by slot, until the graph is built
  std::vector<std::string> texts;                           // by slot (= hnsw label)
  std::vector<sparse_vector> features;                      // by slot; empty for remote models
  std::vector<std::uint64_t> sources;                       // by slot; 0: no known source
  std::unordered_map<std::string, std::size_t> by_text;     // text -> slot
  std::unordered_map<std::uint64_t, std::size_t> by_source; // source -> slot
  std::vector<std::size_t> free;                            // slots emptied by remove, reused first
  std::unordered_set<std::uint64_t> removed;                // sources a late add must not restore
  std::deque<std::uint64_t> removed_order;                  // oldest first (bounded)
  std::size_t next = 0;                                     // slot written next once full
  std::atomic<std::uint64_t> generation{0};
};

memory_index::memory_index(options opts) : opts_(opts) {
  opts_.max_items_per_user = std::max<std::size_t>(1, opts_.max_items_per_user);
  opts_.hnsw_m = std::clamp<std::size_t>(opts_.hnsw_m, 2, 100);
  opts_.max_removed_per_user = std::max<std::size_t>(1, opts_.max_removed_per_user);
}

memory_index::~memory_index() = default;

std::shared_ptr<memory_index::user_index> memory_index::find(const std::string& user) const {
  std::shared_lock lock{mtx_};
  auto it = users_.find(user);
  return it == users_.end() ? nullptr : it->second;
}

namespace {
counter& removed_forgotten() {
  static counter& c = metrics().get_counter(
    "xinyu_memory_removed_forgotten_total",
    "removed memories no longer remembered as removed (memory.max_removed_per_user reached)");
  return c;
}
} // namespace

void memory_index::remember_removed(user_index& u, std::uint64_t source) const {
  if (!u.removed.insert(source).second)
    return;
  u.removed_order.push_back(source);
  if (u.removed_order.size() > opts_.max_removed_per_user) {
    u.removed.erase(u.removed_order.front());
    u.removed_order.pop_front();
    removed_forgotten().inc();
  }
}

std::shared_ptr<memory_index::user_index> memory_index::find_or_create(const std::string& user,
                                                                       std::uint64_t& gen) {
  std::unique_lock lock{mtx_};
  auto& slot = users_[user];
  if (!slot)
    slot = std::make_shared<user_index>();
  gen = next_generation_++;
  return slot;
}

bool memory_index::add(const std::string& user, std::string_view text,
                       const std::vector<float>& vec, sparse_vector features,
                       std::uint64_t source) {
  if (vec.empty() || text.empty())
    return false;
  std::uint64_t gen;
  auto u = find_or_create(user, gen);
  std::unique_lock lock{u->mtx};
  if (source != 0 && (u->by_source.count(source) || u->removed.count(source)))
    return false;
  if (!add_locked(*u, text, vec, std::move(features), source))
    return false;
  u->generation = gen;
  return true;
}

bool memory_index::add_locked(user_index& u, std::string_view text, const std::vector<float>& vec,
                              sparse_vector features, std::uint64_t source) const {
  if (u.dim == 0)
    u.dim = vec.size();
  if (vec.size() != u.dim)
    return false;
  std::string key{text};
  if (u.by_text.count(key))
    return false;
  try {
    std::size_t slot;
    bool growing = false;
    if (!u.free.empty()) { // a removed item's slot (its graph label is marked deleted)
      slot = u.free.back();
      u.free.pop_back();
      u.texts[slot] = key;
      u.features[slot] = std::move(features);
      u.sources[slot] = source;
    } else if (u.texts.size() < opts_.max_items_per_user) {
      growing = true;
      slot = u.texts.size();
      u.texts.push_back(key);
      u.features.push_back(std::move(features));
      u.sources.push_back(source);
    } else {
      // at the bound: the oldest item's slot takes the new one
      slot = u.next;
      u.next = (u.next + 1) % opts_.max_items_per_user;
      u.by_text.erase(u.texts[slot]);
      u.by_source.erase(u.sources[slot]);
      u.texts[slot] = key;
      u.features[slot] = std::move(features);
      u.sources[slot] = source;
    }
    if (u.graph) {
      if (growing && slot == u.graph->max_elements_)
        u.graph->resizeIndex(std::min(opts_.max_items_per_user, u.graph->max_elements_ * 2));
      u.graph->addPoint(vec.data(), slot); // an existing label is updated (and undeleted)
    } else {
      if (growing)
        u.flat.push_back(vec);
      else
        u.flat[slot] = vec;
      if (u.flat.size() >= opts_.hnsw_min_items)
        build_graph(u);
    }
    u.by_text.emplace(std::move(key), slot);
    if (source != 0)
      u.by_source[source] = slot;
  } catch (const std::exception&) {
    return false; // allocation failure inside hnswlib: the item is not indexed
  }
  return true;
}

std::optional<std::string> memory_index::remove_locked(user_index& u, std::uint64_t source) {
  auto it = u.by_source.find(source);
  if (it == u.by_source.end())
    return std::nullopt;
  auto slot = it->second;
  u.by_source.erase(it);
  std::string text = std::move(u.texts[slot]);
  u.texts[slot].clear(); // an empty text marks a free slot: search skips it
  u.by_text.erase(text);
  u.features[slot] = {};
  u.sources[slot] = 0;
  if (u.graph)
    u.graph->markDelete(slot); // searchKnn never returns it; a reuse undeletes it
  u.free.push_back(slot);
  return text;
}

std::optional<std::string> memory_index::remove(const std::string& user, std::uint64_t source) {
  if (source == 0)
    return std::nullopt;
  std::uint64_t gen;
  // a removal that comes before the fact's own (late) add must still be remembered
  auto u = find_or_create(user, gen);
  std::unique_lock lock{u->mtx};
  remember_removed(*u, source);
  auto text = remove_locked(*u, source);
  u->generation = gen;
  return text;
}

bool memory_index::replace(const std::string& user, std::uint64_t source, std::string_view text,
                           const std::vector<float>& vec, sparse_vector features) {
  if (source == 0)
    return false;
  std::uint64_t gen;
  auto u = find_or_create(user, gen);
  std::unique_lock lock{u->mtx};
  remove_locked(*u, source); // the old text goes whether or not the new one can be indexed
  bool added =
    !vec.empty() && !text.empty() && add_locked(*u, text, vec, std::move(features), source);
  if (!added && !u->by_source.count(source))
    remember_removed(*u, source); // not indexed now (no vector): a late add must be refused
  u->generation = gen;
  return added;
}

std::vector<memory_item> memory_index::items(const std::string& user) const {
  std::vector<memory_item> out;
  auto u = find(user);
  if (!u)
    return out;
  std::shared_lock lock{u->mtx};
  for (std::size_t slot = 0; slot < u->texts.size(); ++slot)
    if (!u->texts[slot].empty())
      out.push_back({u->texts[slot], u->sources[slot]});
  lock.unlock();
  std::stable_sort(out.begin(), out.end(),
                   [](const memory_item& a, const memory_item& b) { return a.source < b.source; });
  return out;
}

/// A user grew past hnsw_min_items: their flat vectors move into a fresh HNSW graph (each
/// graph costs a few MB of hnswlib bookkeeping, which is why small users have none).
void memory_index::build_graph(user_index& u) const {
  u.space = std::make_unique<hnswlib::InnerProductSpace>(u.dim);
  auto capacity = std::min(opts_.max_items_per_user, std::max<std::size_t>(u.flat.size() * 2, 64));
  auto g = std::make_unique<hnswlib::HierarchicalNSW<float>>(u.space.get(), capacity, opts_.hnsw_m,
                                                             opts_.ef_construction);
  g->setEf(opts_.ef_search);
  for (std::size_t slot = 0; slot < u.flat.size(); ++slot)
    g->addPoint(u.flat[slot].data(), slot);
  for (auto slot : u.free) // removed items' slots: never found, undeleted when reused
    g->markDelete(slot);
  u.graph = std::move(g);
  std::vector<std::vector<float>>{}.swap(u.flat); // the graph holds the vectors now
}

std::vector<memory_hit> memory_index::search(const std::string& user,
                                             const std::vector<float>& query, std::size_t k,
                                             float min_similarity, std::string_view skip_text,
                                             const sparse_vector* features) const {
  std::vector<memory_hit> hits;
  auto u = find(user);
  if (!u || k == 0)
    return hits;
  std::shared_lock lock{u->mtx};
  if (query.size() != u->dim || u->texts.empty())
    return hits;
  bool rerank = features && !features->empty();
  auto consider = [&](std::size_t label, float dense_sim) {
    const auto& text = u->texts[label];
    if (text.empty() || text == skip_text)
      return; // a removed item's free slot, or the message being answered
    float sim = dense_sim;
    if (rerank && !u->features[label].empty())
      sim = hashed_embedder::sparse_cosine(*features, u->features[label]);
    if (sim >= min_similarity)
      hits.push_back(memory_hit{text, sim});
  };
  if (!u->graph) { // small user: exact over everything
    hits.reserve(u->flat.size());
    for (std::size_t label = 0; label < u->flat.size(); ++label) {
      float dot = 0;
      if (!rerank || u->features[label].empty())
        for (std::size_t i = 0; i < query.size(); ++i)
          dot += query[i] * u->flat[label][i];
      consider(label, dot);
    }
  } else {
    auto want = k + (skip_text.empty() ? 0 : 1);
    if (rerank) // candidates for the exact re-ranking: a wide beam
      want = std::max<std::size_t>(want * 8, 64);
    want = std::min(want, u->texts.size());
    auto found = u->graph->searchKnn(query.data(), want);
    hits.reserve(found.size());
    while (!found.empty()) {
      auto [dist, label] = found.top();
      found.pop();
      consider(label, 1.0f - dist); // InnerProductSpace distance is 1 - dot
    }
  }
  lock.unlock();
  std::stable_sort(hits.begin(), hits.end(), [](const memory_hit& a, const memory_hit& b) {
    return a.similarity > b.similarity;
  }); // ties keep the older item first
  if (hits.size() > k)
    hits.resize(k);
  return hits;
}

void memory_index::remember(const std::string& user, std::string_view text) {
  auto f = embedder_.features(text);
  auto v = embedder_.fold(f);
  add(user, text, v, std::move(f));
}

std::vector<memory_hit> memory_index::recall(const std::string& user, std::string_view query,
                                             std::size_t k, float min_similarity) const {
  auto f = embedder_.features(query);
  return search(user, embedder_.fold(f), k, min_similarity, query, &f);
}

std::size_t memory_index::forget(const std::string& user) {
  std::shared_ptr<user_index> u;
  {
    std::unique_lock lock{mtx_};
    auto it = users_.find(user);
    if (it == users_.end())
      return 0;
    u = std::move(it->second);
    users_.erase(it);
    ++next_generation_;
  }
  std::shared_lock lock{u->mtx};
  return u->texts.size() - u->free.size();
}

std::size_t memory_index::size(const std::string& user) const {
  auto u = find(user);
  if (!u)
    return 0;
  std::shared_lock lock{u->mtx};
  return u->texts.size() - u->free.size();
}

bool memory_index::uses_graph(const std::string& user) const {
  auto u = find(user);
  if (!u)
    return false;
  std::shared_lock lock{u->mtx};
  return u->graph != nullptr;
}

std::size_t memory_index::users() const {
  std::shared_lock lock{mtx_};
  return users_.size();
}

std::uint64_t memory_index::generation(const std::string& user) const {
  auto u = find(user);
  return u ? u->generation.load() : 0;
}

} // namespace xinyu::core
