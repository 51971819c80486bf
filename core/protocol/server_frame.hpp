// Server -> client frames of protocol v1, serialised to the exact JSON text sent on the wire.
// Must never decide policy (who gets what): it only spells frames.
#pragma once

#include "core/analysis/analysis.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core::frames {

std::string ready(std::string_view user, std::string_view server);
/// `text` and `ts` (ms since the epoch) are an extension: every connection of the user (another
/// tab, another device) can show the message it did not send itself.
std::string accepted(std::string_view id, std::uint64_t turn, std::string_view text,
                     std::int64_t ts_ms);
std::string analysis(std::string_view id, const emotion_result& e, const safety_result& s);
std::string token(std::string_view id, std::uint64_t seq, std::string_view text);

struct done_info {
  std::string_view id;
  std::uint64_t turn = 0;
  std::string_view finish; // stop length cancelled fallback error
  std::vector<std::string> degraded;
  std::optional<double> ttft_ms; // null when no token was produced
  double total_ms = 0;
  // approximate tokens (core/policy/token_count): the prompt sent to the model (0 when none
  // was) and the reply
  std::size_t prompt_tokens = 0;
  std::size_t completion_tokens = 0;
};
std::string done(const done_info& d);

std::string persisted(std::string_view id, std::uint64_t turn);

struct history_entry {
  std::uint64_t turn = 0;
  std::string role; // user | assistant
  std::string text;
  std::int64_t ts = 0;     // ms since epoch
  std::string id = {};     // the chat id (extension; "" = not sent)
  std::string finish = {}; // assistant messages: the reply's finish (extension; "" = not sent)
};
std::string history(const std::vector<history_entry>& messages, bool more);

std::string pong();
/// `id` (an extension): the chat the notice belongs to, e.g. the turn a crisis referral opens.
std::string notice(std::string_view kind, std::string_view text,
                   std::optional<std::string_view> id = std::nullopt);
/// A `handoff` notice: `state` is human (an operator took over) or ai (handed back).
std::string handoff_notice(std::string_view state, std::string_view text);

// --- to operators (docs/protocol.md "Operators") ---
/// A crisis seen in `user`'s chat `id` (turn `turn`, at `ts` ms); `text` only when
/// care.operator_sees_text.
std::string alert(std::string_view user, std::string_view id, std::uint64_t turn,
                  const safety_result& s, std::int64_t ts, std::optional<std::string_view> text);
/// A chat of a user an operator has taken over, waiting for the operator's `reply`.
std::string user_chat(std::string_view user, std::string_view id, std::uint64_t turn,
                      std::string_view text, const safety_result& s);
/// The state of a user's conversation after takeover / release: human or ai.
std::string handoff(std::string_view user, std::string_view state);
std::string forgotten(std::uint64_t deleted);

/// One remembered fact as a user sees it: id "<turn>.<index>", the text, the turn it came
/// from and when it was told (ms since epoch; 0: unknown).
struct memory_entry {
  std::string id;
  std::string text;
  std::uint64_t turn = 0;
  std::int64_t ts = 0;
};
/// The answer to `memories`: `items` oldest first.
std::string memories(const std::vector<memory_entry>& items);
/// A fact was edited (its text is now `text`) or deleted.
std::string memory_edited(std::string_view id, std::string_view text);
std::string memory_deleted(std::string_view id);
/// The emergency contact was stored (true) or removed (false).
std::string emergency_contact(bool stored);
std::string error(std::string_view code, std::string_view message,
                  std::optional<std::string_view> id = std::nullopt,
                  std::optional<std::uint64_t> retry_after_ms = std::nullopt);

} // namespace xinyu::core::frames
