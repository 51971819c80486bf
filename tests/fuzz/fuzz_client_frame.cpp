// libFuzzer target: the WebSocket client-frame parser. Any bytes give a command or a
// frame_error, never a crash; an accepted chat honours the limits.
#include "core/protocol/client_frame.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view frame{reinterpret_cast<const char*>(data), size};
  xinyu::core::frame_limits limits{64, 16};
  auto parsed = xinyu::core::parse_client_frame(frame, limits);
  if (auto* chat = std::get_if<xinyu::core::chat_command>(&parsed)) {
    if (chat->text.size() > limits.max_text_bytes || !xinyu::core::is_valid_message_id(chat->id))
      __builtin_trap(); // a chat past the limits was accepted
  }
  if (auto* auth = std::get_if<xinyu::core::auth_command>(&parsed)) {
    if (!auth->user.empty() && !xinyu::core::is_valid_user_id(auth->user, limits.max_user_bytes))
      __builtin_trap();
  }
  xinyu::core::is_valid_user_id(frame, 128);
  xinyu::core::is_valid_message_id(frame);
  return 0;
}
