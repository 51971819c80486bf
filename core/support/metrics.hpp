// Process-wide metrics registry (counters, gauges, histograms) rendered as Prometheus text.
// Lock-free on the hot path (atomics); must never block a caller or allocate per observation.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
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

/// Latency histogram in seconds (Prometheus base units) with fixed buckets from 0.1 ms to 60 s.
class histogram {
public:
  static constexpr std::array<double, 18> bounds = {0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                    0.025,  0.05,   0.1,   0.25,   0.5,   1,
                                                    2.5,    5,      10,    20,     30,    60};
  void observe(double seconds) noexcept;
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> d) noexcept {
    observe(std::chrono::duration<double>(d).count());
  }
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  std::uint64_t bucket(std::size_t i) const noexcept {
    return buckets_[i].load(std::memory_order_relaxed);
  }
  /// Sum of the observations in seconds.
  double sum() const noexcept;

private:
  std::array<std::atomic<std::uint64_t>, bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

/// `name="value"` with the value escaped as the exposition format requires (backslash, double
/// quote and newline), so any configured name (an endpoint, a model) keeps the page parsable.
std::string metric_label(std::string_view name, std::string_view value);

/// Several labels joined by commas: `metric_labels({{"endpoint", e}, {"model", m}})`.
std::string
metric_labels(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);

class metrics_registry {
public:
  /// Finds or creates a metric; `labels` is the Prometheus label set without braces, built
  /// with metric_label(s) when a value is not a literal (e.g. `finish="stop"`). References stay
  /// valid for the registry's lifetime. Label values must come from a bounded set (config
  /// names, enums): never a user id or text.
  counter& get_counter(const std::string& name, const std::string& help,
                       const std::string& labels = "");
  gauge& get_gauge(const std::string& name, const std::string& help,
                   const std::string& labels = "");
  histogram& get_histogram(const std::string& name, const std::string& help,
                           const std::string& labels = "");

  /// Adds families rendered on every scrape by `append` (e.g. process_* read from /proc).
  /// `append` must write complete families (HELP, TYPE, samples) and must not call back into
  /// the registry.
  void add_collector(std::function<void(std::string& out)> append);

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
  std::vector<std::function<void(std::string&)>> collectors_;
};

/// The process's registry.
metrics_registry& metrics();

} // namespace xinyu::core
