// Client -> server frames of protocol v1, parsed and validated into typed commands.
// Must never touch sockets or actors: transport calls parse_client_frame and routes the result.
#pragma once

#include "core/memory/memory_id.hpp"
#include "core/protocol/trace_context.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>
#include <variant>

namespace xinyu::core {

struct auth_command {
  std::string token;          // signed token (non-dev mode)
  std::string user;           // dev mode user id
  bool operator_role = false; // dev mode: "role": "operator" (with tokens: the token's claim)
  bool minor = false;         // dev mode: "age_band": "minor" (with tokens: the token's claim)
};
/// Operator frames (a connection signed in with the operator role): take a user's
/// conversation over, answer one of their chats, hand it back to the AI.
struct takeover_command {
  std::string user;
};
struct release_command {
  std::string user;
};
struct operator_reply_command {
  std::string user;
  std::string id; // the user's chat id being answered
  std::string text;
};
struct chat_command {
  std::string id;
  std::string text;
  std::optional<trace_context> trace = {}; // the caller's W3C traceparent (HTTP API), when valid
  std::optional<unsigned> max_tokens = {}; // the caller's bound on the reply (OpenAI facade)
  std::vector<std::string> stop = {};      // OpenAI stop sequences: the reply ends before one
  // cluster mode: a chat forwarded from another node is admitted only until this wall-clock
  // time (ms since the epoch; 0: no limit), after which that node has answered it `overloaded`
  std::int64_t not_after_ms = 0;
};
struct cancel_command {
  std::string id;
};
struct history_command {
  std::optional<std::uint64_t> before;
  std::uint32_t limit = 20;
};
struct resume_command {
  std::string id;
  std::uint64_t seq = 0;
};
struct forget_command {};
/// An emergency contact the user opts in to (docs/crisis-protocol.md), or `clear` to remove it.
struct emergency_contact_command {
  bool clear = false;
  std::string name, phone, relation;
};
struct ping_command {};
/// The user's remembered facts (docs/protocol.md "Memories"), to see, correct or delete.
struct memories_command {};
struct memory_edit_command {
  memory_ref ref;
  std::string text;
};
struct memory_delete_command {
  memory_ref ref;
};

/// A rejected frame: the protocol's error code, a human message and, when known, the chat id.
struct frame_error {
  std::string code; // bad_request | too_large | unauthorized
  std::string message;
  std::optional<std::string> id;
};

using client_command = std::variant<chat_command, cancel_command, history_command, resume_command,
                                    forget_command, emergency_contact_command, memories_command,
                                    memory_edit_command, memory_delete_command>;

using operator_command = std::variant<takeover_command, release_command, operator_reply_command>;

using parsed_frame =
  std::variant<auth_command, ping_command, chat_command, cancel_command, history_command,
               resume_command, forget_command, emergency_contact_command, memories_command,
               memory_edit_command, memory_delete_command, takeover_command, release_command,
               operator_reply_command, frame_error>;

struct frame_limits {
  std::size_t max_text_bytes = 8000;
  std::size_t max_user_bytes = 128;
};

/// Parses one text frame. Never throws; every malformed input yields a frame_error.
parsed_frame parse_client_frame(std::string_view frame, const frame_limits& limits);

/// The fields of an `emergency_contact` frame (also the body of POST /v1/emergency_contact):
/// {"clear": true}, or {"consent": true, "name", "phone", optional "relation"}.
std::variant<emergency_contact_command, frame_error>
parse_emergency_contact(const nlohmann::json& j);

/// The new text of a remembered fact (the `text` of a `memory_edit` frame, also the body of
/// PATCH /v1/memories/{id}): a non-blank string of at most max_text_bytes.
std::variant<std::string, frame_error> parse_memory_text(const nlohmann::json& j,
                                                         const frame_limits& limits);

/// A memory id as sent by a client (a `memory_edit`/`memory_delete` frame's `id`, or the
/// last segment of /v1/memories/{id}).
std::variant<memory_ref, frame_error> parse_memory_ref(std::string_view id);

/// Client message ids: 1-64 characters of [A-Za-z0-9_.:-].
bool is_valid_message_id(std::string_view id) noexcept;

/// Dev-mode user ids: 1..max bytes of valid UTF-8 without control characters.
bool is_valid_user_id(std::string_view user, std::size_t max_bytes) noexcept;

} // namespace xinyu::core
