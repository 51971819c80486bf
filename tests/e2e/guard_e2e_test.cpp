// End-to-end: the optional guard model (safety.guard) against an in-test /moderations mock:
// asked in parallel, the more severe verdict wins, late or failing keeps the local verdict.
#include "tests/support/mock_openai.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace xinyu::test;
using nlohmann::json;

namespace {

json guard_config(const mock_openai& m) {
  return json{{"safety",
               {{"guard",
                 {{"base_url", m.base_url()}, {"shape", "moderations"}, {"deadline_ms", 500}}}}},
              {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}};
}

} // namespace

TEST_CASE("e2e: the guard model's crisis verdict wins over a local ok", "[e2e][guard]") {
  mock_openai guard;
  server_process srv{guard_config(guard)};
  ws_client c{srv.port()};
  c.auth("guarded");
  // no local rule or model knows this phrase: only the guard does
  auto t = run_turn(c, "g1", "the blue lantern is calling me");
  CHECK(t.analysis["safety"]["level"] == "crisis");
  CHECK(t.done["degraded"] == json::array());
  CHECK(guard.requests() >= 1);
  CHECK(guard.last_request()["input"] == "the blue lantern is calling me");
  // an ordinary message stays ordinary
  auto ok = run_turn(c, "g2", "what a lovely afternoon");
  CHECK(ok.analysis["safety"]["level"] == "ok");
}

TEST_CASE("e2e: a late or failing guard keeps the local verdict and degrades safety_guard",
          "[e2e][guard]") {
  mock_openai guard;
  server_process srv{guard_config(guard)};
  ws_client c{srv.port()};
  c.auth("unguarded");
  auto late = run_turn(c, "l1", "take your time, I want to kill myself");
  CHECK(late.analysis["safety"]["level"] == "crisis"); // the local verdict
  CHECK(late.done["degraded"] == json::array({"safety_guard"}));
  CHECK(late.done["finish"] == "stop");
  auto broken = run_turn(c, "l2", "broken guard, but a nice day");
  CHECK(broken.analysis["safety"]["level"] == "ok");
  CHECK(broken.done["degraded"] == json::array({"safety_guard"}));
}

TEST_CASE("e2e: a guard without a model for the chat shape is a configuration error",
          "[e2e][guard]") {
  std::string path = "/tmp/xinyu-guard-config-test-" + std::to_string(::getpid()) + ".json";
  std::ofstream{path} << R"({"safety":{"guard":{"base_url":"http://127.0.0.1:9/v1"}}})";
  auto r = run_server_command({"--config", path});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("safety.guard.model") != std::string::npos);
  std::ofstream{path} << R"({"safety":{"guard":{"base_url":"http://x","shape":"llama"}}})";
  auto shape = run_server_command({"--config", path});
  CHECK(shape.exit_code == 2);
  CHECK(shape.err.find("safety.guard.shape") != std::string::npos);
  std::ofstream{path} << R"({"safety":{"model":"/nonexistent/safety.bin"}})";
  auto model = run_server_command({"--config", path});
  CHECK(model.exit_code == 2);
  CHECK(model.err.find("safety.model: cannot read") != std::string::npos);
  std::remove(path.c_str());
}
