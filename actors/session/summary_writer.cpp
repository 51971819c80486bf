// The running summary of a session's older turns: folded in after the turn that let them go
// (by rule at once, then by the configured LLM when there is one), stored, pruned. Must never
// run before a turn's `done`, nor hold a turn's place in the llm pool.
#include "actors/session/session_state.hpp"

#include "core/support/metrics.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace xinyu::actors::session {

namespace {

core::counter& summaries(const char* how) {
  return core::metrics().get_counter(
    "xinyu_summaries_total",
    "running summaries of older turns written, by how (rules, model) or why not (model_failed); "
    "cut: model answers cut at 16 bytes per session.summary_tokens",
    std::string{"how=\""} + how + "\"");
}

bool by_model(const session_state& st) {
  return st.cfg->config.session.summary_by_llm && st.cfg->config.llm.provider != "offline"
         && st.cfg->config.session.summary_tokens > 0 && st.pools.llm;
}

void stop_summariser(session_ptr self) {
  auto& w = self->state.summariser;
  if (w.stream)
    self->send(w.stream, cancel_atom::value, w.key);
  w = {};
}

/// Asks the model to fold `dropped` into `previous` (the summary before the rules folded
/// them in); its answer replaces the rules' summary unless that changed again meanwhile.
void ask_model(session_ptr self, const std::string& previous,
               const std::vector<core::chat_message>& dropped, std::uint64_t through) {
  auto& st = self->state;
  if (st.summariser.key != 0)
    stop_summariser(self); // one at a time: the newer request covers more
  auto key = next_stream_id.fetch_add(1, std::memory_order_relaxed);
  st.summariser.key = key;
  st.summariser.base_version = st.summary.version;
  st.summariser.through = through;
  st.summariser.text.clear();
  st.summariser.cut = false;
  llm_start start;
  start.stream_id = key;
  start.reply_to = caf::actor_cast<llm_listener_actor>(self);
  auto budget = st.cfg->config.session.summary_tokens;
  auto quoted = dropped; // a crisis turn's words never go to the summariser
  for (auto& m : quoted)
    if (std::find(st.sensitive.begin(), st.sensitive.end(), m.content) != st.sensitive.end())
      m.content = "(spoke of harming themselves; crisis lines were given)";
  start.request.prompt = core::summary_request(previous, quoted, budget);
  start.request.max_tokens = static_cast<unsigned>(budget + budget / 2);
  start.request.prompt_tokens = core::approximate_prompt_tokens(start.request.prompt);
  arm_deadline(self, key, deadline_kind::summary, ms(st.cfg->config.llm.total_deadline_ms));
  self
    ->request(st.pools.llm, ms(st.cfg->config.llm.start_deadline_ms), work_atom::value,
              std::move(start))
    .then(
      [self, key](llm_stream_actor& stream) {
        if (self->state.summariser.key == key)
          self->state.summariser.stream = stream;
        else
          self->send(stream, cancel_atom::value, key); // given up on already
      },
      [self, key](caf::error&) {
        if (self->state.summariser.key != key)
          return;
        self->state.summariser = {};
        summaries("model_failed").inc(); // the rules' summary stands
      });
}

} // namespace

void fold_into_summary(session_ptr self, const std::vector<core::chat_message>& dropped,
                       std::uint64_t through) {
  auto& st = self->state;
  auto previous = st.summary.text;
  auto before = st.summary.version;
  st.summary =
    core::fold_extractive(st.summary, dropped, through, st.cfg->config.session.summary_tokens,
                          st.core.select(), {st.sensitive.begin(), st.sensitive.end()});
  if (st.summary.version != before) {
    st.summary_by_model = false;
    summaries("rules").inc();
    store_summary(self);
  }
  if (by_model(st) && !dropped.empty())
    ask_model(self, previous, dropped, through);
}

void store_summary(session_ptr self) {
  auto& st = self->state;
  if (st.pools.storage) // a newer version replaces the stored one; a lost write is rebuilt
    self->send(st.pools.storage, summary_atom::value, st.user, st.summary);
}

void prune_summary(session_ptr self, const std::string& old_text) {
  auto& st = self->state;
  if (st.summariser.key != 0)
    stop_summariser(self); // it may be writing the fact back in
  if (st.summary_by_model && !st.summary.text.empty()) {
    // a model paraphrases: no line can be trusted not to carry the fact, so the summary goes
    st.summary = {st.summary.version + 1, st.summary.through_turn, {}};
    st.summary_by_model = false;
    store_summary(self);
    return;
  }
  if (auto pruned = core::without(st.summary, old_text); pruned.version != st.summary.version) {
    st.summary = std::move(pruned);
    store_summary(self);
  }
}

void forget_summary(session_ptr self) {
  auto& st = self->state;
  if (st.summariser.key != 0)
    stop_summariser(self); // it must not write the erased conversation back
  st.summary = {};
  st.summary_by_model = false;
  st.unsummarised.clear();
  st.sensitive.clear();
}

bool on_summary_token(session_ptr self, std::uint64_t key, const std::string& text) {
  auto& w = self->state.summariser;
  if (key == 0 || key != w.key)
    return false;
  if (!core::append_summary_answer(w.text, text, self->state.cfg->config.session.summary_tokens)
      && !w.cut) {
    w.cut = true; // counted once per answer
    summaries("cut").inc();
  }
  return true;
}

bool on_summary_end(session_ptr self, std::uint64_t key, core::finish_reason finish) {
  auto& st = self->state;
  auto& w = st.summariser;
  if (key == 0 || key != w.key)
    return false;
  auto text = core::accept_model_summary(w.text, st.cfg->config.session.summary_tokens);
  bool usable = !text.empty() && finish != core::finish_reason::error
                && finish != core::finish_reason::cancelled;
  // the rules' fold of the same turns is version base_version; a later fold or a deletion
  // moved it on: this answer is moot
  bool current = st.summary.version == w.base_version;
  if (usable && current) {
    st.summary = {st.summary.version + 1, std::max(st.summary.through_turn, w.through),
                  std::move(text)};
    st.summary_by_model = true;
    summaries("model").inc();
    store_summary(self);
  } else if (!usable) {
    summaries("model_failed").inc(); // the rules' summary stands
  }
  w = {};
  return true;
}

void on_summary_deadline(session_ptr self, std::uint64_t key) {
  if (key == 0 || key != self->state.summariser.key)
    return;
  summaries("model_failed").inc();
  stop_summariser(self);
}

} // namespace xinyu::actors::session
