// Unit tests for core/memory/embedding, core/memory/memory_index (HNSW) and
// core/memory/retrieval_cache: similarity, isolation, bounds, forget, agreement with exact search,
// cache hits, TTL and byte bound.
#include "core/memory/embedding.hpp"
#include "core/memory/memory_index.hpp"
#include "core/memory/retrieval_cache.hpp"
#include "core/support/metrics.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

using namespace xinyu::core;

TEST_CASE("embeddings are L2-normalised and similar texts score higher", "[memory]") {
  hashed_embedder e;
  auto a = e.embed("我养了一只猫叫咪咪");
  double n = 0;
  for (float x : a)
    n += x * x;
  CHECK(std::abs(n - 1.0) < 1e-4);
  auto b = e.embed("我的猫咪咪最近生病了");
  auto c = e.embed("明天要去北京出差");
  CHECK(hashed_embedder::cosine(a, b) > hashed_embedder::cosine(a, c));
  auto en1 = e.embed("My dog Max loves walks");
  auto en2 = e.embed("how is my dog doing");
  auto en3 = e.embed("the exam was hard");
  CHECK(hashed_embedder::cosine(en1, en2) > hashed_embedder::cosine(en1, en3));
  auto zero = e.embed("...");
  CHECK(hashed_embedder::cosine(zero, a) == 0.0f);
}

TEST_CASE("recall returns the user's most similar memories only", "[memory]") {
  memory_index idx{memory_index::options{10}};
  idx.remember("alice", "我养了一只猫叫咪咪");
  idx.remember("alice", "我在上海做程序员");
  idx.remember("alice", "我妈妈下个月生日");
  idx.remember("bob", "我的猫叫咪咪，是橘猫");
  auto hits = idx.recall("alice", "咪咪最近怎么样", 2, 0.1f);
  REQUIRE_FALSE(hits.empty());
  CHECK(hits.front().text == "我养了一只猫叫咪咪");
  for (const auto& h : hits)
    CHECK(h.text.find("橘猫") == std::string::npos); // never bob's
  CHECK(idx.recall("carol", "咪咪", 3, 0.0f).empty());
}

TEST_CASE("the per-user bound evicts the oldest and forget erases", "[memory]") {
  memory_index idx{memory_index::options{2}};
  idx.remember("u", "first fact about apples");
  idx.remember("u", "second fact about bananas");
  idx.remember("u", "third fact about cherries");
  CHECK(idx.size("u") == 2);
  CHECK(idx.recall("u", "apples", 3, 0.3f).empty());
  idx.remember("u", "third fact about cherries"); // duplicates are not stored twice
  CHECK(idx.size("u") == 2);
  CHECK(idx.forget("u") == 2);
  CHECK(idx.size("u") == 0);
}

namespace {
std::vector<float> random_unit(std::mt19937& rng, std::size_t dim) {
  std::normal_distribution<float> d;
  std::vector<float> v(dim);
  double n = 0;
  for (auto& x : v) {
    x = d(rng);
    n += double(x) * x;
  }
  for (auto& x : v)
    x = static_cast<float>(x / std::sqrt(n));
  return v;
}
} // namespace

TEST_CASE("HNSW search agrees with exact search on 3000 items", "[memory]") {
  std::mt19937 rng{7};
  memory_index idx{memory_index::options{5000}};
  std::vector<std::vector<float>> items;
  for (int i = 0; i < 3000; ++i) {
    items.push_back(random_unit(rng, 64));
    REQUIRE(idx.add("u", "item " + std::to_string(i), items.back()));
  }
  CHECK(idx.size("u") == 3000);
  CHECK(idx.uses_graph("u"));
  int agree = 0;
  for (int q = 0; q < 200; ++q) {
    auto query = random_unit(rng, 64);
    std::size_t best = 0;
    float best_sim = -2;
    for (std::size_t i = 0; i < items.size(); ++i) {
      float s = hashed_embedder::cosine(query, items[i]);
      if (s > best_sim) {
        best_sim = s;
        best = i;
      }
    }
    auto hits = idx.search("u", query, 3, -1.0f);
    REQUIRE(hits.size() == 3);
    CHECK(hits[0].similarity >= hits[1].similarity);
    for (const auto& h : hits)
      agree += h.text == "item " + std::to_string(best);
  }
  INFO("exact nearest neighbour in the HNSW top 3 for " << agree << " of 200 queries");
  CHECK(agree >= 196);
}

