// Unit tests for the structured logger: every line is one JSON object with ts, level and event
// first, strings escaped once, numbers unquoted, levels below the minimum dropped.
#include "core/support/log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace xinyu::core;

namespace {
std::vector<std::string> captured;
void capture(std::string_view line) { captured.emplace_back(line); }
} // namespace

TEST_CASE("a log line is one JSON object with ts, level, event and typed fields", "[log]") {
  captured.clear();
  log::set_sink_for_tests(capture);
  log::error("storage_write_failed", {{"detail", "disk \"full\"\n\x01"},
                                      {"turns", 3},
                                      {"ms", 12.5},
                                      {"ok", false},
                                      {"missing", nullptr},
                                      {"degraded", std::vector<std::string>{"llm", "memory"}}});
  log::set_sink_for_tests(nullptr);
  REQUIRE(captured.size() == 1);
  auto j = nlohmann::json::parse(captured[0]);
  CHECK(captured[0].rfind("{\"ts\":\"", 0) == 0);
  CHECK(j["ts"].get<std::string>().size() == 24); // 2026-12-04T15:23:36.123Z
  CHECK(j["ts"].get<std::string>().back() == 'Z');
  CHECK(j["level"] == "error");
  CHECK(j["event"] == "storage_write_failed");
  CHECK(j["detail"] == "disk \"full\"\n\x01");
  CHECK(j["turns"] == 3);
  CHECK(j["ms"] == 12.5);
  CHECK(j["ok"] == false);
  CHECK(j["missing"].is_null());
  CHECK(j["degraded"] == nlohmann::json::array({"llm", "memory"}));
}

TEST_CASE("lines below the minimum level are dropped", "[log]") {
  captured.clear();
  log::set_sink_for_tests(capture);
  log::set_min_level(log::level::warn);
  log::info("quiet");
  log::warn("loud");
  log::set_min_level(log::level::info);
  log::set_sink_for_tests(nullptr);
  REQUIRE(captured.size() == 1);
  CHECK(nlohmann::json::parse(captured[0])["event"] == "loud");
}

TEST_CASE("user ids are pseudonymised with a keyed hash", "[log]") {
  log::set_user_key("key one");
  auto a = log::user_pseudonym("alice");
  CHECK(a.size() == 18);
  CHECK(a.rfind("u:", 0) == 0);
  CHECK(a.find("alice") == std::string::npos);
  CHECK(log::user_pseudonym("alice") == a); // stable under one key
  CHECK(log::user_pseudonym("bob") != a);
  log::set_user_key("key two");
  CHECK(log::user_pseudonym("alice") != a); // another key: unlinkable
}
