// Unit tests for core/auth/sha256 (FIPS 180-4 and RFC 4231 vectors) and core/auth/token_verifier
// (HS256).
#include "core/auth/sha256.hpp"
#include "core/auth/token_verifier.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

using namespace xinyu::core;

namespace {
std::string hex(const sha256_digest& d) {
  std::string s;
  char b[3];
  for (auto x : d) {
    std::snprintf(b, sizeof b, "%02x", x);
    s += b;
  }
  return s;
}
} // namespace

TEST_CASE("sha256 and hmac-sha256 match the standard vectors", "[auth]") {
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(sha256(std::string(1000000, 'a')))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There"))
        == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?"))
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test 6: a key longer than the block size is hashed first
  CHECK(hex(hmac_sha256(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First"))
        == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("HS256 tokens: issued ones verify, every kind of bad one is refused", "[auth]") {
  token_verifier v{"a-test-secret-of-some-length"};
  auto t = v.issue("alice", 2000);
  auto ok = v.verify(t, 1000);
  REQUIRE(ok.user);
  CHECK(*ok.user == "alice");
  CHECK(v.verify(t, 2100).error == "the token has expired");
  CHECK(v.verify(t, 2010).user); // within the 30 s leeway
  token_verifier other{"another-secret"};
  CHECK(other.verify(t, 1000).error == "the token's signature is not valid");
  auto tampered = t;
  tampered[tampered.find('.') + 2] ^= 1; // a changed payload
  CHECK_FALSE(v.verify(tampered, 1000).user);
  CHECK_FALSE(v.verify("abc", 1000).user);
  CHECK_FALSE(v.verify("a.b.c.d", 1000).user);
  CHECK_FALSE(v.verify("!!.!!.!!", 1000).user);
  // alg none and other algorithms are refused before the payload is read
  CHECK(v.verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.", 1000).error
        == "the token must be signed with HS256");
  // the jwt.io example: valid signature with its secret, but no exp
  token_verifier jwtio{"your-256-bit-secret"};
  CHECK(
    jwtio
      .verify("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
              "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
              1000)
      .error
    == "the token has no expiry (exp)");
  CHECK(v.verify(v.issue("", 2000), 1000).error
        == "the token's subject (sub) is not a valid user id");
}

TEST_CASE("the role claim: operator, user, or refused", "[token]") {
  xinyu::core::token_verifier v{"a-secret-of-at-least-32-bytes-1234567"};
  auto op = v.verify(v.issue("sam", 2'000'000'000, true), 1'900'000'000);
  REQUIRE(op.user);
  CHECK(op.operator_role);
  auto person = v.verify(v.issue("alice", 2'000'000'000), 1'900'000'000);
  REQUIRE(person.user);
  CHECK_FALSE(person.operator_role);
  CHECK_FALSE(person.platform_role);
  auto platform = v.verify(v.issue("openwebui", 2'000'000'000, false, false, true), 1'900'000'000);
  REQUIRE(platform.user);
  CHECK(platform.platform_role);
  CHECK_FALSE(platform.operator_role);
  // ':' is reserved for the users a platform names ("<platform>:<name>")
  CHECK_FALSE(v.verify(v.issue("acme:bob", 2'000'000'000), 1'900'000'000).user);
}

TEST_CASE("the age_band claim: minor, adult, or refused", "[token]") {
  xinyu::core::token_verifier v{"a-secret-of-at-least-32-bytes-1234567"};
  auto m = v.verify(v.issue("kid", 2'000'000'000, false, true), 1'900'000'000);
  REQUIRE(m.user);
  CHECK(m.minor);
  CHECK_FALSE(v.verify(v.issue("grown", 2'000'000'000), 1'900'000'000).minor);
}
