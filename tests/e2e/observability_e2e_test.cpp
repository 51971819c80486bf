// End-to-end observability: one JSON log line per turn (text only when log.text is on), stage
// and persistence histograms, error counters by code, and the gauges in /metrics.
#include "core/auth/sha256.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace xinyu::test;
using nlohmann::json;

namespace {

std::vector<json> turn_lines(const std::string& log) {
  std::vector<json> out;
  std::istringstream in{log};
  std::string line;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "turn")
      out.push_back(j);
  }
  return out;
}

} // namespace

TEST_CASE("e2e: one structured log line per turn, no text unless configured", "[e2e][obs]") {
  const std::string secret = "my very private sentence 12345";
  {
    server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                            {"log", {{"user_hash_secret", "log-pseudonym-key"}}}}};
    ws_client c{srv.port()};
    c.auth("logged");
    auto t = run_turn(c, "l1", secret, true);
    srv.stop();
    auto lines = turn_lines(srv.log());
    REQUIRE(lines.size() == 1);
    auto& l = lines[0];
    CHECK(l["level"] == "info");
    // the user id is never in the log: its keyed hash stands for it
    auto mac = xinyu::core::hmac_sha256("log-pseudonym-key", "logged");
    std::string expected = "u:";
    for (int i = 0; i < 8; ++i) {
      expected.push_back("0123456789abcdef"[mac[i] >> 4]);
      expected.push_back("0123456789abcdef"[mac[i] & 0xF]);
    }
    CHECK(l["user"] == expected);
    CHECK(srv.log().find("logged") == std::string::npos);
    CHECK(l["id"] == "l1");
    CHECK(l["turn"] == 1);
    CHECK(l["finish"] == "stop");
    for (auto* k : {"queue_ms", "emotion_ms", "safety_ms", "memory_ms", "preprocess_ms", "ttft_ms",
                    "total_ms"})
      CHECK(l[k].is_number());
    CHECK(l["tokens"] == t.tokens.size());
    CHECK(srv.log().find("private sentence") == std::string::npos);
  }
  server_process srv{
    json{{"log", {{"text", true}}}, {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client c{srv.port()};
  c.auth("logged");
  run_turn(c, "l2", secret);
  srv.stop();
  auto lines = turn_lines(srv.log());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["text"] == secret);
  CHECK_FALSE(lines[0]["reply"].get<std::string>().empty());
}

TEST_CASE("e2e: /metrics exposes stage latencies, errors by code, turns and gauges", "[e2e][obs]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client c{srv.port()};
  c.auth("metered");
  run_turn(c, "m1", "hello", true);
  c.send_text("not json");
  c.read_until("error");
  auto m = http_get(srv.port(), "/metrics").second;
  for (auto* needle :
       {"xinyu_stage_seconds_count{stage=\"emotion\"} 1",
        "xinyu_stage_seconds_count{stage=\"safety\"} 1",
        "xinyu_stage_seconds_count{stage=\"memory\"} 1", "xinyu_turn_ttft_seconds_count 1",
        "xinyu_turn_total_seconds_count 1", "xinyu_storage_persist_seconds_count 1",
        "xinyu_turn_queue_wait_seconds_count 1", "xinyu_storage_queue_wait_seconds_count 1",
        "xinyu_turns_total{finish=\"stop\"} 1", "xinyu_errors_total{code=\"bad_request\"} 1",
        "xinyu_connections 1", "xinyu_sessions 1", "xinyu_turns_queued 0", "xinyu_storage_queue 0",
        "# TYPE xinyu_turn_ttft_seconds histogram"}) {
    INFO(needle);
    CHECK(m.find(needle) != std::string::npos);
  }
}

TEST_CASE("e2e: log.level drops the lines below it", "[e2e][obs]") {
  server_process srv{
    json{{"log", {{"level", "warn"}}}, {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  ws_client c{srv.port()};
  c.auth("quiet");
  run_turn(c, "q1", "hello");
  srv.stop();
  auto log = srv.log();
  CHECK(turn_lines(log).empty()); // the turn line is info
  std::istringstream in{log};
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    INFO(line);
    REQUIRE(j.is_object());
    CHECK((j["level"] == "warn" || j["level"] == "error"));
  }
  auto path = temp_data_dir() + ".json";
  std::ofstream{path} << R"({"log": {"level": "verbose"}})"; // not a level: refused at start
  auto bad = run_server_command({"--config", path});
  std::remove(path.c_str());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("log.level") != std::string::npos);
}
