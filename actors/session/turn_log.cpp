// One structured log line per turn: who, which turn, how it ended and where the time went.
// Must never include the message or the reply unless log.text is on.
#include "actors/session/session_state.hpp"

#include "core/support/log.hpp"

namespace xinyu::actors::session {

namespace {

core::log::field ms(std::string_view key, double v) {
  if (v < 0)
    return {key, nullptr};
  return {key, v};
}

} // namespace

void log_turn(const session_state& st, const turn& t, core::finish_reason finish, double total) {
  std::vector<core::log::field> f{
    {"user", core::log::user_pseudonym(st.user)},
    {"id", t.id},
    {"turn", t.user_turn},
    {"trace_id", t.trace.trace_id},
    {"finish", core::to_string(finish)},
    {"degraded", t.degraded},
    {"emotion", t.emotion.label},
    {"safety", core::to_string(t.safety.level)},
    {"tokens", t.tokens.size()},
    ms("queue_ms",
       t.started ? std::chrono::duration<double, std::milli>(t.started_at - t.accepted_at).count()
                 : -1),
    ms("emotion_ms", t.stage_ms[static_cast<std::size_t>(stage::emotion)]),
    ms("safety_ms", t.stage_ms[static_cast<std::size_t>(stage::safety)]),
    ms("memory_ms", t.stage_ms[static_cast<std::size_t>(stage::memory)]),
    ms("preprocess_ms", t.preprocess_ms),
    ms("ttft_ms", t.ttft_ms.value_or(-1)),
    ms("total_ms", total),
  };
  if (st.cfg->config.log.text) {
    f.emplace_back("text", t.text);
    f.emplace_back("reply", t.reply());
  }
  core::log::write(core::log::level::info, "turn", f);
}

} // namespace xinyu::actors::session
