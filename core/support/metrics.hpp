// Process-wide metrics registry (counters, gauges, histograms) rendered as Prometheus text.
// Lock-free on the hot path (atomics); must never block a caller or allocate per observation.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace xinyu::core {

class counter {
public:
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> v_{0};
};

class gauge {
public:
  void add(std::int64_t n) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) noexcept { v_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> v_{0};
};

/// Latency histogram in milliseconds with fixed buckets.
class histogram {
public:
  static constexpr std::array<double, 16> bounds = {0.5,  1,     2.5,   5,    10,   25,
                                                    50,   100,   250,   500,  1000, 2500,
                                                    5000, 10000, 30000, 60000};
  void observe(double ms) noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  std::uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  double sum() const noexcept;

private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
};

class metrics_registry {
public:
  /// Finds or creates a metric; `labels` is the Prometheus label set without braces
  /// (e.g. `finish="stop"`). References stay valid for the registry's lifetime.
  counter& get_counter(const std::string& name, const std::string& help,
                       const std::string& labels = "");
  gauge& get_gauge(const std::string& name, const std::string& help,
                   const std::string& labels = "");
  histogram& get_histogram(const std::string& name, const std::string& help,
                           const std::string& labels = "");

  std::string render() const;

private:
  enum class kind { counter, gauge, histogram };
  struct entry {
    kind k;
    std::string name, help, labels;
    counter* c = nullptr;
    gauge* g = nullptr;
    histogram* h = nullptr;
  };
  void* find(kind k, const std::string& name, const std::string& labels) const;

  mutable std::mutex mtx_;
  std::vector<entry> entries_;
  std::deque<counter> counters_;
  std::deque<gauge> gauges_;
  std::deque<histogram> histograms_;
};

/// The process's registry.
metrics_registry& metrics();

} // namespace xinyu::core
