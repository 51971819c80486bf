// End-to-end tests of several real xinyu nodes as one service (cluster mode): a throwaway Redis for
// the ownership leases and a throwaway PostgreSQL for the conversations. One owner per user, a
// take-over after kill -9 that continues the numbering, and a stale owner that cannot write.
#include "tests/support/postgres_cluster.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include "tests/support/child_process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <map>
#include <optional>
#include <atomic>
#include <mutex>
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
              {"cluster",
               {{"redis", redis.address()},
                {"node_id", id},
                {"lease_ms", lease_ms},
                {"forward_timeout_ms", 1000}}}};
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

/// A chat on a fresh connection to `port`, giving up after `timeout` (an owner that stalled
/// never answers: the client re-sends, as a real one would).
std::optional<turn_frames> chat_once(std::uint16_t port, const std::string& user,
                                     const std::string& id, const std::string& text,
                                     std::chrono::milliseconds timeout = 3s,
                                     const std::string& target = "/v1/ws") {
  try {
    ws_client c{port, target};
    c.auth(user);
    return run_turn(c, id, text, true, timeout);
  } catch (const std::exception& e) {
    UNSCOPED_INFO("chat_once: " << e.what());
    return std::nullopt;
  }
}

/// Re-sends (bounded) until a chat is answered and persisted; the answer.
turn_frames chat_until_answered(std::uint16_t port, const std::string& user,
                                const std::string& id_prefix, const std::string& text,
                                const std::string& target = "/v1/ws") {
  for (int attempt = 0; attempt < 60; ++attempt) {
    auto t = chat_once(port, user, id_prefix + std::to_string(attempt), text, 3s, target);
    if (t && t->error.is_null() && !t->persisted.is_null())
      return *t;
    if (t && !t->error.is_null())
      REQUIRE(t->error["code"] == "overloaded"); // the only refusal while ownership moves
    std::this_thread::sleep_for(100ms);
  }
  FAIL("no answer within 60 attempts");
  return {};
}

/// A TCP port nobody listens on now (for HAProxy, which cannot report a port 0 choice).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
            && ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0)
    ::close(fd);
  if (!ok)
    throw std::runtime_error("no free port");
  return ntohs(addr.sin_port);
}

} // namespace

TEST_CASE("e2e cluster: behind HAProxy each user stays on one node; when it dies the user moves "
          "and continues",
          "[e2e][cluster][haproxy]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  std::vector<std::unique_ptr<server_process>> nodes;
  for (auto* id : {"node-1", "node-2", "node-3"}) {
    auto c = node_config(redis, db, id);
    // behind a proxy every client comes from its address (README, TLS)
    c["transport"] = {{"connections_per_second_per_ip", 0}, {"max_connections_per_ip", 10000}};
    nodes.push_back(std::make_unique<server_process>(c));
  }
  auto lb_port = free_port();
  background_process lb{{"env", "XINYU_LB_BIND=127.0.0.1:" + std::to_string(lb_port),
                         "XINYU_NODE1=127.0.0.1:" + std::to_string(nodes[0]->port()),
                         "XINYU_NODE2=127.0.0.1:" + std::to_string(nodes[1]->port()),
                         "XINYU_NODE3=127.0.0.1:" + std::to_string(nodes[2]->port()), "haproxy",
                         "-db", "-f", XINYU_SOURCE_DIR "/config/haproxy-cluster.cfg"}};
  bool up = false;
  for (int i = 0; i < 500 && !up; ++i) { // bounded: HAProxy starts and checks the nodes
    try {
      up = http_get(lb_port, "/readyz").first == 200;
    } catch (const std::exception&) {
    }
    if (!up)
      std::this_thread::sleep_for(10ms);
  }
  REQUIRE(up);
  auto forwarded = [&] {
    std::uint64_t n = 0;
    for (auto& node : nodes)
      n += metric(node->port(), "xinyu_cluster_forwarded_total");
    return n;
  };
  // each user, connecting twice through the balancer, lands where it is owned: nothing forwarded
  std::vector<std::string> users{"ann", "bo", "chen", "dana", "eli", "fei"};
  for (const auto& u : users)
    for (int i = 0; i < 2; ++i) {
      auto t = chat_once(lb_port, u, u + std::to_string(i), "hello", 10s, "/v1/ws?user=" + u);
      REQUIRE(t);
      REQUIRE(t->error.is_null());
      CHECK(t->accepted["turn"] == 2 * i + 1);
    }
  CHECK(forwarded() == 0);
  // which node owns ann: the one that answers her directly without forwarding
  std::size_t owner = nodes.size();
  for (std::size_t n = 0; n < nodes.size() && owner == nodes.size(); ++n) {
    auto before = metric(nodes[n]->port(), "xinyu_cluster_forwarded_total");
    auto t = chat_once(nodes[n]->port(), "ann", "probe" + std::to_string(n), "which node?", 10s);
    REQUIRE(t);
    REQUIRE(t->error.is_null());
    if (metric(nodes[n]->port(), "xinyu_cluster_forwarded_total") == before)
      owner = n;
  }
  REQUIRE(owner < nodes.size());
  nodes[owner]->kill9();
  // through the balancer again: another node, once the dead node's lease has run out
  auto t = chat_until_answered(lb_port, "ann", "after", "still there?", "/v1/ws?user=ann");
  ws_client c{lb_port, "/v1/ws?user=ann"};
  c.auth("ann");
  auto h = history(c);
  check_gap_free(h);
  CHECK(h.back()["text"] == t.text());
  CHECK(h.size() >= 8); // two chats, the probes, this one: nothing lost
}

