// The turn pipeline of a session: admit a chat, start it (the stages are in turn_stages.cpp),
// stream the LLM reply and end every turn with exactly one `done`. Never sockets.
// Over 400 lines: the turn's state machine from admission to `done` reads best whole (stages and
// deadlines are apart).
#include "actors/session/session_state.hpp"

#include "actors/cluster_router.hpp"
#include "actors/error.hpp"
#include "core/memory/fact_extractor.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/policy/care_report.hpp"
#include "core/policy/minor_policy.hpp"
#include "core/policy/token_count.hpp"
#include "core/protocol/server_frame.hpp"
#include "core/support/service_state.hpp"
#include "core/support/text.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <iterator>

namespace xinyu::actors::session {

std::atomic<std::uint64_t> next_stream_id{1};

namespace {

/// Reply path when the LLM gives nothing: the offline comforting text, or for a person at
/// risk the built-in crisis-support reply (after the referral already sent).
void fallback_reply(session_ptr self, turn& t) {
  t.mark_degraded("llm");
  emit_text(self, t,
            t.safety.level == core::safety_level::crisis ? core::crisis_support_reply(t.chinese)
                                                         : core::fallback_reply(t.chinese));
  finish_turn(self, core::finish_reason::fallback);
}

/// The stream gave up: the fallback when nothing came, else what came ends with `error`.
void end_stream_early(session_ptr self, turn& t) {
  if (t.model_tokens() == 0) {
    fallback_reply(self, t);
    return;
  }
  t.mark_degraded("llm");
  finish_turn(self, core::finish_reason::error);
}

/// A crisis turn opens with the referral, before the model says anything and whatever state
/// the model is in: the resources for the user's language as the reply's first pieces, and a
/// `crisis_resources` notice for clients that show them apart.
void send_crisis_referral(session_ptr self, turn& t) {
  auto& st = self->state;
  const auto& resources = st.cfg->config.safety.crisis_resources;
  auto it = resources.find(t.chinese ? "zh" : "en");
  if (it == resources.end() || it->second.empty())
    return;
  auto referral = core::crisis_referral(t.chinese, it->second);
  st.broadcast(
    core::frames::notice("crisis_resources", referral.substr(0, referral.size() - 2), t.id));
  emit_text(self, t, referral);
  t.preface_tokens = t.tokens.size();
  t.referred = true;
  metrics().crisis_referrals(t.chinese ? "zh" : "en").inc();
}

} // namespace

void emit_token(session_ptr self, turn& t, std::string text) {
  auto& st = self->state;
  if (!t.ttft_ms) {
    t.ttft_ms = ms_since(t.accepted_at);
    metrics().ttft.observe(*t.ttft_ms / 1000);
  }
  t.last_token_at = clock::now();
  st.broadcast(core::frames::token(t.id, t.tokens.size(), text));
  t.tokens.push_back(std::move(text));
  metrics().tokens.inc();
}

void emit_text(session_ptr self, turn& t, const std::string& text) {
  for (auto& piece : core::split_into_tokens(text))
    emit_token(self, t, std::move(piece));
}

void start_generation(session_ptr self, turn& t) {
  auto& st = self->state;
  t.ph = phase::generating;
  if (core::at_risk(t.safety))
    send_crisis_referral(self, t); // a refusal with a crisis in it gets the resources too
  if (t.safety.level == core::safety_level::blocked) {
    emit_text(self, t, core::blocked_reply(t.chinese));
    finish_turn(self, core::finish_reason::stop);
    return;
  }
  if (st.minor && core::asks_for_romance(t.text)) {
    emit_text(self, t, core::minor_romance_refusal(t.chinese)); // no model is asked
    finish_turn(self, core::finish_reason::stop);
    return;
  }
  if (st.operator_sink) {
    await_operator(self, t); // a person answers (the referral above went out already)
    return;
  }
  generate_with_llm(self, t);
}

void generate_with_llm(session_ptr self, turn& t) {
  auto& st = self->state;
  t.ph = phase::generating;
  core::prompt_input in;
  in.user_text = t.redacted();
  in.chinese = t.chinese;
  in.emotion = t.emotion;
  in.safety = t.safety;
  in.recent = std::move(st.recent); // lent for the build, given back below: no copy per turn
  in.minor = st.minor;
  // the profile (core memory) in the system message, stable across turns (shown_profile)
  auto fresh = st.core.select();
  auto placed = st.profile.place(fresh, t.memories, in.recent.empty());
  in.profile = std::move(placed.profile);
  in.memories = std::move(placed.memories);
  llm_start start;
  start.stream_id = t.key;
  start.reply_to = caf::actor_cast<llm_listener_actor>(self);
  start.request.user_text = in.user_text;
  start.request.chinese = t.chinese;
  start.request.emotion = t.emotion;
  start.request.safety = t.safety.level;
  start.request.memories = t.memories;
  in.summary = st.summary.text;
  auto built = st.cfg->prompt->build(in);
  if (built.dropped > 0 && st.profile.shown() != fresh) { // the prefix changes anyway: refresh
    auto refreshed = st.profile.refresh(fresh, t.memories);
    in.profile = std::move(refreshed.profile);
    in.memories = std::move(refreshed.memories);
    built = st.cfg->prompt->build(in);
  }
  st.recent = std::move(in.recent);
  // the window slid: those turns leave it for good (into the summary, for the next prompts),
  // so the next prompts start the same way
  if (built.dropped > 0) { // folded into the summary after the turn, off its critical path
    auto gone = st.recent.take_front(built.dropped);
    st.unsummarised.insert(st.unsummarised.end(), std::make_move_iterator(gone.begin()),
                           std::make_move_iterator(gone.end()));
  }
  start.request.prompt = std::move(built.messages);
  start.request.max_tokens =
    std::min(st.cfg->config.llm.max_tokens, t.max_tokens.value_or(st.cfg->config.llm.max_tokens));
  t.prompt_tokens = built.tokens;
  start.request.prompt_tokens = t.prompt_tokens; // counted once: metrics and usage agree
  start.request.traceparent = core::child_traceparent(t.trace);
  start.request.stop = t.stop;
  auto key = t.key;
  t.last_token_at = clock::now();
  arm_deadline(self, key, deadline_kind::first_token,
               ms(st.cfg->config.llm.first_token_deadline_ms));
  arm_deadline(self, key, deadline_kind::total, ms(st.cfg->config.llm.total_deadline_ms));
  // the request's deadline is in the session's table (one timer), not a CAF timer of its own
  arm_deadline(self, key, deadline_kind::llm_start, ms(st.cfg->config.llm.start_deadline_ms));
  self->request(st.pools.llm, caf::infinite, work_atom::value, std::move(start))
    .then(
      [self, key](llm_stream_actor& stream) {
        clear_deadline(self, key, deadline_kind::llm_start);
        auto* t = self->state.current(key);
        if (!t || t->ph != phase::generating) {
          // already over (cancelled or timed out): stop the stream if it still runs
          self->send(stream, cancel_atom::value, key);
          return;
        }
        t->stream = stream;
        self->monitor(stream);
      },
      [self, key](caf::error&) {
        clear_deadline(self, key, deadline_kind::llm_start);
        if (auto* t = self->state.current(key); t && t->ph == phase::generating)
          end_stream_early(self, *t);
      });
}

std::vector<std::string> new_facts(session_state& st, const turn& t) {
  static const core::fact_extractor extractor;
  // a crisis turn is answered by the crisis flow; none of its sentences becomes a fact quoted
  // back in every later prompt (a rule per sentence cannot tell which one was the crisis)
  if (t.safety.level == core::safety_level::blocked || t.safety.level == core::safety_level::crisis
      || !t.started)
    return {};
  auto facts = extractor.extract(t.redacted());
  if (facts.size() > 16)
    facts.resize(16); // a pasted essay is not sixteen facts about the user
  std::vector<std::string> fresh;
  for (auto& f : facts)
    if (st.known.add(f))
      fresh.push_back(std::move(f));
  return fresh;
}

void persist(session_ptr self, const turn& t, const std::string& reply, core::finish_reason finish,
             std::int64_t reply_ts, std::vector<std::string> facts) {
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
  rec.finish = core::to_string(finish);
  rec.ts = t.ts;
  rec.reply_ts = reply_ts;
  rec.epoch = st.lease_epoch; // a write after this node lost the user is refused by storage
  // what the user told about themselves is remembered (personal data already masked)
  rec.facts = std::move(facts);
  // the care-notice schedule too, so a restart or another node continues it
  rec.care = st.care.times(clock::now(), now_ms());
  // duty-of-care counts (no user, no text) become durable with the turn
  if (t.started)
    for (const auto& e : core::care_events(t.safety, t.chinese, t.referred))
      rec.report_events.push_back(e.key());
  ++st.pending_persists;
  if (st.cfg->svc)
    ++st.cfg->svc->persisted_unsent;
  // Through the owner when there is one: it delivers `persisted` to whichever session holds
  // the user's connections by then (this one, or its successor after a crash).
  persist_listener_actor listener =
    st.owner ? persist_listener_actor{st.owner} : caf::actor_cast<persist_listener_actor>(self);
  self->send(st.pools.storage, persist_atom::value, std::move(rec), std::move(listener));
}

void finish_turn(session_ptr self, core::finish_reason finish) {
  auto& st = self->state;
  auto& t = st.turns.front();
  clear_deadlines(self, t.key); // none of them can change this turn now
  if (t.stream && t.ph == phase::generating)
    self->send(t.stream, cancel_atom::value, t.key); // no-op when the stream already ended
  double total = ms_since(t.accepted_at);
  core::frames::done_info d;
  d.id = t.id;
  d.turn = t.reply_turn;
  d.finish = core::to_string(finish);
  d.degraded = t.degraded;
  d.ttft_ms = t.ttft_ms;
  d.total_ms = total;
  d.prompt_tokens = t.prompt_tokens;
  d.completion_tokens = core::approximate_tokens(t.reply());
  auto done = std::make_shared<const std::string>(core::frames::done(d));
  // the turn stops counting against the in-flight bound before anyone hears `done`: a client
  // that sends its next chat on `done` must not be shed by this very turn
  st.release_bound(t);
  // the turn's log line is written before anyone hears `done`, so a server stopped right
  // after a reply still has it
  if (st.cfg->config.log.turns)
    log_turn(st, t, finish, total);
  st.broadcast(done);
  for (auto& n : st.care.after_turn(clock::now()))
    st.broadcast(core::frames::notice(n.kind, n.text));
  metrics().total.observe(total / 1000);
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
  f.finish = core::to_string(finish);
  auto reply = t.reply();
  f.tokens = std::move(t.tokens);
  f.done_frame = done;
  if (finish != core::finish_reason::cancelled || !reply.empty()) {
    st.recent.push("user", t.redacted());
    st.recent.push("assistant", reply);
    if (t.safety.level == core::safety_level::crisis
        || t.safety.level == core::safety_level::blocked) {
      // the summary says only that they spoke of it (matched as the window holds the text)
      st.sensitive.push_back(core::neutralised(t.redacted()));
      while (st.sensitive.size() > std::max<std::size_t>(8, st.recent.size()))
        st.sensitive.pop_front();
    }
    // over the cap the oldest half goes at once (not a turn a time): the prompt's prefix stays
    auto drop = core::drop_for_cap(st.recent.size(), st.cfg->config.session.recent_messages);
    if (drop > 0) {
      auto gone = st.recent.take_front(drop);
      st.unsummarised.insert(st.unsummarised.end(), std::make_move_iterator(gone.begin()),
                             std::make_move_iterator(gone.end()));
      st.profile.invalidate(); // the next prompt starts anew anyway: show the profile as it is
    }
  }
  if (!st.unsummarised.empty()) { // the turn is answered: what the window let go is summarised
    fold_into_summary(self, st.unsummarised, t.reply_turn);
    st.unsummarised.clear();
  }
  // the facts are stored with the turn (below); the memory pool indexes them and has their
  // embeddings stored beside them
  auto facts = new_facts(st, t);
  for (std::size_t i = 0; i < facts.size(); ++i) // in the profile from the next prompt on
    st.core.add({t.user_turn, static_cast<std::uint32_t>(i)}, facts[i]);
  if (!facts.empty()) {
    ++st.remembering;
    self
      ->request(st.pools.memory, ms(st.cfg->config.session.bookkeeping_deadline_ms),
                work_atom::value, remember_request{st.user, t.user_turn, facts})
      .then([self](std::vector<core::memory_fact>&) { on_remembered(self); },
            [self](caf::error&) { on_remembered(self); });
  }
  persist(self, t, reply, finish, f.reply_ts, std::move(facts));
  // only now is the turn fully handled: a drain that waits for xinyu_turns_queued sees its
  // `done` with the connections and its write queued (then waits for `persisted`)
  st.uncount(t);
  st.finished.push_back(std::move(f));
  while (st.finished.size() > st.cfg->config.session.keep_turns)
    st.finished.pop_front();
  st.last_activity = clock::now();
  st.turns.pop_front();
  if (st.turns.empty() && st.lease_epoch == 0 && st.cfg->router)
    release_other_nodes(self); // the owner lost the user while this turn was in flight
  start_next(self);
}

void start_next(session_ptr self) {
  auto& st = self->state;
  if (st.turns.empty() || st.turns.front().ph != phase::queued)
    return;
  auto& t = st.turns.front();
  if (t.cancelled) {
    t.ph = phase::analyzing;                           // mark started so finish_turn records it
    finish_turn(self, core::finish_reason::cancelled); // which starts the next one
    return;
  }
  t.ph = phase::analyzing;
  t.started = true;
  t.started_at = clock::now();
  metrics().queue_wait.observe(t.started_at - t.accepted_at);
  t.pending = st.pools.guard ? 4 : 3;
  t.guard.reset();
  t.chinese = core::is_mostly_chinese(t.text);
  // fallbacks, used when a stage is late or fails
  t.emotion = core::emotion_result{};
  t.safety = core::safety_result{};
  t.safety.level = core::safety_level::caution; // unknown safety is treated with caution
  t.safety.redacted_text = t.text;
  ask_stages(self, t);
}

void admit_chat(session_ptr self, const client_sink_ptr& origin, core::chat_command& c) {
  auto& st = self->state;
  const auto& cfg = *st.cfg;
  if (c.not_after_ms != 0 && now_ms() > c.not_after_ms) {
    // forwarded from another node, which has answered it `overloaded` by now (this node, or
    // the load of the user, was slower than its deadline): running it too would run it twice
    cluster_router::count_late();
    metrics().overloaded.inc();
    reply_error(origin, "overloaded",
                "the server holding this conversation answered too late; re-send", c.id,
                cfg.config.storage.retry_after_ms);
    return;
  }
  for (const auto& t : st.turns) {
    if (t.id == c.id) {
      reply_error(origin, "bad_request", "a turn with this id is already in progress", c.id);
      return;
    }
  }
  if (const char* why = cfg.svc ? cfg.svc->shed_reason() : nullptr) {
    metrics().overloaded.inc();
    reply_error(origin, "overloaded", why, c.id, cfg.config.storage.retry_after_ms);
    return;
  }
  if (auto wait = st.chats.take(clock::now()); wait > 0) {
    metrics().rate_limited.inc();
    reply_error(origin, "rate_limited",
                "too many messages in a short time; please slow down a little", c.id, wait);
    return;
  }
  if (st.turns.size() >= cfg.config.session.max_queued_turns) {
    metrics().busy.inc();
    reply_error(origin, "busy",
                "this session already has " + std::to_string(cfg.config.session.max_queued_turns)
                  + " turns queued; re-send later",
                c.id);
    return;
  }
  turn t;
  t.id = std::move(c.id);
  t.text = std::move(c.text);
  t.trace = c.trace ? std::move(*c.trace) : core::new_trace();
  t.max_tokens = c.max_tokens;
  if (!c.stop.empty()) {
    t.stop = c.stop;
    t.stops.emplace(std::move(c.stop));
  }
  t.user_turn = ++st.last_turn;
  t.reply_turn = ++st.last_turn;
  t.ts = now_ms();
  t.accepted_at = clock::now();
  t.key = next_stream_id.fetch_add(1, std::memory_order_relaxed);
  // counted before anyone hears `accepted`: the bound holds for the very next chat
  if (cfg.svc)
    ++cfg.svc->inflight_turns;
  metrics().queued.add(1);
  st.broadcast(core::frames::accepted(t.id, t.user_turn, t.text, t.ts));
  st.turns.push_back(std::move(t));
  if (cfg.svc && cfg.svc->chaos.decide(core::chaos_kind::session).crash)
    throw std::runtime_error("chaos: injected session crash"); // recovered by the crash handler
  if (st.turns.size() > 1)
    prescreen_for_crisis(self, st.turns.back()); // behind another turn: a crisis jumps ahead
  start_next(self);
}

void on_token(session_ptr self, std::uint64_t key, std::string text) {
  if (on_summary_token(self, key, text))
    return;
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::generating)
    return; // a stream we gave up on
  auto limit = self->state.cfg->config.llm.max_tokens;
  if (t->model_tokens() >= std::min(limit, t->max_tokens.value_or(limit))) {
    finish_turn(self, core::finish_reason::length);
    return;
  }
  bool first = t->model_tokens() == 0;
  if (t->stops) { // the caller's stop sequences: show what cannot be one, end before one
    auto r = t->stops->feed(text);
    if (!r.show.empty())
      emit_token(self, *t, std::move(r.show));
    if (r.stopped) {
      finish_turn(self, core::finish_reason::stop);
      return;
    }
    if (t->model_tokens() == 0)
      return; // all held back so far
  } else {
    emit_token(self, *t, std::move(text));
  }
  if (first) // checked lazily: when it comes due, the time since the last token decides
    arm_deadline(self, key, deadline_kind::stall,
                 ms(self->state.cfg->config.llm.stall_deadline_ms));
}

