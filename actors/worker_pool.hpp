// A supervisor that owns N workers of one kind, routes requests to them round-robin, respawns
// a worker that dies and fails its in-flight requests at once. Must never do the work itself.
#pragma once

#include "actors/atoms.hpp"
#include "core/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace xinyu::actors {

using worker_factory = std::function<caf::actor(caf::actor_system&)>;

struct pool_settings {
  std::string kind;                    // emotion | safety | memory | llm (metric label)
  unsigned size = 2;                   // workers
  std::chrono::milliseconds deadline{1000}; // pool -> worker request deadline
};

template <class Response>
struct pool_state {
  struct slot {
    caf::actor worker;
    std::unordered_map<std::uint64_t, caf::typed_response_promise<Response>> inflight;
  };
  std::vector<slot> slots;
  std::size_t next = 0;
  std::uint64_t next_request = 0;
  core::counter* restarts = nullptr;
  core::gauge* inflight_gauge = nullptr;
  bool stopping = false;
  static inline const char* name = "worker_pool";
};

/// Behaviour of a pool answering `(work_atom, Request) -> Response` by forwarding to a worker.
template <class Request, class Response>
caf::behavior worker_pool(caf::stateful_actor<pool_state<Response>>* self, pool_settings cfg,
                          worker_factory factory) {
  auto& st = self->state;
  st.restarts = &core::metrics().get_counter("xinyu_worker_restarts_total",
                                             "workers respawned after they died",
                                             "pool=\"" + cfg.kind + "\"");
  st.inflight_gauge = &core::metrics().get_gauge("xinyu_pool_inflight",
                                                 "requests in flight per worker pool",
                                                 "pool=\"" + cfg.kind + "\"");
  self->set_default_handler(caf::drop); // unknown requests time out at the caller
  for (unsigned i = 0; i < std::max(1u, cfg.size); ++i) {
    auto w = factory(self->system());
    self->monitor(w);
    st.slots.push_back({std::move(w), {}});
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.stopping = true;
    for (auto& s : self->state.slots)
      self->send_exit(s.worker, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self, factory](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.stopping)
      return;
    for (auto& s : st.slots) {
      if (s.worker.address() != dm.source)
        continue;
      // Fail fast: whoever waits on this worker gets an error now, not at its deadline.
      for (auto& [id, rp] : s.inflight) {
        rp.deliver(caf::make_error(caf::sec::request_receiver_down));
        st.inflight_gauge->add(-1);
      }
      s.inflight.clear();
      s.worker = factory(self->system());
      self->monitor(s.worker);
      st.restarts->inc();
      return;
    }
  });
  return {
    [self, cfg](work_atom, Request& req) -> caf::result<Response> {
      auto& st = self->state;
      auto idx = st.next++ % st.slots.size();
      auto id = ++st.next_request;
      auto rp = self->template make_response_promise<Response>();
      st.slots[idx].inflight.emplace(id, rp);
      st.inflight_gauge->add(1);
      auto worker = st.slots[idx].worker;
      auto finish = [self, idx, worker, id](auto&& value) {
        auto& slot = self->state.slots[idx];
        if (slot.worker != worker)
          return; // that worker died; its requests were failed already
        auto it = slot.inflight.find(id);
        if (it == slot.inflight.end())
          return;
        it->second.deliver(std::forward<decltype(value)>(value));
        slot.inflight.erase(it);
        self->state.inflight_gauge->add(-1);
      };
      self->request(worker, cfg.deadline, work_atom::value, std::move(req))
        .then([finish](Response& r) mutable { finish(std::move(r)); },
              [finish](caf::error& e) mutable { finish(std::move(e)); });
      return rp;
    },
  };
}

/// Spawns a pool of `cfg.size` workers made by `factory`.
template <class Request, class Response>
caf::actor spawn_worker_pool(caf::actor_system& sys, pool_settings cfg, worker_factory factory) {
  return sys.spawn(worker_pool<Request, Response>, std::move(cfg), std::move(factory));
}

} // namespace xinyu::actors
