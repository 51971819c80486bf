// One actor per user: admits turns in order, fans out emotion/safety/memory in parallel with
// deadlines, streams the LLM reply and ends every turn with exactly one `done`. Never sockets.
#include "actors/session_actor.hpp"

#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/stray_messages.hpp"
#include "core/config.hpp"
#include "core/conversation_risk.hpp"
#include "core/token_bucket.hpp"
#include "core/emotion_ensemble.hpp"
#include "core/safety_checker.hpp"
#include "core/fact_extractor.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/prompt_builder.hpp"
#include "core/server_frame.hpp"
#include "core/service_state.hpp"
#include "core/text.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <atomic>
#include <iostream>
#include <deque>
#include <unordered_set>
#include <optional>

namespace xinyu::actors {

namespace {

using clock = std::chrono::steady_clock;
using frame_ptr = std::shared_ptr<const std::string>;

enum class phase { queued, analyzing, generating };
enum timeout_kind : int { first_token = 1, stall = 2, total = 3, memory_wait = 4 };

std::atomic<std::uint64_t> next_stream_id{1};

constexpr const char* disclosure_text =
  "心语是一个AI陪伴助手，不是真人，也不能替代专业帮助。"
  " Xinyu is an AI companion, not a person, and not a substitute for professional help.";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

double ms_since(clock::time_point t) {
  return std::chrono::duration<double, std::milli>(clock::now() - t).count();
}

struct turn {
  std::string id;
  std::string text;
  std::uint64_t user_turn = 0;
  std::uint64_t reply_turn = 0;
  std::int64_t ts = 0;
  clock::time_point accepted_at;
  bool cancelled = false;
  bool counted = true;  // still counts against the in-flight bound (xinyu_turns_queued)
  bool started = false; // stages were asked
  phase ph = phase::queued;
  std::uint64_t key = 0; // unique per turn: tags stage replies and the LLM stream
  // pre-processing
  clock::time_point started_at;
  double stage_ms[3] = {-1, -1, -1}; // emotion, safety, memory (time to answer or to fail)
  double preprocess_ms = -1;
  int pending = 0;
  core::emotion_result emotion;
  core::safety_result safety;
  std::optional<core::safety_result> guard; // the external guard's verdict, when it answered
  core::memory_result memory;
  std::vector<std::string> degraded;
  bool chinese = false;
  // generation
  caf::actor worker;
  std::vector<std::string> tokens;
  std::optional<double> ttft_ms;
  clock::time_point last_token_at;
};

/// What stays after a turn ends: enough to replay it (`resume`) and page it (`history`).
struct finished_turn {
  std::string id;
  std::uint64_t user_turn = 0;
  std::uint64_t reply_turn = 0;
  std::int64_t ts = 0;
  std::int64_t reply_ts = 0;
  std::string text;
  std::vector<std::string> tokens;
  frame_ptr done_frame;
};

struct metric_refs {
  core::histogram& ttft = core::metrics().get_histogram(
    "xinyu_turn_ttft_ms", "time from accepted to the first token (ms)");
  core::histogram& total = core::metrics().get_histogram(
    "xinyu_turn_total_ms", "time from accepted to done (ms)");
  core::histogram& preprocess = core::metrics().get_histogram(
    "xinyu_preprocess_ms", "parallel emotion+safety+memory stage (ms)");
  core::counter& busy = core::metrics().get_counter(
    "xinyu_shed_total", "chats refused to protect the server", "reason=\"busy\"");
  core::counter& overloaded = core::metrics().get_counter(
    "xinyu_shed_total", "chats refused to protect the server", "reason=\"overloaded\"");
  core::counter& rate_limited = core::metrics().get_counter(
    "xinyu_shed_total", "chats refused to protect the server", "reason=\"rate_limited\"");
  core::counter& commands_limited = core::metrics().get_counter(
    "xinyu_commands_rate_limited_total",
    "history, forget, resume and cancel requests refused by the per-user command rate");
  core::counter& passivated = core::metrics().get_counter(
    "xinyu_sessions_passivated_total", "idle sessions stopped (state stays in storage)");
  core::counter& crashed = core::metrics().get_counter(
    "xinyu_session_crashes_total", "session actors that died and were restarted");
  core::counter& tokens = core::metrics().get_counter("xinyu_tokens_total",
                                                      "reply tokens streamed");
  core::gauge& sessions = core::metrics().get_gauge("xinyu_sessions", "live session actors");
  core::histogram* stage[3] = {
    &core::metrics().get_histogram("xinyu_stage_ms", "pre-processing stage latency (ms)",
                                   "stage=\"emotion\""),
    &core::metrics().get_histogram("xinyu_stage_ms", "pre-processing stage latency (ms)",
                                   "stage=\"safety\""),
    &core::metrics().get_histogram("xinyu_stage_ms", "pre-processing stage latency (ms)",
                                   "stage=\"memory\"")};
  core::gauge& queued = core::metrics().get_gauge(
    "xinyu_turns_queued", "admitted turns waiting or in flight, all sessions");
  core::counter& finish(const std::string& f) {
    return core::metrics().get_counter("xinyu_turns_total", "turns ended, by finish",
                                       "finish=\"" + f + "\"");
  }
  core::counter& degraded(const std::string& c) {
    return core::metrics().get_counter("xinyu_degraded_total",
                                       "turns where a component fell back, by component",
                                       "component=\"" + c + "\"");
  }
};

metric_refs& metrics() {
  static metric_refs m;
  return m;
}

/// Sends an `error` frame to one connection and counts it by code.
void reply_error(const client_sink_ptr& to, std::string_view code, std::string_view message,
                 std::optional<std::string_view> id = std::nullopt,
                 std::optional<std::uint64_t> retry_after_ms = std::nullopt) {
  core::metrics()
    .get_counter("xinyu_errors_total", "error frames sent, by code",
                 "code=\"" + std::string{code} + "\"")
    .inc();
  if (to)
    to->deliver(std::make_shared<const std::string>(
      core::frames::error(code, message, id, retry_after_ms)));
}

struct buffered_command {
  client_sink_ptr origin;
  core::client_command cmd;
};

struct session_state {
  std::string user;
  stage_pools pools;
  std::shared_ptr<const session_settings> cfg;
  caf::actor gateway;
  bool loaded = false;                  // turn counter known (from storage)
  std::deque<buffered_command> waiting; // commands that arrived before the load finished
  std::uint64_t routed = 0;             // messages received from the gateway
  clock::time_point last_activity = clock::now();
  std::size_t pending_persists = 0;
  std::size_t remembering = 0;                 // remember requests in flight
  std::uint64_t memory_epoch = 0;              // what seeding our memories answered
  std::deque<std::string> known_order;         // facts this user told (bounded, oldest first)
  std::unordered_set<std::string> known;
  /// True when `fact` is new for this user (then it is known from now on).
  bool remember_known(const std::string& fact) {
    if (!known.insert(fact).second)
      return false;
    known_order.push_back(fact);
    if (known_order.size() > 512) {
      known.erase(known_order.front());
      known_order.pop_front();
    }
    return true;
  }
  core::token_bucket chats{0, 1};    // limits.chats_per_minute / chat_burst
  core::token_bucket commands{0, 1}; // limits.commands_per_minute / command_burst
  clock::time_point last_disclosure = clock::now();
  clock::time_point use_started{}, last_turn_end{}, last_break_reminder{};
  std::optional<std::uint64_t> deferred_recall; // turn key whose recall waits for them
  std::uint64_t last_turn = 0;
  std::deque<turn> turns; // front is in flight once started
  std::vector<client_sink_ptr> sinks;
  std::deque<finished_turn> finished;
  std::deque<core::chat_message> recent;
  core::conversation_risk risk; // decaying distress score across this user's turns
  static inline const char* name = "session_actor";

