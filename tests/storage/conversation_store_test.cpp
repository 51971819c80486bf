// Tests for storage/conversation_store, each contract case on both backends (a real RocksDB in a
// temp directory, a throwaway PostgreSQL cluster): round-trips, paging, isolation, forget, reopen,
// epoch fencing, and clear errors for unusable places.
#include "storage/conversation_store.hpp"

#include "tests/support/postgres_cluster.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace xinyu::storage;

namespace {

struct temp_dir {
  std::string path =
    "/tmp/xinyu-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++);
  ~temp_dir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

turn_record rec(std::string user, std::uint64_t n, std::string text, std::string reply,
                std::string memory = "") {
  turn_record r;
  r.user = std::move(user);
  r.id = "m" + std::to_string(n);
  r.user_turn = n;
  r.reply_turn = n + 1;
  r.user_text = std::move(text);
  r.reply_text = std::move(reply);
  r.finish = "stop";
  r.ts = 1000 + static_cast<std::int64_t>(n);
  r.reply_ts = 2000 + static_cast<std::int64_t>(n);
  if (!memory.empty())
    r.facts = {std::move(memory)};
  return r;
}

std::unique_ptr<conversation_store> open_store(const std::string& path) {
  std::string err;
  auto s = conversation_store::open({path, false}, err);
  INFO(err);
  REQUIRE(s);
  return s;
}

/// Where a store lives: a RocksDB directory or a fresh PostgreSQL database. open() may be called
/// again, as after a restart.
struct store_place {
  std::string backend;
  temp_dir dir;
  std::string conninfo;
  explicit store_place(std::string b) : backend(std::move(b)) {
    if (backend == "postgres")
      conninfo = xinyu::test::postgres_cluster::shared().create_database();
  }
  conversation_store::options options() const { return {dir.path, false, backend, conninfo}; }
  std::unique_ptr<conversation_store> open() const {
    std::string err;
    auto s = conversation_store::open(options(), err);
    INFO(err);
    REQUIRE(s);
    return s;
  }
};

} // namespace

// Each contract case runs once per backend.
#define EACH_BACKEND                                                                               \
  store_place place{GENERATE(as<std::string>{}, "rocksdb", "postgres")};                           \
  INFO("backend " << place.backend)

TEST_CASE("write, load and history round-trip in turn order", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  REQUIRE(
    s->write({rec("alice", 1, "hi", "hello"), rec("alice", 3, "我很难过", "抱抱你", "我很难过")}));
  REQUIRE(s->write({rec("alice", 5, "third", "ok")}));
  user_snapshot snap;
  REQUIRE(s->load("alice", 4, 10, snap));
  CHECK(snap.last_turn == 6);
  REQUIRE(snap.recent.size() == 4);
  CHECK(snap.recent.front().turn == 3);
  CHECK(snap.recent.back().text == "ok");
  REQUIRE(snap.memories.size() == 1);
  CHECK(snap.memories[0].text == "我很难过");
  CHECK(snap.memories[0].embedding.empty()); // no embedding stored yet

  std::vector<stored_message> page;
  bool more = false;
  REQUIRE(s->history("alice", std::nullopt, 100, page, more));
  REQUIRE(page.size() == 6);
  CHECK_FALSE(more);
  for (std::size_t i = 0; i < page.size(); ++i)
    CHECK(page[i].turn == i + 1);
  CHECK(page[2].role == "user");
  CHECK(page[2].text == "我很难过");
  CHECK(page[3].role == "assistant");
  CHECK(page[3].text == "抱抱你");
  CHECK(page[3].id == "m3");

  REQUIRE(s->history("alice", 5, 2, page, more));
  REQUIRE(page.size() == 2);
  CHECK(page[0].turn == 3);
  CHECK(page[1].turn == 4);
  CHECK(more);
  REQUIRE(s->history("alice", 1, 10, page, more));
  CHECK(page.empty());
  CHECK_FALSE(more);
}

TEST_CASE("users whose ids share prefixes are isolated", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  REQUIRE(s->write({rec("ab", 1, "ab says", "r"), rec("abc", 1, "abc says", "r"),
                    rec(std::string("ab\0", 3), 1, "nul says", "r")}));
  for (std::string u : {std::string("ab"), std::string("abc"), std::string("ab\0", 3)}) {
    std::vector<stored_message> page;
    bool more = false;
    REQUIRE(s->history(u, std::nullopt, 100, page, more));
    REQUIRE(page.size() == 2);
    CHECK(page[0].text == (u == "ab" ? "ab says" : u == "abc" ? "abc says" : "nul says"));
  }
  user_snapshot none;
  REQUIRE(s->load("a", 10, 10, none));
  CHECK(none.last_turn == 0);
  CHECK(none.recent.empty());
}

TEST_CASE("forget erases messages and memories but keeps the turn counter", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  REQUIRE(
    s->write({rec("u", 1, "a", "b", "a"), rec("u", 3, "c", "d", "c"), rec("v", 1, "x", "y")}));
  std::uint64_t deleted = 0;
  REQUIRE(s->forget("u", deleted));
  CHECK(deleted == 4);
  user_snapshot snap;
  REQUIRE(s->load("u", 10, 10, snap));
  CHECK(snap.last_turn == 4);
  CHECK(snap.recent.empty());
  CHECK(snap.memories.empty());
  REQUIRE(s->load("v", 10, 10, snap));
  CHECK(snap.recent.size() == 2);
}

TEST_CASE("data survives reopening", "[store]") {
  EACH_BACKEND;
  {
    auto s = place.open();
    REQUIRE(s->write({rec("r", 1, "before restart", "yes")}));
  }
  auto s = place.open();
  user_snapshot snap;
  REQUIRE(s->load("r", 10, 10, snap));
  CHECK(snap.last_turn == 2);
  CHECK(snap.recent.at(0).text == "before restart");
}

TEST_CASE("unusable directories give one clear error", "[store]") {
  temp_dir d;
  auto first = open_store(d.path);
  std::string err;
  CHECK_FALSE(conversation_store::open({d.path, false}, err));
  CHECK(err.find("in use by another process") != std::string::npos);

  std::string file = d.path + "-file";
  std::ofstream{file} << "x";
  CHECK_FALSE(conversation_store::open({file + "/sub", false}, err));
  CHECK(err.find("cannot create data directory") != std::string::npos);
  std::filesystem::remove(file);

  temp_dir broken;
  { auto s = open_store(broken.path); }
  std::ofstream{broken.path + "/CURRENT", std::ios::trunc} << "MANIFEST-999999\n";
  CHECK_FALSE(conversation_store::open({broken.path, false}, err));
  CHECK(err.find(broken.path) != std::string::npos);
}

TEST_CASE("fact embeddings are stored beside their facts and loaded with them", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  auto r1 = rec("u", 1, "我养了一只猫。我在杭州工作", "好的");
  r1.facts = {"我养了一只猫", "我在杭州工作"};
  REQUIRE(s->write({r1, rec("u", 3, "no facts here", "ok"),
                    rec("u", 5, "my dog is Rex", "nice", "my dog is Rex")}));
  // embeddings for turn 1 only, the second fact's could not be made
  std::vector<xinyu::core::memory_fact> facts{{"我养了一只猫", {0.6f, 0.8f, -0.0f}, "m1"},
                                              {"我在杭州工作", {}, "m1"}};
  REQUIRE(s->put_embeddings("u", 1, facts));
  user_snapshot snap;
  REQUIRE(s->load("u", 2, 10, snap));
  REQUIRE(snap.memories.size() == 3);
  CHECK(snap.memories[0].text == "我养了一只猫");
  CHECK(snap.memories[0].embedding == std::vector<float>{0.6f, 0.8f, -0.0f});
  CHECK(snap.memories[0].model == "m1");
  CHECK(snap.memories[1].text == "我在杭州工作");
  CHECK(snap.memories[1].embedding.empty());
  CHECK(snap.memories[2].text == "my dog is Rex");
  // the bound counts facts, newest kept
  REQUIRE(s->load("u", 2, 2, snap));
  REQUIRE(snap.memories.size() == 2);
  CHECK(snap.memories[0].text == "我在杭州工作");
  std::uint64_t deleted = 0;
  REQUIRE(s->forget("u", deleted));
  REQUIRE(s->load("u", 2, 10, snap));
  CHECK(snap.memories.empty()); // embeddings went with the facts
}

TEST_CASE("duty-of-care counts add up per UTC day, survive forget and reopening, carry no user",
          "[store][report]") {
  EACH_BACKEND;
  constexpr std::int64_t dec4 = 1'796'342'400'000; // 2026-12-04T00:00:00Z in ms
  constexpr std::int64_t day = 86'400'000;
  {
    auto store = place.open();
    auto a = rec("alice", 1, "t", "r");
    a.ts = dec4 + 5;
    a.report_events = {"detection/en/crisis/self_harm", "referral/en"};
    auto b = rec("bob", 1, "t", "r");
    b.ts = dec4 + day - 1; // still the 4th
    b.report_events = {"detection/en/crisis/self_harm", "referral/en"};
    auto c = rec("carol", 1, "t", "r");
    c.ts = dec4 + day; // the 5th
    c.report_events = {"detection/zh/caution/distress"};
    REQUIRE(store->write({a, b}));
    REQUIRE(store->write({c}));
    auto a2 = rec("alice", 3, "t", "r");
    a2.ts = dec4 + 9;
    a2.report_events = {"referral/en"};
    REQUIRE(store->write({a2}));
    std::uint64_t deleted = 0;
    REQUIRE(store->forget("alice", deleted)); // erasing a user keeps the anonymous counts
  }
  auto store = place.open();
  std::vector<report_count> out;
  REQUIRE(store->report("2026-12-01", "2026-12-31", out));
  REQUIRE(out.size() == 3);
  CHECK(out[0].day == "2026-12-04");
  CHECK(out[0].event == "detection/en/crisis/self_harm");
  CHECK(out[0].count == 2);
  CHECK(out[1].event == "referral/en");
  CHECK(out[1].count == 3);
  CHECK(out[2].day == "2026-12-05");
  CHECK(out[2].event == "detection/zh/caution/distress");
  CHECK(out[2].count == 1);
  REQUIRE(store->report("2026-12-05", "2026-12-05", out));
  CHECK(out.size() == 1);
  REQUIRE(store->report("2026-11-01", "2026-12-03", out));
  CHECK(out.empty());
  // the counts never show up as a user's data
  user_snapshot snap;
  REQUIRE(store->load("report/2026-12-04", 10, 10, snap));
  CHECK(snap.last_turn == 0);
}

TEST_CASE("the care-notice schedule is stored with the turns and loaded back", "[store]") {
  EACH_BACKEND;
  auto store = place.open();
  auto a = rec("alice", 1, "t", "r");
  a.care = {1000, 2000, 3000, 4000};
  auto b = rec("alice", 3, "t", "r");
  b.care = {5000, 6000, 7000, 8000}; // the newer turn's schedule wins
  REQUIRE(store->write({a, b}));
  user_snapshot snap;
  REQUIRE(store->load("alice", 10, 10, snap));
  CHECK(snap.care.last_disclosure == 5000);
  CHECK(snap.care.last_break_reminder == 8000);
  auto c = rec("alice", 5, "t", "r"); // a record without a schedule leaves the stored one
  REQUIRE(store->write({c}));
  REQUIRE(store->load("alice", 10, 10, snap));
  CHECK(snap.care.use_started == 6000);
  CHECK(snap.last_turn == 6);
  user_snapshot other;
  REQUIRE(store->load("bob", 10, 10, other));
  CHECK(other.care.empty());
}

TEST_CASE("the sealed emergency contact is stored, kept by turn writes, erased by forget",
          "[store]") {
  EACH_BACKEND;
  auto store = place.open();
  REQUIRE(store->put_contact("alice", "c2VhbGVk"));
  REQUIRE(store->write({rec("alice", 1, "t", "r")})); // a turn rewrites the meta record ...
  user_snapshot snap;
  REQUIRE(store->load("alice", 10, 10, snap));
  CHECK(snap.contact == "c2VhbGVk"); // ... and keeps the contact
  std::uint64_t deleted = 0;
  REQUIRE(store->forget("alice", deleted));
  REQUIRE(store->load("alice", 10, 10, snap));
  CHECK(snap.contact.empty());
  CHECK(snap.last_turn == 2);
}

TEST_CASE("memories are listed with their ids, edited and deleted durably, vectors kept honest",
          "[store][memory]") {
  EACH_BACKEND;
  {
    auto s = place.open();
    auto r1 = rec("u", 1, "我养了一只猫。我在杭州工作", "好的");
    r1.facts = {"我养了一只猫", "我在杭州工作"};
    REQUIRE(s->write({r1, rec("u", 3, "my dog is Rex", "nice", "my dog is Rex"),
                      rec("other", 1, "I live in Oslo", "ok", "I live in Oslo")}));
    std::vector<xinyu::core::memory_fact> v1{{"我养了一只猫", {0.6f, 0.8f}, "m1", 1, 0},
                                             {"我在杭州工作", {0.8f, 0.6f}, "m1", 1, 1}};
    REQUIRE(s->put_embeddings("u", 1, v1));
    std::vector<xinyu::core::memory_fact> listed;
    REQUIRE(s->list_memories("u", 10, listed));
    REQUIRE(listed.size() == 3);
    CHECK(listed[0].text == "我养了一只猫");
    CHECK(listed[0].turn == 1);
    CHECK(listed[0].index == 0);
    CHECK(listed[0].ts == 1001);
    CHECK(listed[0].embedding.empty()); // a list carries no vectors
    CHECK(listed[1].turn == 1);
    CHECK(listed[1].index == 1);
    CHECK(listed[2].turn == 3);
    REQUIRE(s->list_memories("u", 1, listed));
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].text == "my dog is Rex"); // the newest within the bound

