// stop_scanner: holds back the longest tail that is a prefix of a stop sequence, so a
// sequence split across pieces is still caught. Must never show text after a stop.
#include "core/policy/stop_sequences.hpp"

#include <algorithm>

namespace xinyu::core {

stop_scanner::stop_scanner(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

stop_scanner::result stop_scanner::feed(std::string_view piece) {
  result r;
  if (stopped_)
    return r;
  held_ += piece;
  auto first = std::string::npos;
  for (const auto& s : stops_)
    first = std::min(first, held_.find(s));
  if (first != std::string::npos) {
    r.show = held_.substr(0, first);
    r.stopped = stopped_ = true;
    held_.clear();
    return r;
  }
  // keep the longest tail of held_ that is a proper prefix of some stop sequence
  std::size_t keep = 0;
  for (const auto& s : stops_)
    for (std::size_t n = std::min(s.size() - 1, held_.size()); n > keep; --n)
      if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
        keep = n;
        break;
      }
  r.show = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return r;
}

std::string stop_scanner::flush() {
  std::string out;
  out.swap(held_);
  return stopped_ ? std::string{} : out;
}

} // namespace xinyu::core
