// One owner's deadlines behind one timer: what is due when, and when the owner must be woken.
// Pure (the caller passes the time); must never start a timer or keep deadlines of others.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace xinyu::core {

/// The deadlines of one session's work (the turn in flight, a summary, an operator's answer),
/// each named by (key, kind), and the wake-ups already asked for. A session arms one
/// delayed message only when a deadline is earlier than every wake-up it already has, instead
/// of one timer per request. Its size is bounded by its owner: a session has one turn in
/// flight and a handful of deadline kinds per turn.
class deadline_table {
public:
  using time_point = std::chrono::steady_clock::time_point;
  struct entry {
    std::uint64_t key = 0;
    std::uint8_t kind = 0;
    time_point at;
  };

  /// Sets (or moves) the deadline (key, kind). True when the owner must arm a wake-up at
  /// `at` (no wake-up it has asked for comes at or before it); it then calls armed(at).
  bool set(std::uint64_t key, std::uint8_t kind, time_point at);
  /// Records a wake-up the owner asked for, and that one came (it may come early).
  void armed(time_point at);
  void spent(time_point at);
  /// Forgets (key, kind), or every deadline of `key`.
  void clear(std::uint64_t key, std::uint8_t kind);
  void clear(std::uint64_t key);

  /// A wake-up came at `now`: the wake-ups asked for up to now are spent, and the deadlines
  /// due are removed and returned, earliest first.
  std::vector<entry> take_due(time_point now);
  /// After take_due: the time of the wake-up to arm, if the earliest deadline left has none
  /// at or before it (the owner then calls armed()).
  std::optional<time_point> wakeup_needed() const;

  std::size_t size() const { return entries_.size(); }
  std::size_t wakeups() const { return wakeups_.size(); }

private:
  bool covered(time_point at) const;
  std::vector<entry> entries_;
  std::vector<time_point> wakeups_; // asked for and not yet spent
};

} // namespace xinyu::core
