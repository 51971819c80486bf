// A session's state: its bookkeeping helpers, the known-facts bound and the session metrics.
// Must never send to another actor: that is the pipeline's and the lifecycle's job.
#include "actors/session/session_state.hpp"

#include "core/protocol/server_frame.hpp"
#include "core/support/service_state.hpp"

#include <algorithm>

namespace xinyu::actors::session {

const char* to_string(stage s) noexcept {
  switch (s) {
    case stage::emotion: return "emotion";
    case stage::safety: return "safety";
    case stage::memory: return "memory";
  }
  return "unknown";
}

std::string turn::reply() const {
  std::string out;
  for (const auto& t : tokens)
    out += t;
  return out;
}

void turn::mark_degraded(std::string_view component) {
  if (std::find(degraded.begin(), degraded.end(), component) == degraded.end())
    degraded.emplace_back(component);
}

core::counter& metric_refs::finish(core::finish_reason f) {
  return core::metrics().get_counter("xinyu_turns_total", "turns ended, by finish",
                                     std::string{"finish=\""} + core::to_string(f) + "\"");
}

core::counter& metric_refs::degraded(const std::string& c) {
  return core::metrics().get_counter("xinyu_degraded_total",
                                     "turns where a component fell back, by component",
                                     core::metric_label("component", c));
}

core::counter& metric_refs::errors(std::string_view code) {
  return core::metrics().get_counter("xinyu_errors_total", "error frames sent, by code",
                                     core::metric_label("code", code));
}

core::counter& metric_refs::crisis_referrals(std::string_view locale) {
  return core::metrics().get_counter("xinyu_crisis_referrals_total",
                                     "crisis replies that opened with the referral, by locale",
                                     core::metric_label("locale", locale));
}

core::counter& metric_refs::timeouts(std::string_view deadline) {
  return core::metrics().get_counter("xinyu_timeouts_total",
                                     "turn deadlines that fired and changed the reply, by deadline",
                                     core::metric_label("deadline", deadline));
}

core::counter& metric_refs::safety_detections(std::string_view locale, std::string_view level,
                                              std::string_view category) {
  return core::metrics().get_counter(
    "xinyu_safety_detections_total",
    "turns judged other than ok, by locale, level and category (no user, no text)",
    core::metric_labels({{"locale", locale}, {"level", level}, {"category", category}}));
}

metric_refs& metrics() {
  static metric_refs m{
    core::metrics().get_histogram("xinyu_turn_ttft_seconds",
                                  "time from accepted to the first token"),
    core::metrics().get_histogram("xinyu_turn_total_seconds", "time from accepted to done"),
    core::metrics().get_histogram("xinyu_preprocess_seconds",
                                  "parallel emotion+safety+memory stage"),
    core::metrics().get_counter("xinyu_shed_total", "chats refused to protect the server",
                                "reason=\"busy\""),
    core::metrics().get_counter("xinyu_shed_total", "chats refused to protect the server",
                                "reason=\"overloaded\""),
    core::metrics().get_counter("xinyu_shed_total", "chats refused to protect the server",
                                "reason=\"rate_limited\""),
    core::metrics().get_counter(
      "xinyu_commands_rate_limited_total",
      "history, forget, resume and cancel requests refused by the per-user command rate"),
    core::metrics().get_counter("xinyu_sessions_passivated_total",
                                "idle sessions stopped (state stays in storage)"),
    core::metrics().get_counter("xinyu_session_crashes_total",
                                "session actors that died and were restarted"),
    core::metrics().get_counter("xinyu_tokens_total", "reply tokens streamed"),
    core::metrics().get_gauge("xinyu_sessions", "live session actors"),
    {&core::metrics().get_histogram("xinyu_stage_seconds", "pre-processing stage latency",
                                    "stage=\"emotion\""),
     &core::metrics().get_histogram("xinyu_stage_seconds", "pre-processing stage latency",
                                    "stage=\"safety\""),
     &core::metrics().get_histogram("xinyu_stage_seconds", "pre-processing stage latency",
                                    "stage=\"memory\"")},
    core::metrics().get_gauge("xinyu_turns_queued",
                              "admitted turns waiting or in flight, all sessions"),
    core::metrics().get_counter(
      "xinyu_crisis_interruptions_total",
      "replies cut short because the same user sent a crisis-level message meanwhile"),
    core::metrics().get_histogram(
      "xinyu_turn_queue_wait_seconds",
      "time an accepted turn waited behind the same user's earlier turns before it started"),
  };
  return m;
}

bool known_facts::add(const std::string& fact) {
  if (!set_.insert(fact).second)
    return false;
  order_.push_back(fact);
  if (order_.size() > max_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

void known_facts::erase(const std::string& fact) {
  if (set_.erase(fact) == 0)
    return;
  if (auto it = std::find(order_.begin(), order_.end(), fact); it != order_.end())
    order_.erase(it);
}

void known_facts::clear() {
  set_.clear();
  order_.clear();
}

session_state::~session_state() {
  metrics().sessions.add(-1);
  uncount_all();
}

void session_state::uncount_all() {
  for (auto& t : turns)
    uncount(t);
}

void session_state::release_bound(turn& t) {
  if (!t.bounded)
    return;
  t.bounded = false;
  if (cfg && cfg->svc)
    --cfg->svc->inflight_turns;
}

void session_state::uncount(turn& t) {
  release_bound(t);
  if (!t.counted)
    return;
  t.counted = false;
  metrics().queued.add(-1);
}

void session_state::broadcast(const frame_ptr& f) {
  for (auto& s : sinks)
    s->deliver(f);
}

void session_state::broadcast(std::string f) {
  broadcast(std::make_shared<const std::string>(std::move(f)));
}

void session_state::reply(const client_sink_ptr& to, std::string f) {
  if (to)
    to->deliver(std::make_shared<const std::string>(std::move(f)));
}

turn* session_state::current(std::uint64_t key) {
  if (turns.empty() || turns.front().key != key || turns.front().ph == phase::queued)
    return nullptr;
  return &turns.front();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

double ms_since(clock::time_point t) {
  return std::chrono::duration<double, std::milli>(clock::now() - t).count();
}

void reply_error(const client_sink_ptr& to, std::string_view code, std::string_view message,
                 std::optional<std::string_view> id, std::optional<std::uint64_t> retry_after_ms) {
  metrics().errors(code).inc();
  if (to)
    to->deliver(
      std::make_shared<const std::string>(core::frames::error(code, message, id, retry_after_ms)));
}

} // namespace xinyu::actors::session
