// End-to-end tests of the real binary with conversations in PostgreSQL (storage.backend
// "postgres") on a throwaway cluster: durability across kill -9 and across nodes, and an outage of
// PostgreSQL itself (readyz, persisted only once committed, recovery on its own).
#include "tests/support/postgres_cluster.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json on_postgres(const std::string& conninfo, json extra = json::object()) {
  json c{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
         {"storage", {{"backend", "postgres"}, {"postgres", conninfo}}}};
  c.merge_patch(extra);
  return c;
}

turn_frames chat_ok(ws_client& c, const std::string& id, const std::string& text,
                    bool wait_persisted = true) {
  auto t = run_turn(c, id, text, wait_persisted, 10s);
  if (!t.error.is_null())
    throw std::runtime_error("error frame: " + t.error.dump());
  return t;
}

json history(ws_client& c) {
  c.send({{"type", "history"}, {"limit", 100}});
  return c.read_until("history")["messages"];
}

/// Polls /readyz of the real binary until it answers `status` (bounded).
bool readyz_becomes(std::uint16_t port, int status) {
  for (int i = 0; i < 500; ++i) {
    if (http_get(port, "/readyz").first == status)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

} // namespace

TEST_CASE("e2e postgres: what was persisted survives kill -9 and is the same on another node",
          "[e2e][postgres]") {
  auto conninfo = postgres_cluster::shared().create_database();
  std::vector<std::string> replies;
  {
    server_process a{on_postgres(conninfo)};
    ws_client c{a.port()};
    c.auth("mei");
    for (auto* text : {"My cat is called Mochi", "今天加班到很晚，好累", "谢谢你听我说"})
      replies.push_back(chat_ok(c, "p" + std::to_string(replies.size()), text).text());
    a.kill9(); // every turn above got `persisted`: committed in PostgreSQL
  }
  // another node with its own (empty) RocksDB directory never used: the database is the truth
  server_process b{on_postgres(conninfo)};
  ws_client c{b.port()};
  c.auth("mei");
  auto h = history(c);
  REQUIRE(h.size() == 6);
  CHECK(h[0]["text"] == "My cat is called Mochi");
  CHECK(h[1]["text"] == replies[0]);
  CHECK(h[3]["text"] == replies[1]);
  CHECK(h[5]["id"] == "p2");
  CHECK(h[5]["finish"] == "stop");
  auto next = chat_ok(c, "after", "I'm back");
  CHECK(next.accepted["turn"] == 7); // the numbering continues: no gap, no reuse
  c.send({{"type", "memories"}});
  auto mem = c.read_until("memories");
  REQUIRE(mem["items"].size() >= 1);
  CHECK(mem["items"][0]["id"] == "1.0");
  bool cat = false;
  for (const auto& m : mem["items"])
    cat = cat || m["text"].get<std::string>().find("Mochi") != std::string::npos;
  CHECK(cat);
}

TEST_CASE("e2e postgres: while PostgreSQL is down replies still come, readyz says why, and every "
          "turn is persisted once it is back",
          "[e2e][postgres]") {
  postgres_cluster own; // this test stops its cluster
  server_process srv{on_postgres(own.create_database(),
                                 {{"storage", {{"retry_initial_ms", 20}, {"retry_max_ms", 200}}}})};
  ws_client c{srv.port()};
  c.auth("ling");
  chat_ok(c, "before", "hello");
  own.stop_immediately();
  auto during = chat_ok(c, "during", "are you still there?", false);
  CHECK(during.done["finish"] == "stop");
  CHECK(readyz_becomes(srv.port(), 503));
  auto why = http_get(srv.port(), "/readyz").second;
  CHECK(why.find("storage") != std::string::npos);
  c.send({{"type", "ping"}});
  for (;;) { // nothing is called persisted while it is not committed
    auto f = c.read();
    CHECK(f["type"] != "persisted");
    if (f["type"] == "pong")
      break;
  }
  own.start();
  auto p = c.read_until("persisted"); // the retry goes through on its own
  CHECK(p["id"] == "during");
  CHECK(readyz_becomes(srv.port(), 200));
  auto h = history(c);
  REQUIRE(h.size() == 4);
  CHECK(h[2]["text"] == "are you still there?");
}
