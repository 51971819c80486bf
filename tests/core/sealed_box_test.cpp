// Tests for core/auth/sealed_box: AES-256-GCM round trips, a fresh nonce per seal, and nothing
// opens under another key or after a change.
#include "core/auth/sealed_box.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("sealed boxes open only under their key and unaltered", "[sealed]") {
  std::string error;
  auto key = decode_sealing_key("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", error);
  REQUIRE(key);
  auto other = decode_sealing_key("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=", error);
  REQUIRE(other);
  const std::string secret = R"({"name":"Mum","phone":"+44 7700 900123"})";
  auto a = seal(*key, secret);
  auto b = seal(*key, secret);
  CHECK(a != b); // a fresh nonce each time
  CHECK(a.find("7700") == std::string::npos);
  CHECK(open_sealed(*key, a) == secret);
  CHECK_FALSE(open_sealed(*other, a));
  auto tampered = a;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  CHECK_FALSE(open_sealed(*key, tampered));
  CHECK_FALSE(open_sealed(*key, "not base64!"));
  CHECK_FALSE(decode_sealing_key("c2hvcnQ=", error)); // 5 bytes
  CHECK_FALSE(error.empty());
}
