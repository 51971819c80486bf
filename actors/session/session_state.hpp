// What one session actor holds (its turns, connections, counters and policies) and the
// functions its parts share: the turn pipeline, the commands and the lifecycle. Private to
// actors/session/; must never be included outside it.
#pragma once

#include "actors/session_actor.hpp"
#include "core/policy/stop_sequences.hpp"
#include "core/analysis/analysis.hpp"
#include "core/analysis/conversation_risk.hpp"
#include "core/memory/core_memory.hpp"
#include "core/support/metrics.hpp"
#include "core/policy/care_notices.hpp"
#include "core/policy/deadline_table.hpp"
#include "core/policy/finish_reason.hpp"
#include "core/policy/prompt_builder.hpp"
#include "core/policy/rolling_summary.hpp"
#include "core/policy/token_bucket.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <boost/container/deque.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace xinyu::core {
class safety_checker;
}

namespace xinyu::actors::session {

using clock = std::chrono::steady_clock;
using frame_ptr = std::shared_ptr<const std::string>;

/// A deque that allocates nothing until its first element (std::deque allocates ~600 B when
/// constructed): a session holds five, and most sessions sit idle (issue 12: idle memory).
template <class T>
using idle_free_deque = boost::container::deque<T>;

/// Where the turn in flight is. A turn waits (`queued`), is analysed by the stages in parallel
/// (`analyzing`), then streams its reply (`generating`); `finish_turn` ends every turn.
enum class phase { queued, analyzing, awaiting_human, generating };

/// The pre-processing stages whose latency is recorded (the guard has no histogram).
enum class stage : std::size_t { emotion, safety, memory };
constexpr std::size_t stage_count = 3;
const char* to_string(stage s) noexcept;

struct turn {
  std::string id;
  std::string text;
  core::trace_context trace; // the caller's W3C trace, or a new one: logs and the LLM request
  std::optional<unsigned> max_tokens;      // the caller's bound on the reply (OpenAI facade)
  std::size_t prompt_tokens = 0;           // approximate tokens of the prompt sent to the model
  std::vector<std::string> stop;           // the caller's stop sequences (sent upstream too)
  std::optional<core::stop_scanner> stops; // ... and enforced here on the streamed text
  std::uint64_t user_turn = 0;
  std::uint64_t reply_turn = 0;
  std::int64_t ts = 0;
  clock::time_point accepted_at;
  bool cancelled = false;
  bool bounded = true;  // still counts against the in-flight bound (limits.max_inflight_turns)
  bool counted = true;  // still counted in xinyu_turns_queued, which a drain waits for
  bool started = false; // stages were asked
  phase ph = phase::queued;
  std::uint64_t key = 0; // unique per turn: tags stage replies and the LLM stream
  // pre-processing
  clock::time_point started_at;
  std::array<double, stage_count> stage_ms{-1, -1, -1}; // time to answer or to fail
  double preprocess_ms = -1;
  int pending = 0;
  core::emotion_result emotion;
  core::safety_result safety;
  std::optional<core::safety_result> guard; // the external guard's verdict, when it answered
  std::vector<std::string> memories;
  std::vector<std::string> degraded;
  bool chinese = false;
  // generation
  llm_stream_actor stream;
  std::vector<std::string> tokens;
  std::size_t preface_tokens = 0; // the crisis referral's pieces, sent before the model's
  bool referred = false;          // the reply opened with the crisis referral
  std::optional<double> ttft_ms;
  clock::time_point last_token_at;

