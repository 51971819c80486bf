// Unit tests for core/support/config: defaults, overrides, and one clear error per bad value.
#include "core/support/config.hpp"
#include "core/support/config_keys.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace xinyu::core;

TEST_CASE("defaults are sane", "[config]") {
  auto r = load_config("");
  REQUIRE(r.value);
  CHECK(r.value->transport.auth_timeout_ms == 5000);
  CHECK(r.value->server.host == "127.0.0.1");
  CHECK(r.value->llm.provider == "offline");
  CHECK(r.value->offline.first_token_ms == 150);
  CHECK(r.value->offline.tokens_per_s == 30);
  CHECK(r.value->safety.crisis_resources.at("zh").size() >= 2);
  CHECK(r.value->safety.crisis_resources.at("en").size() >= 2);
}

TEST_CASE("a file overrides defaults and env overrides the file", "[config]") {
  auto r = load_config(R"({"server":{"port":0},"offline":{"tokens_per_s":0}})",
                       {{"XINYU_SERVER_PORT", "9999"},
                        {"XINYU_SERVER_NAME", "test"},
                        {"XINYU_API_KEY", "ignored"}});
  REQUIRE(r.value);
  CHECK(r.value->server.port == 9999);
  CHECK(r.value->server.name == "test");
  CHECK(r.value->offline.tokens_per_s == 0);
}

TEST_CASE("bad configs give one clear error", "[config]") {
  auto err = [](const std::string& j) {
    auto r = load_config(j);
    CHECK_FALSE(r.value);
    return r.error;
  };
  CHECK(err("{").find("not valid JSON") != std::string::npos);
  // A number too large for a double is an out_of_range exception, not a parse_error (found
  // by fuzzing): still one clear error, never a crash.
  CHECK(err(R"({"server":{"port":1e999}})").find("not valid JSON") != std::string::npos);
  CHECK(err("[]").find("object") != std::string::npos);
  CHECK(err(R"({"server":{"prot":1}})").find("server.prot") != std::string::npos);
  CHECK(err(R"({"server":{"port":"x"}})").find("server.port") != std::string::npos);
  CHECK(err(R"({"server":{"port":70000}})").find("between") != std::string::npos);
  CHECK(err(R"({"emotion":{"workers":0}})").find("emotion.workers") != std::string::npos);
  CHECK(err(R"({"server":{"host":"0.0.0.0"}})").find("loopback") != std::string::npos);
  CHECK(err(R"({"auth":{"secret":"short"}})").find("at least 16 bytes") != std::string::npos);
  CHECK(err(R"({"emotion":{"model":"model.txt"}})").find("emotion.model") != std::string::npos);
  // with a secret (signed tokens) the server may listen beyond loopback
  CHECK(
    load_config(R"({"server":{"host":"0.0.0.0"},"auth":{"secret":"0123456789abcdef0123"}})").value);
  CHECK(err(R"({"llm":{"provider":"magic"}})").find("llm.provider") != std::string::npos);
  CHECK(err(R"({"care":{"disclosure":"yes"}})").find("care.disclosure") != std::string::npos);
  CHECK(err(R"({"safety":{"crisis_resources":{"zh":[1]}}})").find("crisis_resources")
        != std::string::npos);
  CHECK(err(R"({"limits":{"max_text_bytes":65536}})").find("max_frame_bytes") != std::string::npos);
  CHECK(err(R"({"transport":{"max_queued_frames":100}})").find("llm.max_tokens")
        != std::string::npos);
  CHECK(load_config_file("/nonexistent/x.json", {}).error.find("cannot read") != std::string::npos);
  CHECK(
    err(R"({"llm":{"endpoints":[{"base_url":"http://h/v1","model":"m","context_window":"8k"}]}})")
      .find("llm.endpoints[0].context_window")
    != std::string::npos);
  CHECK(
    err(
      R"({"llm":{"endpoints":[{"base_url":"http://h/v1","model":"m","context_window":1000,"reply_reserve":900}]}})")
      .find("llm.endpoints[0].reply_reserve")
    != std::string::npos);
  CHECK(
    err(R"({"offline":{"context_window":1000,"reply_reserve":900}})").find("offline.reply_reserve")
    != std::string::npos);
}

TEST_CASE("endpoints carry their context window and reply reserve", "[config]") {
  auto r = load_config(R"({"llm":{"provider":"openai","endpoints":[
    {"name":"big","base_url":"http://h/v1","model":"m","context_window":32768,"reply_reserve":2048},
    {"name":"small","base_url":"http://h2/v1","model":"m2"}]}})");
  REQUIRE(r.value);
  const auto& eps = r.value->llm.endpoints;
  REQUIRE(eps.size() == 2);
  CHECK(eps[0].context_window == 32768);
  CHECK(eps[0].reply_reserve == 2048);
  CHECK(eps[1].context_window == 8192); // the defaults
  CHECK(eps[1].reply_reserve == 1024);
  CHECK(r.value->offline.context_window == 8192);
}

