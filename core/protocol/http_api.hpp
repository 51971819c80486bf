// The HTTP faces of protocol v1: request parsing for POST /v1/chat, GET /v1/history and the
// OpenAI-compatible POST /v1/chat/completions, and frame -> SSE / OpenAI chunk conversion.
// Pure; must never do I/O.
#pragma once

#include "core/protocol/client_frame.hpp"
#include "core/protocol/platform_task.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

/// An HTTP error: status code and the protocol's error code and message.
struct http_failure {
  int status = 400;
  std::string code;
  std::string message;
  std::string param = {}; // the request field at fault, when there is one
  /// {"error":{"code","message","type","param"}}: the protocol's code and message plus
  /// OpenAI's type (from the status) and param (null when none), so OpenAI clients raise the
  /// right error class with the right fields.
  std::string body() const;
};

struct http_chat_request {
  chat_command chat;
  std::string user; // dev mode: from the body
  bool stream = true;
  bool include_usage = false;        // OpenAI stream_options.include_usage: a last chunk with usage
  std::optional<platform_task> task; // completions: a platform's helper prompt, not a chat
};

/// POST /v1/chat: {"id","text"} (+ "user" in dev mode). `dev_mode` decides whether "user" is
/// required; with signed tokens the user comes from the Authorization header instead.
std::optional<http_chat_request> parse_http_chat(std::string_view body, bool dev_mode,
                                                 const frame_limits& limits, http_failure& err);

/// POST /v1/chat/completions (OpenAI): the last "user" message's text is the chat text
/// (string content, or the text parts of an array); "stream" (default false);
/// "stream_options.include_usage"; "max_completion_tokens" or "max_tokens" (1 or more) bounds
/// the reply; "stop" (a string or up to 4) ends it before a stop sequence; "user" names the user in
/// dev mode. The chat id is `id`. Other OpenAI fields are accepted and ignored (the server owns
/// persona, prompt and sampling).
std::optional<http_chat_request> parse_completion_request(std::string_view body, std::string id,
                                                          bool dev_mode, const frame_limits& limits,
                                                          http_failure& err);

/// GET /v1/history?before=&limit= (+ user= in dev mode).
struct http_history_request {
  history_command history;
  std::string user;
};
std::optional<http_history_request> parse_http_history(std::string_view query, bool dev_mode,
                                                       const frame_limits& limits,
                                                       http_failure& err);

/// The memories API (+ user= in the query in dev mode): GET /v1/memories lists them,
/// PATCH /v1/memories/{id} with body {"text"} edits one, DELETE /v1/memories/{id} deletes one.
/// `method` is "GET", "PATCH" or "DELETE"; `path` has no query. A wrong method is 405 (with
/// `allow` set to what the path takes).
struct http_memories_request {
  client_command command;
  std::string user;
};
std::optional<http_memories_request>
parse_http_memories(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body, bool dev_mode, const frame_limits& limits,
                    http_failure& err, std::string& allow);

/// What the transport needs to route a server frame: its type and id (empty when none).
struct frame_head {
  std::string type;
  std::string id;
};
frame_head peek_frame(std::string_view frame);

/// One SSE event carrying a server frame: "event: <type>\ndata: <frame>\n\n".
std::string sse_event(std::string_view type, std::string_view frame);

/// The HTTP status for a protocol error code (busy 429, overloaded 503, too_large 413, ...).
int http_status_for(std::string_view error_code);

/// OpenAI chat.completion.chunk for one streamed piece (`content` empty and `finish` set for
/// the last one); `first` adds the assistant role.
std::string completion_chunk(std::string_view id, std::int64_t created, std::string_view content,
                             bool first, std::optional<std::string_view> finish);

/// OpenAI chat.completion object for a whole reply.
/// The last chunk of a stream asked with stream_options.include_usage: no choices, the usage.
std::string completion_usage_chunk(std::string_view id, std::int64_t created,
                                   std::size_t prompt_tokens, std::size_t completion_tokens);

/// A fresh completion id: "chatcmpl-" and 24 random hex digits (unique across restarts).
std::string new_completion_id();

/// The non-streamed answer, with `usage` (approximate tokens, as in the `done` frame).
std::string completion_object(std::string_view id, std::int64_t created, std::string_view content,
                              std::string_view finish, std::size_t prompt_tokens = 0,
                              std::size_t completion_tokens = 0);

/// protocol finish -> OpenAI finish_reason (length stays length; everything else is stop).
std::string_view openai_finish(std::string_view finish);

/// GET /v1/models: the one model this server answers as, created at `created` (Unix s).
std::string models_list(std::int64_t created);
/// GET /v1/models/{id}: the model object, or nullopt when `id` is not this server's model.
std::optional<std::string> model_object(std::string_view id, std::int64_t created);

} // namespace xinyu::core