  ~session_state() {
    metrics().sessions.add(-1);
    uncount_all();
  }

  /// Turns that still count against the in-flight bound stop counting (crash, shutdown).
  void uncount_all() {
    for (auto& t : turns)
      uncount(t);
  }
  void uncount(turn& t) {
    if (!t.counted)
      return;
    t.counted = false;
    metrics().queued.add(-1);
    if (cfg && cfg->svc)
      --cfg->svc->inflight_turns;
  }

  void broadcast(const frame_ptr& f) {
    for (auto& s : sinks)
      s->deliver(f);
  }
  void broadcast(std::string f) { broadcast(std::make_shared<const std::string>(std::move(f))); }

  static void reply(const client_sink_ptr& to, std::string f) {
    if (to)
      to->deliver(std::make_shared<const std::string>(std::move(f)));
  }

  turn* current(std::uint64_t key) {
    if (turns.empty() || turns.front().key != key || turns.front().ph == phase::queued)
      return nullptr;
    return &turns.front();
  }
};

using session_actor_t = caf::stateful_actor<session_state>;

void start_next(session_actor_t* self);
void ask_memory(session_actor_t* self, const turn& t);
void remembered(session_actor_t* self);
void care_notices(session_actor_t* self);

void emit_token(session_actor_t* self, turn& t, std::string text) {
  auto& st = self->state;
  if (!t.ttft_ms) {
    t.ttft_ms = ms_since(t.accepted_at);
    metrics().ttft.observe(*t.ttft_ms);
  }
  t.last_token_at = clock::now();
  st.broadcast(core::frames::token(t.id, t.tokens.size(), text));
  t.tokens.push_back(std::move(text));
  metrics().tokens.inc();
}

void emit_text(session_actor_t* self, turn& t, const std::string& text) {
  for (auto& piece : llm::offline_provider::tokenize(text))
    emit_token(self, t, std::move(piece));
}

/// The facts worth remembering in the user message of `t` (from its redacted text) that this
/// user has not told already; a blocked message or one never analysed has none.
std::vector<std::string> new_facts(session_state& st, const turn& t) {
  static const core::fact_extractor extractor;
  if (t.safety.level == core::safety_level::blocked || !t.started)
    return {};
  auto facts = extractor.extract(t.safety.redacted_text.empty() ? t.text : t.safety.redacted_text);
  if (facts.size() > 16)
    facts.resize(16); // a pasted essay is not sixteen facts about the user
  std::vector<std::string> fresh;
  for (auto& f : facts)
    if (st.remember_known(f))
      fresh.push_back(std::move(f));
  return fresh;
}

/// Queues the turn for storage; `persisted` comes back when its batch is written.
void persist(session_actor_t* self, const turn& t, const std::string& reply,
             const std::string& finish, std::int64_t reply_ts, std::vector<std::string> facts,
             caf::actor reply_to = {}) {
  auto& st = self->state;
  if (!st.pools.storage)
    return;
  storage::turn_record rec;
  rec.user = st.user;
  rec.id = t.id;
  rec.user_turn = t.user_turn;
  rec.reply_turn = t.reply_turn;
  rec.user_text = t.text;
  rec.reply_text = reply;
  rec.finish = finish;
  rec.ts = t.ts;
  rec.reply_ts = reply_ts;
  // what the user told about themselves is remembered (personal data already masked)
  rec.facts = std::move(facts);
  ++st.pending_persists;
  if (st.cfg->svc)
    ++st.cfg->svc->persisted_unsent;
  // Through the gateway when there is one: it delivers `persisted` to whichever session holds
  // the user's connections by then (this one, or its successor after a crash).
  if (!reply_to)
    reply_to = st.gateway ? st.gateway : caf::actor_cast<caf::actor>(self);
  self->send(st.pools.storage, persist_atom::value, std::move(rec), std::move(reply_to));
}

/// Exception handler: this session is about to die. Every admitted turn still gets its one
/// `done` (finish error), is stored so the numbering stays right, and the connections are
/// handed to the gateway, which starts a fresh session for the user.
void on_crash(session_actor_t* self, const std::string& what) {
  auto& st = self->state;
  core::log_line(R"({"level":"error","event":"session_crashed","user_len":)"
                 + std::to_string(st.user.size()) + R"(,"turns":)"
                 + std::to_string(st.turns.size()) + R"(,"detail":")" + what.substr(0, 80) + "\"}");
  metrics().crashed.inc();
  for (auto& t : st.turns) {
    if (t.worker)
      self->send(t.worker, cancel_atom::value, t.key);
    std::string reply;
    for (const auto& tok : t.tokens)
      reply += tok;
    core::frames::done_info d;
    d.id = t.id;
    d.turn = t.reply_turn;
    d.finish = "error";
    d.degraded = t.degraded;
    d.degraded.push_back("session");
    d.ttft_ms = t.ttft_ms;
    d.total_ms = ms_since(t.accepted_at);
    st.broadcast(core::frames::done(d));
    metrics().finish("error").inc();
    persist(self, t, reply, "error", now_ms(), new_facts(st, t));
  }
  st.uncount_all();
  st.turns.clear();
  for (auto& w : st.waiting)
    if (auto* chat = std::get_if<core::chat_command>(&w.cmd))
      reply_error(w.origin, "internal", "the session restarted; re-send", chat->id);
  st.waiting.clear();
  if (st.gateway)
    self->send(st.gateway, attach_atom::value, st.user, std::move(st.sinks), self->address());
  st.sinks.clear();
}

/// One JSON line per turn: who, which turn, how it ended and where the time went.
void log_turn(const session_state& st, const turn& t, const std::string& finish, double total) {
  auto ms = [](double v) -> nlohmann::json {
    return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(std::round(v * 1000) / 1000);
  };
  nlohmann::json j{{"level", "info"},
                   {"event", "turn"},
                   {"user", st.user},
                   {"id", t.id},
                   {"turn", t.user_turn},
                   {"finish", finish},
                   {"degraded", t.degraded},
                   {"emotion", t.emotion.label},
                   {"safety", core::to_string(t.safety.level)},
                   {"tokens", t.tokens.size()},
                   {"queue_ms", ms(t.started ? std::chrono::duration<double, std::milli>(
                                                 t.started_at - t.accepted_at)
                                                 .count()
                                             : -1)},
                   {"emotion_ms", ms(t.stage_ms[0])},
                   {"safety_ms", ms(t.stage_ms[1])},
                   {"memory_ms", ms(t.stage_ms[2])},
                   {"preprocess_ms", ms(t.preprocess_ms)},
                   {"ttft_ms", ms(t.ttft_ms.value_or(-1))},
                   {"total_ms", ms(total)}};
  if (st.cfg->log_text) {
    j["text"] = t.text;
    std::string reply;
    for (const auto& tok : t.tokens)
      reply += tok;
    j["reply"] = reply;
  }
  core::log_line(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

/// Ends the front turn with exactly one `done`, records it and starts the next one.
void finish_turn(session_actor_t* self, std::string finish) {
  auto& st = self->state;
  auto& t = st.turns.front();
  if (t.worker && t.ph == phase::generating)
    self->send(t.worker, cancel_atom::value, t.key); // no-op when the stream already ended
  if (t.safety.level == core::safety_level::crisis && !t.cancelled && finish != "cancelled") {
    auto it = st.cfg->crisis_resources.find(t.chinese ? "zh" : "en");
    if (it != st.cfg->crisis_resources.end() && !it->second.empty()) {
      emit_text(self, t, llm::offline_provider::crisis_block(t.chinese, it->second));
      st.broadcast(core::frames::notice("crisis_resources",
                                        llm::offline_provider::crisis_block(t.chinese, it->second)
                                          .substr(2)));
    }
  }
  double total = ms_since(t.accepted_at);
  core::frames::done_info d;
  d.id = t.id;
  d.turn = t.reply_turn;
  d.finish = finish;
  d.degraded = t.degraded;
  d.ttft_ms = t.ttft_ms;
  d.total_ms = total;
  auto done = std::make_shared<const std::string>(core::frames::done(d));
  // the turn stops counting against the in-flight bound before anyone hears `done`: a client
  // that sends its next chat on `done` must not be shed by this very turn
  st.uncount(t);
  // the turn's log line is written before anyone hears `done`, so a server stopped right
  // after a reply still has it
  if (st.cfg->log_turns)
    log_turn(st, t, finish, total);
  st.broadcast(done);
  care_notices(self);
  metrics().total.observe(total);
  metrics().finish(finish).inc();
  for (const auto& c : t.degraded)
    metrics().degraded(c).inc();

  finished_turn f;
  f.id = t.id;
  f.user_turn = t.user_turn;
  f.reply_turn = t.reply_turn;
  f.ts = t.ts;
  f.reply_ts = now_ms();
  f.text = t.text;
  f.tokens = std::move(t.tokens);
  f.done_frame = done;
  std::string reply;
  for (const auto& tok : f.tokens)
    reply += tok;
  if (finish != "cancelled" || !reply.empty()) {
    st.recent.push_back({"user", t.safety.redacted_text.empty() ? t.text : t.safety.redacted_text});
    st.recent.push_back({"assistant", reply});
    while (st.recent.size() > st.cfg->recent_messages)
      st.recent.pop_front();
  }
  // the facts are stored with the turn (below); the memory pool indexes them and has their
  // embeddings stored beside them
  auto facts = new_facts(st, t);
  if (!facts.empty()) {
    memory_request m{memory_request::op::remember, st.user, {}, facts, t.user_turn};
    ++st.remembering;
    self->request(st.pools.memory, std::chrono::seconds{5}, work_atom::value, std::move(m))
      .then([self](core::memory_result&) { remembered(self); },
            [self](caf::error&) { remembered(self); });
  }
  persist(self, t, reply, finish, f.reply_ts, std::move(facts));
  st.finished.push_back(std::move(f));
  while (st.finished.size() > st.cfg->keep_turns)
    st.finished.pop_front();
  st.last_activity = clock::now();
  st.turns.pop_front();
  start_next(self);
}

/// Reply path when the LLM gives nothing: the offline comforting text.
void fallback_reply(session_actor_t* self, turn& t) {
  if (std::find(t.degraded.begin(), t.degraded.end(), "llm") == t.degraded.end())
    t.degraded.push_back("llm");
  emit_text(self, t, llm::offline_provider::fallback_reply(t.chinese));
  finish_turn(self, "fallback");
}

void end_stream_early(session_actor_t* self, turn& t) {
  if (t.tokens.empty()) {
    fallback_reply(self, t);
  } else {
    if (std::find(t.degraded.begin(), t.degraded.end(), "llm") == t.degraded.end())
      t.degraded.push_back("llm");
    finish_turn(self, "error");
  }
}

void start_generation(session_actor_t* self, turn& t) {
  auto& st = self->state;
  t.ph = phase::generating;
  if (t.safety.level == core::safety_level::blocked) {
    emit_text(self, t, llm::offline_provider::blocked_reply(t.chinese));
    finish_turn(self, "stop");
    return;
  }
  core::prompt_input in;
  in.user_text = t.safety.redacted_text.empty() ? t.text : t.safety.redacted_text;
  in.chinese = t.chinese;
  in.emotion = t.emotion;
  in.safety = t.safety;
  in.memories = t.memory.items;
  in.recent.assign(st.recent.begin(), st.recent.end());
  llm_start start;
  start.stream_id = t.key;
  start.reply_to = caf::actor_cast<caf::actor>(self);
  start.request.user_text = in.user_text;
  start.request.chinese = t.chinese;
  start.request.emotion = t.emotion;
  start.request.safety = t.safety.level;
  start.request.memories = t.memory.items;
  start.request.prompt = st.cfg->prompt->build(in);
  start.request.max_tokens = st.cfg->max_tokens;
  auto key = t.key;
  t.last_token_at = clock::now();
  self->delayed_send(self, st.cfg->first_token_deadline, timeout_atom::value, key,
                     int{first_token});
  self->delayed_send(self, st.cfg->total_deadline, timeout_atom::value, key, int{total});
  self->request(st.pools.llm, st.cfg->llm_start_deadline, work_atom::value, std::move(start))
    .then(
      [self, key](caf::actor& worker) {
        auto* t = self->state.current(key);
        if (!t || t->ph != phase::generating) {
          // already over (cancelled or timed out): stop the stream if it still runs
          self->send(worker, cancel_atom::value, key);
          return;
        }
        t->worker = worker;
        self->monitor(worker);
      },
      [self, key](caf::error&) {
        if (auto* t = self->state.current(key); t && t->ph == phase::generating)
          end_stream_early(self, *t);
      });
}

void record_stage(turn& t, int stage) {
  t.stage_ms[stage] = ms_since(t.started_at);
  metrics().stage[stage]->observe(t.stage_ms[stage]);
}

void stage_done(session_actor_t* self, std::uint64_t key) {
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::analyzing || --t->pending > 0)
    return;
  t->preprocess_ms = ms_since(t->started_at);
  metrics().preprocess.observe(t->preprocess_ms);
  // the more severe of the local verdict and the guard's wins
  if (t->guard)
    t->safety = core::merge(std::move(t->safety), *t->guard);
  // repeated distress across turns reaches the crisis path; a crisis is never "neutral"
  t->safety = self->state.risk.observe(std::move(t->safety), t->emotion, clock::now());
  t->emotion = core::with_safety_floor(std::move(t->emotion), t->safety);
  self->state.broadcast(core::frames::analysis(t->id, t->emotion, t->safety));
  start_generation(self, *t);
}

void stage_failed(session_actor_t* self, std::uint64_t key, const char* component) {
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::analyzing)
    return;
  record_stage(*t, component[0] == 'e' ? 0 : component[0] == 's' ? 1 : 2);
  t->degraded.emplace_back(component);
  if (std::string_view{component} == "safety") {
    // the safety worker crashed or was late: the rules run here (well under a millisecond),
    // so a crisis is never missed because a worker was down; unknown stays at least caution
    static const core::safety_checker rules;
    auto r = rules.check_rules(t->text);
    if (r.level == core::safety_level::ok)
      r.level = core::safety_level::caution;
    t->safety = std::move(r);
  }
  stage_done(self, key);
}

/// Starts the front turn if nothing is in flight: the three stages go out at once.
void start_next(session_actor_t* self) {
  auto& st = self->state;
  while (!st.turns.empty() && st.turns.front().ph == phase::queued) {
    auto& t = st.turns.front();
    if (t.cancelled) {
      t.ph = phase::analyzing; // mark started so finish_turn records it
      finish_turn(self, "cancelled");
      return; // finish_turn called start_next again
    }
    t.ph = phase::analyzing;
    t.started = true;
    t.started_at = clock::now();
    t.pending = st.pools.guard ? 4 : 3;
    t.guard.reset();
    t.chinese = core::is_mostly_chinese(t.text);
    // fallbacks, used when a stage is late or fails
    t.emotion = core::emotion_result{};
    t.safety = core::safety_result{};
    t.safety.level = core::safety_level::caution; // unknown safety is treated with caution
    t.safety.redacted_text = t.text;
    auto key = t.key;
    auto user = st.user;
    self->request(st.pools.emotion, st.cfg->emotion_deadline, work_atom::value,
                  stage_request{user, t.text})
      .then(
        [self, key](core::emotion_result& r) {
          if (auto* t = self->state.current(key); t && t->ph == phase::analyzing) {
            record_stage(*t, 0);
            t->emotion = std::move(r);
            stage_done(self, key);
          }
        },
        [self, key](caf::error&) { stage_failed(self, key, "emotion"); });
    self->request(st.pools.safety, st.cfg->safety_deadline, work_atom::value,
                  stage_request{user, t.text})
      .then(
        [self, key](core::safety_result& r) {
          if (auto* t = self->state.current(key); t && t->ph == phase::analyzing) {
            record_stage(*t, 1);
            t->safety = std::move(r);
            stage_done(self, key);
          }
        },
        [self, key](caf::error&) { stage_failed(self, key, "safety"); });
    if (st.pools.guard)
      self->request(st.pools.guard, st.cfg->guard_deadline, work_atom::value,
                    stage_request{user, t.text})
        .then(
          [self, key](core::safety_result& r) {
            if (auto* t = self->state.current(key); t && t->ph == phase::analyzing) {
              t->guard = std::move(r);
              stage_done(self, key);
            }
          },
          [self, key](caf::error&) {
            // late or failing guard: the local verdict stands
            if (auto* t = self->state.current(key); t && t->ph == phase::analyzing) {
              t->degraded.emplace_back("safety_guard");
              stage_done(self, key);
            }
          });
    if (st.remembering > 0) {
      // what the user just said is still being indexed: recall once it is, within the
      // stage's deadline from now
      st.deferred_recall = key;
      self->delayed_send(self, st.cfg->memory_deadline, timeout_atom::value, key,
                         int{memory_wait});
    } else {
      ask_memory(self, t);
    }
    return;
  }
}

void ask_memory(session_actor_t* self, const turn& t) {
  auto& st = self->state;
  auto key = t.key;
  auto remaining = st.cfg->memory_deadline
                   - std::chrono::duration_cast<std::chrono::milliseconds>(clock::now()
                                                                           - t.started_at);
  if (remaining <= std::chrono::milliseconds{0}) {
    stage_failed(self, key, "memory");
    return;
  }
  self->request(st.pools.memory, remaining, work_atom::value,
                memory_request{memory_request::op::recall, st.user, t.text})
    .then(
      [self, key](core::memory_result& r) {
        if (auto* t = self->state.current(key); t && t->ph == phase::analyzing) {
          record_stage(*t, 2);
          t->memory = std::move(r);
          stage_done(self, key);
        }
      },
      [self, key](caf::error&) { stage_failed(self, key, "memory"); });
}

/// A `remember` of this session finished: a recall that waited for it goes out now.
void remembered(session_actor_t* self) {
  auto& st = self->state;
  if (st.remembering > 0)
    --st.remembering;
  if (st.remembering > 0 || !st.deferred_recall)
    return;
  auto key = *st.deferred_recall;
  st.deferred_recall.reset();
  if (auto* t = st.current(key); t && t->ph == phase::analyzing)
    ask_memory(self, *t);
}

/// Care notices at the end of a turn: the AI disclosure again after `disclosure_interval` of
/// use, and a break reminder after `break_after` of use without a `break_reset` pause.
void care_notices(session_actor_t* self) {
  auto& st = self->state;
  const auto& cfg = *st.cfg;
  auto now = clock::now();
  if (st.use_started == clock::time_point{} || now - st.last_turn_end >= cfg.break_reset) {
    st.use_started = now; // a new stretch of use
    st.last_break_reminder = now;
  }
  st.last_turn_end = now;
  if (cfg.disclosure && cfg.disclosure_interval.count() > 0
      && now - st.last_disclosure >= cfg.disclosure_interval) {
    st.last_disclosure = now;
    st.broadcast(core::frames::notice("ai_disclosure", disclosure_text));
  }
  if (cfg.break_after.count() > 0 && now - st.last_break_reminder >= cfg.break_after) {
    st.last_break_reminder = now;
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - st.use_started).count();
    st.broadcast(core::frames::notice(
      "break_reminder", "我们已经聊了" + std::to_string(minutes)
                          + "分钟了。起来走走、喝点水、看看远处吧，我会在这里等你。 We have been "
                            "talking for "
                          + std::to_string(minutes)
                          + " minutes. How about a short break: stretch, drink some water, rest "
                            "your eyes? I will be here."));
  }
}