TEST_CASE("e2e cluster: one user on two nodes at once sees one conversation, in order, each chat "
          "answered once",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  server_process a{node_config(redis, db, "node-a")};
  server_process b{node_config(redis, db, "node-b")};
  ws_client on_a{a.port()}, on_b{b.port()};
  on_a.auth("mei");
  on_b.auth("mei");
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) { // a, b, a, b, ...: one node's chats are forwarded to the other
    auto& c = i % 2 ? on_b : on_a;
    auto id = std::string{i % 2 ? "b" : "a"} + std::to_string(i);
    auto t = try_chat(c, id, "message number " + std::to_string(i));
    REQUIRE(t.error.is_null());
    CHECK(t.accepted["turn"] == 2 * i + 1);
    CHECK_FALSE(t.tokens.empty()); // in order, no seq gap (run_turn checks)
    CHECK_FALSE(t.persisted.is_null());
    ids.push_back(id);
  }
  // each connection saw the other's turns as well, and no reply twice
  for (auto* c : {&on_a, &on_b}) {
    c->send({{"type", "ping"}});
    std::map<std::string, int> dones;
    for (;;) {
      auto f = c->read();
      if (f["type"] == "pong")
        break;
      if (f["type"] == "done")
        ++dones[f["id"].get<std::string>()];
    }
    for (const auto& [id, n] : dones)
      CHECK(n == 1);
  }
  auto h = history(on_b); // answered by the owner through node b
  REQUIRE(h.size() == 12);
  check_gap_free(h);
  std::map<std::string, int> replies;
  for (const auto& m : h)
    if (m["role"] == "assistant")
      ++replies[m["id"].get<std::string>()];
  for (const auto& id : ids)
    CHECK(replies[id] == 1);
  // whichever node took the lease first (both sessions started at auth) owns the user; the
  // other forwarded its three chats (and its history)
  auto fa = metric(a.port(), "xinyu_cluster_forwarded_total");
  auto fb = metric(b.port(), "xinyu_cluster_forwarded_total");
  CHECK((fa == 0) != (fb == 0));
  CHECK(fa + fb >= 3);
}

TEST_CASE("e2e cluster: resume on another node; the rate limit holds across nodes",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  auto limited = [&](const std::string& id) {
    auto c = node_config(redis, db, id);
    c["limits"] = {{"chats_per_minute", 2}, {"chat_burst", 2}};
    return c;
  };
  server_process a{limited("node-a")};
  server_process b{limited("node-b")};
  ws_client on_a{a.port()};
  on_a.auth("ling");
  auto first = try_chat(on_a, "r1", "tell me something kind");
  REQUIRE(first.error.is_null());
  // a connection on node b asks for the reply node a generated, from its third token on
  ws_client on_b{b.port()};
  on_b.auth("ling");
  on_b.send({{"type", "resume"}, {"id", "r1"}, {"seq", 2}});
  std::string resumed;
  std::uint64_t next_seq = 2;
  for (;;) {
    auto f = on_b.read();
    if (f.value("id", "") != "r1")
      continue;
    if (f["type"] == "token") {
      CHECK(f["seq"] == next_seq++);
      resumed += f["text"].get<std::string>();
    }
    if (f["type"] == "done" || f["type"] == "error") {
      REQUIRE(f["type"] == "done");
      break;
    }
  }
  std::string tail;
  for (std::size_t i = 2; i < first.tokens.size(); ++i)
    tail += first.tokens[i];
  CHECK(resumed == tail);
  // two chats a minute for this user, wherever they land: the second node's chat is the
  // second, its next one is refused
  auto second = try_chat(on_b, "r2", "and another");
  REQUIRE(second.error.is_null());
  auto third = try_chat(on_b, "r3", "one more", false);
  REQUIRE_FALSE(third.error.is_null());
  CHECK(third.error["code"] == "rate_limited");
}