  /// The text the LLM and the memory see: personal data masked when the safety stage did.
  const std::string& redacted() const {
    return safety.redacted_text.empty() ? text : safety.redacted_text;
  }
  std::string reply() const;
  /// The stage answered or failed: true the first time only (its answer and its deadline
  /// race; whichever comes second is ignored).
  bool settle(stage s) { return settle_bit(1u << static_cast<unsigned>(s)); }
  bool settle_guard() { return settle_bit(1u << stage_count); }
  bool settle_bit(unsigned bit) {
    if (settled & bit)
      return false;
    settled |= bit;
    return true;
  }
  std::uint8_t settled = 0; // stages (and the guard) answered or failed
  /// Pieces of the reply that came from the model (or the fallback), not the preface.
  std::size_t model_tokens() const { return tokens.size() - preface_tokens; }
  void mark_degraded(std::string_view component);
};

/// What stays after a turn ends: enough to replay it (`resume`) and page it (`history`).
struct finished_turn {
  std::string id;
  std::uint64_t user_turn = 0;
  std::uint64_t reply_turn = 0;
  std::int64_t ts = 0;
  std::int64_t reply_ts = 0;
  std::string text;
  std::string finish; // the reply's finish reason
  std::vector<std::string> tokens;
  frame_ptr done_frame;
};

/// The session's metrics, registered once per process.
struct metric_refs {
  core::histogram& ttft;
  core::histogram& total;
  core::histogram& preprocess;
  core::counter& busy;
  core::counter& overloaded;
  core::counter& rate_limited;
  core::counter& commands_limited;
  core::counter& passivated;
  core::counter& crashed;
  core::counter& tokens;
  core::gauge& sessions;
  std::array<core::histogram*, stage_count> stage;
  core::gauge& queued;
  core::counter& finish(core::finish_reason f);
  core::counter& degraded(const std::string& component);
  core::counter& errors(std::string_view code);
  /// Deadlines that fired and changed a turn: first_token, stall, total, memory_wait, human.
  core::counter& timeouts(std::string_view deadline);
  /// Reports without text: crisis referrals sent, by locale (zh, en).
  core::counter& crisis_referrals(std::string_view locale);
  /// Reports without text: turns judged other than ok, by locale, level and category.
  core::counter& safety_detections(std::string_view locale, std::string_view level,
                                   std::string_view category);
  core::counter& crisis_interruptions;
  core::histogram& queue_wait;
};
metric_refs& metrics();

struct buffered_command {
  client_sink_ptr origin;
  core::client_command cmd;
};

/// The facts this user already told (bounded, oldest forgotten first).
class known_facts {
public:
  explicit known_facts(std::size_t max = 512) : max_(max) {}
  /// True when `fact` is new (then it is known from now on).
  bool add(const std::string& fact);
  /// `fact` is no longer known (the user deleted or edited it).
  void erase(const std::string& fact);
  void clear();

private:
  std::size_t max_;
  idle_free_deque<std::string> order_;
  std::unordered_set<std::string> set_;
};

struct session_state {
  std::string user;
  stage_pools pools;
  std::shared_ptr<const session_settings> cfg;
  session_owner_actor owner;     // the gateway (null in tests: no passivation)
  bool loaded = false;           // turn counter known (from storage)
  bool loading = false;          // a lease request or a load is in flight
  std::uint64_t lease_epoch = 0; // cluster mode: this node's ownership epoch (0: none)
  std::string proxy_to; // cluster mode: the node that owns the user (commands are forwarded)
  // cluster mode: the node this session's connections are attached to (stays set while
  // proxy_to is cleared to re-ask for the lease; detached when another node, or this one, owns)
  std::string attached_to;
  clock::time_point proxy_checked = {};      // when the owner's lease was last seen held
  idle_free_deque<buffered_command> waiting; // commands that arrived before the load finished
  std::uint64_t routed = 0;                  // messages received from the owner
  clock::time_point last_activity = clock::now();
  std::size_t pending_persists = 0;
  std::size_t remembering = 0;    // remember requests in flight
  std::uint64_t memory_epoch = 0; // what seeding our memories answered
  known_facts known;
  core::core_memory core;             // the profile always in the prompt (memory.core_tokens)
  core::shown_profile profile;        // what of it the prompts carry now (changes rarely)
  core::conversation_summary summary; // older turns the window let go (session.summary_tokens)
  std::vector<core::chat_message> unsummarised; // let go during a turn, folded in after it
  idle_free_deque<std::string> sensitive; // the messages of recent crisis turns: never summarised
  bool summary_by_model = false; // the summary's text was written by the LLM (not extractive)
  struct {
    std::uint64_t key = 0;          // the summariser stream in flight (0: none)
    std::uint64_t base_version = 0; // the summary it extends; a newer one makes it moot
    std::uint64_t through = 0;
    std::string text; // bounded by core::summary_answer_cap(session.summary_tokens)
    bool cut = false; // the answer outgrew that cap
    llm_stream_actor stream;
  } summariser;
  core::token_bucket chats{0, 1};    // limits.chats_per_minute / chat_burst
  core::token_bucket commands{0, 1}; // limits.commands_per_minute / command_burst
  core::care_schedule care;
  client_sink_ptr operator_sink; // an operator took the conversation over (null: the AI answers)
  bool minor = false;            // the minors policy applies (token claim age_band "minor")
  std::string contact_sealed;    // the opted-in emergency contact, sealed (empty: none)
  std::optional<std::uint64_t> deferred_recall; // turn key whose recall waits for a remember
  std::uint64_t last_turn = 0;
  idle_free_deque<turn> turns; // front is in flight once started
  std::vector<client_sink_ptr> sinks;
  idle_free_deque<finished_turn> finished;
  // oldest first, counted once; lent to the prompt builder each turn by a move, never copied
  core::recent_window recent;
  core::conversation_risk risk;   // decaying distress score across this user's turns
  core::deadline_table deadlines; // every deadline of this session, behind one timer
  static inline const char* name = "session_actor";

