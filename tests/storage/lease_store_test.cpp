// Tests for storage/lease_store on a real redis-server: one owner per user, the same epoch for a
// node that holds the lease already, a new epoch after a hand-over, renewal that notices a loss.
#include "storage/lease_store.hpp"

#include "tests/support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace xinyu::storage;

namespace {

std::unique_ptr<lease_store> node(const xinyu::test::redis_server& r, const std::string& id,
                                  unsigned lease_ms = 10000) {
  std::string err;
  auto s = lease_store::open({r.address(), id, lease_ms, 1000}, err);
  INFO(err);
  REQUIRE(s);
  return s;
}

} // namespace

TEST_CASE("leases: one node owns a user; the other is told how long to wait", "[lease]") {
  xinyu::test::redis_server redis;
  auto a = node(redis, "node-a");
  auto b = node(redis, "node-b");
  std::string err;
  lease_grant g;
  REQUIRE(a->acquire("mei", 0, g, err));
  CHECK(g.granted);
  CHECK(g.epoch == 1);
  REQUIRE(b->acquire("mei", 0, g, err));
  CHECK_FALSE(g.granted);
  CHECK(g.held_for_ms > 0);
  CHECK(g.held_for_ms <= 10000);
  CHECK(g.holder == "node-a");           // where to forward its connections
  REQUIRE(a->acquire("mei", 0, g, err)); // a session restarted on the owner: the same epoch
  CHECK(g.granted);
  CHECK(g.epoch == 1);
  REQUIRE(b->acquire("ling", 0, g, err)); // another user is independent
  CHECK(g.granted);

  std::vector<std::size_t> lost;
  REQUIRE(a->renew({"mei"}, {1}, lost, err));
  CHECK(lost.empty());
  REQUIRE(b->renew({"mei", "ling"}, {1, 1}, lost, err)); // b never held mei
  CHECK(lost == std::vector<std::size_t>{0});

  REQUIRE(b->release("mei", 1, err)); // not b's: nothing happens
  REQUIRE(b->acquire("mei", 0, g, err));
  CHECK_FALSE(g.granted);
  REQUIRE(a->release("mei", 1, err));
  REQUIRE(b->acquire("mei", 0, g, err)); // handed over: a newer epoch fences a's late writes
  CHECK(g.granted);
  CHECK(g.epoch == 2);
  REQUIRE(a->renew({"mei"}, {1}, lost, err));
  CHECK(lost == std::vector<std::size_t>{0});
}

TEST_CASE("leases: an owner that stops renewing loses the user when its lease runs out",
          "[lease]") {
  xinyu::test::redis_server redis;
  auto a = node(redis, "node-a", 150);
  auto b = node(redis, "node-b", 150);
  std::string err;
  lease_grant g;
  REQUIRE(a->acquire("u", 0, g, err));
  REQUIRE(g.granted);
  bool taken = false;
  for (int i = 0; i < 300 && !taken; ++i) { // bounded: Redis expires the key in real time
    REQUIRE(b->acquire("u", 0, g, err));
    taken = g.granted;
    if (!taken)
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  REQUIRE(taken);
  CHECK(g.epoch == 2);
  std::vector<std::size_t> lost;
  REQUIRE(a->renew({"u"}, {1}, lost, err));
  CHECK(lost.size() == 1);
}

TEST_CASE("leases: an epoch is always above the floor PostgreSQL has seen (Redis forgot its "
          "counters)",
          "[lease]") {
  xinyu::test::redis_server redis; // a fresh Redis: every counter starts at 0 again
  auto a = node(redis, "node-a");
  std::string err;
  lease_grant g;
  REQUIRE(a->acquire("u", 5, g, err));
  CHECK(g.granted);
  CHECK(g.epoch == 6);
  REQUIRE(a->acquire("u", 5, g, err)); // held above the floor: kept
  CHECK(g.epoch == 6);
  REQUIRE(a->acquire("u", 9, g, err)); // held, but the store has seen 9: a new epoch above it
  CHECK(g.epoch == 10);
  std::vector<std::size_t> lost;
  REQUIRE(a->renew({"u"}, {10}, lost, err));
  CHECK(lost.empty());
}

TEST_CASE("leases: an unreachable Redis is one clear error", "[lease]") {
  std::string err;
  CHECK_FALSE(lease_store::open({"unix:/nonexistent/redis.sock", "n", 1000, 200}, err));
  CHECK(err.find("cannot connect to Redis") != std::string::npos);
  CHECK_FALSE(lease_store::open({"", "n", 1000, 200}, err));
}