    std::optional<std::string> old;
    REQUIRE(s->edit_memory("u", {1, 1}, "我在苏州工作", old));
    CHECK(old == "我在杭州工作");
    REQUIRE(s->delete_memory("u", {1, 0}, old));
    CHECK(old == "我养了一只猫");
    REQUIRE(s->delete_memory("u", {1, 0}, old));
    CHECK_FALSE(old); // deleted already
    REQUIRE(s->edit_memory("u", {9, 0}, "x", old));
    CHECK_FALSE(old); // never existed: nothing written
    REQUIRE(s->delete_memory("other", {3, 0}, old));
    CHECK_FALSE(old); // another user's ids are not this user's
    // the old text's vector, computed before the edit, arrives late: it is not stored
    REQUIRE(s->put_embeddings("u", 1, {{"我在杭州工作", {0.8f, 0.6f}, "m1", 1, 1}}));
    // nor is a vector for the deleted fact
    REQUIRE(s->put_embeddings("u", 1, {{"我养了一只猫", {0.6f, 0.8f}, "m1", 1, 0}}));
  }
  auto s = place.open(); // durable across a reopen
  user_snapshot snap;
  REQUIRE(s->load("u", 2, 10, snap));
  REQUIRE(snap.memories.size() == 2);
  CHECK(snap.memories[0].text == "我在苏州工作");
  CHECK(snap.memories[0].turn == 1);
  CHECK(snap.memories[0].index == 1);
  CHECK(snap.memories[0].embedding.empty()); // to be recomputed for the new text
  CHECK(snap.memories[1].text == "my dog is Rex");
  // the new text's vector is taken
  REQUIRE(s->put_embeddings("u", 1, {{"我在苏州工作", {0.0f, 1.0f}, "m1", 1, 1}}));
  REQUIRE(s->load("u", 2, 10, snap));
  CHECK(snap.memories[0].embedding == std::vector<float>{0.0f, 1.0f});
  REQUIRE(s->load("other", 2, 10, snap));
  CHECK(snap.memories.size() == 1);
}

