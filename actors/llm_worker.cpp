// LLM stream workers running the offline provider with paced tokens.
// Must never block a scheduler thread: pacing uses delayed messages, not sleeps.
#include "actors/llm_worker.hpp"

#include "actors/messages.hpp"
#include "actors/worker_pool.hpp"
#include "core/config.hpp"
#include "llm/offline_provider.hpp"

#include <unordered_map>

namespace xinyu::actors {

namespace {

struct stream {
  caf::actor reply_to;
  std::vector<std::string> tokens;
  std::size_t next = 0;
  std::string finish = "stop";
};

struct llm_worker_state {
  std::unordered_map<std::uint64_t, stream> streams;
  static inline const char* name = "llm_worker";
};

caf::behavior llm_worker(caf::stateful_actor<llm_worker_state>* self, llm::pacing pace) {
  self->set_default_handler(caf::drop);
  // Emits due tokens of `id`; schedules the next one or ends the stream.
  auto pump = [self, pace](std::uint64_t id) {
    auto it = self->state.streams.find(id);
    if (it == self->state.streams.end())
      return; // cancelled
    auto& s = it->second;
    do {
      if (s.next < s.tokens.size()) {
        self->send(s.reply_to, token_atom::value, id, s.tokens[s.next]);
        ++s.next;
      }
      if (s.next >= s.tokens.size()) {
        self->send(s.reply_to, end_atom::value, id, s.finish);
        self->state.streams.erase(it);
        return;
      }
    } while (pace.delay_before(s.next) == 0);
    self->delayed_send(self, std::chrono::milliseconds{pace.delay_before(s.next)},
                       tick_atom::value, id);
  };
  return {
    [self, pace, pump](work_atom, llm_start& start) -> caf::actor {
      llm::offline_provider provider;
      stream s;
      s.reply_to = std::move(start.reply_to);
      s.tokens = llm::offline_provider::tokenize(provider.compose(start.request));
      if (s.tokens.size() > start.request.max_tokens) {
        s.tokens.resize(start.request.max_tokens);
        s.finish = "length";
      }
      auto id = start.stream_id;
      self->state.streams.emplace(id, std::move(s));
      if (pace.delay_before(0) == 0)
        pump(id);
      else
        self->delayed_send(self, std::chrono::milliseconds{pace.delay_before(0)},
                           tick_atom::value, id);
      return caf::actor_cast<caf::actor>(self);
    },
    [pump](tick_atom, std::uint64_t id) { pump(id); },
    [self](cancel_atom, std::uint64_t id) { self->state.streams.erase(id); },
  };
}

} // namespace

caf::actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg) {
  llm::pacing pace{cfg.offline.first_token_ms, cfg.offline.tokens_per_s};
  return spawn_worker_pool<llm_start, caf::actor>(
    sys, pool_settings{"llm", cfg.llm.workers, std::chrono::milliseconds{cfg.llm.start_deadline_ms}},
    [pace](caf::actor_system& s) { return s.spawn(llm_worker, pace); });
}

} // namespace xinyu::actors
