// LLM stream workers: the offline provider with paced tokens (CAF timers) or a streaming
// provider whose I/O thread sends tokens straight to the session. Must never block a
// scheduler thread: pacing uses delayed messages, not sleeps.
#include "actors/llm_pool.hpp"

#include "actors/stage_pools.hpp"
#include "actors/worker_pool.hpp"
#include "core/support/config.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/support/service_state.hpp"
#include "llm/offline_provider.hpp"
#include "llm/stream_metrics.hpp"
#include "llm/upstream_client.hpp"

#include <caf/all.hpp>

#include <unordered_map>

namespace xinyu::actors {

namespace {

struct stream {
  llm_listener_actor reply_to;
  std::vector<std::string> tokens;
  std::size_t next = 0;
  core::finish_reason finish = core::finish_reason::stop;
  std::size_t prompt_tokens = 0; // approximate: the offline provider has no tokenizer
  std::chrono::steady_clock::time_point started, first_token;
};

/// The offline provider's figures under the same names an upstream endpoint reports them
/// (endpoint="offline", model="offline"), so dashboards work without an LLM account.
llm::stream_metrics& offline_figures() {
  static llm::stream_metrics m{"offline", "offline"};
  return m;
}

void record_offline_stream(const stream& s) {
  auto now = std::chrono::steady_clock::now();
  offline_figures().finished(s.prompt_tokens, s.tokens.size(), now - s.started,
                             now - s.first_token);
}

struct offline_worker_state {
  std::unordered_map<std::uint64_t, stream> streams;
  static inline const char* name = "llm_offline_worker";
};

using offline_worker_actor = llm_pool_actor::extend<caf::reacts_to<cancel_atom, std::uint64_t>,
                                                    caf::reacts_to<tick_atom, std::uint64_t>>;

offline_worker_actor::behavior_type
offline_worker(offline_worker_actor::stateful_pointer<offline_worker_state> self, llm::pacing pace,
               std::shared_ptr<core::service_state> svc) {
  // Emits due tokens of `id`; schedules the next one or ends the stream.
  auto pump = [self, pace](std::uint64_t id) {
    auto it = self->state.streams.find(id);
    if (it == self->state.streams.end())
      return; // cancelled
    auto& s = it->second;
    // every token that is due now goes out as one piece: one message and one frame instead
    // of one per token (a paced stream still sends them one by one)
    std::string piece;
    do {
      if (s.next < s.tokens.size())
        piece += s.tokens[s.next++];
    } while (s.next < s.tokens.size() && pace.delay_before(s.next) == 0);
    if (!piece.empty()) {
      if (s.first_token == std::chrono::steady_clock::time_point{}) {
        s.first_token = std::chrono::steady_clock::now();
        offline_figures().first_token(s.first_token - s.started);
      }
      self->send(s.reply_to, token_atom::value, id, std::move(piece));
    }
    if (s.next >= s.tokens.size()) {
      record_offline_stream(s);
      self->send(s.reply_to, end_atom::value, id, s.finish);
      self->state.streams.erase(it);
      return;
    }
    self->delayed_send(self, std::chrono::milliseconds{pace.delay_before(s.next)}, tick_atom::value,
                       id);
  };
  return {
    [self, pace, pump, svc](work_atom, llm_start& start) -> llm_stream_actor {
      auto chaos = svc ? svc->chaos.decide(core::chaos_kind::llm) : core::chaos_action{};
      if (chaos.crash)
        throw std::runtime_error("chaos: injected crash");
      auto me = caf::actor_cast<llm_stream_actor>(self);
      if (chaos.hang)
        return me; // accepted, never streams: the session's first-token deadline fires
      if (chaos.fail) {
        self->send(start.reply_to, end_atom::value, start.stream_id, core::finish_reason::error);
        return me;
      }
      llm::offline_provider provider;
      stream s;
      s.started = std::chrono::steady_clock::now();
      s.prompt_tokens = start.request.prompt_tokens;
      s.reply_to = std::move(start.reply_to);
      s.tokens = core::split_into_tokens(provider.compose(start.request));
      if (s.tokens.size() > start.request.max_tokens) {
        s.tokens.resize(start.request.max_tokens);
        s.finish = core::finish_reason::length;
      }
      auto id = start.stream_id;
      self->state.streams.emplace(id, std::move(s));
      auto first = pace.delay_before(0) + chaos.delay_ms;
      if (first == 0)
        pump(id);
      else
        self->delayed_send(self, std::chrono::milliseconds{first}, tick_atom::value, id);
      return me;
    },
    [pump](tick_atom, std::uint64_t id) { pump(id); },
    [self](cancel_atom, std::uint64_t id) { self->state.streams.erase(id); },
  };
}

struct provider_worker_state {
  std::unordered_map<std::uint64_t, std::shared_ptr<llm::stream_handle>> streams;
  ~provider_worker_state() {
    for (auto& [id, h] : streams)
      h->cancel(); // a dying worker does not leave upstream requests running
  }
  static inline const char* name = "llm_provider_worker";
};

using provider_worker_actor = llm_pool_actor::extend<caf::reacts_to<cancel_atom, std::uint64_t>,
                                                     caf::reacts_to<end_atom, std::uint64_t>>;

/// Streams from a provider: its I/O thread sends tokens straight to the session (same order as
/// received); this actor only tracks handles for cancel.
provider_worker_actor::behavior_type
provider_worker(provider_worker_actor::stateful_pointer<provider_worker_state> self,
                std::shared_ptr<llm::provider> provider, std::shared_ptr<core::service_state> svc) {
  return {
    [self, provider, svc](work_atom, llm_start& start) -> llm_stream_actor {
      auto id = start.stream_id;
      auto reply_to = start.reply_to;
      auto me = caf::actor_cast<provider_worker_actor>(self);
      auto chaos = svc ? svc->chaos.decide(core::chaos_kind::llm) : core::chaos_action{};
      if (chaos.crash)
        throw std::runtime_error("chaos: injected crash");
      if (chaos.hang)
        return me;
      if (chaos.fail) {
        self->send(reply_to, end_atom::value, id, core::finish_reason::error);
        return me;
      }
      llm::stream_callbacks cb;
      cb.on_token = [reply_to, id](std::string text) {
        caf::anon_send(reply_to, token_atom::value, id, std::move(text));
      };
      cb.on_continue = [reply_to, id] {
        caf::anon_send(reply_to, retry_atom::value, id); // a next endpoint continues the reply
      };
      cb.on_end = [reply_to, id, me](std::string finish, std::string) {
        caf::anon_send(reply_to, end_atom::value, id, core::finish_from_provider(finish));
        caf::anon_send(me, end_atom::value, id);
      };
      self->state.streams[id] = provider->start(start.request, std::move(cb));
      return me;
    },
    [self](end_atom, std::uint64_t id) { self->state.streams.erase(id); },
    [self](cancel_atom, std::uint64_t id) {
      auto it = self->state.streams.find(id);
      if (it != self->state.streams.end()) {
        it->second->cancel();
        self->state.streams.erase(it);
      }
    },
  };
}

} // namespace

llm::upstream_config make_upstream_config(const core::config& cfg) {
  llm::upstream_config u;
  for (const auto& e : cfg.llm.endpoints)
    u.endpoints.push_back(
      {e.name, e.base_url, e.model, e.api_key_env, e.context_window, e.reply_reserve});
  u.connect_timeout_ms = cfg.llm.connect_timeout_ms;
  u.first_token_timeout_ms = cfg.llm.attempt_first_token_ms;
  // with an endpoint to continue on, the client must see a stall before the session's own
  // stall deadline ends the reply, and tell it: it gives up on a stalled stream at 3/4 of it
  // (on the chain's last endpoint nothing can continue: the whole deadline)
  u.stall_timeout_ms = cfg.llm.stall_deadline_ms;
  u.stall_before_continue_ms =
    std::max(1u, cfg.llm.stall_deadline_ms - cfg.llm.stall_deadline_ms / 4);
  u.max_attempts = cfg.llm.max_attempts;
  u.backoff_ms = cfg.llm.backoff_ms;
  u.backoff_max_ms = cfg.llm.backoff_max_ms;
  u.breaker_failures = cfg.llm.breaker_failures;
  u.breaker_cooldown_ms = cfg.llm.breaker_cooldown_ms;
  u.max_streams = cfg.llm.max_streams;
  u.queue_max = cfg.llm.queue_max;
  u.queue_timeout_ms = cfg.llm.queue_timeout_ms;
  u.pool_per_endpoint = cfg.llm.pool_per_endpoint;
  u.drain_body_ms = cfg.llm.drain_body_ms;
  u.temperature = cfg.llm.temperature;
  u.stream_usage = cfg.llm.stream_usage;
  u.tls_verify = cfg.llm.tls_verify;
  u.ca_file = cfg.llm.ca_file;
  return u;
}

llm_pool_actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<llm::provider> provider,
                              std::shared_ptr<core::service_state> svc) {
  auto ps = stage_pool_settings(cfg, "llm", cfg.llm.workers, 0);
  ps.deadline = std::chrono::milliseconds{cfg.llm.start_deadline_ms};
  using start_op = op<llm_start, llm_stream_actor>;
  if (provider)
    return spawn_worker_pool<start_op>(sys, ps,
                                       [provider, svc](caf::actor_system& s) -> llm_pool_actor {
                                         return s.spawn(provider_worker, provider, svc);
                                       });
  llm::pacing pace{cfg.offline.first_token_ms, cfg.offline.tokens_per_s};
  return spawn_worker_pool<start_op>(sys, ps, [pace, svc](caf::actor_system& s) -> llm_pool_actor {
    return s.spawn(offline_worker, pace, svc);
  });
}

} // namespace xinyu::actors
