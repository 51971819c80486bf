// Server -> client frames of protocol v1, serialised to the exact JSON text sent on the wire.
// Hand-built with escaping for the per-token hot path; must never decide policy.
#include "core/protocol/server_frame.hpp"

#include "core/support/text.hpp"

#include <cmath>
#include <cstdio>

namespace xinyu::core {

const char* to_string(safety_level l) noexcept {
  switch (l) {
    case safety_level::ok: return "ok";
    case safety_level::caution: return "caution";
    case safety_level::crisis: return "crisis";
    case safety_level::blocked: return "blocked";
  }
  return "ok";
}

namespace frames {

namespace {

void str(std::string& out, std::string_view s) {
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

void num(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "0";
    return;
  }
  char buf[32];
  auto n = std::snprintf(buf, sizeof buf, "%.3f", v);
  // trim trailing zeros for compactness
  while (n > 1 && buf[n - 1] == '0')
    --n;
  if (n > 1 && buf[n - 1] == '.')
    --n;
  out.append(buf, static_cast<std::size_t>(n));
}

/// "level":..,"categories":[..] (no braces): the safety verdict as every frame spells it.
void safety_fields(std::string& out, const safety_result& s) {
  out += R"("level":)";
  str(out, to_string(s.level));
  out += R"(,"categories":[)";
  for (std::size_t i = 0; i < s.categories.size(); ++i) {
    if (i)
      out += ',';
    str(out, s.categories[i]);
  }
  out += ']';
}

/// {"type":..,"user":..,"id":..,"turn":..,"level":..,"categories":[..] (open): the head of the
/// frames that tell an operator about one user's chat.
std::string operator_frame_head(std::string_view type, std::string_view user, std::string_view id,
                                std::uint64_t turn, const safety_result& s) {
  std::string out = R"({"type":)";
  str(out, type);
  out += R"(,"user":)";
  str(out, user);
  out += R"(,"id":)";
  str(out, id);
  out += R"(,"turn":)" + std::to_string(turn) + ',';
  safety_fields(out, s);
  return out;
}

} // namespace

std::string ready(std::string_view user, std::string_view server) {
  std::string out = R"({"type":"ready","user":)";
  str(out, user);
  out += R"(,"server":)";
  str(out, server);
  out += '}';
  return out;
}

std::string accepted(std::string_view id, std::uint64_t turn, std::string_view text,
                     std::int64_t ts_ms) {
  std::string out = R"({"type":"accepted","id":)";
  str(out, id);
  out += R"(,"turn":)" + std::to_string(turn);
  out += R"(,"text":)";
  str(out, text);
  out += R"(,"ts":)" + std::to_string(ts_ms) + '}';
  return out;
}

std::string analysis(std::string_view id, const emotion_result& e, const safety_result& s) {
  std::string out = R"({"type":"analysis","id":)";
  str(out, id);
  out += R"(,"emotion":{"label":)";
  str(out, e.label);
  out += R"(,"score":)";
  num(out, e.score);
  out += R"(,"valence":)";
  num(out, e.valence);
  out += R"(},"safety":{)";
  safety_fields(out, s);
  out += "}}";
  return out;
}

std::string token(std::string_view id, std::uint64_t seq, std::string_view text) {
  std::string out;
  out.reserve(48 + id.size() + text.size());
  out = R"({"type":"token","id":)";
  str(out, id);
  out += R"(,"seq":)";
  out += std::to_string(seq);
  out += R"(,"text":)";
  str(out, text);
  out += '}';
  return out;
}

std::string done(const done_info& d) {
  std::string out = R"({"type":"done","id":)";
  str(out, d.id);
  out += R"(,"turn":)" + std::to_string(d.turn) + R"(,"finish":)";
  str(out, d.finish);
  out += R"(,"degraded":[)";
  for (std::size_t i = 0; i < d.degraded.size(); ++i) {
    if (i)
      out += ',';
    str(out, d.degraded[i]);
  }
  out += R"(],"timings":{"ttft_ms":)";
  if (d.ttft_ms)
    num(out, *d.ttft_ms);
  else
    out += "null";
  out += R"(,"total_ms":)";
  num(out, d.total_ms);
  out += R"(},"usage":{"prompt_tokens":)" + std::to_string(d.prompt_tokens)
         + R"(,"completion_tokens":)" + std::to_string(d.completion_tokens) + "}}";
  return out;
}

std::string persisted(std::string_view id, std::uint64_t turn) {
  std::string out = R"({"type":"persisted","id":)";
  str(out, id);
  out += R"(,"turn":)" + std::to_string(turn) + '}';
  return out;
}

std::string history(const std::vector<history_entry>& messages, bool more) {
  std::string out = R"({"type":"history","messages":[)";
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (i)
      out += ',';
    out += R"({"turn":)" + std::to_string(m.turn) + R"(,"role":)";
    str(out, m.role);
    out += R"(,"text":)";
    str(out, m.text);
    out += R"(,"ts":)" + std::to_string(m.ts);
    if (!m.id.empty()) {
      out += R"(,"id":)";
      str(out, m.id);
    }
    if (!m.finish.empty()) {
      out += R"(,"finish":)";
      str(out, m.finish);
    }
    out += '}';
  }
  out += R"(],"more":)";
  out += more ? "true" : "false";
  out += '}';
  return out;
}

std::string pong() { return R"({"type":"pong"})"; }

std::string handoff_notice(std::string_view state, std::string_view text) {
  std::string out = R"({"type":"notice","kind":"handoff","text":)";
  str(out, text);
  out += R"(,"state":)";
  str(out, state);
  out += '}';
  return out;
}

std::string alert(std::string_view user, std::string_view id, std::uint64_t turn,
                  const safety_result& s, std::int64_t ts, std::optional<std::string_view> text) {
  auto out = operator_frame_head("alert", user, id, turn, s);
  out += R"(,"ts":)" + std::to_string(ts);
  if (text) {
    out += R"(,"text":)";
    str(out, *text);
  }
  out += '}';
  return out;
}

std::string user_chat(std::string_view user, std::string_view id, std::uint64_t turn,
                      std::string_view text, const safety_result& s) {
  auto out = operator_frame_head("user_chat", user, id, turn, s);
  out += R"(,"text":)";
  str(out, text);
  out += '}';
  return out;
}

std::string handoff(std::string_view user, std::string_view state) {
  std::string out = R"({"type":"handoff","user":)";
  str(out, user);
  out += R"(,"state":)";
  str(out, state);
  out += '}';
  return out;
}

std::string emergency_contact(bool stored) {
  return stored ? R"({"type":"emergency_contact","stored":true})"
                : R"({"type":"emergency_contact","stored":false})";
}

std::string notice(std::string_view kind, std::string_view text,
                   std::optional<std::string_view> id) {
  std::string out = R"({"type":"notice","kind":)";
  str(out, kind);
  out += R"(,"text":)";
  str(out, text);
  if (id) {
    out += R"(,"id":)";
    str(out, *id);
  }
  out += '}';
  return out;
}

std::string forgotten(std::uint64_t deleted) {
  return R"({"type":"forgotten","deleted":)" + std::to_string(deleted) + '}';
}

std::string memories(const std::vector<memory_entry>& items) {
  std::string out = R"({"type":"memories","items":[)";
  bool first = true;
  for (const auto& m : items) {
    if (!first)
      out += ',';
    first = false;
    out += R"({"id":)";
    str(out, m.id);
    out += R"(,"text":)";
    str(out, m.text);
    out += R"(,"turn":)" + std::to_string(m.turn) + R"(,"ts":)" + std::to_string(m.ts) + '}';
  }
  out += "]}";
  return out;
}

std::string memory_edited(std::string_view id, std::string_view text) {
  std::string out = R"({"type":"memory_edited","id":)";
  str(out, id);
  out += R"(,"text":)";
  str(out, text);
  out += '}';
  return out;
}

std::string memory_deleted(std::string_view id) {
  std::string out = R"({"type":"memory_deleted","id":)";
  str(out, id);
  out += '}';
  return out;
}

std::string error(std::string_view code, std::string_view message,
                  std::optional<std::string_view> id, std::optional<std::uint64_t> retry) {
  std::string out = R"({"type":"error","code":)";
  str(out, code);
  out += R"(,"message":)";
  str(out, message);
  if (id) {
    out += R"(,"id":)";
    str(out, *id);
  }
  if (retry)
    out += R"(,"retry_after_ms":)" + std::to_string(*retry);
  out += '}';
  return out;
}

} // namespace frames
} // namespace xinyu::core
