// Memory retrieval as one unit: retrieval cache, embedder and per-user HNSW index.
// Thread-safe; must never touch storage or actors.
#include "core/memory/memory_engine.hpp"

#include "core/support/metrics.hpp"

namespace xinyu::core {

namespace {
struct cache_metrics {
  counter& hits =
    metrics().get_counter("xinyu_memory_cache_total",
                          "memory retrievals answered by the cache, or not", "result=\"hit\"");
  counter& misses =
    metrics().get_counter("xinyu_memory_cache_total",
                          "memory retrievals answered by the cache, or not", "result=\"miss\"");
  gauge& bytes =
    metrics().get_gauge("xinyu_memory_cache_bytes",
                        "bytes held by the retrieval cache (bounded by memory.cache_bytes)");
  gauge& users =
    metrics().get_gauge("xinyu_memory_users",
                        "users whose memory index is loaded (unloaded on passivation)");
  counter& embed_failures =
    metrics().get_counter("xinyu_embedding_failures_total",
                          "texts that could not be embedded (endpoint down or slow)");
};
cache_metrics& m() {
  static cache_metrics c;
  return c;
}
} // namespace

memory_engine::memory_engine(settings s, std::shared_ptr<const embedder> emb)
  : settings_(s), embedder_(emb ? std::move(emb) : std::make_shared<const hashed_embedder>()),
    index_(s.index), cache_(s.cache) {}

std::optional<std::vector<std::string>> memory_engine::recall(const std::string& user,
                                                              std::string_view text) {
  // read the generation first: a fact added during the search makes this entry stale at once
  auto gen = index_.generation(user);
  if (auto cached = cache_.get(user, text, gen)) {
    m().hits.inc();
    return cached;
  }
  m().misses.inc();
  std::vector<std::string> items;
  if (index_.size(user) > 0) {
    auto e = embedder_->try_embed_both(text);
    if (!e) {
      m().embed_failures.inc();
      return std::nullopt;
    }
    for (auto& hit : index_.search(user, e->vector, settings_.top_k, settings_.min_similarity, text,
                                   &e->features))
      items.push_back(std::move(hit.text));
  }
  cache_.put(user, text, gen, items);
  m().bytes.set(static_cast<std::int64_t>(cache_.bytes()));
  return items;
}

std::vector<memory_fact> memory_engine::remember(const std::string& user,
                                                 const std::vector<std::string>& facts,
                                                 std::uint64_t turn) {
  std::vector<memory_fact> out;
  out.reserve(facts.size());
  auto model = embedder_->model();
  for (std::size_t i = 0; i < facts.size(); ++i) {
    const auto& f = facts[i];
    memory_fact fact{f, {}, model, turn, static_cast<std::uint32_t>(i)};
    auto source = turn == 0 || i > 255 ? 0 : memory_ref{turn, fact.index}.key();
    if (auto e = embedder_->try_embed_both(f)) {
      fact.embedding = std::move(e->vector);
      index_.add(user, f, fact.embedding, std::move(e->features), source);
    } else {
      m().embed_failures.inc();
    }
    out.push_back(std::move(fact));
  }
  m().users.set(static_cast<std::int64_t>(index_.users()));
  return out;
}

std::uint64_t memory_engine::seed(const std::string& user, const std::vector<memory_fact>& facts) {
  std::uint64_t epoch;
  {
    std::lock_guard lock{epochs_mtx_};
    epoch = next_epoch_++;
    epochs_[user] = epoch;
  }
  auto model = embedder_->model();
  for (const auto& f : facts) {
    auto source = f.turn == 0 ? 0 : memory_ref{f.turn, f.index}.key();
    if (!f.embedding.empty() && f.model == model) {
      index_.add(user, f.text, f.embedding,
                 embedder_->try_features(f.text).value_or(sparse_vector{}), source);
    } else if (auto e = embedder_->try_embed_both(f.text)) {
      index_.add(user, f.text, e->vector, std::move(e->features), source);
    }
  }
  m().users.set(static_cast<std::int64_t>(index_.users()));
  return epoch;
}

bool memory_engine::unload(const std::string& user, std::uint64_t epoch) {
  {
    std::lock_guard lock{epochs_mtx_};
    auto it = epochs_.find(user);
    auto current = it == epochs_.end() ? 0 : it->second;
    if (current != epoch)
      return false; // seeded again by a newer session
    if (it != epochs_.end())
      epochs_.erase(it);
    index_.forget(user); // under the lock: a seed cannot slip in between check and drop
  }
  m().users.set(static_cast<std::int64_t>(index_.users()));
  return true;
}

std::size_t memory_engine::forget(const std::string& user) { return index_.forget(user); }

std::optional<std::string> memory_engine::erase(const std::string& user, const memory_ref& ref) {
  return index_.remove(user, ref.key());
}

memory_fact memory_engine::replace(const std::string& user, const memory_ref& ref,
                                   const std::string& text) {
  memory_fact fact{text, {}, embedder_->model(), ref.turn, ref.index};
  if (auto e = embedder_->try_embed_both(text)) {
    fact.embedding = std::move(e->vector);
    index_.replace(user, ref.key(), text, fact.embedding, std::move(e->features));
  } else {
    m().embed_failures.inc();
    index_.replace(user, ref.key(), text, {}); // the old text goes all the same
  }
  return fact;
}

} // namespace xinyu::core
