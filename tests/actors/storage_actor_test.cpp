// Actor tests for the storage actor: after a failed write the batch shrinks, so a store with
// room for only a few turns (a nearly full disk) still takes them all, one small batch at a time.
#include "actors/storage_actor.hpp"

#include "core/support/config.hpp"
#include "core/support/metrics.hpp"
#include "core/support/service_state.hpp"
#include "storage/conversation_store.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <set>

using namespace xinyu;
using namespace xinyu::actors;
using namespace std::chrono_literals;

namespace {

/// A store that refuses any batch larger than `room` turns, as a disk with little free space
/// refuses a large write, and fences records older than epoch `owner_epoch`, as PostgreSQL does
/// once another node owns their user; everything else is a no-op.
class small_room_store final : public storage::conversation_store {
public:
  explicit small_room_store(std::size_t room, std::shared_ptr<std::atomic<std::size_t>> written,
                            std::uint64_t owner_epoch = 0)
    : room_(room), written_(std::move(written)), owner_epoch_(owner_epoch) {}
  using storage::conversation_store::write;
  storage::store_status write(const std::vector<storage::turn_record>& records,
                              std::vector<std::size_t>& fenced) override {
    fenced.clear();
    if (records.size() > room_)
      return storage::store_status::failure("no space left on device");
    for (std::size_t i = 0; i < records.size(); ++i)
      if (records[i].epoch < owner_epoch_)
        fenced.push_back(i);
      else
        ++*written_;
    return {};
  }
  storage::store_status put_embeddings(const std::string&, std::uint64_t,
                                       const std::vector<core::memory_fact>&) override {
    return {};
  }
  storage::store_status claim(const std::string&, std::uint64_t epoch, bool& granted,
                              std::uint64_t& seen) override {
    granted = true;
    seen = epoch;
    return {};
  }
  storage::store_status load(const std::string&, std::size_t, std::size_t,
                             storage::user_snapshot&) override {
    return {};
  }
  storage::store_status history(const std::string&, std::optional<std::uint64_t>, std::size_t,
                                std::vector<storage::stored_message>&, bool&) override {
    return {};
  }
  storage::store_status forget(const std::string&, std::uint64_t&) override { return {}; }
  storage::store_status list_memories(const std::string&, std::size_t,
                                      std::vector<core::memory_fact>&) override {
    return {};
  }
  storage::store_status edit_memory(const std::string&, const core::memory_ref&, const std::string&,
                                    std::optional<std::string>&) override {
    return {};
  }
  storage::store_status delete_memory(const std::string&, const core::memory_ref&,
                                      std::optional<std::string>&) override {
    return {};
  }
  storage::store_status put_contact(const std::string&, const std::string&) override { return {}; }
  storage::store_status put_summary(const std::string&,
                                    const core::conversation_summary&) override {
    return {};
  }
  storage::store_status report(const std::string&, const std::string&,
                               std::vector<storage::report_count>&) override {
    return {};
  }

private:
  std::size_t room_;
  std::shared_ptr<std::atomic<std::size_t>> written_;
  std::uint64_t owner_epoch_;
};

} // namespace

TEST_CASE("after a failed write the batch shrinks until the store takes it", "[storage]") {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto conf = core::load_config(
    R"({"storage":{"batch_max":64,"flush_interval_ms":50,"retry_initial_ms":1,"retry_max_ms":5}})");
  REQUIRE(conf.value);
  auto written = std::make_shared<std::atomic<std::size_t>>(0);
  auto svc = std::make_shared<core::service_state>();
  auto storage =
    spawn_storage_actor(sys, *conf.value, std::make_unique<small_room_store>(3, written), svc);
  caf::scoped_actor self{sys};
  auto listener = caf::actor_cast<persist_listener_actor>(
    self->spawn([](persist_listener_actor::pointer) -> persist_listener_actor::behavior_type {
      return {[](persisted_atom, std::string&, std::uint64_t, std::string&) {}};
    }));
  for (int i = 0; i < 40; ++i) {
    storage::turn_record r;
    r.user = "u";
    r.id = "t" + std::to_string(i);
    r.user_turn = 2 * i + 1;
    r.reply_turn = 2 * i + 2;
    self->send(storage, persist_atom::value, std::move(r), listener);
  }
  // a flush answers true once nothing is pending; retry until the small batches got through
  bool empty = false;
  for (int attempt = 0; attempt < 200 && !empty; ++attempt)
    self->request(storage, 5s, flush_atom::value)
      .receive([&](bool e) { empty = e; }, [&](caf::error&) {});
  CHECK(empty);
  CHECK(written->load() == 40);
  caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
}

TEST_CASE("a turn the store fences off is never reported persisted", "[storage][fencing]") {
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto conf = core::load_config(R"({"storage":{"flush_interval_ms":0}})");
  REQUIRE(conf.value);
  auto written = std::make_shared<std::atomic<std::size_t>>(0);
  auto svc = std::make_shared<core::service_state>();
  auto storage =
    spawn_storage_actor(sys, *conf.value, std::make_unique<small_room_store>(100, written, 5), svc);
  caf::scoped_actor self{sys};
  auto fenced_before = core::metrics().get_counter("xinyu_storage_fenced_total", "").value();
  auto listener = caf::actor_cast<persist_listener_actor>(self);
  for (std::uint64_t epoch : {4u, 5u}) { // a stale owner's turn, then the owner's
    storage::turn_record r;
    r.user = "u";
    r.id = "epoch" + std::to_string(epoch);
    r.user_turn = 1;
    r.reply_turn = 2;
    r.epoch = epoch;
    self->send(storage, persist_atom::value, std::move(r), listener);
  }
  std::vector<std::string> persisted;
  self->receive(
    [&](persisted_atom, std::string& id, std::uint64_t, std::string&) { persisted.push_back(id); });
  bool empty = false;
  self->request(storage, 5s, flush_atom::value)
    .receive([&](bool e) { empty = e; }, [&](caf::error&) {});
  CHECK(empty);
  // nothing else is in the mailbox: the fenced turn was not reported
  bool more = false;
  self->receive([&](persisted_atom, std::string&, std::uint64_t, std::string&) { more = true; },
                caf::after(std::chrono::milliseconds{0}) >> [] {});
  CHECK_FALSE(more);
  CHECK(persisted == std::vector<std::string>{"epoch5"});
  CHECK(written->load() == 1);
  CHECK(core::metrics().get_counter("xinyu_storage_fenced_total", "").value() == fenced_before + 1);
  caf::anon_send_exit(storage, caf::exit_reason::user_shutdown);
}