TEST_CASE("an index keeps one dimension per user and a generation per change", "[memory]") {
  memory_index idx;
  auto g0 = idx.generation("u");
  CHECK(idx.add("u", "a", std::vector<float>{1, 0, 0}));
  auto g1 = idx.generation("u");
  CHECK(g1 != g0);
  CHECK_FALSE(idx.add("u", "b", std::vector<float>{1, 0}));    // other dimension
  CHECK_FALSE(idx.add("u", "a", std::vector<float>{0, 1, 0})); // known text
  CHECK_FALSE(idx.add("u", "c", {}));
  CHECK(idx.generation("u") == g1);
  CHECK(idx.search("u", std::vector<float>{1, 0}, 3, 0).empty()); // query of other dimension
  CHECK(idx.add("v", "b", std::vector<float>{1, 0}));             // another user may differ
  idx.forget("u");
  CHECK(idx.add("u", "a", std::vector<float>{0, 1, 0, 0}));
  CHECK(idx.generation("u") != g1);
}

TEST_CASE("at the bound the oldest slot is reused and search still finds the newest", "[memory]") {
  memory_index idx{memory_index::options{50}};
  hashed_embedder e;
  for (int i = 0; i < 200; ++i)
    idx.remember("u", "fact number " + std::to_string(i) + " about topic" + std::to_string(i));
  CHECK(idx.size("u") == 50);
  auto hits = idx.recall("u", "topic199", 1, 0.1f);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].text == "fact number 199 about topic199");
  CHECK(idx.recall("u", "topic3", 1, 0.5f).empty()); // long gone
}

TEST_CASE("retrieval cache: hits, misses, generation and TTL", "[memory][cache]") {
  using namespace std::chrono_literals;
  retrieval_cache c{retrieval_cache::options{1 << 20, 1000ms}};
  auto t0 = retrieval_cache::clock::time_point{} + 1h;
  CHECK_FALSE(c.get("u", "Hello, World!", 1, t0));
  c.put("u", "Hello, World!", 1, {"a fact"}, t0);
  auto hit = c.get("u", "hello world", 1, t0 + 10ms); // case and punctuation do not matter
  REQUIRE(hit);
  CHECK(*hit == std::vector<std::string>{"a fact"});
  CHECK_FALSE(c.get("v", "hello world", 1, t0)); // another user
  CHECK_FALSE(c.get("u", "hello world", 2, t0)); // memories changed since
  c.put("u", "q", 3, {"x"}, t0);
  CHECK_FALSE(c.get("u", "q", 3, t0 + 1001ms)); // expired
  CHECK(c.hits() == 1);
  CHECK(c.misses() == 4);
  CHECK(c.entries() == 0); // stale entries were dropped when found stale
}

TEST_CASE("retrieval cache stays within its byte bound, least recently used first",
          "[memory][cache]") {
  retrieval_cache c{retrieval_cache::options{2000, std::chrono::minutes{1}}};
  std::string big(300, 'x');
  for (int i = 0; i < 20; ++i) {
    c.put("u", "query " + std::to_string(i), 1, {big});
    if (i >= 1)
      c.get("u", "query 0", 1); // keep query 0 hot
    CHECK(c.bytes() <= 2000);
  }
  CHECK(c.entries() < 20);
  CHECK(c.get("u", "query 0", 1));                 // recently used: kept
  CHECK_FALSE(c.get("u", "query 1", 1));           // cold: evicted
  c.put("u", "huge", 1, {std::string(5000, 'y')}); // bigger than the bound: not stored
  CHECK_FALSE(c.get("u", "huge", 1));
  CHECK(c.bytes() <= 2000);
  retrieval_cache off{retrieval_cache::options{0, std::chrono::minutes{1}}};
  off.put("u", "q", 1, {"x"});
  CHECK_FALSE(off.get("u", "q", 1));
}

