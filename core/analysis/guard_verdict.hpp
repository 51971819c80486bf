// The optional safety guard model's wire format: request bodies and verdicts for a Llama
// Guard-style chat model and for the /moderations shape. Pure; must never do I/O.
#pragma once

#include "core/analysis/analysis.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

enum class guard_shape {
  chat,        // POST /chat/completions, answer "safe" or "unsafe\nS11" (Llama Guard 3)
  moderations, // POST /moderations, answer results[0].categories (OpenAI's shape)
};

/// "chat" or "moderations"; nullopt for anything else.
std::optional<guard_shape> parse_guard_shape(std::string_view s);

std::string guard_path(guard_shape shape);
std::string guard_request_body(guard_shape shape, std::string_view model, std::string_view text);

/// The guard's verdict as a safety result (redacted_text left empty), or nullopt with `error`
/// for an answer that cannot be read. Llama Guard: S11 -> crisis self_harm; S1, S9 -> crisis
/// violence; S4 -> blocked sexual_minors; S7 -> caution pii; S10 -> caution harassment; any
/// other code -> caution "guard". Moderations: self-harm* -> crisis self_harm;
/// harassment/threatening, hate/threatening -> crisis violence; sexual/minors -> blocked;
/// violence -> caution violence; harassment, hate -> caution harassment; other flags -> caution.
std::optional<safety_result> parse_guard_response(guard_shape shape, std::string_view body,
                                                  std::string& error);

} // namespace xinyu::core

namespace xinyu::core {

/// An external guard model as the actors see it. ask() blocks up to its own timeout; callers
/// run it on a detached thread. Thread-safe.
class safety_guard {
public:
  virtual ~safety_guard() = default;
  virtual std::optional<safety_result> ask(std::string_view text, std::string& error) const = 0;
};

} // namespace xinyu::core