void handle_chat(session_actor_t* self, const client_sink_ptr& origin, core::chat_command& c) {
  auto& st = self->state;
  for (const auto& t : st.turns) {
    if (t.id == c.id) {
      reply_error(origin, "bad_request",
                                                       "a turn with this id is already in progress",
                                                       c.id);
      return;
    }
  }
  if (st.cfg->svc && st.cfg->svc->shedding()) {
    metrics().overloaded.inc();
    reply_error(origin, 
                                   "overloaded",
                                   st.cfg->svc->draining ? "the server is shutting down"
                                                         : "the server is busy storing; re-send later",
                                   c.id, st.cfg->retry_after_ms);
    return;
  }
  if (auto wait = st.chats.take(clock::now()); wait > 0) {
    metrics().rate_limited.inc();
    reply_error(origin, "rate_limited",
                "too many messages in a short time; please slow down a little", c.id, wait);
    return;
  }
  if (st.turns.size() >= st.cfg->max_queued_turns) {
    metrics().busy.inc();
    reply_error(origin, 
                                   "busy",
                                   "this session already has "
                                     + std::to_string(st.cfg->max_queued_turns)
                                     + " turns queued; re-send later",
                                   c.id);
    return;
  }
  turn t;
  t.id = std::move(c.id);
  t.text = std::move(c.text);
  t.user_turn = ++st.last_turn;
  t.reply_turn = ++st.last_turn;
  t.ts = now_ms();
  t.accepted_at = clock::now();
  t.key = next_stream_id.fetch_add(1, std::memory_order_relaxed);
  // counted before anyone hears `accepted`: the bound holds for the very next chat
  if (st.cfg->svc)
    ++st.cfg->svc->inflight_turns;
  metrics().queued.add(1);
  st.broadcast(core::frames::accepted(t.id, t.user_turn));
  st.turns.push_back(std::move(t));
  if (st.cfg->svc && st.cfg->svc->chaos.decide(core::chaos_kind::session).crash)
    throw std::runtime_error("chaos: injected session crash"); // recovered by on_crash
  start_next(self);
}

