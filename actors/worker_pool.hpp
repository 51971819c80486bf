// A supervisor that owns N workers of one kind, routes each request to the least-loaded worker
// (bounded per worker), respawns a worker that dies and fails its in-flight requests at once,
// and stops calling a pool that keeps crashing until a probe. Must never do the work itself.
#pragma once

#include "actors/atoms.hpp"
#include "actors/stray_messages.hpp"
#include "core/metrics.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <deque>
#include <iostream>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace xinyu::actors {

using worker_factory = std::function<caf::actor(caf::actor_system&)>;

struct pool_settings {
  std::string kind;                         // emotion | safety | memory | llm (metric label)
  unsigned size = 2;                        // workers
  std::chrono::milliseconds deadline{1000}; // pool -> worker request deadline
  std::size_t max_queue = 256;              // requests in flight per worker
  unsigned max_restarts = 10;               // restart intensity: at most this many ...
  std::chrono::seconds window{10};          // ... within this window, else the pool fails
  std::chrono::milliseconds probe_after{5000};
};

template <class Response>
struct pool_state {
  using clock = std::chrono::steady_clock;
  struct slot {
    caf::actor worker; // null while the pool is failed
    std::unordered_map<std::uint64_t, caf::typed_response_promise<Response>> inflight;
  };
  std::vector<slot> slots;
  std::uint64_t next_request = 0;
  std::size_t next_slot = 0;
  std::deque<clock::time_point> restarts_in_window;
  bool failed = false;
  clock::time_point failed_until{};
  bool stopping = false;
  core::counter* restarts = nullptr;
  core::counter* rejected = nullptr;
  core::gauge* inflight_gauge = nullptr;
  core::gauge* failed_gauge = nullptr;
  static inline const char* name = "worker_pool";
};

/// Behaviour of a pool answering `(work_atom, Request) -> Response` by forwarding to a worker.
template <class Request, class Response>
caf::behavior worker_pool(caf::stateful_actor<pool_state<Response>>* self, pool_settings cfg,
                          worker_factory factory) {
  using clock = typename pool_state<Response>::clock;
  auto& st = self->state;
  auto label = "pool=\"" + cfg.kind + "\"";
  st.restarts = &core::metrics().get_counter("xinyu_worker_restarts_total",
                                             "workers respawned after they died", label);
  st.rejected = &core::metrics().get_counter(
    "xinyu_pool_rejected_total", "requests refused at once: workers full or pool failed", label);
  st.inflight_gauge = &core::metrics().get_gauge("xinyu_pool_inflight",
                                                 "requests in flight per worker pool", label);
  st.failed_gauge = &core::metrics().get_gauge(
    "xinyu_pool_failed", "1 while a pool exceeded its restart intensity", label);
  tolerate_stray_messages(self, "pool");
  auto spawn_into = [self, factory](typename pool_state<Response>::slot& s) {
    s.worker = factory(self->system());
    self->monitor(s.worker);
  };
  for (unsigned i = 0; i < std::max(1u, cfg.size); ++i) {
    st.slots.emplace_back();
    spawn_into(st.slots.back());
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.stopping = true;
    for (auto& s : self->state.slots)
      if (s.worker)
        self->send_exit(s.worker, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self, cfg, spawn_into](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.stopping)
      return;
    for (auto& s : st.slots) {
      if (!s.worker || s.worker.address() != dm.source)
        continue;
      // Fail fast: whoever waits on this worker gets an error now, not at its deadline.
      for (auto& [id, rp] : s.inflight) {
        rp.deliver(caf::make_error(caf::sec::request_receiver_down));
        st.inflight_gauge->add(-1);
      }
      s.inflight.clear();
      s.worker = nullptr;
      auto now = clock::now();
      st.restarts_in_window.push_back(now);
      while (!st.restarts_in_window.empty() && now - st.restarts_in_window.front() > cfg.window)
        st.restarts_in_window.pop_front();
      if (st.failed || st.restarts_in_window.size() > cfg.max_restarts) {
        // restart intensity exceeded: stop calling this pool until a probe
        if (!st.failed)
          std::cerr << R"({"level":"error","event":"pool_failed","pool":")" << cfg.kind
                    << R"(","restarts_in_window":)" << st.restarts_in_window.size() << "}"
                    << std::endl;
        st.failed = true;
        st.failed_until = now + cfg.probe_after;
        st.failed_gauge->set(1);
        return;
      }
      spawn_into(s);
      st.restarts->inc();
      return;
    }
  });
  return {
    [self, cfg, spawn_into](work_atom, Request& req) -> caf::result<Response> {
      auto& st = self->state;
      if (st.failed) {
        if (clock::now() < st.failed_until) {
          st.rejected->inc();
          return caf::make_error(caf::sec::runtime_error, "pool failed: " + cfg.kind);
        }
        // probe: respawn the dead workers and let requests through again
        st.failed = false;
        st.failed_gauge->set(0);
        st.restarts_in_window.clear();
        for (auto& s : st.slots)
          if (!s.worker) {
            spawn_into(s);
            st.restarts->inc();
          }
      }
      // least-loaded live worker with room; ties go round-robin
      std::size_t n = st.slots.size();
      std::size_t start = st.next_slot++ % n;
      std::size_t idx = n;
      for (std::size_t k = 0; k < n; ++k) {
        auto i = (start + k) % n;
        auto& s = st.slots[i];
        if (s.worker && s.inflight.size() < cfg.max_queue
            && (idx == n || s.inflight.size() < st.slots[idx].inflight.size()))
          idx = i;
      }
      if (idx == st.slots.size()) {
        st.rejected->inc();
        return caf::make_error(caf::sec::runtime_error, "all workers busy: " + cfg.kind);
      }
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
