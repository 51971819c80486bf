// The chats whose `done` one connection still awaits (keep-alive pings run while any is open).
// Pure and single-threaded; must never grow past its bound, whatever frames are lost.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class awaited_replies {
public:
  /// `bound` is session.max_queued_turns + 1 in the server: a user never has more chats
  /// accepted and not done, across all their tabs.
  explicit awaited_replies(std::size_t bound) : bound_(bound ? bound : 1) {}

  /// Opens a wait for chat `id` (again: nothing changes). At the bound the oldest wait is
  /// dropped (its `done` was lost) and true is returned, for the caller's metric.
  bool open(std::string_view id);
  /// Closes the wait for `id`, if any (another tab's or a replayed `done` closes nothing).
  void close(std::string_view id);
  bool empty() const noexcept { return ids_.empty(); }
  std::size_t size() const noexcept { return ids_.size(); }

private:
  std::size_t bound_;
  // oldest first; a handful, so a linear search is cheapest. A vector: nothing allocated
  // while a connection awaits nothing (std::deque allocates ~600 B when constructed)
  std::vector<std::string> ids_;
};

} // namespace xinyu::core
