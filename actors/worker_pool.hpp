// A supervisor that owns N workers of one kind, routes each request to the least-loaded worker
// (bounded per worker), respawns a worker that dies and fails its in-flight requests at once,
// and stops calling a pool that keeps crashing until a probe. Must never do the work itself.
#pragma once

#include "actors/error.hpp"
#include "actors/pool_actor.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace xinyu::actors {

/// A generic pool's settings. The server fills every field from the key table
/// (stage_pool_settings: <stage>.workers and deadline_ms, limits.max_worker_queue,
/// supervision.*); the defaults here serve the pool's own tests only.
struct pool_settings {
  std::string kind;                         // emotion | safety | memory | llm (metric label)
  unsigned size = 2;                        // workers
  std::chrono::milliseconds deadline{1000}; // pool -> worker request deadline
  std::size_t max_queue = 256;              // requests in flight per worker
  unsigned max_restarts = 10;               // restart intensity: at most this many ...
  std::chrono::seconds window{10};          // ... within this window, else the pool fails
  std::chrono::milliseconds probe_after{5000};
};

template <class Handle>
using worker_factory = std::function<Handle(caf::actor_system&)>;

template <class Handle>
struct pool_state {
  using clock = std::chrono::steady_clock;
  struct slot {
    Handle worker; // null while the pool is failed
    /// what to do with each request in flight when the worker dies: fail it now
    std::unordered_map<std::uint64_t, std::function<void(caf::error)>> inflight;
  };
  pool_settings cfg;
  worker_factory<Handle> factory;
  std::vector<slot> slots;
  /// Requests in the order they went to a worker, for the deadline: checked when the next
  /// request comes (no timer per request). Settled ones leave from the front; at most
  /// 4 x (size x max_queue) are kept, the settled ones in the middle dropped beyond that.
  struct sent {
    clock::time_point at;
    std::size_t slot;
    Handle worker;
    std::uint64_t id;
  };
  std::deque<sent> sent_order;
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

namespace detail {

template <class Handle>
using pool_pointer = typename Handle::template stateful_pointer<pool_state<Handle>>;

template <class Handle>
void spawn_into(pool_pointer<Handle> self, typename pool_state<Handle>::slot& s) {
  s.worker = self->state.factory(self->system());
  self->monitor(s.worker);
}

/// The slot with the fewest requests in flight and room for one more; ties go round-robin.
/// Probes a failed pool once its wait is over. Null: refused (the error says why).
template <class Handle>
typename pool_state<Handle>::slot* pick_slot(pool_pointer<Handle> self, caf::error& why) {
  using clock = typename pool_state<Handle>::clock;
  auto& st = self->state;
  if (st.failed) {
    if (clock::now() < st.failed_until) {
      st.rejected->inc();
      why = make_error(ec::pool_failed, st.cfg.kind);
      return nullptr;
    }
    // probe: respawn the dead workers and let requests through again
    st.failed = false;
    st.failed_gauge->set(0);
    st.restarts_in_window.clear();
    for (auto& s : st.slots)
      if (!s.worker) {
        spawn_into<Handle>(self, s);
        st.restarts->inc();
      }
  }
  std::size_t n = st.slots.size();
  std::size_t start = st.next_slot++ % n;
  std::size_t idx = n;
  for (std::size_t k = 0; k < n; ++k) {
    auto i = (start + k) % n;
    auto& s = st.slots[i];
    if (s.worker && s.inflight.size() < st.cfg.max_queue
        && (idx == n || s.inflight.size() < st.slots[idx].inflight.size()))
      idx = i;
  }
  if (idx == n) {
    st.rejected->inc();
    why = make_error(ec::pool_busy, st.cfg.kind);
    return nullptr;
  }
  return &st.slots[idx];
}

/// The pool's deadline, checked lazily: requests older than cfg.deadline that are still in
/// flight fail with request_timeout (their worker hangs; the caller has its own deadline and
/// this frees the worker's room). Runs before every new request instead of a CAF timer each.
template <class Handle>
void expire_overdue(pool_pointer<Handle> self) {
  auto& st = self->state;
  auto now = pool_state<Handle>::clock::now();
  auto in_flight = [&st](const typename pool_state<Handle>::sent& f) {
    auto& slot = st.slots[f.slot];
    return slot.worker == f.worker && slot.inflight.count(f.id) > 0;
  };
  while (!st.sent_order.empty()) {
    auto& f = st.sent_order.front();
    if (in_flight(f)) {
      if (now - f.at < st.cfg.deadline)
        break;
      auto& slot = st.slots[f.slot];
      auto it = slot.inflight.find(f.id);
      auto fail = std::move(it->second);
      slot.inflight.erase(it);
      st.inflight_gauge->add(-1);
      fail(caf::make_error(caf::sec::request_timeout));
    }
    st.sent_order.pop_front();
  }
  if (st.sent_order.size() > 4 * st.slots.size() * std::max<std::size_t>(1, st.cfg.max_queue))
    std::erase_if(st.sent_order, [&](const auto& f) { return !in_flight(f); });
}

/// The handler of one operation: forwards it to a worker and relays the answer.
template <class Handle, class Op>
auto route(pool_pointer<Handle> self) {
  using request = typename Op::request;
  using response = typename Op::response;
  return [self](work_atom, request& req) -> caf::result<response> {
    expire_overdue<Handle>(self);
    caf::error why;
    auto* s = pick_slot<Handle>(self, why);
    if (!s)
      return why;
    auto& st = self->state;
    auto id = ++st.next_request;
    auto rp = self->template make_response_promise<response>();
    s->inflight.emplace(id, [rp](caf::error e) mutable { rp.deliver(std::move(e)); });
    st.inflight_gauge->add(1);
    auto worker = s->worker;
    auto idx = static_cast<std::size_t>(s - st.slots.data());
    st.sent_order.push_back({pool_state<Handle>::clock::now(), idx, worker, id});
    // true when the request was still in flight (its worker did not die meanwhile)
    auto settle = [self, idx, worker, id] {
      auto& slot = self->state.slots[idx];
      if (slot.worker != worker)
        return false; // that worker died; its requests were failed already
      if (slot.inflight.erase(id) == 0)
        return false;
      self->state.inflight_gauge->add(-1);
      return true;
    };
    self->request(worker, caf::infinite, work_atom::value, std::move(req))
      .then(
        [rp, settle](response& r) mutable {
          if (settle())
            rp.deliver(std::move(r));
        },
        [rp, settle](caf::error& e) mutable {
          if (settle())
            rp.deliver(std::move(e));
        });
    return rp;
  };
}

} // namespace detail

/// Behaviour of a pool of `Handle` (= pool_actor<Ops...>) forwarding each op to a worker.
template <class Handle, class... Ops>
typename Handle::behavior_type worker_pool(detail::pool_pointer<Handle> self, pool_settings cfg,
                                           worker_factory<Handle> factory) {
  using clock = typename pool_state<Handle>::clock;
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.factory = std::move(factory);
  auto label = "pool=\"" + st.cfg.kind + "\"";
  st.restarts = &core::metrics().get_counter("xinyu_worker_restarts_total",
                                             "workers respawned after they died", label);
  st.rejected =
    &core::metrics().get_counter("xinyu_pool_rejected_total",
                                 "requests refused at once: workers full or pool failed", label);
  st.inflight_gauge =
    &core::metrics().get_gauge("xinyu_pool_inflight", "requests in flight per worker pool", label);
  st.failed_gauge =
    &core::metrics().get_gauge("xinyu_pool_failed", "1 while a pool exceeded its restart intensity",
                               label);
  for (unsigned i = 0; i < std::max(1u, st.cfg.size); ++i) {
    st.slots.emplace_back();
    detail::spawn_into<Handle>(self, st.slots.back());
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.stopping = true;
    for (auto& s : self->state.slots)
      if (s.worker)
        self->send_exit(s.worker, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.stopping)
      return;
    for (auto& s : st.slots) {
      if (!s.worker || s.worker.address() != dm.source)
        continue;
      // Fail fast: whoever waits on this worker gets an error now, not at its deadline.
      for (auto& [id, fail] : s.inflight) {
        fail(caf::make_error(caf::sec::request_receiver_down));
        st.inflight_gauge->add(-1);
      }
      s.inflight.clear();
      s.worker = nullptr;
      auto now = clock::now();
      st.restarts_in_window.push_back(now);
      while (!st.restarts_in_window.empty() && now - st.restarts_in_window.front() > st.cfg.window)
        st.restarts_in_window.pop_front();
      if (st.failed || st.restarts_in_window.size() > st.cfg.max_restarts) {
        // restart intensity exceeded: stop calling this pool until a probe
        if (!st.failed)
          core::log::error("pool_failed", {{"pool", st.cfg.kind},
                                           {"restarts_in_window", st.restarts_in_window.size()}});
        st.failed = true;
        st.failed_until = now + st.cfg.probe_after;
        st.failed_gauge->set(1);
        return;
      }
      detail::spawn_into<Handle>(self, s);
      st.restarts->inc();
      return;
    }
  });
  return {detail::route<Handle, Ops>(self)...};
}

/// Spawns a pool of `cfg.size` workers of `pool_actor<Ops...>` made by `factory`.
template <class... Ops>
pool_actor<Ops...> spawn_worker_pool(caf::actor_system& sys, pool_settings cfg,
                                     worker_factory<pool_actor<Ops...>> factory) {
  using handle = pool_actor<Ops...>;
  return sys.spawn(worker_pool<handle, Ops...>, std::move(cfg), std::move(factory));
}

} // namespace xinyu::actors