TEST_CASE("embeddings pack to text and back exactly", "[memory]") {
  hashed_embedder e;
  auto v = e.embed("我养了一只猫 and a dog");
  auto packed = hashed_embedder::pack(v);
  auto back = hashed_embedder::unpack(packed);
  REQUIRE(back);
  CHECK(*back == v);
  for (std::size_t n : {0u, 1u, 2u, 3u}) { // every padding length
    std::vector<float> w(n, -1.5f);
    CHECK(hashed_embedder::unpack(hashed_embedder::pack(w)) == w);
  }
  CHECK_FALSE(hashed_embedder::unpack("abc"));  // not a multiple of 4
  CHECK_FALSE(hashed_embedder::unpack("ab!d")); // not base64
  CHECK_FALSE(hashed_embedder::unpack("AAA=")); // 2 bytes: not whole floats
}

#include "core/memory/memory_engine.hpp"

namespace {
/// An embedder that can be switched off, like a remote endpoint that goes down.
struct flaky_embedder final : embedder {
  hashed_embedder inner{64};
  mutable bool up = true;
  mutable int calls = 0;
  std::string model() const override { return "flaky-64"; }
  std::optional<std::vector<float>> try_embed(std::string_view t) const override {
    ++calls;
    if (!up)
      return std::nullopt;
    return inner.embed(t);
  }
};
} // namespace

TEST_CASE("memory engine: cache first, invalidated by new facts, failure is a value",
          "[memory][cache]") {
  auto emb = std::make_shared<flaky_embedder>();
  memory_engine::settings s;
  s.min_similarity = 0.1f;
  memory_engine m{s, emb};
  auto stored = m.remember("u", {"我养了一只猫叫咪咪", "我在杭州工作"});
  REQUIRE(stored.size() == 2);
  CHECK(stored[0].model == "flaky-64");
  CHECK(stored[0].embedding.size() == 64);
  auto first = m.recall("u", "咪咪今天不吃饭");
  REQUIRE(first);
  REQUIRE_FALSE(first->empty());
  CHECK(first->front() == "我养了一只猫叫咪咪");
  CHECK(m.cache().misses() == 1);
  emb->up = false; // the endpoint goes down: a cached answer still works ...
  CHECK(m.recall("u", "咪咪今天不吃饭！") == first);
  CHECK(m.cache().hits() == 1);
  CHECK_FALSE(m.recall("u", "another question")); // ... a new one cannot be embedded
  emb->up = true;
  m.remember("u", {"咪咪是一只橘猫"}); // a new fact makes the cached answer stale
  auto again = m.recall("u", "咪咪今天不吃饭");
  REQUIRE(again);
  CHECK(again->size() == 2);
  CHECK(m.cache().misses() == 3);
}

TEST_CASE("memory engine seeds from stored embeddings of its model, re-embeds others", "[memory]") {
  auto emb = std::make_shared<flaky_embedder>();
  memory_engine m{memory_engine::settings{}, emb};
  std::vector<memory_fact> facts{{"stored with a vector", emb->inner.embed("stored with a vector"),
                                  "flaky-64"},
                                 {"stored by another model", {1, 0}, "other"},
                                 {"stored without a vector", {}, ""}};
  auto epoch = m.seed("u", facts);
  CHECK(emb->calls == 2); // only the two without a usable vector were embedded
  CHECK(m.index().size("u") == 3);
  // a passivated session unloads the index, unless a successor seeded it again meanwhile
  auto newer = m.seed("u", facts);
  CHECK_FALSE(m.unload("u", epoch));
  CHECK(m.index().size("u") == 3);
  CHECK(m.unload("u", newer));
  CHECK(m.index().size("u") == 0);
  CHECK(m.index().users() == 0);
  m.remember("v", {"v never had a seed"});
  CHECK(m.unload("v", 0));
}

#include "core/memory/embedding_api.hpp"

TEST_CASE("embeddings API: request body and every kind of response", "[memory][embeddings]") {
  CHECK(embedding_request_body("nomic", "我\"好\"") == R"({"input":"我\"好\"","model":"nomic"})");
  std::string err;
  auto v =
    parse_embedding_response(R"({"object":"list","data":[{"index":0,"embedding":[3,4]}]})", err);
  REQUIRE(v);
  CHECK(*v == std::vector<float>{0.6f, 0.8f});
  CHECK_FALSE(parse_embedding_response("not json", err));
  CHECK(err.find("not a JSON object") != std::string::npos);
  CHECK_FALSE(parse_embedding_response(R"({"error":{"message":"model not found"}})", err));
  CHECK(err.find("model not found") != std::string::npos);
  CHECK_FALSE(parse_embedding_response(R"({"data":[]})", err));
  CHECK_FALSE(parse_embedding_response(R"({"data":[{"embedding":[]}]})", err));
  CHECK_FALSE(parse_embedding_response(R"({"data":[{"embedding":[1,"x"]}]})", err));
  CHECK_FALSE(parse_embedding_response(R"({"data":[{"embedding":[0,0]}]})", err));
}