TEST_CASE("the running summary is stored with the user, newest version only, erased by forget",
          "[store][summary]") {
  EACH_BACKEND;
  {
    auto s = place.open();
    REQUIRE(s->write({rec("u", 1, "hi", "hello")}));
    REQUIRE(s->put_summary("u", {2, 8, "My sister Anna lives in Lyon"}));
    REQUIRE(s->put_summary("u", {1, 4, "an older version, arriving late"})); // ignored
    REQUIRE(s->write({rec("u", 3, "more", "ok")})); // a turn write keeps it
  }
  auto s = place.open();
  user_snapshot snap;
  REQUIRE(s->load("u", 10, 10, snap));
  CHECK(snap.summary == xinyu::core::conversation_summary{2, 8, "My sister Anna lives in Lyon"});
  REQUIRE(s->load("other", 10, 10, snap));
  CHECK(snap.summary.text.empty());
  std::uint64_t deleted = 0;
  REQUIRE(s->forget("u", deleted));
  REQUIRE(s->load("u", 10, 10, snap));
  CHECK(snap.summary.version == 0);
  CHECK(snap.summary.text.empty());
}

TEST_CASE("any bytes a person sends round-trip: NUL, invalid UTF-8, emoji", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  // (the protocol's JSON parser lets only valid UTF-8 in, but a NUL is valid)
  std::string odd{"a\0b 😀 你好\0", 16};
  auto r = rec(std::string("u\0x", 3), 1, odd, odd, odd);
  REQUIRE(s->write({r}));
  user_snapshot snap;
  REQUIRE(s->load(std::string("u\0x", 3), 10, 10, snap));
  REQUIRE(snap.recent.size() == 2);
  CHECK(snap.recent[0].text == odd);
  CHECK(snap.recent[1].text == odd);
  REQUIRE(snap.memories.size() == 1);
  CHECK(snap.memories[0].text == odd);
}

