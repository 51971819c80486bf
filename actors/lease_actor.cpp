// The lease actor: one detached thread calling the lease_store (Redis), a renewal tick every third
// of a lease, and a loss told to the session that held it. Must never keep a lease this node lost,
// and never hand out one while Redis cannot be asked.
#include "actors/lease_actor.hpp"

#include "actors/error.hpp"
#include "core/support/config.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"
#include "core/support/service_state.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <map>

namespace xinyu::actors {

namespace {

using clock = std::chrono::steady_clock;

struct held_lease {
  std::uint64_t epoch = 0;
  lease_listener_actor listener;
};

struct lease_state {
  std::unique_ptr<storage::lease_store> store;
  std::shared_ptr<core::service_state> svc;
  std::map<std::string, held_lease> held;
  clock::time_point last_renewed = clock::now(); // the last renewal Redis answered
  core::gauge& held_gauge =
    core::metrics().get_gauge("xinyu_cluster_leases_held", "users this node owns (leases held)");
  core::counter& refused =
    core::metrics().get_counter("xinyu_cluster_leases_refused_total",
                                "lease requests refused: another node owns the user");
  core::counter& lost =
    core::metrics().get_counter("xinyu_cluster_leases_lost_total",
                                "leases lost (expired and taken, or Redis unreachable)");
  core::counter& redis_errors =
    core::metrics().get_counter("xinyu_cluster_redis_errors_total",
                                "Redis requests that failed (unreachable, timed out)");
  static inline const char* name = "lease_actor";
};

using lease_actor_t = lease_actor::stateful_pointer<lease_state>;

void publish(lease_actor_t self) {
  self->state.held_gauge.set(static_cast<std::int64_t>(self->state.held.size()));
}

void redis_failed(lease_actor_t self, const std::string& error) {
  auto& st = self->state;
  st.redis_errors.inc();
  if (st.svc->leases_ok.exchange(false))
    core::log::error("cluster_redis_failed", {{"detail", error}});
}

void redis_answered(lease_actor_t self) {
  if (!self->state.svc->leases_ok.exchange(true))
    core::log::info("cluster_redis_recovered");
}

/// Every held lease told lost: its session stops writing as owner (its writes would be fenced).
void lose(lease_actor_t self, const std::string& user) {
  auto& st = self->state;
  auto it = st.held.find(user);
  if (it == st.held.end())
    return;
  st.lost.inc();
  core::log::warn("cluster_lease_lost", {{"epoch", it->second.epoch}});
  if (it->second.listener)
    self->send(it->second.listener, lease_atom::value, it->second.epoch);
  st.held.erase(it);
}

void renew_all(lease_actor_t self, const core::config& cfg) {
  auto& st = self->state;
  if (st.held.empty()) {
    st.last_renewed = clock::now();
    return;
  }
  std::vector<std::string> users;
  std::vector<std::uint64_t> epochs;
  for (const auto& [user, h] : st.held) {
    users.push_back(user);
    epochs.push_back(h.epoch);
  }
  std::vector<std::size_t> lost;
  std::string error;
  auto started = clock::now();
  if (!st.store->renew(users, epochs, lost, error)) {
    redis_failed(self, error);
    // past a whole lease without a renewal another node may own them all: give them up
    if (clock::now() - st.last_renewed >= std::chrono::milliseconds{cfg.cluster.lease_ms})
      for (const auto& u : users)
        lose(self, u);
    publish(self);
    return;
  }
  redis_answered(self);
  st.last_renewed = started;
  for (auto i : lost)
    lose(self, users[i]);
  publish(self);
}

lease_actor::behavior_type lease_behavior(lease_actor_t self, core::config cfg,
                                          std::unique_ptr<storage::lease_store> store,
                                          std::shared_ptr<core::service_state> svc) {
  self->state.store = std::move(store);
  self->state.svc = std::move(svc);
  auto cfgp = std::make_shared<const core::config>(std::move(cfg));
  auto period = std::chrono::milliseconds{std::max(1u, cfgp->cluster.lease_ms / 3)};
  self->delayed_send(self, period, tick_atom::value);
  return {
    [self, cfgp](lease_atom, std::string& user, lease_listener_actor& listener,
                 std::uint64_t floor) -> caf::result<storage::lease_grant> {
      auto& st = self->state;
      storage::lease_grant g;
      std::string error;
      if (!st.store->acquire(user, floor, g, error)) {
        redis_failed(self, error);
        return make_error(ec::storage_failed, error);
      }
      redis_answered(self);
      if (!g.granted) {
        st.refused.inc();
        return g;
      }
      // a successor session on this node keeps the ownership (and its epoch): it is told now
      st.held[user] = {g.epoch, std::move(listener)};
      publish(self);
      return g;
    },
    [self](release_atom, std::string& user, std::uint64_t epoch, lease_listener_actor& holder) {
      auto& st = self->state;
      auto it = st.held.find(user);
      // only the session that holds it: a successor that took it over keeps it
      if (it == st.held.end() || it->second.epoch != epoch || it->second.listener != holder)
        return;
      st.held.erase(it);
      publish(self);
      std::string error;
      if (!st.store->release(user, epoch, error))
        redis_failed(self, error); // it expires on its own
    },
    [self, cfgp, period](tick_atom) {
      renew_all(self, *cfgp);
      self->delayed_send(self, period, tick_atom::value);
    },
  };
}

} // namespace

lease_actor spawn_lease_actor(caf::actor_system& sys, const core::config& cfg,
                              std::unique_ptr<storage::lease_store> leases,
                              std::shared_ptr<core::service_state> svc) {
  return sys.spawn<caf::detached>(lease_behavior, cfg, std::move(leases), std::move(svc));
}

} // namespace xinyu::actors
