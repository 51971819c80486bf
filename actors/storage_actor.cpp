// The storage actor: write-behind group commit over conversation_store with a bounded queue,
// retries with backoff and read-your-writes for loads. Never talks to clients directly.
#include "actors/storage_actor.hpp"

#include "actors/error.hpp"
#include "core/support/config.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"
#include "core/support/service_state.hpp"

#include <caf/all.hpp>

#include <deque>
#include <random>
#include <thread>

namespace xinyu::actors {

namespace {

using clock = std::chrono::steady_clock;

struct pending_write {
  storage::turn_record record;
  persist_listener_actor reply_to;
  clock::time_point queued_at;
};

struct storage_state {
  std::unique_ptr<storage::conversation_store> store;
  std::shared_ptr<core::service_state> svc;
  std::deque<pending_write> pending;
  bool flush_scheduled = false;
  bool failing = false;
  bool retry_scheduled = false;
  unsigned backoff_ms = 0;
  std::size_t batch_limit = 0; // current batch size: halved after a failed write, regrown after
  std::size_t good_writes = 0; // successful writes since the batch last grew or shrank
  bool degraded = false;       // writes failed since the batch was last at storage.batch_max
  std::minstd_rand rng{std::random_device{}()};
  core::histogram& persist_seconds =
    core::metrics().get_histogram("xinyu_storage_persist_seconds",
                                  "time from a turn queued for storage to its batch being written");
  core::histogram& queue_wait_seconds = core::metrics().get_histogram(
    "xinyu_storage_queue_wait_seconds",
    "time a turn waited in the storage queue before its batch started");
  core::histogram& batch_seconds =
    core::metrics().get_histogram("xinyu_storage_batch_seconds",
                                  "duration of one storage write batch");
  core::counter& written =
    core::metrics().get_counter("xinyu_storage_turns_written_total", "turns durably written");
  core::counter& failures = core::metrics().get_counter("xinyu_storage_write_failures_total",
                                                        "failed storage write batches");
  core::counter& fenced = core::metrics().get_counter(
    "xinyu_storage_fenced_total",
    "turns refused by storage because another node owns the user now (a newer epoch)");
  core::counter& embedding_failures = core::metrics().get_counter(
    "xinyu_storage_embedding_failures_total",
    "fact embeddings not stored (they are recomputed when the user is loaded)");
  core::gauge& queue =
    core::metrics().get_gauge("xinyu_storage_queue", "turns waiting to be written");
  core::gauge& batch_limit_gauge = core::metrics().get_gauge(
    "xinyu_storage_batch_limit",
    "turns per write batch now: storage.batch_max, halved after each failed write");
  static inline const char* name = "storage_actor";
};

using storage_actor_t = storage_actor::stateful_pointer<storage_state>;

void publish_queue(storage_actor_t self) {
  auto n = self->state.pending.size();
  self->state.svc->storage_queue = n;
  self->state.queue.set(static_cast<std::int64_t>(n));
}

/// Writes pending turns in batches until none are left or a write fails (then retries later).
void flush(storage_actor_t self, const core::config& cfg) {
  auto& st = self->state;
  while (!st.pending.empty()) {
    if (st.failing && st.retry_scheduled)
      return; // the retry timer will call us
    // after a failure the batch shrinks (a nearly full disk may take one turn but not 256),
    // and grows back by doubling once writes succeed
    if (st.batch_limit == 0)
      st.batch_limit = cfg.storage.batch_max;
    auto n = std::min(st.pending.size(), st.batch_limit);
    std::vector<storage::turn_record> batch;
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      batch.push_back(st.pending[i].record);
    auto t0 = clock::now();
    storage::store_status status;
    std::vector<std::size_t> fenced; // positions in `batch` refused for a stale epoch
    auto chaos = st.svc->chaos.decide(core::chaos_kind::storage);
    if (chaos.delay_ms > 0 || chaos.hang) // a slow or stuck disk: this thread waits
      std::this_thread::sleep_for(std::chrono::milliseconds{chaos.hang ? 5000u : chaos.delay_ms});
    if (chaos.fail)
      status = storage::store_status::failure("injected storage failure (chaos.storage.fail_rate)");
    else
      status = st.store->write(batch, fenced);
    auto now = clock::now();
    if (!status) {
      st.failures.inc();
      if (!st.failing && !st.degraded) // one line per outage, not one per smaller batch
        core::log::error("storage_write_failed", {{"detail", status.error}});
      st.degraded = true;
      st.good_writes = 0;
      st.failing = true;
      st.svc->storage_ok = false;
      st.batch_limit = std::max<std::size_t>(1, n / 2);
      st.batch_limit_gauge.set(static_cast<std::int64_t>(st.batch_limit));
      st.backoff_ms = st.backoff_ms == 0 ? cfg.storage.retry_initial_ms
                                         : std::min(cfg.storage.retry_max_ms, st.backoff_ms * 2);
      st.retry_scheduled = true;
      self->delayed_send(self, std::chrono::milliseconds{st.backoff_ms}, retry_atom::value);
      return;
    }
    st.failing = false;
    st.backoff_ms = 0;
    // regrow slowly: a disk with room for a few turns would fail every doubled batch
    if (st.batch_limit < cfg.storage.batch_max && ++st.good_writes >= 8) {
      st.good_writes = 0;
      st.batch_limit = std::min(cfg.storage.batch_max, st.batch_limit * 2);
      st.batch_limit_gauge.set(static_cast<std::int64_t>(st.batch_limit));
    }
    if (st.degraded && st.batch_limit >= cfg.storage.batch_max) {
      st.degraded = false;
      core::log::info("storage_recovered");
    }
    st.svc->storage_ok = true;
    st.batch_seconds.observe(now - t0);
    // the queue gauge drops before anyone hears `persisted`: a client that reads /metrics
    // after its persisted frame sees the write it was told about gone from the queue
    std::vector<pending_write> done;
    done.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      done.push_back(std::move(st.pending.front()));
      st.pending.pop_front();
    }
    st.written.inc(n - fenced.size());
    publish_queue(self);
    for (auto i : fenced) {
      // never `persisted`: the turn is not in storage, another node owns the user now
      st.fenced.inc();
      core::log::warn("storage_write_fenced",
                      {{"turn", done[i].record.reply_turn}, {"epoch", done[i].record.epoch}});
      if (done[i].reply_to)
        --st.svc->persisted_unsent; // nobody will be told
      done[i].reply_to = nullptr;
    }
    for (auto& p : done) {
      st.queue_wait_seconds.observe(t0 - p.queued_at);
      st.persist_seconds.observe(now - p.queued_at);
      if (p.reply_to)
        self->send(p.reply_to, persisted_atom::value, p.record.id, p.record.reply_turn,
                   p.record.user);
    }
  }
}

storage_actor::behavior_type storage_behavior(storage_actor_t self, core::config cfg,
                                              std::unique_ptr<storage::conversation_store> store,
                                              std::shared_ptr<core::service_state> svc) {
  self->state.store = std::move(store);
  self->state.svc = std::move(svc);
  auto cfgp = std::make_shared<const core::config>(std::move(cfg));
  return {
    [self, cfgp](persist_atom, storage::turn_record& rec, persist_listener_actor& reply_to) {
      auto& st = self->state;
      st.pending.push_back({std::move(rec), std::move(reply_to), clock::now()});
      publish_queue(self);
      if (st.pending.size() >= cfgp->storage.batch_max || cfgp->storage.flush_interval_ms == 0) {
        flush(self, *cfgp);
      } else if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        self->delayed_send(self, std::chrono::milliseconds{cfgp->storage.flush_interval_ms},
                           flush_atom::value, false);
      }
    },
    [self, cfgp](flush_atom, bool) { // group-commit timer
      self->state.flush_scheduled = false;
      flush(self, *cfgp);
    },
    [self, cfgp](retry_atom) {
      self->state.retry_scheduled = false;
      flush(self, *cfgp);
    },
    [self, cfgp](flush_atom) -> bool {
      self->state.retry_scheduled = false; // an explicit flush tries now
      flush(self, *cfgp);
      return self->state.pending.empty();
    },
    [self, cfgp](load_atom, std::string& user,
                 std::uint64_t epoch) -> caf::result<storage::user_snapshot> {
      auto& st = self->state;
      flush(self, *cfgp); // read your writes
      if (epoch != 0) {   // cluster mode: older owners' writes are refused from now on
        bool granted = false;
        std::uint64_t seen = 0;
        if (auto status = st.store->claim(user, epoch, granted, seen); !status)
          return make_error(ec::storage_failed, status.error);
        if (!granted) { // the session asks Redis for an epoch above this one
          storage::user_snapshot refused;
          refused.newer_epoch = std::max<std::uint64_t>(seen, epoch);
          return refused;
        }
      }
      storage::user_snapshot snap;
      auto status =
        st.store->load(user, cfgp->session.recent_messages, cfgp->memory.max_items_per_user, snap);
      if (!status)
        return make_error(ec::storage_failed, status.error);
      // turns still waiting (storage failing) are counted too: a number is never reused
      for (const auto& p : st.pending)
        if (p.record.user == user)
          snap.last_turn = std::max(snap.last_turn, p.record.reply_turn);
      return snap;
    },
    [self, cfgp](history_atom, std::string& user, std::uint64_t before,
                 std::uint32_t limit) -> caf::result<history_page> {
      flush(self, *cfgp);
      history_page page;
      auto status = self->state.store->history(user,
                                               before == 0 ? std::nullopt
                                                           : std::optional<std::uint64_t>{before},
                                               limit, page.messages, page.more);
      if (!status)
        return make_error(ec::storage_failed, status.error);
      return page;
    },
    [self, cfgp](contact_atom, std::string& user, std::string& sealed) -> caf::result<bool> {
      flush(self, *cfgp);
      if (auto status = self->state.store->put_contact(user, sealed); !status)
        return make_error(ec::storage_failed, status.error);
      return true;
    },
    [self, cfgp](memories_atom, std::string& user) -> caf::result<std::vector<core::memory_fact>> {
      flush(self, *cfgp); // a fact told a moment ago is listed
      std::vector<core::memory_fact> out;
      if (auto status =
            self->state.store->list_memories(user, cfgp->memory.max_items_per_user, out);
          !status)
        return make_error(ec::storage_failed, status.error);
      return out;
    },
    [self, cfgp](summary_atom, std::string& user, core::conversation_summary& summary) {
      flush(self, *cfgp); // the turns it covers first
      if (auto status = self->state.store->put_summary(user, summary); !status)
        core::log::error("storage_summary_failed", {{"detail", status.error}});
    },
    [self, cfgp](memory_atom, memory_change_request& req) -> caf::result<memory_change> {
      flush(self, *cfgp); // the fact's own turn first
      std::optional<std::string> old;
      core::memory_ref ref{req.turn, req.index};
      auto status = req.erase ? self->state.store->delete_memory(req.user, ref, old)
                              : self->state.store->edit_memory(req.user, ref, req.text, old);
      if (!status)
        return make_error(ec::storage_failed, status.error);
      return memory_change{old.has_value(), old.value_or("")};
    },
    [self, cfgp](report_atom, std::string& from,
                 std::string& to) -> caf::result<std::vector<storage::report_count>> {
      flush(self, *cfgp);
      std::vector<storage::report_count> out;
      if (auto status = self->state.store->report(from, to, out); !status)
        return make_error(ec::storage_failed, status.error);
      return out;
    },
    [self, cfgp](embed_atom, std::string& user, std::uint64_t turn,
                 std::vector<core::memory_fact>& facts) {
      // the facts of `turn` went in with the turn: write them first, so that a vector is never
      // stored for a fact that is not (or no longer, after forget) there
      auto& st = self->state;
      flush(self, *cfgp);
      for (const auto& p : st.pending)
        if (p.record.user == user && p.record.user_turn == turn)
          return; // storage is failing: the facts are re-embedded when the user is loaded
      if (auto status = st.store->put_embeddings(user, turn, facts); !status) {
        st.embedding_failures.inc();
        core::log::error("storage_embeddings_failed", {{"detail", status.error}});
      }
    },
    [self](forget_atom, std::string& user) -> caf::result<std::uint64_t> {
      auto& st = self->state;
      // turns not yet written are dropped, not written after the erasure (and get no
      // `persisted`)
      auto dropped = std::remove_if(st.pending.begin(), st.pending.end(),
                                    [&](const pending_write& p) { return p.record.user == user; });
      st.svc->persisted_unsent -= std::distance(dropped, st.pending.end());
      st.pending.erase(dropped, st.pending.end());
      publish_queue(self);
      std::uint64_t deleted = 0;
      auto status = st.store->forget(user, deleted);
      if (!status)
        return make_error(ec::storage_failed, status.error);
      return deleted;
    },
  };
}

} // namespace

storage_actor spawn_storage_actor(caf::actor_system& sys, const core::config& cfg,
                                  std::unique_ptr<storage::conversation_store> store,
                                  std::shared_ptr<core::service_state> svc) {
  svc->storage_high_water = cfg.storage.high_water;
  svc->retry_after_ms = cfg.storage.retry_after_ms;
  return sys.spawn<caf::detached>(storage_behavior, cfg, std::move(store), std::move(svc));
}

} // namespace xinyu::actors
