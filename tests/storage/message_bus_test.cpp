// Tests for storage/message_bus on a real redis-server: messages reach the named node in order, a
// message for a node nobody runs is reported, and the send queue's bound drops (never blocks).
// Must never sleep to synchronise: waits are bounded polls of what the bus reports.
#include "storage/message_bus.hpp"

#include "tests/support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

using namespace xinyu::storage;
using namespace std::chrono_literals;

namespace {

/// What one node's bus received, with a bounded wait for a count.
struct inbox {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> got;
  std::vector<std::string> undelivered;

  message_bus::receive_fn receiver() {
    return [this](std::string payload) {
      std::lock_guard lock{mutex};
      got.push_back(std::move(payload));
      cv.notify_all();
    };
  }
  message_bus::undelivered_fn reporter() {
    return [this](const std::string& to, const std::string& payload) {
      std::lock_guard lock{mutex};
      undelivered.push_back(to + ":" + payload);
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t received, std::size_t lost = 0) {
    std::unique_lock lock{mutex};
    return cv.wait_for(lock, 10s,
                       [&] { return got.size() >= received && undelivered.size() >= lost; });
  }
};

std::unique_ptr<message_bus> bus(const xinyu::test::redis_server& r, const std::string& node,
                                 inbox& box, std::size_t max_queued = 100000,
                                 unsigned timeout_ms = 1000) {
  message_bus::options opt;
  opt.address = r.address();
  opt.node = node;
  opt.timeout_ms = timeout_ms;
  opt.max_queued = max_queued;
  std::string err;
  auto b = message_bus::open(opt, box.receiver(), box.reporter(), err);
  INFO(err);
  REQUIRE(b);
  return b;
}

} // namespace

TEST_CASE("bus: messages reach the named node in order; one for a node nobody runs is reported",
          "[bus]") {
  xinyu::test::redis_server redis;
  inbox at_a, at_b;
  auto a = bus(redis, "node-a", at_a);
  auto b = bus(redis, "node-b", at_b);
  for (int i = 0; i < 50; ++i)
    REQUIRE(a->send("node-b", "m" + std::to_string(i)));
  REQUIRE(a->send("node-gone", "lost"));
  REQUIRE(at_b.wait_for(50));
  REQUIRE(at_a.wait_for(0, 1));
  for (int i = 0; i < 50; ++i)
    CHECK(at_b.got[i] == "m" + std::to_string(i));
  CHECK(at_a.got.empty()); // nothing of node b's traffic
  CHECK(at_a.undelivered == std::vector<std::string>{"node-gone:lost"});
}

TEST_CASE("bus: past cluster.bus_queue_max waiting messages a send is refused at once; the queued "
          "ones arrive once Redis answers again",
          "[bus]") {
  xinyu::test::redis_server redis;
  inbox at_a, at_b;
  auto a = bus(redis, "node-a", at_a, 3, 20000);
  auto b = bus(redis, "node-b", at_b);
  redis.pause(); // Redis hangs: the sending thread waits for the reply to its first batch
  REQUIRE(a->send("node-b", "first"));
  for (int i = 0; i < 1000 && a->queued() != 0; ++i) // bounded: the sender takes it
    std::this_thread::sleep_for(5ms);
  REQUIRE(a->queued() == 0);
  CHECK(a->send("node-b", "q1"));
  CHECK(a->send("node-b", "q2"));
  CHECK(a->send("node-b", "q3"));
  auto before = std::chrono::steady_clock::now();
  CHECK_FALSE(a->send("node-b", "over the bound"));      // refused ...
  CHECK(std::chrono::steady_clock::now() - before < 1s); // ... without waiting for Redis
  CHECK(a->queued() == 3);
  redis.resume();
  REQUIRE(at_b.wait_for(4));
  CHECK(at_b.got == std::vector<std::string>{"first", "q1", "q2", "q3"});
}