TEST_CASE("e2e cluster: after kill -9 of the owner mid-reply, another node takes over: every "
          "persisted turn is there and the numbering continues",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  auto slow = [&](const std::string& id) {
    auto c = node_config(redis, db, id);
    c["offline"] = {{"first_token_ms", 0}, {"tokens_per_s", 50}}; // replies take ~1 s
    return c;
  };
  server_process b{slow("node-b")};
  std::set<std::string> persisted;
  {
    server_process a{slow("node-a")};
    ws_client on_a{a.port()};
    on_a.auth("mei");
    for (int i = 0; i < 2; ++i) {
      auto t = try_chat(on_a, "a" + std::to_string(i), "I adopted a cat named Mochi");
      REQUIRE(t.error.is_null());
      REQUIRE_FALSE(t.persisted.is_null());
      persisted.insert("a" + std::to_string(i));
    }
    on_a.send({{"type", "chat"}, {"id", "a-cut"}, {"text", "tell me a long story"}});
    on_a.read_until("token"); // the reply is streaming
    a.kill9();
  }
  auto t = chat_until_answered(b.port(), "mei", "b", "are you there?");
  auto h = [&] {
    ws_client c{b.port()};
    c.auth("mei");
    return history(c);
  }();
  check_gap_free(h); // no number used twice, none skipped
  std::set<std::string> in_history;
  for (const auto& m : h)
    in_history.insert(m["id"].get<std::string>());
  for (const auto& id : persisted)
    CHECK(in_history.count(id) == 1);
  CHECK(h.back()["text"] == t.text());
  CHECK(t.accepted["turn"] == h.size() - 1);
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
  // while node a's lease still runs, node b forwards to it; the stalled owner never answers, and
  // the chat is not left in silence: `overloaded` after cluster.forward_timeout_ms
  auto early = chat_once(b.port(), "ling", "b-early", "is anyone there?", 3s);
  REQUIRE(early);
  if (!early->error.is_null())
    CHECK(early->error["code"] == "overloaded");
  auto t = chat_until_answered(b.port(), "ling", "b", "node b speaking");
  auto taken_at = t.accepted["turn"].get<std::uint64_t>();

  // node a wakes up and gets a chat on its old connection before or after it notices the loss:
  // it refuses, forwards it to the new owner, or answers it but storage fences its write off
  ::kill(a.pid(), SIGCONT);
  auto late = try_chat(on_a, "a-late", "late message on node a", false);
  if (late.error.is_null() && late.done["turn"].get<std::uint64_t>() <= taken_at + 1) {
    bool fenced = false;                       // answered by node a itself with its stale numbering
    for (int i = 0; i < 500 && !fenced; ++i) { // bounded poll of the real binary
      fenced = metric(a.port(), "xinyu_storage_fenced_total") >= 1;
      if (!fenced)
        std::this_thread::sleep_for(10ms);
    }
    CHECK(fenced);
    on_a.send({{"type", "ping"}});
    for (;;) {
      auto f = on_a.read();
      CHECK_FALSE((f["type"] == "persisted" && f["id"] == "a-late"));
      if (f["type"] == "pong")
        break;
    }
  } else if (!late.error.is_null()) {
    CHECK(late.error["code"] == "overloaded");
  }
  ws_client check{b.port()};
  check.auth("ling");
  auto h = history(check);
  check_gap_free(h);
  bool spoke = false;
  for (const auto& m : h)
    spoke = spoke || m["text"] == "node b speaking";
  CHECK(spoke);
  for (const auto& m : h) // whatever node a said itself never reached storage
    if (m["text"] == "late message on node a")
      CHECK(m["turn"].get<std::uint64_t>() > taken_at + 1); // only as forwarded to node b
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

TEST_CASE("e2e cluster: PostgreSQL and Redis restart in the middle of load: readyz says so, chats "
          "are shed, nothing acknowledged is lost, service resumes",
          "[e2e][cluster][outage]") {
  redis_server redis;
  postgres_cluster pg; // its own: this test restarts it
  auto db = pg.create_database();
  std::vector<std::unique_ptr<server_process>> nodes;
  for (auto* id : {"node-a", "node-b"})
    nodes.push_back(std::make_unique<server_process>(node_config(redis, db, id)));

  std::mutex mutex;
  std::map<std::string, std::set<std::string>> acknowledged; // user -> chat ids persisted
  std::atomic<bool> stop{false};
  std::atomic<int> after_recovery{0};
  std::atomic<bool> recovered{false};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u)
    users.emplace_back([&, u] {
      auto user = "load-" + std::to_string(u);
      auto port = nodes[static_cast<std::size_t>(u) % nodes.size()]->port();
      for (int i = 0; !stop; ++i) {
        auto id = user + "-" + std::to_string(i);
        auto t = chat_once(port, user, id, "message " + std::to_string(i), 4s);
        if (t && t->error.is_null() && !t->persisted.is_null()) {
          std::lock_guard lock{mutex};
          acknowledged[user].insert(id);
          if (recovered)
            ++after_recovery;
        }
        std::this_thread::sleep_for(50ms); // a person types slower still
      }
    });
  auto readyz_is = [&](int status) {
    for (int i = 0; i < 1000; ++i) { // bounded poll of the real binaries (10 s)
      bool all = true;
      for (auto& n : nodes)
        all = all && http_get(n->port(), "/readyz").first == status;
      if (all)
        return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  };
  std::this_thread::sleep_for(500ms); // load running
  pg.stop_immediately();
  CHECK(readyz_is(503)); // storage writes fail on every node that writes
  pg.start();
  CHECK(readyz_is(200));
  std::this_thread::sleep_for(300ms);
  redis.stop();
  CHECK(readyz_is(503));
  CHECK(http_get(nodes[0]->port(), "/readyz").second.find("Redis") != std::string::npos);
  redis.start();
  CHECK(readyz_is(200));
  recovered = true;
  for (int i = 0; i < 1000 && after_recovery < 8; ++i) // bounded: every user chats again
    std::this_thread::sleep_for(10ms);
  stop = true;
  for (auto& t : users)
    t.join();
  CHECK(after_recovery >= 8);
  for (const auto& [user, ids] : acknowledged) {
    INFO("history of " << user);
    ws_client c{nodes[0]->port()};
    c.auth(user);
    json h = full_history(c);
    check_gap_free(h);
    std::set<std::string> stored;
    for (const auto& m : h)
      stored.insert(m["id"].get<std::string>());
    for (const auto& id : ids)
      CHECK(stored.count(id) == 1); // every persisted turn is there
  }
}

TEST_CASE("e2e cluster: an owner that lost the user lets go of other nodes' connections; they "
          "find the new owner without reconnecting",
          "[e2e][cluster]") {
  redis_server redis;
  auto db = postgres_cluster::shared().create_database();
  server_process a{node_config(redis, db, "node-a")};
  server_process b{node_config(redis, db, "node-b")};
  server_process c{node_config(redis, db, "node-c")};
  ws_client on_a{a.port()};
  on_a.auth("lan");
  REQUIRE(try_chat(on_a, "a1", "hello node a").error.is_null());
  ws_client on_b{b.port()}; // stays open throughout, forwarded to node a
  on_b.auth("lan");
  auto via_b = try_chat(on_b, "b1", "hello through node b");
  REQUIRE(via_b.error.is_null());
  CHECK(via_b.accepted["turn"] == 3);
  REQUIRE(metric(a.port(), "xinyu_cluster_remote_connections") == 1);

  ::kill(a.pid(), SIGSTOP); // node a stalls past its lease; node c takes the user over
  auto t = chat_until_answered(c.port(), "lan", "c", "node c speaking");
  ::kill(a.pid(), SIGCONT);
  // node a notices the loss at its next renewal and tells node b; node b's connection is no
  // longer served by node a (its session may passivate)
  bool released = false;
  for (int i = 0; i < 500 && !released; ++i) { // bounded poll of the real binary
    released = metric(a.port(), "xinyu_cluster_remote_connections") == 0;
    if (!released)
      std::this_thread::sleep_for(10ms);
  }
  CHECK(released);
  // the open connection on node b goes on with the new owner's numbering
  turn_frames next;
  for (int attempt = 0; attempt < 50; ++attempt) {
    next = try_chat(on_b, "b2-" + std::to_string(attempt), "still here on node b");
    if (next.error.is_null())
      break;
    REQUIRE(next.error["code"] == "overloaded");
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE(next.error.is_null());
  CHECK(next.accepted["turn"] == t.accepted["turn"].get<std::uint64_t>() + 2);
  auto h = history(on_b);
  check_gap_free(h);
  CHECK(h.back()["text"] == next.text());
}