TEST_CASE("a retried batch that was written already changes nothing", "[store]") {
  EACH_BACKEND;
  auto s = place.open();
  auto r = rec("u", 1, "once", "reply", "a fact");
  REQUIRE(s->write({r}));
  REQUIRE(s->write({r})); // the acknowledgement was lost: the same batch again
  std::vector<stored_message> page;
  bool more = false;
  REQUIRE(s->history("u", std::nullopt, 10, page, more));
  CHECK(page.size() == 2);
  std::vector<xinyu::core::memory_fact> facts;
  REQUIRE(s->list_memories("u", 10, facts));
  CHECK(facts.size() == 1);
}

TEST_CASE("postgres: a writer with an older epoch than the owner's is fenced off",
          "[store][postgres][fencing]") {
  store_place place{"postgres"};
  auto owner = place.open();
  auto stale = place.open(); // a second node: its own connection
  bool granted = false;
  std::uint64_t seen = 0;
  REQUIRE(stale->claim("u", 1, granted, seen));
  CHECK(granted);
  auto r1 = rec("u", 1, "from node one", "r");
  r1.epoch = 1;
  REQUIRE(stale->write({r1}));
  REQUIRE(owner->claim("u", 2, granted, seen)); // node two takes the user over
  CHECK(granted);
  REQUIRE(stale->claim("u", 1, granted, seen)); // and node one cannot take it back
  CHECK_FALSE(granted);
  CHECK(seen == 2); // the epoch to go above (Redis lost its counter: see lease_store::acquire)
  user_snapshot snap;
  REQUIRE(owner->load("u", 10, 10, snap)); // what node one wrote before is visible
  CHECK(snap.last_turn == 2);
  auto late = rec("u", 3, "late write from node one", "r", "a late fact");
  late.epoch = 1;
  auto other = rec("v", 1, "another user in the same batch", "r");
  other.epoch = 1;
  std::vector<std::size_t> fenced;
  REQUIRE(stale->write({late, other}, fenced));
  CHECK(fenced == std::vector<std::size_t>{0}); // only the fenced user's record
  auto mine = rec("u", 3, "node two's turn 3", "r");
  mine.epoch = 2;
  REQUIRE(owner->write({mine}, fenced));
  CHECK(fenced.empty());
  REQUIRE(owner->load("u", 10, 10, snap));
  CHECK(snap.last_turn == 4);
  REQUIRE(snap.recent.size() == 4);
  CHECK(snap.recent[2].text == "node two's turn 3");
  CHECK(snap.memories.empty()); // the late fact never landed
  REQUIRE(owner->load("v", 10, 10, snap));
  CHECK(snap.recent.size() == 2);
}