void handle_cancel(session_actor_t* self, const client_sink_ptr& origin, const std::string& id) {
  auto& st = self->state;
  for (auto& t : st.turns) {
    if (t.id != id || t.cancelled)
      continue;
    t.cancelled = true;
    if (&t == &st.turns.front() && t.ph != phase::queued)
      finish_turn(self, "cancelled"); // also stops the LLM stream
    // a queued turn ends with `cancelled` when its turn comes, keeping the reply order
    return;
  }
  reply_error(origin, "not_found", "no turn in progress with this id", id);
}

void handle_resume(session_actor_t* self, const client_sink_ptr& origin,
                   const core::resume_command& r) {
  auto& st = self->state;
  for (auto& t : st.turns) {
    if (t.id != r.id)
      continue;
    // in flight or queued: replay what exists; the rest arrives live (origin is subscribed)
    for (std::size_t i = r.seq; i < t.tokens.size(); ++i)
      session_state::reply(origin, core::frames::token(t.id, i, t.tokens[i]));
    return;
  }
  for (auto it = st.finished.rbegin(); it != st.finished.rend(); ++it) {
    if (it->id != r.id)
      continue;
    for (std::size_t i = r.seq; i < it->tokens.size(); ++i)
      session_state::reply(origin, core::frames::token(it->id, i, it->tokens[i]));
    if (origin)
      origin->deliver(it->done_frame);
    return;
  }
  reply_error(origin, "not_found",
                                                   "this server no longer holds that turn; "
                                                   "read history instead",
                                                   r.id);
}

