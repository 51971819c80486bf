// LRU + TTL cache of memory-retrieval results, bounded in bytes.
// Thread-safe; must never return a result computed at an older memory generation.
#include "core/memory/retrieval_cache.hpp"

#include "core/support/text.hpp"

namespace xinyu::core {

namespace {
constexpr std::size_t entry_overhead = 128; // list node, map node, bookkeeping (estimate)
}

retrieval_cache::retrieval_cache(options opts) : opts_(opts) {}

std::string retrieval_cache::normalize(std::string_view query) {
  std::string out;
  out.reserve(query.size());
  for (auto cp : decode_utf8(query)) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) // full-width ASCII
      cp -= 0xFEE0;
    if (cp >= 'A' && cp <= 'Z')
      cp += 32;
    bool keep = (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp >= 0x80;
    bool punct = (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF65)
                 || (cp >= 0x2000 && cp <= 0x206F);
    if (keep && !punct)
      append_utf8(out, cp);
  }
  return out;
}

std::string retrieval_cache::key_of(const std::string& user, std::string_view query) {
  std::string k;
  k.reserve(user.size() + query.size() + 1);
  k += user;
  k.push_back('\0'); // user ids cannot contain NUL: the split is unambiguous
  k += normalize(query);
  return k;
}

void retrieval_cache::erase(std::list<entry>::iterator it) {
  bytes_ -= it->bytes;
  map_.erase(it->key);
  lru_.erase(it);
}

std::optional<std::vector<std::string>> retrieval_cache::get(const std::string& user,
                                                             std::string_view query,
                                                             std::uint64_t generation,
                                                             clock::time_point now) {
  if (opts_.max_bytes == 0) {
    ++misses_;
    return std::nullopt;
  }
  auto key = key_of(user, query);
  std::lock_guard lock{mtx_};
  auto it = map_.find(key);
  if (it == map_.end()) {
    ++misses_;
    return std::nullopt;
  }
  auto e = it->second;
  if (e->generation != generation || now - e->stored > opts_.ttl) {
    erase(e);
    ++misses_;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, e);
  ++hits_;
  return e->items;
}

void retrieval_cache::put(const std::string& user, std::string_view query, std::uint64_t generation,
                          std::vector<std::string> items, clock::time_point now) {
  if (opts_.max_bytes == 0)
    return;
  auto key = key_of(user, query);
  std::size_t size = entry_overhead + 2 * key.size(); // the key is held twice
  for (const auto& i : items)
    size += i.size() + sizeof(std::string);
  if (size > opts_.max_bytes)
    return;
  std::lock_guard lock{mtx_};
  if (auto it = map_.find(key); it != map_.end())
    erase(it->second);
  while (!lru_.empty() && bytes_ + size > opts_.max_bytes)
    erase(std::prev(lru_.end()));
  lru_.push_front(entry{key, generation, now, std::move(items), size});
  map_.emplace(std::move(key), lru_.begin());
  bytes_ += size;
}

std::size_t retrieval_cache::bytes() const {
  std::lock_guard lock{mtx_};
  return bytes_;
}

std::size_t retrieval_cache::entries() const {
  std::lock_guard lock{mtx_};
  return map_.size();
}

} // namespace xinyu::core