TEST_CASE("rocksdb: one writer owns every user, claims are always granted", "[store]") {
  store_place place{"rocksdb"};
  auto s = place.open();
  bool granted = false;
  std::uint64_t seen = 0;
  REQUIRE(s->claim("u", 7, granted, seen));
  CHECK(granted);
  REQUIRE(s->claim("u", 1, granted, seen));
  CHECK(granted);
}

TEST_CASE("postgres: unreachable or misnamed databases give one clear error", "[store][postgres]") {
  std::string err;
  conversation_store::options o;
  o.backend = "postgres";
  CHECK_FALSE(conversation_store::open(o, err));
  CHECK(err.find("storage.postgres") != std::string::npos);
  temp_dir nowhere;
  o.postgres = "host=" + nowhere.path + " dbname=x connect_timeout=2";
  CHECK_FALSE(conversation_store::open(o, err));
  CHECK(err.find("cannot connect to PostgreSQL") != std::string::npos);
  o.postgres = "this is not a connection string";
  CHECK_FALSE(conversation_store::open(o, err));
  CHECK_FALSE(err.empty());
  o.backend = "mysql";
  CHECK_FALSE(conversation_store::open(o, err));
  CHECK(err.find("unknown storage backend") != std::string::npos);
}

TEST_CASE("postgres: a store fails clearly while the server is down and recovers after",
          "[store][postgres]") {
  xinyu::test::postgres_cluster own; // its own cluster: this test stops it
  auto conninfo = own.create_database();
  std::string err;
  // sync: with synchronous_commit off a server crash may lose the newest commits
  auto s = conversation_store::open({"", true, "postgres", conninfo}, err);
  INFO(err);
  REQUIRE(s);
  REQUIRE(s->write({rec("u", 1, "before", "r")}));
  own.stop_immediately();
  auto down = s->write({rec("u", 3, "while down", "r")});
  CHECK_FALSE(down);
  CHECK_FALSE(down.error.empty());
  user_snapshot snap;
  CHECK_FALSE(s->load("u", 10, 10, snap));
  own.start();
  REQUIRE(s->write({rec("u", 3, "after", "r")})); // the same store reconnects on its own
  REQUIRE(s->load("u", 10, 10, snap));
  CHECK(snap.last_turn == 4);
  REQUIRE(snap.recent.size() == 4);
  CHECK(snap.recent.back().text == "r");
  CHECK(snap.recent[2].text == "after");
}