void handle_history(session_actor_t* self, const client_sink_ptr& origin,
                    const core::history_command& h) {
  auto& st = self->state;
  if (st.pools.storage) {
    self->request(st.pools.storage, st.cfg->load_timeout, history_atom::value, st.user,
                  std::uint64_t{h.before.value_or(0)}, std::uint32_t{h.limit})
      .then(
        [origin](history_page& page) {
          std::vector<core::frames::history_entry> out;
          out.reserve(page.messages.size());
          for (auto& m : page.messages)
            out.push_back({m.turn, std::move(m.role), std::move(m.text), m.ts});
          session_state::reply(origin, core::frames::history(out, page.more));
        },
        [origin](caf::error&) {
          reply_error(origin, 
                                         "internal", "history is unavailable right now; retry");
        });
    return;
  }
  // newest first, then reversed: the `limit` messages just before `before`
  std::vector<core::frames::history_entry> out;
  bool more = false;
  for (auto it = st.finished.rbegin(); it != st.finished.rend(); ++it) {
    std::string reply;
    for (const auto& tok : it->tokens)
      reply += tok;
    core::frames::history_entry entries[2] = {
      {it->reply_turn, "assistant", std::move(reply), it->reply_ts},
      {it->user_turn, "user", it->text, it->ts}};
    for (auto& e : entries) {
      if (h.before && e.turn >= *h.before)
        continue;
      if (out.size() >= h.limit) {
        more = true;
        break;
      }
      out.push_back(std::move(e));
    }
    if (more)
      break;
  }
  std::reverse(out.begin(), out.end());
  session_state::reply(origin, core::frames::history(out, more));
}

