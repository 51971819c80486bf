// The provider-neutral LLM interface: what a reply is asked with (llm_request), how its tokens
// come back (stream_callbacks) and how it is stopped (stream_handle). No transport types here.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/policy/prompt_builder.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::llm {

/// What a provider gets for one reply: the structured context and the built prompt.
struct llm_request {
  std::string user_text; // redacted
  bool chinese = false;
  core::emotion_result emotion;
  core::safety_level safety = core::safety_level::ok;
  std::vector<std::string> memories;
  std::vector<core::chat_message> prompt;
  unsigned max_tokens = 512;
  std::size_t prompt_tokens = 0; // approximate tokens of `prompt` (core/policy/token_count)
  std::string traceparent; // W3C header for the upstream request (the turn's trace, a new span)
  std::vector<std::string> stop; // OpenAI stop sequences (the session enforces them too)
};

/// Callbacks of one stream; called on the provider's own thread (the offline provider calls
/// them inside start() for tokens due at once), never concurrently for one stream. `on_end` is
/// called exactly once with finish "stop", "length", "cancelled" or "error" (then `error` says
/// why). `on_continue` (optional) is called when the stream broke after some text and the reply
/// goes on from another endpoint, asked to continue it: the text already given stays, the tokens
/// that follow extend it (never repeat it), and the one `on_end` still comes.
struct stream_callbacks {
  std::function<void(std::string text)> on_token;
  std::function<void(std::string finish, std::string error)> on_end;
  std::function<void()> on_continue = {};
};

class stream_handle {
public:
  virtual ~stream_handle() = default;
  /// Aborts the stream promptly. Thread-safe, idempotent.
  virtual void cancel() = 0;
};

/// A streaming LLM provider (the OpenAI-compatible upstream client is one).
class provider {
public:
  virtual ~provider() = default;
  /// Starts one streamed completion for `req`. Thread-safe; never blocks on the network.
  virtual std::shared_ptr<stream_handle> start(const llm_request& req, stream_callbacks cb) = 0;
};

} // namespace xinyu::llm