TEST_CASE("help lists every key with its env name", "[config]") {
  auto h = describe_config_keys();
  CHECK(h.find("transport.auth_timeout_ms") != std::string::npos);
  CHECK(h.find("XINYU_TRANSPORT_AUTH_TIMEOUT_MS") != std::string::npos);
  CHECK(default_config_json().find("\"offline\"") != std::string::npos);
}

TEST_CASE("the shipped example config loads and documents every key", "[config]") {
  auto r = load_config_file(XINYU_SOURCE_DIR "/config/xinyu.example.json", {});
  INFO(r.error);
  REQUIRE(r.value);
  std::ifstream in{XINYU_SOURCE_DIR "/config/xinyu.example.json"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto keys = describe_config_keys();
  std::istringstream lines{keys};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("  ", 0) != 0 || line.rfind("      ", 0) == 0)
      continue;
    auto key = line.substr(2, line.find(' ', 2) - 2);
    auto leaf = key.substr(key.rfind('.') + 1);
    INFO(key);
    CHECK(text.find("\"" + leaf + "\"") != std::string::npos);
  }
}

TEST_CASE("secrets: predictable ones refused, mistyped ones never echoed", "[config]") {
  auto weak = load_config(R"({"auth":{"secret":"aaaaaaaaaaaaaaaaaaaaaaaa"}})");
  CHECK_FALSE(weak.value);
  CHECK(weak.error.find("predictable") != std::string::npos);
  auto typed = load_config(R"({"auth":{"secret":12345678901234567890}})");
  CHECK_FALSE(typed.value);
  CHECK(typed.error.find("12345678901234567890") == std::string::npos);
  auto admin = load_config(R"({"admin":{"token":["not","a","string"]}})");
  CHECK(admin.error.find("not") == std::string::npos);
}

TEST_CASE("docs/configuration.md is the key table", "[config]") {
  std::ifstream in{XINYU_SOURCE_DIR "/docs/configuration.md"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("regenerate with: build/apps/xinyu-server --config-docs > docs/configuration.md");
  CHECK(text == describe_config_markdown());
}

TEST_CASE("a JSON syntax error names its line and column", "[config]") {
  auto r = load_config("{\n  \"server\": {\n    \"port\": 80,,\n  }\n}");
  CHECK_FALSE(r.value);
  CHECK(r.error.find("line 3, column 16") != std::string::npos);
  auto z = load_config("{\"persona\": \"心语\" \"x\"}");
  CHECK(z.error.find("line 1, column 20") != std::string::npos); // characters, not bytes (24)
}

TEST_CASE("the embedded defaults are the config struct's initialisers", "[config]") {
  auto r = load_config("");
  REQUIRE(r.value);
  const config defaults{};
  for (const auto& k : config_keys()) {
    INFO(k.path);
    CHECK(k.get(*r.value) == k.get(defaults));
    CHECK_FALSE(std::string{k.help}.empty());
  }
}

TEST_CASE("every key is read from its environment variable", "[config]") {
  auto r = load_config("", {{"XINYU_SESSION_BOOKKEEPING_DEADLINE_MS", "1234"},
                            {"XINYU_CARE_BREAK_TEXT", "rest {minutes}"},
                            {"XINYU_LIMITS_CHAT_BURST", "3.5"}});
  REQUIRE(r.value);
  CHECK(r.value->session.bookkeeping_deadline_ms == 1234);
  CHECK(r.value->care.break_text == "rest {minutes}");
  CHECK(r.value->limits.chat_burst == 3.5);
  auto bad = load_config("", {{"XINYU_SERVER_PORT", "-1"}});
  CHECK(bad.error.find("server.port") != std::string::npos);
}