void forget_memories(session_actor_t* self, const client_sink_ptr& origin,
                     std::uint64_t deleted) {
  auto& st = self->state;
  st.known.clear(); // a fact told again after forget is a new fact
  st.known_order.clear();
  self->request(st.pools.memory, std::chrono::seconds{5}, work_atom::value,
                memory_request{memory_request::op::forget, st.user, {}})
    .then(
      [origin, deleted](core::memory_result&) {
        session_state::reply(origin, core::frames::forgotten(deleted));
      },
      [origin](caf::error&) {
        reply_error(origin, "internal",
                                                         "memories could not be erased; retry");
      });
}

void handle_forget(session_actor_t* self, const client_sink_ptr& origin) {
  auto& st = self->state;
  std::uint64_t in_memory = st.finished.size() * 2;
  st.finished.clear();
  st.recent.clear();
  if (!st.pools.storage) {
    forget_memories(self, origin, in_memory);
    return;
  }
  self->request(st.pools.storage, st.cfg->load_timeout, forget_atom::value, st.user)
    .then([self, origin](std::uint64_t deleted) { forget_memories(self, origin, deleted); },
          [origin](caf::error&) {
            reply_error(origin, 
                                           "internal", "the conversation could not be erased; "
                                                       "nothing was changed, retry");
          });
}

void dispatch(session_actor_t* self, const client_sink_ptr& origin, core::client_command& cmd) {
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (!std::is_same_v<T, core::chat_command>) {
        // history, forget, resume and cancel have their own bucket: 6 000 forgets (an fsynced
        // write each) slowed every other user's storage
        if (auto wait = self->state.commands.take(clock::now()); wait > 0) {
          metrics().commands_limited.inc();
          std::optional<std::string_view> id;
          if constexpr (std::is_same_v<T, core::cancel_command>)
            id = c.id;
          reply_error(origin, "rate_limited", "too many requests in a short time; slow down",
                      id, wait);
          return;
        }
      }
      if constexpr (std::is_same_v<T, core::chat_command>)
        handle_chat(self, origin, c);
      else if constexpr (std::is_same_v<T, core::cancel_command>)
        handle_cancel(self, origin, c.id);
      else if constexpr (std::is_same_v<T, core::resume_command>)
        handle_resume(self, origin, c);
      else if constexpr (std::is_same_v<T, core::history_command>)
        handle_history(self, origin, c);
      else if constexpr (std::is_same_v<T, core::forget_command>)
        handle_forget(self, origin);
    },
    cmd);
}

/// Loads the turn counter, recent context and memories; commands wait until it is done.
/// The turn counter (and memories) are known: run what waited for them.
void loaded(session_actor_t* self) {
  auto& st = self->state;
  if (st.loaded)
    return;
  st.loaded = true;
  // one at a time from the state: if one of them crashes us, the crash handler still sees
  // (and answers) the rest
  while (!st.waiting.empty()) {
    auto w = std::move(st.waiting.front());
    st.waiting.pop_front();
    dispatch(self, w.origin, w.cmd);
  }
}

