// End-to-end tests of signed-token (HS256) auth on the real binary: the auth frame, the
// handshake's Bearer header, every refusal typed, and --issue-token.
#include "core/auth/token_verifier.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>

using namespace xinyu::test;
using nlohmann::json;

namespace {
const std::string secret = "an-e2e-secret-0123456789";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}
} // namespace

TEST_CASE("e2e: signed tokens in the auth frame and the handshake; refusals are typed",
          "[e2e][auth]") {
  server_process srv{json{{"auth", {{"secret", secret}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  xinyu::core::token_verifier tokens{secret};
  {
    ws_client c{srv.port()};
    c.send({{"type", "auth"}, {"user", "alice"}}); // dev-mode auth is not accepted
    auto e = c.read_until("error");
    CHECK(e["code"] == "unauthorized");
    CHECK(e["message"].get<std::string>().find("signed tokens are required") != std::string::npos);
    c.send({{"type", "auth"}, {"token", tokens.issue("alice", now_s() - 3600)}});
    CHECK(c.read_until("error")["message"] == "the token has expired");
    xinyu::core::token_verifier forged{"somebody-else's-secret"};
    c.send({{"type", "auth"}, {"token", forged.issue("alice", now_s() + 600)}});
    CHECK(c.read_until("error")["message"] == "the token's signature is not valid");
    c.send({{"type", "chat"}, {"id", "x1"}, {"text", "hi"}}); // still not authenticated
    CHECK(c.read_until("error")["code"] == "unauthorized");
    c.send({{"type", "auth"}, {"token", tokens.issue("alice", now_s() + 600)}});
    CHECK(c.read_until("ready")["user"] == "alice"); // the same connection, now verified
    auto t = run_turn(c, "a1", "hello, I am alice", false);
    CHECK(t.done["finish"] == "stop");
  }
  {
    ws_client c{srv.port(), "/v1/ws", 0, tokens.issue("bob", now_s() + 600)};
    CHECK(c.read_until("ready")["user"] == "bob"); // no auth frame needed
    c.send({{"type", "auth"}, {"token", tokens.issue("mallory", now_s() + 600)}});
    CHECK(c.read_until("error")["message"] == "already authenticated");
  }
  CHECK_THROWS(ws_client{srv.port(), "/v1/ws", 0, "not-a-token"}); // HTTP 401, no upgrade
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_auth_failures_total 3") != std::string::npos);
}

TEST_CASE("e2e: --issue-token prints a token the server accepts; short secrets exit 2",
          "[e2e][auth][cli]") {
  ::setenv("XINYU_AUTH_SECRET", secret.c_str(), 1);
  auto r = run_server_command({"--issue-token", "carol", "--token-ttl-s", "60"});
  CHECK(r.exit_code == 0);
  auto token = r.out.substr(0, r.out.find('\n'));
  auto check = xinyu::core::token_verifier{secret}.verify(token, now_s());
  REQUIRE(check.user);
  CHECK(*check.user == "carol");
  CHECK_FALSE(xinyu::core::token_verifier{secret}.verify(token, now_s() + 120).user);
  ::setenv("XINYU_AUTH_SECRET", "too-short", 1);
  auto bad = run_server_command({"--port", "0"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("at least 16 bytes") != std::string::npos);
  ::unsetenv("XINYU_AUTH_SECRET");
  auto no_secret = run_server_command({"--issue-token", "carol"});
  CHECK(no_secret.exit_code == 2);
}

TEST_CASE("e2e: GET /v1/models for OpenAI clients; unknown paths are 404 whatever the method",
          "[e2e][auth][http]") {
  server_process srv{json{{"auth", {{"secret", secret}}}}};
  xinyu::core::token_verifier tokens{secret};
  auto token = tokens.issue("alice", now_s() + 600);
  CHECK(http_call(srv.port(), "GET", "/v1/models").status == 401);
  auto list = http_call(srv.port(), "GET", "/v1/models", {}, token);
  REQUIRE(list.status == 200);
  auto j = json::parse(list.body);
  CHECK(j["object"] == "list");
  CHECK(j["data"][0]["id"] == "xinyu");
  CHECK(j["data"][0]["object"] == "model");
  CHECK(j["data"][0]["created"].get<std::int64_t>() > 1'700'000'000);
  CHECK(json::parse(http_call(srv.port(), "GET", "/v1/models/xinyu", {}, token).body)["id"]
        == "xinyu");
  CHECK(http_call(srv.port(), "GET", "/v1/models/gpt-4o", {}, token).status == 404);
  CHECK(http_call(srv.port(), "POST", "/v1/models", "{}", token).status == 405);
  CHECK(http_call(srv.port(), "POST", "/no/such/thing", "{}").status == 404);
  CHECK(http_call(srv.port(), "DELETE", "/nowhere").status == 404);
}