void on_stream_continued(session_ptr self, std::uint64_t key) {
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::generating)
    return;
  t->mark_degraded("llm");         // the reply goes on, from a fallback endpoint
  t->last_token_at = clock::now(); // a whole stall deadline for the continuation's first token
}

void on_stream_end(session_ptr self, std::uint64_t key, core::finish_reason finish) {
  if (on_summary_end(self, key, finish))
    return;
  auto* t = self->state.current(key);
  if (!t || t->ph != phase::generating)
    return;
  if (t->stops) // the stream ended: a held tail can no longer become a stop sequence
    if (auto rest = t->stops->flush(); !rest.empty())
      emit_token(self, *t, std::move(rest));
  if (t->model_tokens() == 0 || finish == core::finish_reason::error
      || finish == core::finish_reason::cancelled)
    end_stream_early(self, *t); // no reply: fallback; a broken one: kept, finish error
  else
    finish_turn(self, finish);
}

void on_deadline(session_ptr self, std::uint64_t key, deadline_kind kind) {
  auto& st = self->state;
  if (kind == deadline_kind::summary) {
    on_summary_deadline(self, key);
    return;
  }
  if (kind == deadline_kind::memory_wait) { // the recall waited for a remember too long
    if (st.deferred_recall == key) {
      metrics().timeouts("memory_wait").inc();
      st.deferred_recall.reset();
      stage_failed(self, key, stage::memory);
    }
    return;
  }
  if (on_stage_deadline(self, key, kind))
    return;
  auto* t = st.current(key);
  if (t && kind == deadline_kind::human && t->ph == phase::awaiting_human) {
    // no operator answer in time: the AI replies, so the chat still gets its one `done`
    metrics().timeouts("human").inc();
    t->mark_degraded("human");
    generate_with_llm(self, *t);
    return;
  }
  if (!t || t->ph != phase::generating)
    return;
  switch (kind) {
    case deadline_kind::first_token:
      if (t->model_tokens() == 0) {
        metrics().timeouts("first_token").inc();
        end_stream_early(self, *t);
      }
      break;
    case deadline_kind::stall: {
      auto idle = clock::now() - t->last_token_at;
      if (idle >= ms(st.cfg->config.llm.stall_deadline_ms)) {
        metrics().timeouts("stall").inc();
        end_stream_early(self, *t);
      } else
        arm_deadline(self, key, deadline_kind::stall,
                     std::chrono::ceil<std::chrono::milliseconds>(
                       ms(st.cfg->config.llm.stall_deadline_ms) - idle));
      break;
    }
    case deadline_kind::llm_start:
      if (!t->stream && t->model_tokens() == 0) { // the pool did not answer in time
        metrics().timeouts("llm_start").inc();
        end_stream_early(self, *t);
      }
      break;
    case deadline_kind::total:
      metrics().timeouts("total").inc();
      end_stream_early(self, *t);
      break;
    case deadline_kind::memory_wait: end_stream_early(self, *t); break;
    case deadline_kind::human:
    case deadline_kind::summary:
    case deadline_kind::stage_emotion:
    case deadline_kind::stage_safety:
    case deadline_kind::stage_memory:
    case deadline_kind::stage_guard: break; // handled above
  }
}

void on_stream_worker_down(session_ptr self, const caf::actor_addr& worker) {
  auto& st = self->state;
  if (st.turns.empty())
    return;
  auto& t = st.turns.front();
  if (t.ph == phase::generating && t.stream && t.stream.address() == worker)
    end_stream_early(self, t); // the LLM worker died mid-stream
}

} // namespace xinyu::actors::session