void load(session_actor_t* self) {
  auto& st = self->state;
  self->request(st.pools.storage, st.cfg->load_timeout, load_atom::value, st.user)
    .then(
      [self](storage::user_snapshot& snap) {
        auto& st = self->state;
        st.last_turn = std::max(st.last_turn, snap.last_turn);
        st.recent.clear();
        for (auto& m : snap.recent)
          st.recent.push_back({m.role, std::move(m.text)});
        while (st.recent.size() > st.cfg->recent_messages)
          st.recent.pop_front();
        for (const auto& m : snap.memories)
          st.remember_known(m.text);
        if (snap.memories.empty()) {
          loaded(self);
          return;
        }
        // the first turn must see the stored memories: wait for the index (bounded; if the
        // memory pool cannot, the turns run without them and `memory` shows as degraded)
        self->request(st.pools.memory, st.cfg->load_timeout, work_atom::value,
                      memory_request{memory_request::op::seed, st.user, {}, {}, 0,
                                     std::move(snap.memories)})
          .then(
            [self](core::memory_result& r) {
              self->state.memory_epoch = r.epoch;
              loaded(self);
            },
            [self](caf::error&) { loaded(self); });
      },
      [self](caf::error& err) {
        auto& st = self->state;
        std::cerr << R"({"level":"error","event":"session_load_failed","detail":")"
                  << self->system().render(err) << "\"}" << std::endl;
        // nobody waits silently: what arrived is refused, and loading is retried
        for (auto& w : st.waiting) {
          if (auto* chat = std::get_if<core::chat_command>(&w.cmd)) {
            metrics().overloaded.inc();
            reply_error(w.origin, 
                                             "overloaded", "conversation storage is unavailable; "
                                                           "re-send later",
                                             chat->id, st.cfg->retry_after_ms);
          } else {
            reply_error(w.origin, 
                                             "internal", "conversation storage is unavailable");
          }
        }
        st.waiting.clear();
        self->delayed_send(self, std::chrono::milliseconds{st.cfg->retry_after_ms},
                           load_atom::value);
      });
}

void subscribe(session_state& st, const client_sink_ptr& sink) {
  if (sink && std::find(st.sinks.begin(), st.sinks.end(), sink) == st.sinks.end())
    st.sinks.push_back(sink);
}

/// A command routed by the gateway: run it, or keep it until the load is done.
void handle_command(session_actor_t* self, const client_sink_ptr& origin,
                    core::client_command& cmd) {
  auto& st = self->state;
  ++st.routed;
  // A command from a connection proves it is this user's: make sure it sees our frames even if
  // it reached us before the hand-over of a crashed predecessor did.
  subscribe(st, origin);
  st.last_activity = clock::now();
  if (st.loaded) {
    dispatch(self, origin, cmd);
    return;
  }
  if (st.waiting.size() >= st.cfg->max_queued_turns) {
    std::optional<std::string_view> id;
    if (auto* chat = std::get_if<core::chat_command>(&cmd))
      id = chat->id;
    metrics().busy.inc();
    reply_error(origin, "busy", "this session is still loading; re-send later", id);
    return;
  }
  st.waiting.push_back({origin, std::move(cmd)});
}

