// Unit tests for storage/key_codec: ordering, prefix isolation for ids of any bytes.
#include "storage/key_codec.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

using namespace xinyu::storage;

TEST_CASE("message keys sort by turn within a user", "[keys]") {
  std::vector<std::string> ks;
  for (std::uint64_t t : {300ull, 2ull, 256ull, 1ull, 1ull << 40})
    ks.push_back(keys::message_key("alice", t));
  std::sort(ks.begin(), ks.end());
  std::vector<std::uint64_t> turns;
  for (auto& k : ks)
    turns.push_back(*keys::decode_index(k, "alice"));
  CHECK(turns == std::vector<std::uint64_t>{1, 2, 256, 300, 1ull << 40});
}

TEST_CASE("user ids that share prefixes or contain any bytes never collide", "[keys]") {
  std::vector<std::string> users{"ab",
                                 "abc",
                                 "a",
                                 std::string("a\0b", 3),
                                 std::string("\xff\x00", 2),
                                 "ab\x00\x00\x00\x00\x00\x00\x00\x01",
                                 "",
                                 "用户"};
  for (auto& u : users) {
    for (auto& v : users) {
      if (u == v)
        continue;
      auto pu = keys::user_prefix(u);
      // no key of v starts with u's prefix
      for (std::uint64_t t : {0ull, 1ull, 0xFFFFFFFFFFFFFFFFull}) {
        auto kv = keys::message_key(v, t);
        INFO("u=" << u.size() << " v=" << v.size() << " t=" << t);
        CHECK(kv.compare(0, pu.size(), pu) != 0);
        CHECK_FALSE(keys::decode_index(kv, u).has_value());
      }
    }
  }
}

TEST_CASE("big-endian integers round-trip", "[keys]") {
  std::string s;
  keys::append_u64be(s, 0x0102030405060708ull);
  CHECK(s == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(keys::read_u64be(s) == 0x0102030405060708ull);
  CHECK(keys::meta_key("x") == keys::user_prefix("x"));
  CHECK_THROWS(keys::read_u64be("abc"));
}
