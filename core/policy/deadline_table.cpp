// One owner's deadlines behind one timer (see the header). Pure; never starts a timer.
#include "core/policy/deadline_table.hpp"

#include <algorithm>

namespace xinyu::core {

bool deadline_table::covered(time_point at) const {
  return std::any_of(wakeups_.begin(), wakeups_.end(), [at](time_point w) { return w <= at; });
}

bool deadline_table::set(std::uint64_t key, std::uint8_t kind, time_point at) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const entry& e) { return e.key == key && e.kind == kind; });
  if (it != entries_.end())
    it->at = at;
  else
    entries_.push_back({key, kind, at});
  return !covered(at);
}

void deadline_table::armed(time_point at) { wakeups_.push_back(at); }

void deadline_table::spent(time_point at) {
  if (auto it = std::find(wakeups_.begin(), wakeups_.end(), at); it != wakeups_.end())
    wakeups_.erase(it);
}

void deadline_table::clear(std::uint64_t key, std::uint8_t kind) {
  std::erase_if(entries_, [&](const entry& e) { return e.key == key && e.kind == kind; });
}

void deadline_table::clear(std::uint64_t key) {
  std::erase_if(entries_, [&](const entry& e) { return e.key == key; });
}

std::vector<deadline_table::entry> deadline_table::take_due(time_point now) {
  std::erase_if(wakeups_, [now](time_point w) { return w <= now; });
  std::vector<entry> due;
  auto mid = std::stable_partition(entries_.begin(), entries_.end(),
                                   [now](const entry& e) { return e.at > now; });
  due.assign(mid, entries_.end());
  entries_.erase(mid, entries_.end());
  std::stable_sort(due.begin(), due.end(),
                   [](const entry& a, const entry& b) { return a.at < b.at; });
  return due;
}

std::optional<deadline_table::time_point> deadline_table::wakeup_needed() const {
  if (entries_.empty())
    return std::nullopt;
  auto earliest =
    std::min_element(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) {
      return a.at < b.at;
    })->at;
  if (covered(earliest))
    return std::nullopt;
  return earliest;
}

} // namespace xinyu::core
