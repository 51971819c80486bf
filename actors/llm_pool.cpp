// LLM stream workers: each starts a reply on an llm::provider (an upstream endpoint or the
// offline provider) whose own thread sends tokens straight to the session. Must never block
// a scheduler thread or know which provider it drives.
#include "actors/llm_pool.hpp"

#include "actors/stage_pools.hpp"
#include "actors/worker_pool.hpp"
#include "core/support/config.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/support/service_state.hpp"
#include "llm/offline_provider.hpp"

#include <caf/all.hpp>

#include <unordered_map>
#include <unordered_set>

namespace xinyu::actors {

namespace {

struct provider_worker_state {
  std::unordered_map<std::uint64_t, std::shared_ptr<llm::stream_handle>> streams;
  std::unordered_set<std::uint64_t> delayed; // started late by chaos (delay_ms), not yet begun
  ~provider_worker_state() {
    for (auto& [id, h] : streams)
      h->cancel(); // a dying worker does not leave upstream requests running
  }
  static inline const char* name = "llm_provider_worker";
};

using provider_worker_actor = llm_pool_actor::extend<caf::reacts_to<cancel_atom, std::uint64_t>,
                                                     caf::reacts_to<end_atom, std::uint64_t>,
                                                     caf::reacts_to<tick_atom, llm_start>>;

/// Starts `start` on the provider: its thread sends tokens straight to the session (same order
/// as received); a cancelled stream's end is not passed on (the listener asked for it).
void begin_stream(provider_worker_actor::pointer self, llm::provider& provider, llm_start& start,
                  std::unordered_map<std::uint64_t, std::shared_ptr<llm::stream_handle>>& streams) {
  auto id = start.stream_id;
  auto reply_to = start.reply_to;
  auto me = caf::actor_cast<provider_worker_actor>(self);
  llm::stream_callbacks cb;
  cb.on_token = [reply_to, id](std::string text) {
    caf::anon_send(reply_to, token_atom::value, id, std::move(text));
  };
  cb.on_continue = [reply_to, id] {
    caf::anon_send(reply_to, retry_atom::value, id); // a next endpoint continues the reply
  };
  cb.on_end = [reply_to, id, me](std::string finish, std::string) {
    auto reason = core::finish_from_provider(finish);
    if (reason != core::finish_reason::cancelled)
      caf::anon_send(reply_to, end_atom::value, id, reason);
    caf::anon_send(me, end_atom::value, id);
  };
  streams[id] = provider.start(start.request, std::move(cb));
}

/// Streams from a provider; this actor only tracks handles for cancel and applies the chaos
/// injector's verdicts (crash, hang, fail, a late start).
provider_worker_actor::behavior_type
provider_worker(provider_worker_actor::stateful_pointer<provider_worker_state> self,
                std::shared_ptr<llm::provider> provider, std::shared_ptr<core::service_state> svc) {
  return {
    [self, provider, svc](work_atom, llm_start& start) -> llm_stream_actor {
      auto me = caf::actor_cast<provider_worker_actor>(self);
      auto chaos = svc ? svc->chaos.decide(core::chaos_kind::llm) : core::chaos_action{};
      if (chaos.crash)
        throw std::runtime_error("chaos: injected crash");
      if (chaos.hang)
        return me; // accepted, never streams: the session's first-token deadline fires
      if (chaos.fail) {
        self->send(start.reply_to, end_atom::value, start.stream_id, core::finish_reason::error);
        return me;
      }
      if (chaos.delay_ms > 0) {
        self->state.delayed.insert(start.stream_id);
        self->delayed_send(self, std::chrono::milliseconds{chaos.delay_ms}, tick_atom::value,
                           std::move(start));
        return me;
      }
      begin_stream(self, *provider, start, self->state.streams);
      return me;
    },
    [self, provider](tick_atom, llm_start& start) {
      if (self->state.delayed.erase(start.stream_id) > 0) // else cancelled meanwhile
        begin_stream(self, *provider, start, self->state.streams);
    },
    [self](end_atom, std::uint64_t id) { self->state.streams.erase(id); },
    [self](cancel_atom, std::uint64_t id) {
      self->state.delayed.erase(id);
      auto it = self->state.streams.find(id);
      if (it != self->state.streams.end()) {
        auto handle = std::move(it->second);
        self->state.streams.erase(it);
        handle->cancel();
      }
    },
  };
}

} // namespace

llm_pool_actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<llm::provider> provider,
                              std::shared_ptr<core::service_state> svc) {
  auto ps = stage_pool_settings(cfg, "llm", cfg.llm.workers, 0);
  ps.deadline = std::chrono::milliseconds{cfg.llm.start_deadline_ms};
  using start_op = op<llm_start, llm_stream_actor>;
  if (!provider) // the built-in offline provider, behind the same interface
    provider = std::make_shared<llm::offline_provider>(
      llm::pacing{cfg.offline.first_token_ms, cfg.offline.tokens_per_s});
  return spawn_worker_pool<start_op>(sys, ps,
                                     [provider, svc](caf::actor_system& s) -> llm_pool_actor {
                                       return s.spawn(provider_worker, provider, svc);
                                     });
}

} // namespace xinyu::actors
