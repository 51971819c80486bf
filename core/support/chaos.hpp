// Failure injection knobs per worker kind (crash, delay, hang, fail rates), shared by actors and
// the admin endpoint. Off by default; every injection is counted. Must never act on its own.
#pragma once

#include <array>
#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

enum class chaos_kind { emotion, safety, memory, llm, storage, session };
inline constexpr std::array<const char*, 6> chaos_kind_names = {"emotion", "safety",  "memory",
                                                                "llm",     "storage", "session"};
std::optional<chaos_kind> parse_chaos_kind(std::string_view name);

struct chaos_knobs {
  std::atomic<double> crash_rate{0}; // throw inside the worker (it dies; supervisor respawns)
  std::atomic<double> hang_rate{0};  // never answer
  std::atomic<double> fail_rate{0};  // answer with a failure (llm, storage)
  std::atomic<unsigned> delay_ms{0}; // answer late
};

/// What to do to one request.
struct chaos_action {
  bool crash = false;
  bool hang = false;
  bool fail = false;
  unsigned delay_ms = 0;
};

class chaos_settings {
public:
  chaos_knobs& operator[](chaos_kind k) { return knobs_[static_cast<std::size_t>(k)]; }
  const chaos_knobs& operator[](chaos_kind k) const { return knobs_[static_cast<std::size_t>(k)]; }

  /// Draws the faults for one request of `k` and counts each one in /metrics.
  chaos_action decide(chaos_kind k);

  bool any() const;
  void clear();

  /// {"emotion":{"crash_rate":..,"hang_rate":..,"fail_rate":..,"delay_ms":..},...}
  std::string to_json() const;

  /// Applies a JSON patch of the same shape; returns an error sentence or "".
  std::string apply_json(std::string_view json_text);

private:
  std::array<chaos_knobs, chaos_kind_names.size()> knobs_;
};

} // namespace xinyu::core
