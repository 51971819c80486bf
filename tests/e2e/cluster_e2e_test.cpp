// End-to-end tests of several real xinyu nodes as one service (cluster mode): a throwaway Redis for
// the ownership leases and a throwaway PostgreSQL for the conversations. One owner per user, a
// take-over after kill -9 that continues the numbering, and a stale owner that cannot write.
#include "tests/support/postgres_cluster.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr unsigned lease_ms = 1000;

json node_config(const redis_server& redis, const std::string& conninfo, const std::string& id) {
  return json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
              {"storage",
               {{"backend", "postgres"},
                {"postgres", conninfo},
                {"retry_initial_ms", 20},
                {"retry_max_ms", 100}}},
              {"cluster", {{"redis", redis.address()}, {"node_id", id}, {"lease_ms", lease_ms}}}};
}

/// Sends a chat and reads its frames up to `done` (and `persisted` when asked), or the error.
turn_frames try_chat(ws_client& c, const std::string& id, const std::string& text,
                     bool wait_persisted = true) {
  return run_turn(c, id, text, wait_persisted, 10s);
}

json history(ws_client& c) {
  c.send({{"type", "history"}, {"limit", 100}});
  return c.read_until("history")["messages"];
}

/// The turn numbers of a history are 1..n, each once.
void check_gap_free(const json& h) {
  for (std::size_t i = 0; i < h.size(); ++i)
    CHECK(h[i]["turn"] == i + 1);
}

std::uint64_t metric(std::uint16_t port, const std::string& name) {
  auto text = http_get(port, "/metrics").second;
  auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + name.size() + 2));
}

} // namespace

TEST_CASE("e2e cluster: one owner per user; after kill -9 another node takes over and continues "
          "the numbering",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  server_process b{node_config(redis, db, "node-b")};
  std::size_t said = 0;
  {
    server_process a{node_config(redis, db, "node-a")};
    ws_client on_a{a.port()};
    on_a.auth("mei");
    for (auto* text : {"I adopted a cat named Mochi", "work was long today"}) {
      auto t = try_chat(on_a, "a" + std::to_string(said++), text);
      REQUIRE(t.error.is_null());
      CHECK_FALSE(t.persisted.is_null());
    }
    // the same user on another node while node a owns them: refused with a time to wait, never
    // answered by a second owner
    ws_client on_b{b.port()};
    on_b.auth("mei");
    auto refused = try_chat(on_b, "b-early", "hello from the other node", false);
    REQUIRE_FALSE(refused.error.is_null());
    CHECK(refused.error["code"] == "overloaded");
    CHECK(refused.error["retry_after_ms"].get<unsigned>() <= lease_ms);
    CHECK(refused.error["retry_after_ms"].get<unsigned>() >= 100);
    a.kill9();
  }
  // node a is gone: within a lease node b owns mei and continues from PostgreSQL
  ws_client on_b{b.port()};
  on_b.auth("mei");
  turn_frames t;
  for (int attempt = 0; attempt < 100; ++attempt) { // bounded: the lease runs out in real time
    t = try_chat(on_b, "b" + std::to_string(attempt), "are you there?");
    if (t.error.is_null())
      break;
    REQUIRE(t.error["code"] == "overloaded");
    std::this_thread::sleep_for(
      std::chrono::milliseconds{std::min(100u, t.error["retry_after_ms"].get<unsigned>())});
  }
  REQUIRE(t.error.is_null());
  CHECK(t.accepted["turn"] == 2 * said + 1); // no gap, no reuse
  CHECK_FALSE(t.persisted.is_null());
  auto h = history(on_b);
  REQUIRE(h.size() == 2 * said + 2);
  CHECK(h[0]["text"] == "I adopted a cat named Mochi");
  check_gap_free(h);
}

