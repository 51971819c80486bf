// LRU cache of memory-retrieval results with a TTL, bounded in bytes, keyed by user and the
// normalised message. Thread-safe; must never return a result older than the user's memories.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xinyu::core {

class retrieval_cache {
public:
  using clock = std::chrono::steady_clock;

  struct options {
    std::size_t max_bytes = 8u << 20; // 0 disables the cache
    std::chrono::milliseconds ttl{60'000};
  };

  explicit retrieval_cache(options opts);

  /// The cached items for (user, query) if they were computed at `generation` (the user's
  /// memory generation now) and are younger than the TTL. Counts a hit or a miss.
  std::optional<std::vector<std::string>> get(const std::string& user, std::string_view query,
                                              std::uint64_t generation,
                                              clock::time_point now = clock::now());

  /// Stores items computed at `generation`; evicts least recently used entries to stay
  /// within max_bytes (an entry bigger than that is not stored).
  void put(const std::string& user, std::string_view query, std::uint64_t generation,
           std::vector<std::string> items, clock::time_point now = clock::now());

  /// Case, width, spaces and punctuation do not change what a message asks for.
  static std::string normalize(std::string_view query);

  std::uint64_t hits() const noexcept { return hits_; }
  std::uint64_t misses() const noexcept { return misses_; }
  std::size_t bytes() const;
  std::size_t entries() const;

private:
  struct entry {
    std::string key;
    std::uint64_t generation;
    clock::time_point stored;
    std::vector<std::string> items;
    std::size_t bytes;
  };
  static std::string key_of(const std::string& user, std::string_view query);
  void erase(std::list<entry>::iterator it);

  options opts_;
  mutable std::mutex mtx_;
  std::list<entry> lru_; // front = most recently used
  std::unordered_map<std::string, std::list<entry>::iterator> map_;
  std::size_t bytes_ = 0;
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

} // namespace xinyu::core
