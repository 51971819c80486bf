// The recent turns a prompt carries, oldest first: each message kept as it is sent (the context
// block's brackets made plain) with its approximate tokens counted once, when it comes in.
// Must never reorder, edit or recount a message it holds.
#pragma once

#include "core/policy/chat_message.hpp"

#include <cstddef>
#include <initializer_list>
#include <string>
#include <vector>

namespace xinyu::core {

class recent_window {
public:
  recent_window() = default;
  // from whole messages (a restored conversation, tests): each made plain and counted
  recent_window(std::vector<chat_message> messages);
  recent_window(std::initializer_list<chat_message> messages);

  /// Appends one message (neutralised(), its tokens counted).
  void push(std::string role, std::string content);
  /// Removes the `n` oldest messages (all when fewer) and returns them, oldest first.
  std::vector<chat_message> take_front(std::size_t n);
  void clear();

  std::size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }
  const chat_message& operator[](std::size_t i) const { return messages_[i]; }
  auto begin() const { return messages_.begin(); }
  auto end() const { return messages_.end(); }
  const std::vector<chat_message>& messages() const { return messages_; }
  /// approximate_message_tokens() of message `i`, as counted when it came in.
  std::size_t tokens(std::size_t i) const {
    return (i + 1 < before_.size() ? before_[i + 1] : total_) - before_[i];
  }
  /// The tokens of messages `i` to the newest together (0 when `i` is past the end).
  std::size_t tokens_from(std::size_t i) const {
    return i < before_.size() ? total_ - before_[i] : 0;
  }

private:
  std::vector<chat_message> messages_;
  // a running count since the window began: before_[i] = tokens pushed before message i
  std::vector<std::size_t> before_;
  std::size_t total_ = 0; // tokens pushed since the window began (dropped messages included)
};

} // namespace xinyu::core