TEST_CASE("e2e cluster: a stale owner (paused past its lease) cannot write after the take-over",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  server_process a{node_config(redis, db, "node-a")};
  server_process b{node_config(redis, db, "node-b")};
  ws_client on_a{a.port()};
  on_a.auth("ling");
  auto first = try_chat(on_a, "a1", "first message on node a");
  REQUIRE(first.error.is_null());
  REQUIRE_FALSE(first.persisted.is_null());

  ::kill(a.pid(), SIGSTOP); // a long GC pause, a VM migration, a partition
  ws_client on_b{b.port()};
  on_b.auth("ling");
  turn_frames t;
  for (int attempt = 0; attempt < 100; ++attempt) {
    t = try_chat(on_b, "b" + std::to_string(attempt), "node b speaking");
    if (t.error.is_null())
      break;
    REQUIRE(t.error["code"] == "overloaded");
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(t.error.is_null());
  CHECK(t.accepted["turn"] == 3);

  // node a wakes up and gets a chat on its old connection before or after it notices the loss:
  // either it refuses, or it answers but storage fences its write off; never `persisted`
  ::kill(a.pid(), SIGCONT);
  auto late = try_chat(on_a, "a-late", "late message on node a", false);
  if (late.error.is_null()) {
    bool fenced = false;
    for (int i = 0; i < 500 && !fenced; ++i) { // bounded poll of the real binary
      fenced = metric(a.port(), "xinyu_storage_fenced_total") >= 1;
      if (!fenced)
        std::this_thread::sleep_for(10ms);
    }
    CHECK(fenced);
  } else {
    CHECK(late.error["code"] == "overloaded");
  }
  on_a.send({{"type", "ping"}});
  for (;;) {
    auto f = on_a.read();
    CHECK(f["type"] != "persisted");
    if (f["type"] == "pong")
      break;
  }
  auto h = history(on_b);
  check_gap_free(h);
  for (const auto& m : h)
    CHECK(m["text"] != "late message on node a");
  REQUIRE(h.size() == 4);
  CHECK(h[2]["text"] == "node b speaking");
}

TEST_CASE(
  "e2e cluster: Redis down makes a node unready and refuse; a fresh Redis that forgot every "
  "epoch lets the conversation continue",
  "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  {
    server_process a{node_config(redis, db, "node-a")};
    ws_client on_a{a.port()};
    on_a.auth("mei");
    REQUIRE(try_chat(on_a, "a1", "hello from node a").error.is_null());
    a.kill9(); // epoch 1 is in PostgreSQL; node a's lease runs out on its own
  }
  server_process c{node_config(redis, db, "node-c")};
  ws_client on_c{c.port()};
  on_c.auth("mei");
  turn_frames t;
  for (int attempt = 0; attempt < 100; ++attempt) {
    t = try_chat(on_c, "c" + std::to_string(attempt), "node c now");
    if (t.error.is_null())
      break;
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(t.error.is_null());
  CHECK(t.accepted["turn"] == 3); // epoch 2 is in PostgreSQL now

  redis.stop();
  bool unready = false;
  for (int i = 0; i < 500 && !unready; ++i) { // a renewal comes every lease_ms / 3
    unready = http_get(c.port(), "/readyz").first == 503;
    if (!unready)
      std::this_thread::sleep_for(10ms);
  }
  REQUIRE(unready);
  CHECK(http_get(c.port(), "/readyz").second.find("Redis") != std::string::npos);
  ws_client newcomer{c.port()};
  newcomer.auth("bo");
  auto shed = try_chat(newcomer, "bo1", "hi", false);
  REQUIRE_FALSE(shed.error.is_null());
  CHECK(shed.error["code"] == "overloaded");
  CHECK(shed.error.contains("retry_after_ms"));

  redis.start(); // empty: every lease and every epoch counter is gone
  bool ready = false;
  for (int i = 0; i < 500 && !ready; ++i) {
    ready = http_get(c.port(), "/readyz").first == 200;
    if (!ready)
      std::this_thread::sleep_for(10ms);
  }
  REQUIRE(ready);
  for (int attempt = 0; attempt < 100; ++attempt) {
    t = try_chat(on_c, "c-after-" + std::to_string(attempt), "still here?");
    if (t.error.is_null() && !t.persisted.is_null())
      break;
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(t.error.is_null());
  CHECK_FALSE(t.persisted.is_null()); // an epoch above PostgreSQL's: not fenced
  auto h = history(on_c);
  check_gap_free(h);
  CHECK(h.back()["text"] == t.text());
}