TEST_CASE("a user is searched exactly until hnsw_min_items, then through a graph", "[memory]") {
  memory_index::options o;
  o.max_items_per_user = 150;
  o.hnsw_min_items = 100;
  memory_index idx{o};
  for (int i = 0; i < 99; ++i)
    idx.remember("u", "fact " + std::to_string(i) + " about topic" + std::to_string(i));
  CHECK_FALSE(idx.uses_graph("u"));
  REQUIRE(idx.recall("u", "topic7", 1, 0.1f).size() == 1);
  CHECK(idx.recall("u", "topic7", 1, 0.1f)[0].text == "fact 7 about topic7");
  idx.remember("u", "fact 99 about topic99");
  CHECK(idx.uses_graph("u")); // promoted: every earlier item is in the graph
  CHECK(idx.recall("u", "topic7", 1, 0.1f)[0].text == "fact 7 about topic7");
  CHECK(idx.recall("u", "topic99", 1, 0.1f)[0].text == "fact 99 about topic99");
  for (int i = 100; i < 400; ++i) // past the bound: slots reused inside the graph
    idx.remember("u", "fact " + std::to_string(i) + " about topic" + std::to_string(i));
  CHECK(idx.size("u") == 150);
  CHECK(idx.recall("u", "topic399", 1, 0.1f)[0].text == "fact 399 about topic399");
  CHECK(idx.recall("u", "topic7", 1, 0.5f).empty());
  CHECK_FALSE(idx.uses_graph("small-user"));
}

#include "core/memory/memory_id.hpp"

TEST_CASE("memory ids are <turn>.<index>, parsed strictly", "[memory]") {
  CHECK(memory_id(12, 0) == "12.0");
  CHECK(parse_memory_id("12.0") == memory_ref{12, 0});
  CHECK(parse_memory_id("1.255") == memory_ref{1, 255});
  CHECK(memory_ref{12, 3}.key() == (12u << 8 | 3u));
  for (const char* bad :
       {"", "12", "12.", ".0", "0.0", "12.256", "012.0", "12.00", "-1.0", "+1.0", "1.0.0", "1 .0",
        "a.b", "72057594037927936.0", "99999999999999999999999.0"})
    CHECK_FALSE(parse_memory_id(bad));
}

namespace {
/// An index item's source key for fact `index` of `turn`.
std::uint64_t src(std::uint64_t turn, std::uint32_t index) { return memory_ref{turn, index}.key(); }
} // namespace

TEST_CASE("removed sources are remembered up to memory.max_removed_per_user", "[memory]") {
  memory_index::options o;
  o.max_removed_per_user = 3;
  memory_index idx{o};
  auto& e = idx.builtin_embedder();
  auto f = e.features("my cat is called Mimi");
  auto& forgotten = metrics().get_counter("xinyu_memory_removed_forgotten_total", "");
  auto before = forgotten.value();
  for (std::uint64_t turn = 1; turn <= 4; ++turn)
    idx.remove("u", src(turn, 0));        // four removals before their (late) adds
  CHECK(forgotten.value() == before + 1); // the bound was hit once: turn 1 is forgotten
  // turns 2..4 are still remembered: their late adds are refused
  for (std::uint64_t turn = 2; turn <= 4; ++turn)
    CHECK_FALSE(idx.add("u", "my cat is called Mimi", e.fold(f), f, src(turn, 0)));
  // turn 1 was the oldest beyond the bound: a late add is no longer recognised
  CHECK(idx.add("u", "my cat is called Mimi", e.fold(f), f, src(1, 0)));
}

