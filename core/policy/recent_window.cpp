// The prompt's window of recent messages (see recent_window.hpp): counted once per message, so
// a prompt over a long conversation costs no recount. Must never hold a message uncounted.
#include "core/policy/recent_window.hpp"

#include "core/policy/token_count.hpp"

#include <algorithm>
#include <iterator>

namespace xinyu::core {

recent_window::recent_window(std::vector<chat_message> messages) {
  messages_.reserve(messages.size());
  before_.reserve(messages.size());
  for (auto& m : messages)
    push(std::move(m.role), std::move(m.content));
}

recent_window::recent_window(std::initializer_list<chat_message> messages)
  : recent_window(std::vector<chat_message>(messages)) {}

void recent_window::push(std::string role, std::string content) {
  auto text = neutralised(std::move(content));
  before_.push_back(total_);
  total_ += approximate_message_tokens(text);
  messages_.push_back({std::move(role), std::move(text)});
}

std::vector<chat_message> recent_window::take_front(std::size_t n) {
  n = std::min(n, messages_.size());
  auto last = messages_.begin() + static_cast<std::ptrdiff_t>(n);
  std::vector<chat_message> out(std::make_move_iterator(messages_.begin()),
                                std::make_move_iterator(last));
  messages_.erase(messages_.begin(), last);
  before_.erase(before_.begin(), before_.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

void recent_window::clear() {
  messages_.clear();
  before_.clear();
  total_ = 0;
}

} // namespace xinyu::core
