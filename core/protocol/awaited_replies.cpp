// The chats whose `done` one connection still awaits: a bounded, oldest-first list.
// Must never grow past its bound, whatever frames are lost.
#include "core/protocol/awaited_replies.hpp"

#include <algorithm>

namespace xinyu::core {

bool awaited_replies::open(std::string_view id) {
  if (std::find(ids_.begin(), ids_.end(), id) != ids_.end())
    return false;
  bool dropped = false;
  if (ids_.size() >= bound_) {
    ids_.erase(ids_.begin());
    dropped = true;
  }
  ids_.emplace_back(id);
  return dropped;
}

void awaited_replies::close(std::string_view id) {
  auto it = std::find(ids_.begin(), ids_.end(), id);
  if (it != ids_.end())
    ids_.erase(it);
}

} // namespace xinyu::core