TEST_CASE("a removed item is never found again, in exact search and in the graph", "[memory]") {
  for (std::size_t min_graph : {std::size_t{1000}, std::size_t{4}}) {
    memory_index::options o;
    o.hnsw_min_items = min_graph;
    memory_index idx{o};
    auto& e = idx.builtin_embedder();
    auto add = [&](std::uint64_t turn, const std::string& text) {
      auto f = e.features(text);
      return idx.add("u", text, e.fold(f), f, src(turn, 0));
    };
    REQUIRE(add(1, "my cat is called Mimi"));
    REQUIRE(add(3, "I work in Hangzhou as a nurse"));
    REQUIRE(add(5, "my sister Anna lives in Lyon"));
    REQUIRE(add(7, "I am allergic to peanuts"));
    REQUIRE(add(9, "my dog Max is twelve"));
    CHECK(idx.uses_graph("u") == (min_graph == 4));
    auto gen = idx.generation("u");
    CHECK(idx.recall("u", "how is Mimi the cat", 1, 0.1f).at(0).text == "my cat is called Mimi");
    CHECK(idx.remove("u", src(1, 0)) == "my cat is called Mimi");
    CHECK(idx.generation("u") != gen); // cached answers go stale
    CHECK(idx.size("u") == 4);
    for (const auto& hit : idx.recall("u", "how is Mimi the cat", 5, 0.0f))
      CHECK(hit.text != "my cat is called Mimi");
    CHECK_FALSE(idx.remove("u", src(1, 0))); // gone already
    // a late add of the removed fact (a remember that lost the race) is refused
    auto f = e.features("my cat is called Mimi");
    CHECK_FALSE(idx.add("u", "my cat is called Mimi", e.fold(f), f, src(1, 0)));
    // the same words told again in a later turn are a new fact
    CHECK(add(11, "my cat is called Mimi"));
    CHECK(idx.recall("u", "how is Mimi the cat", 1, 0.1f).at(0).text == "my cat is called Mimi");
    // an edit: the old text goes, the new one is found in its place, a late add is refused
    auto nf = e.features("I work in Suzhou as a teacher");
    CHECK(idx.replace("u", src(3, 0), "I work in Suzhou as a teacher", e.fold(nf), nf));
    auto hits = idx.recall("u", "work Suzhou teacher Hangzhou nurse", 5, 0.05f);
    CHECK(std::count_if(hits.begin(), hits.end(),
                        [](const memory_hit& h) {
                          return h.text.find("Hangzhou") != std::string::npos;
                        })
          == 0);
    CHECK(
      std::count_if(hits.begin(), hits.end(),
                    [](const memory_hit& h) { return h.text.find("Suzhou") != std::string::npos; })
      == 1);
    auto of = e.features("I work in Hangzhou as a nurse");
    CHECK_FALSE(idx.add("u", "I work in Hangzhou as a nurse", e.fold(of), of, src(3, 0)));
    auto items = idx.items("u");
    REQUIRE(items.size() == 5);
    CHECK(items.front().source == src(3, 0)); // by source: the edited fact keeps its place
    CHECK(items.back().source == src(11, 0));
  }
}

TEST_CASE("a removal that comes before the fact's own remember still wins", "[memory]") {
  memory_engine m{memory_engine::settings{}};
  CHECK_FALSE(m.erase("u", {4, 1})); // the remember of turn 4 has not run yet
  auto facts = m.remember("u", {"I live in Oslo", "my cat is called Mimi"}, 4);
  REQUIRE(facts.size() == 2);
  CHECK(facts[1].turn == 4);
  CHECK(facts[1].index == 1);
  CHECK(m.index().size("u") == 1); // fact 1 was deleted before it arrived
  auto r = m.recall("u", "how is Mimi the cat");
  REQUIRE(r);
  CHECK(std::find(r->begin(), r->end(), "my cat is called Mimi") == r->end());
}

TEST_CASE("memory engine: a deleted or edited fact leaves the retrieval cache at once",
          "[memory][cache]") {
  memory_engine::settings s;
  s.min_similarity = 0.05f;
  memory_engine m{s};
  m.remember("u", {"my cat is called Mimi", "I work in Hangzhou"}, 2);
  auto first = m.recall("u", "how is Mimi the cat");
  REQUIRE(first);
  REQUIRE_FALSE(first->empty());
  CHECK(first->front() == "my cat is called Mimi");
  CHECK(m.recall("u", "how is Mimi the cat") == first); // cached
  CHECK(m.erase("u", {2, 0}) == "my cat is called Mimi");
  auto after = m.recall("u", "how is Mimi the cat");
  REQUIRE(after);
  CHECK(std::find(after->begin(), after->end(), "my cat is called Mimi") == after->end());
  auto edited = m.replace("u", {2, 1}, "I work in Suzhou");
  CHECK(edited.turn == 2);
  CHECK(edited.index == 1);
  CHECK_FALSE(edited.embedding.empty());
  auto work = m.recall("u", "how is work in Suzhou and Hangzhou");
  REQUIRE(work);
  REQUIRE(work->size() == 1);
  CHECK(work->front() == "I work in Suzhou");
}

