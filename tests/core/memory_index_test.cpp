// Unit tests for core/embedding and core/memory_index: similarity, isolation, bounds, forget.
#include "core/embedding.hpp"
#include "core/memory_index.hpp"

#include <catch2/catch.hpp>

#include <cmath>

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
  memory_index idx{10};
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
  memory_index idx{2};
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