  ~session_state();

  /// Turns that still count stop counting (crash, shutdown).
  void uncount_all();
  /// The turn no longer counts against the in-flight bound (before its `done` goes out, so
  /// that a client's next chat is not shed by this very turn).
  void release_bound(turn& t);
  /// The turn is fully handled (`done` sent, stored or queued for storage): a drain may stop.
  void uncount(turn& t);

  void broadcast(const frame_ptr& f);
  void broadcast(std::string f);
  static void reply(const client_sink_ptr& to, std::string f);

  /// The turn in flight with this key, if it is past `queued`.
  turn* current(std::uint64_t key);
};

using session_ptr = session_actor::stateful_pointer<session_state>;

inline std::chrono::milliseconds ms(unsigned v) { return std::chrono::milliseconds{v}; }
std::int64_t now_ms();
double ms_since(clock::time_point t);

/// Sends an `error` frame to one connection and counts it by code.
void reply_error(const client_sink_ptr& to, std::string_view code, std::string_view message,
                 std::optional<std::string_view> id = std::nullopt,
                 std::optional<std::uint64_t> retry_after_ms = std::nullopt);

// --- turn pipeline (turn_pipeline.cpp) ---------------------------------------------------
/// Admits a chat: duplicate id, shedding, rate, queue bound; then `accepted` and start.
void admit_chat(session_ptr self, const client_sink_ptr& origin, core::chat_command& c);
/// Starts the front turn if nothing is in flight: the stages go out at once.
void start_next(session_ptr self);
/// A token of the stream `key`; the first arms the stall deadline.
void on_token(session_ptr self, std::uint64_t key, std::string text);
/// The stream `key` ended.
void on_stream_end(session_ptr self, std::uint64_t key, core::finish_reason finish);
/// The stream `key` broke after some text and goes on from the next endpoint: `llm` is
/// degraded and the stall deadline counts from now (the continuation's first token).
void on_stream_continued(session_ptr self, std::uint64_t key);
/// A deadline of the turn `key` fired.
void on_deadline(session_ptr self, std::uint64_t key, deadline_kind kind);

// --- deadlines (deadlines.cpp) ------------------------------------------------------------
/// The deadline (key, kind) `after` from now; a wake-up is armed only when it is earlier than
/// every one already armed.
void arm_deadline(session_ptr self, std::uint64_t key, deadline_kind kind,
                  std::chrono::milliseconds after);
/// The deadline (key, kind), or every deadline of `key`, is no longer needed.
void clear_deadline(session_ptr self, std::uint64_t key, deadline_kind kind);
void clear_deadlines(session_ptr self, std::uint64_t key);
/// The wake-up armed for `at_ns` (steady clock) came: due deadlines go to on_deadline (and
/// on_summary_deadline), then the next wake-up is armed if one is needed.
void on_wakeup(session_ptr self, std::int64_t at_ns);
/// The LLM worker of the turn in flight died.
void on_stream_worker_down(session_ptr self, const caf::actor_addr& worker);
/// Asks the stages for the turn just started (turn_stages.cpp); generation follows.
void ask_stages(session_ptr self, turn& t);
/// A stage failed or was late: its fallback (the safety rules run here) and `degraded`.
void stage_failed(session_ptr self, std::uint64_t key, stage s);
/// The deadline kind of a stage's request.
deadline_kind deadline_of(stage s);
/// A stage's (or the guard's) deadline came due: it fails as if its worker had. False when
/// `kind` is not a stage's.
bool on_stage_deadline(session_ptr self, std::uint64_t key, deadline_kind kind);
/// A `remember` of this session finished: a recall that waited for it goes out now.
void on_remembered(session_ptr self);
/// A chat queued behind another turn is screened at once (crisis_priority.cpp): at crisis level
/// the turns ahead of it end `cancelled`, so its referral goes out now, not after them.
void prescreen_for_crisis(session_ptr self, const turn& t);
/// Sends `text` as the next pieces of `t`'s reply (token frames, TTFT and token metrics).
void emit_text(session_ptr self, turn& t, const std::string& text);
/// The safety rules the session runs itself (a failed worker, a crisis screen), one instance.
const core::safety_checker& local_safety_rules();
/// The verdicts are in: the blocked reply, the operator (taken over), or the LLM stream.
void start_generation(session_ptr self, turn& t);
/// The prompt and the LLM stream for `t` (also after an operator did not answer in time).
void generate_with_llm(session_ptr self, turn& t);

// --- human hand-off (handoff.cpp) --------------------------------------------------------
/// An operator takes the conversation over (`human`) or hands it back.
void on_handoff(session_ptr self, bool human, const client_sink_ptr& op);
/// The operator's reply to the chat `id`: the reply of the turn waiting for it.
void on_operator_reply(session_ptr self, const std::string& id, const std::string& text,
                       const client_sink_ptr& op);
/// The turn `t` waits for the operator (its chat goes to them) until care.handoff_timeout_s.
void await_operator(session_ptr self, turn& t);
/// A crisis verdict: the alert goes to the operators through the owner.
void alert_operators(session_ptr self, const turn& t);
/// Ends the front turn with exactly one `done`, records it and starts the next one.
void finish_turn(session_ptr self, core::finish_reason finish);
/// Cluster mode, lease lost and no turn in flight: other nodes' connections are let go.
void release_other_nodes(session_ptr self);
/// Queues the turn for storage; `persisted` comes back when its batch is written.
void persist(session_ptr self, const turn& t, const std::string& reply, core::finish_reason finish,
             std::int64_t reply_ts, std::vector<std::string> facts);
/// The facts worth remembering in the user message of `t` that this user has not told yet.
std::vector<std::string> new_facts(session_state& st, const turn& t);
/// The recent window let `dropped` go (oldest first, up to turn `through`): they are folded
/// into the running summary, which is stored when it changed. After the turn, never before
/// its `done`.
void fold_into_summary(session_ptr self, const std::vector<core::chat_message>& dropped,
                       std::uint64_t through);
/// The summary changed some other way (a fact deleted or edited, forget): stored if it did.
void store_summary(session_ptr self);
/// `forget`: the summary goes (storage erases its copy with the conversation).
void forget_summary(session_ptr self);
/// The user deleted or edited the fact `old_text`: out of the summary too.
void prune_summary(session_ptr self, const std::string& old_text);
/// The summariser model's stream: true when `key` was it (handled here).
bool on_summary_token(session_ptr self, std::uint64_t key, const std::string& text);
bool on_summary_end(session_ptr self, std::uint64_t key, core::finish_reason finish);
void on_summary_deadline(session_ptr self, std::uint64_t key);
/// Stream ids, unique across sessions (turns and summaries).
extern std::atomic<std::uint64_t> next_stream_id;

// --- commands (session_commands.cpp) -------------------------------------------------------
/// Runs one command (after the command rate for everything but chat).
void dispatch(session_ptr self, const client_sink_ptr& origin, core::client_command& cmd);

// --- lifecycle (session_lifecycle.cpp) -----------------------------------------------------
/// Loads the turn counter, recent context and memories; commands wait until it is done.
void load(session_ptr self);

// --- the turn's log line (turn_log.cpp) -----------------------------------------------------
void log_turn(const session_state& st, const turn& t, core::finish_reason finish, double total_ms);

} // namespace xinyu::actors::session