#include "core/memory/core_memory.hpp"
#include "core/policy/token_count.hpp"

TEST_CASE("facts are sorted into slots by rule, in both languages", "[memory][core]") {
  CHECK(classify_fact("I'm allergic to peanuts") == fact_slot::health);
  CHECK(classify_fact("我对花生过敏") == fact_slot::health);
  CHECK(classify_fact("My sister Anna lives in Lyon") == fact_slot::people);
  CHECK(classify_fact("我养了一只柯基，叫豆豆") == fact_slot::pets);
  CHECK(classify_fact("My grandpa passed away last month") == fact_slot::situation);
  CHECK(classify_fact("我叫李明") == fact_slot::identity);
  CHECK(classify_fact("I work as a nurse") == fact_slot::work);
  CHECK(classify_fact("I live in a tiny studio") == fact_slot::home);
  CHECK(classify_fact("下周要去面试") == fact_slot::plans);
  CHECK(classify_fact("I love horror movies") == fact_slot::likes);
  CHECK(classify_fact("the weather is nice") == fact_slot::other);
  CHECK(classify_fact("an example sentence") == fact_slot::other); // "exam" only as a word start
  CHECK(first_person("Got laid off in May"));
  CHECK(first_person("失业三个月了我"));
  CHECK_FALSE(first_person("the exam is hard"));
}

TEST_CASE("core memory keeps the most important facts within its token budget, in told order",
          "[memory][core]") {
  core_memory::options o;
  o.token_budget = 40;
  core_memory m{o};
  CHECK(m.select().empty());
  m.add({1, 0}, "I love horror movies");           // likes
  m.add({3, 0}, "I work as a nurse");              // work
  m.add({5, 0}, "I'm allergic to peanuts");        // health
  m.add({7, 0}, "I work as a teacher now");        // work
  m.add({9, 0}, "I moved jobs, I work in a bank"); // work: only the newest two count
  m.add({11, 0}, "My sister Anna lives in Lyon");  // people
  auto p = m.select();
  std::size_t tokens = 0;
  for (const auto& f : p)
    tokens += approximate_tokens(f) + 4;
  CHECK(tokens <= 40);
  REQUIRE_FALSE(p.empty());
  CHECK(std::find(p.begin(), p.end(), "I'm allergic to peanuts") != p.end()); // health first
  CHECK(std::find(p.begin(), p.end(), "I work as a nurse") == p.end());       // superseded
  // told order, so the block is stable while its facts are
  for (std::size_t i = 1; i < p.size(); ++i)
    CHECK(p[i] != p[i - 1]);
  CHECK(m.select() == p);
  CHECK(m.remove({5, 0}));
  auto after = m.select();
  CHECK(std::find(after.begin(), after.end(), "I'm allergic to peanuts") == after.end());
  CHECK_FALSE(m.remove({5, 0}));
  m.add({11, 0}, "My sister Anna lives in Paris"); // an edit replaces by id
  auto edited = m.select();
  CHECK(std::find(edited.begin(), edited.end(), "My sister Anna lives in Lyon") == edited.end());
  o.token_budget = 0;
  core_memory off{o};
  off.add({1, 0}, "I'm allergic to peanuts");
  CHECK(off.select().empty());
}

TEST_CASE("core memory follows the same words told twice from the newer telling only",
          "[memory][core]") {
  core_memory m;
  m.add({1, 0}, "I'm allergic to peanuts");
  m.add({9, 0}, "I'm allergic to peanuts");
  CHECK(m.size() == 1);
  CHECK(m.select() == std::vector<std::string>{"I'm allergic to peanuts"});
  CHECK_FALSE(m.remove({1, 0})); // followed from turn 9 now
  CHECK(m.remove({9, 0}));
}