caf::behavior session_actor(session_actor_t* self, std::string user, stage_pools pools,
                            std::shared_ptr<const session_settings> cfg, caf::actor gateway) {
  auto& st = self->state;
  st.user = std::move(user);
  st.pools = std::move(pools);
  st.cfg = std::move(cfg);
  st.gateway = std::move(gateway);
  st.risk = core::conversation_risk{st.cfg->risk};
  st.chats = core::token_bucket{st.cfg->chats_per_minute, st.cfg->chat_burst};
  st.commands = core::token_bucket{st.cfg->commands_per_minute, st.cfg->command_burst};
  metrics().sessions.add(1);
  if (st.pools.storage) {
    load(self);
    self->delayed_send(self, st.cfg->idle, idle_atom::value);
  } else {
    st.loaded = true;
  }
  // CAF 0.17's default (reflect_and_quit) would let one stray message kill the session.
  tolerate_stray_messages(self, "session");
  self->set_exception_handler([self](std::exception_ptr& ep) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    // The request being handled (a command or a `persisted` from the gateway) reached us:
    // answer it, so that the gateway reads any error on a request as "never seen".
    if (auto* cur = self->current_mailbox_element(); cur && cur->mid.is_request())
      if (auto rp = self->make_response_promise(); rp.pending())
        rp.deliver(true);
    on_crash(self, what);
    return caf::make_error(caf::exit_reason::unhandled_exception);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.turns.empty())
      return;
    auto& t = st.turns.front();
    if (t.ph == phase::generating && t.worker && t.worker.address() == dm.source)
      end_stream_early(self, t); // the LLM worker died mid-stream
  });
  return {
    [self](attach_atom, client_sink_ptr& sink) {
      auto& st = self->state;
      ++st.routed;
      st.last_activity = clock::now();
      subscribe(st, sink);
      session_state::reply(sink, core::frames::ready(st.user, st.cfg->server_name));
      if (st.cfg->disclosure) {
        session_state::reply(sink, core::frames::notice("ai_disclosure", disclosure_text));
        st.last_disclosure = clock::now();
      }
    },
    [self](attach_atom, client_sink_ptr& sink, bool) { // handed over from a crashed session
      ++self->state.routed;
      subscribe(self->state, sink);
    },
    [self](detach_atom, client_sink_ptr& sink) {
      ++self->state.routed;
      self->state.last_activity = clock::now();
      auto& s = self->state.sinks;
      s.erase(std::remove(s.begin(), s.end(), sink), s.end());
    },
    [self](command_atom, client_sink_ptr& origin, core::client_command& cmd) -> bool {
      handle_command(self, origin, cmd);
      return true; // tells the gateway the command reached a live session
    },
    [self](load_atom) { load(self); },
    [self](persisted_atom, std::string& id, std::uint64_t turn, std::string&) -> bool {
      auto& st = self->state;
      if (st.pending_persists > 0)
        --st.pending_persists;
      st.broadcast(core::frames::persisted(id, turn));
      if (st.cfg->svc)
        --st.cfg->svc->persisted_unsent; // counted once the frame is with the connections
      return true;
    },

    [self](idle_atom) {
      auto& st = self->state;
      self->delayed_send(self, st.cfg->idle, idle_atom::value);
      bool idle = st.sinks.empty() && st.turns.empty() && st.waiting.empty()
                  && st.pending_persists == 0 && st.loaded
                  && clock::now() - st.last_activity >= st.cfg->idle;
      if (!idle || !st.gateway || !st.pools.storage)
        return;
      // the gateway stops routing to us only if it has routed nothing we have not seen
      self->request(st.gateway, std::chrono::seconds{5}, idle_atom::value, st.routed)
        .then(
          [self](bool stop) {
            if (stop) {
              metrics().passivated.inc();
              // the memory index goes too (reseeded from storage by the next session); the
              // epoch keeps this from dropping what a successor already loaded
              auto& st = self->state;
              memory_request m{memory_request::op::unload, st.user, {}};
              m.epoch = st.memory_epoch;
              self->request(st.pools.memory, std::chrono::seconds{5}, work_atom::value,
                            std::move(m))
                .then([](core::memory_result&) {}, [](caf::error&) {});
              self->quit();
            }
          },
          [](caf::error&) {});
    },
    [self](token_atom, std::uint64_t key, std::string& text) {
      auto* t = self->state.current(key);
      if (!t || t->ph != phase::generating)
        return; // a stream we gave up on
      if (t->tokens.size() >= self->state.cfg->max_tokens) {
        finish_turn(self, "length");
        return;
      }
      bool first = t->tokens.empty();
      emit_token(self, *t, std::move(text));
      if (first)
        self->delayed_send(self, self->state.cfg->stall_deadline, timeout_atom::value, key,
                           int{stall});
    },
    [self](end_atom, std::uint64_t key, std::string& finish) {
      auto* t = self->state.current(key);
      if (!t || t->ph != phase::generating)
        return;
      if (t->tokens.empty() || finish == "error" || finish == "cancelled")
        end_stream_early(self, *t); // no reply: fallback; a broken one: kept, finish error
      else
        finish_turn(self, finish);
    },
    [self](timeout_atom, std::uint64_t key, int kind) {
      if (kind == memory_wait) { // the recall waited for a remember past the stage deadline
        auto& st = self->state;
        if (st.deferred_recall == key) {
          st.deferred_recall.reset();
          stage_failed(self, key, "memory");
        }
        return;
      }
      auto* t = self->state.current(key);
      if (!t || t->ph != phase::generating)
        return;
      auto& cfg = *self->state.cfg;
      switch (kind) {
        case first_token:
          if (t->tokens.empty())
            end_stream_early(self, *t);
          break;
        case stall: {
          auto idle = clock::now() - t->last_token_at;
          if (idle >= cfg.stall_deadline)
            end_stream_early(self, *t);
          else
            self->delayed_send(self, cfg.stall_deadline - idle, timeout_atom::value, key,
                               int{stall});
          break;
        }
        default:
          end_stream_early(self, *t);
      }
    },
  };
}

} // namespace

std::shared_ptr<const session_settings> make_session_settings(const core::config& cfg,
                                                              std::shared_ptr<core::service_state> svc) {
  using std::chrono::milliseconds;
  auto s = std::make_shared<session_settings>();
  s->max_queued_turns = cfg.session.max_queued_turns;
  s->recent_messages = cfg.session.recent_messages;
  s->keep_turns = cfg.session.keep_turns;
  s->emotion_deadline = milliseconds{cfg.emotion.deadline_ms};
  s->safety_deadline = milliseconds{cfg.safety.deadline_ms};
  s->guard_deadline = milliseconds{cfg.safety.guard.deadline_ms};
  s->risk.half_life_s = cfg.safety.risk_half_life_s;
  s->risk.crisis_at = cfg.safety.risk_crisis_at;
  s->memory_deadline = milliseconds{cfg.memory.deadline_ms};
  s->llm_start_deadline = milliseconds{cfg.llm.start_deadline_ms};
  s->first_token_deadline = milliseconds{cfg.llm.first_token_deadline_ms};
  s->stall_deadline = milliseconds{cfg.llm.stall_deadline_ms};
  s->total_deadline = milliseconds{cfg.llm.total_deadline_ms};
  s->max_tokens = cfg.llm.max_tokens;
  s->server_name = cfg.server.name;
  s->disclosure = cfg.care.disclosure;
  s->disclosure_interval = std::chrono::seconds{cfg.care.disclosure_interval_s};
  s->break_after = std::chrono::seconds{cfg.care.break_after_s};
  s->break_reset = std::chrono::seconds{cfg.care.break_reset_s};
  s->chats_per_minute = cfg.limits.chats_per_minute;
  s->chat_burst = cfg.limits.chat_burst;
  s->commands_per_minute = cfg.limits.commands_per_minute;
  s->command_burst = cfg.limits.command_burst;
  s->crisis_resources = cfg.safety.crisis_resources;
  s->prompt = std::make_shared<const core::prompt_builder>(cfg.persona, cfg.session.recent_messages);
  s->idle = std::chrono::seconds{cfg.session.idle_s};
  s->load_timeout = milliseconds{cfg.storage.load_timeout_ms};
  s->retry_after_ms = cfg.storage.retry_after_ms;
  s->svc = std::move(svc);
  s->log_turns = cfg.log.turns;
  s->log_text = cfg.log.text;
  return s;
}

caf::actor spawn_session(caf::actor_system& sys, std::string user, stage_pools pools,
                         std::shared_ptr<const session_settings> settings, caf::actor gateway) {
  return sys.spawn(session_actor, std::move(user), std::move(pools), std::move(settings),
                   std::move(gateway));
}

} // namespace xinyu::actors
