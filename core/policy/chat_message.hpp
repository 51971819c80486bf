// One message of a chat prompt (role and text), and the making-plain of the context block's
// brackets in text that came from the user. Must never know how a prompt is laid out.
#pragma once

#include <string>

namespace xinyu::core {

struct chat_message {
  std::string role; // system | user | assistant
  std::string content;
  bool operator==(const chat_message&) const = default;
};

/// Text that came from the user (their messages, their remembered facts, and replies that may
/// echo them) with the context block's brackets (⟦ ⟧) and their look-alikes (〚 〛) made plain
/// ([ ]), so that it can never open or close a block. Returns `text` untouched when it has none.
std::string neutralised(std::string text);

} // namespace xinyu::core
