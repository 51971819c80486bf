// End-to-end tests of the OpenAI-compatible provider: the real xinyu-server binary against an
// in-test mock endpoint that streams normally or misbehaves; each case checks the exact frames
// a WebSocket client receives.
#include "core/policy/canned_replies.hpp"
#include "core/policy/prompt_builder.hpp"
#include "tests/support/mock_openai.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;
using B = mock_openai::behaviour;

namespace {

json endpoint(const mock_openai& m, const std::string& name = "mock") {
  return json{{"name", name},
              {"base_url", m.base_url()},
              {"model", "mock-model"},
              {"api_key_env", "XINYU_TEST_LLM_KEY"}};
}

json llm_config(json endpoints, json extra = json::object()) {
  ::setenv("XINYU_TEST_LLM_KEY", "sk-test-123", 1);
  json c{{"llm",
          {{"provider", "openai"},
           {"endpoints", std::move(endpoints)},
           {"attempt_first_token_ms", 400},
           {"stall_deadline_ms", 400},
           {"max_attempts", 1},
           {"backoff_ms", 10},
           {"backoff_max_ms", 3000}}}};
  c.merge_patch(extra);
  return c;
}

// Tokens that arrive together are streamed as one piece, so the tests compare the text (and
// the turn reader checks that seq has no gap); "drip" shows tokens arriving apart stay apart.
const std::string expected = "Hello there!";

std::string joined(const std::vector<std::string>& pieces) {
  std::string s;
  for (const auto& p : pieces)
    s += p;
  return s;
}

std::string fallback_en() { return xinyu::core::fallback_reply(false); }

} // namespace

TEST_CASE("llm: a normal stream reaches the client, one done, stored", "[e2e][llm]") {
  mock_openai m;
  server_process srv{llm_config(json::array({endpoint(m)}))};
  ws_client c{srv.port()};
  c.auth("lin");
  auto t = run_turn(c, "n1", "I had a rough day at work", true);
  CHECK(joined(t.tokens) == expected);
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array());
  CHECK(t.persisted["turn"] == 2);
  auto req = m.last_request();
  CHECK(req["stream"] == true);
  CHECK(req["model"] == "mock-model");
  CHECK(req["max_tokens"] == 512);
  CHECK(req["stream_options"]["include_usage"] == true); // token metrics count real tokens
  CHECK(req["messages"].front()["role"] == "system");
  // the turn's context rides in front of the message (core/policy/prompt_builder)
  CHECK(req["messages"].back()["role"] == "user");
  CHECK(
    req["messages"].back()["content"].get<std::string>().ends_with("\nI had a rough day at work"));
  CHECK(m.last_authorization() == "Bearer sk-test-123");
  c.send({{"type", "history"}});
  auto h = c.read_until("history");
  CHECK(h["messages"][1]["text"] == "Hello there!");
}

TEST_CASE("llm: a W3C traceparent on the HTTP API reaches the endpoint and the turn's log line",
          "[e2e][llm][trace]") {
  mock_openai m;
  server_process srv{llm_config(json::array({endpoint(m)}))};
  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto r = http_call(srv.port(), "POST", "/v1/chat",
                     json{{"user", "traced"}, {"id", "t1"}, {"text", "hello"}}.dump(), {},
                     {{"traceparent", "00-" + trace_id + "-00f067aa0ba902b7-01"}});
  CHECK(r.status == 200);
  auto sent = m.last_traceparent();
  // the same trace, sampled as the caller asked, with xinyu's own span as the parent
  CHECK(sent.rfind("00-" + trace_id + "-", 0) == 0);
  CHECK(sent.size() == 55);
  CHECK(sent.substr(36, 16) != "00f067aa0ba902b7");
  CHECK(sent.substr(53) == "01");
  // no header (or a malformed one, here upper case): a new trace, still sent on and logged
  http_call(srv.port(), "POST", "/v1/chat",
            json{{"user", "traced"}, {"id", "t2"}, {"text", "hello again"}}.dump(), {},
            {{"traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"}});
  auto fresh = m.last_traceparent();
  CHECK(fresh.size() == 55);
  CHECK(fresh.find(trace_id) == std::string::npos);
  CHECK(fresh.substr(53) == "00");
  srv.stop();
  std::vector<std::string> logged;
  std::istringstream lines{srv.log()};
  for (std::string line; std::getline(lines, line);) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "turn") {
      CHECK(j["ts"].get<std::string>().size() >= 20); // RFC 3339
      logged.push_back(j.value("trace_id", ""));
    }
  }
  REQUIRE(logged.size() == 2);
  CHECK(logged[0] == trace_id);
  CHECK(logged[1] == fresh.substr(3, 32));
}

TEST_CASE("llm: Ollama and llama.cpp stream variants", "[e2e][llm]") {
  mock_openai m;
  m.script({B::ollama, B::llamacpp, B::drip, B::length});
  server_process srv{llm_config(json::array({endpoint(m)}))};
  ws_client c{srv.port()};
  c.auth("variants");
  auto ollama = run_turn(c, "o1", "hi");
  CHECK(joined(ollama.tokens) == expected); // role-only first delta and usage chunk show nothing
  CHECK(ollama.done["finish"] == "stop");
  auto llamacpp = run_turn(c, "l1", "hi");
  CHECK(joined(llamacpp.tokens) == expected); // no [DONE]: the end of the body ends the reply
  CHECK(llamacpp.done["finish"] == "stop");
  auto drip = run_turn(c, "d1", "hi");
  CHECK(joined(drip.tokens) == expected); // one byte per read ...
  CHECK(drip.tokens.size() >= 2);         // ... so the tokens come apart, as they arrived
  CHECK(drip.done["finish"] == "stop");
  auto length = run_turn(c, "x1", "hi");
  CHECK(joined(length.tokens) == expected);
  CHECK(length.done["finish"] == "length");
}

TEST_CASE("llm: no first token in time gives the comforting fallback", "[e2e][llm]") {
  mock_openai m;
  m.script({}, B::stall_before);
  server_process srv{llm_config(json::array({endpoint(m)}))};
  ws_client c{srv.port()};
  c.auth("wait");
  auto t = run_turn(c, "s1", "are you there?", true);
  CHECK(t.text() == fallback_en());
  CHECK(t.done["finish"] == "fallback");
  CHECK(t.done["degraded"] == json::array({"llm"}));
  CHECK_FALSE(t.persisted.is_null());
}

TEST_CASE("llm: a stall or a drop mid-stream keeps what was streamed, one done", "[e2e][llm]") {
  mock_openai m;
  m.script({B::stall_mid, B::drop_mid});
  server_process srv{llm_config(json::array({endpoint(m)}))};
  ws_client c{srv.port()};
  c.auth("mid");
  auto stall = run_turn(c, "m1", "tell me", true);
  CHECK(joined(stall.tokens) == "Hello there");
  CHECK(stall.done["finish"] == "error");
  CHECK(stall.done["degraded"] == json::array({"llm"}));
  auto drop = run_turn(c, "m2", "tell me again", true);
  CHECK(joined(drop.tokens) == "Hello there");
  CHECK(drop.done["finish"] == "error");
  c.send({{"type", "history"}});
  auto h = c.read_until("history");
  CHECK(h["messages"][1]["text"] == "Hello there"); // stored = what the client saw
  CHECK(h["messages"][3]["text"] == "Hello there");
}

TEST_CASE("llm: 500 and malformed chunks are retried before the first token", "[e2e][llm]") {
  mock_openai m;
  m.script({B::status_500, B::malformed, B::error_event});
  server_process srv{llm_config(json::array({endpoint(m)}), json{{"llm", {{"max_attempts", 4}}}})};
  ws_client c{srv.port()};
  c.auth("retry");
  auto t = run_turn(c, "r1", "hi");
  CHECK(joined(t.tokens) == expected);
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array());
  CHECK(m.requests() == 4);
}

TEST_CASE("llm: 429 Retry-After is honoured", "[e2e][llm]") {
  mock_openai m;
  m.script({B::status_429});
  server_process srv{
    llm_config(json::array({endpoint(m)}),
               json{{"llm", {{"max_attempts", 2}, {"attempt_first_token_ms", 3000}}}})};
  ws_client c{srv.port()};
  c.auth("polite");
  auto t = run_turn(c, "p1", "hi");
  CHECK(joined(t.tokens) == expected);
  auto times = m.request_times();
  REQUIRE(times.size() == 2);
  CHECK(times[1] - times[0] >= 900ms); // Retry-After: 1
}

TEST_CASE("llm: the next endpoint answers when the first fails", "[e2e][llm]") {
  mock_openai bad, good{{"from", " backup"}};
  bad.script({}, B::status_401);
  server_process srv{llm_config(json::array({endpoint(bad, "primary"), endpoint(good, "backup")}))};
  ws_client c{srv.port()};
  c.auth("chain");
  auto t = run_turn(c, "c1", "hi");
  CHECK(joined(t.tokens) == "from backup");
  CHECK(t.done["degraded"] == json::array());
  CHECK(bad.requests() == 1);
}

TEST_CASE("llm: a smaller endpoint later in the chain never gets a prompt above its window",
          "[e2e][llm][window]") {
  mock_openai big, small{{"ok"}};
  big.script({}, B::status_500);
  auto big_ep = endpoint(big, "big");
  big_ep["context_window"] = 32768;
  auto small_ep = endpoint(small, "small");
  small_ep["context_window"] = 1024; // 768 tokens for the prompt
  small_ep["reply_reserve"] = 256;
  server_process srv{
    llm_config(json::array({big_ep, small_ep}), {{"llm", {{"breaker_failures", 1000}}}})};
  ws_client c{srv.port()};
  c.auth("window");
  std::string walk = "I walked in the park and watched the ducks on the pond while the sun went "
                     "down slowly over the hills. ";
  for (int i = 0; i < 10; ++i) {
    auto text = "Day " + std::to_string(i) + ": " + walk + walk + walk + walk + walk;
    auto t = run_turn(c, "w" + std::to_string(i), text);
    CHECK(joined(t.tokens) == "ok");
    auto to_small = small.last_request();
    auto to_big = big.last_request();
    std::vector<xinyu::core::chat_message> prompt;
    for (const auto& m : to_small["messages"])
      prompt.push_back({m["role"], m["content"]});
    auto tokens = xinyu::core::approximate_prompt_tokens(prompt);
    CHECK(tokens <= 768);
    CHECK(tokens + to_small["max_tokens"].get<std::size_t>() <= 1024);
    REQUIRE(prompt.size() >= 2);
    CHECK(prompt.front().content == to_big["messages"].front()["content"]); // the persona stays
    CHECK(prompt.back().content == to_big["messages"].back()["content"]);   // and the message
    CHECK(prompt.back().content.ends_with(text));
    if (i >= 6) // the big endpoint got the whole conversation, the small one only what fits
      CHECK(prompt.size() < to_big["messages"].size());
  }
}

TEST_CASE("llm: an endpoint's breaker opens after K failures and is skipped", "[e2e][llm]") {
  mock_openai bad, good;
  bad.script({}, B::status_500);
  server_process srv{
    llm_config(json::array({endpoint(bad, "flaky"), endpoint(good, "steady")}),
               json{{"llm", {{"breaker_failures", 2}, {"breaker_cooldown_ms", 60000}}}})};
  ws_client c{srv.port()};
  c.auth("breaker");
  for (int i = 0; i < 4; ++i)
    CHECK(joined(run_turn(c, "b" + std::to_string(i), "hi").tokens) == expected);
  CHECK(bad.requests() == 2); // after two failures it is not called any more
  CHECK(good.requests() == 4);
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_llm_breaker_open{endpoint=\"flaky\"} 1") != std::string::npos);
}

TEST_CASE("llm: when no endpoint answers the offline fallback is streamed", "[e2e][llm]") {
  // a port nobody listens on: connection refused
  int dead_port;
  {
    mock_openai tmp;
    dead_port = tmp.port();
  }
  json ep{{"name", "down"},
          {"base_url", "http://127.0.0.1:" + std::to_string(dead_port) + "/v1"},
          {"model", "m"}};
  server_process srv{llm_config(json::array({ep}), json{{"llm", {{"max_attempts", 2}}}})};
  ws_client c{srv.port()};
  c.auth("alone");
  auto t = run_turn(c, "a1", "我今天很难过");
  CHECK(t.text() == xinyu::core::fallback_reply(true));
  CHECK(t.done["finish"] == "fallback");
  CHECK(t.done["degraded"] == json::array({"llm"}));
}

TEST_CASE("llm: cancel closes the upstream connection promptly", "[e2e][llm]") {
  mock_openai m;
  m.script({}, B::stall_mid);
  server_process srv{
    llm_config(json::array({endpoint(m)}), json{{"llm", {{"stall_deadline_ms", 20000}}}})};
  ws_client c{srv.port()};
  c.auth("stop");
  c.send({{"type", "chat"}, {"id", "k1"}, {"text", "hi"}});
  c.read_until("token");
  c.send({{"type", "cancel"}, {"id", "k1"}});
  auto done = c.read_until("done");
  CHECK(done["finish"] == "cancelled");
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) { // the mock notices the close within its poll
    closed = m.closed_by_client() == 1;
    if (!closed)
      std::this_thread::sleep_for(10ms);
  }
  CHECK(closed);
}

TEST_CASE("llm: the upstream concurrency bound sheds to the fallback and is counted",
          "[e2e][llm]") {
  mock_openai m;
  m.script({B::stall_mid}, B::normal);
  server_process srv{
    llm_config(json::array({endpoint(m)}),
               json{{"llm", {{"max_streams", 1}, {"queue_max", 0}, {"stall_deadline_ms", 3000}}}})};
  ws_client a{srv.port()}, b{srv.port()};
  a.auth("first");
  b.auth("second");
  a.send({{"type", "chat"}, {"id", "q1"}, {"text", "hi"}});
  a.read_until("token"); // a holds the only upstream stream
  auto t = run_turn(b, "q2", "hi");
  CHECK(t.done["finish"] == "fallback");
  CHECK(t.done["degraded"] == json::array({"llm"}));
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_llm_shed_total{reason=\"queue_full\"} 1") != std::string::npos);
  CHECK(a.read_until("done")["finish"] == "error"); // the stalled one ends at its deadline
}

TEST_CASE("llm: a bad endpoint config is refused at start-up", "[e2e][llm][cli]") {
  std::string cfg = "/tmp/xinyu-bad-llm-test.json";
  std::ofstream{cfg}
    << R"({"llm":{"provider":"openai","endpoints":[{"base_url":"ftp://x","model":"m"}]}})";
  auto r = run_server_command({"--config", cfg, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("base_url") != std::string::npos);
  std::ofstream{cfg}
    << R"({"llm":{"provider":"openai","endpoints":[{"base_url":"http://127.0.0.1:1/v1","model":"m","api_key_env":"XINYU_SURELY_UNSET_KEY"}]}})";
  auto r2 = run_server_command({"--config", cfg, "--port", "0"});
  CHECK(r2.exit_code == 2);
  CHECK(r2.err.find("XINYU_SURELY_UNSET_KEY") != std::string::npos);
  std::remove(cfg.c_str());
}

TEST_CASE("llm: memories through an OpenAI-compatible /embeddings endpoint", "[e2e][llm][memory]") {
  mock_openai m;
  auto dir = temp_data_dir();
  json cfg{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
           {"storage", {{"path", dir}}},
           {"memory",
            {{"embeddings",
              {{"base_url", m.base_url()}, {"model", "mock-embed"}, {"timeout_ms", 2000}}}}}};
  {
    server_process srv{cfg};
    ws_client c{srv.port()};
    c.auth("rin");
    auto told = run_turn(c, "e1", "我养了一只柯基，叫豆豆。");
    CHECK(told.done["degraded"] == json::array());
    auto asked = run_turn(c, "e2", "豆豆今天不吃东西");
    CHECK(asked.done["degraded"] == json::array());
    INFO(asked.text());
    CHECK(asked.text().find("我养了一只柯基，叫豆豆") != std::string::npos);
    CHECK(m.embedding_requests() >= 2); // the fact, and the question
    CHECK(m.last_request()["model"] == "mock-embed");
    auto metrics = http_get(srv.port(), "/metrics").second;
    CHECK(metrics.find("xinyu_embeddings_calls_total{result=\"ok\"}") != std::string::npos);
    CHECK(srv.stop() == 0);
  }
  {
    // the endpoint fails: the memory stage degrades, the reply still comes
    m.script({}, B::status_500);
    server_process srv{cfg};
    ws_client c{srv.port()};
    c.auth("rin");
    auto t = run_turn(c, "e3", "豆豆还是不吃东西，怎么办");
    REQUIRE(t.error.is_null());
    CHECK(t.done["degraded"] == json::array({"memory"}));
    CHECK_FALSE(t.text().empty());
    auto metrics = http_get(srv.port(), "/metrics").second;
    CHECK(metrics.find("xinyu_embeddings_calls_total{result=\"failed\"}") != std::string::npos);
  }
  {
    // the endpoint hangs: memory.embeddings.timeout_ms ends the call, the stage degrades
    m.script({}, B::stall_before);
    auto slow = cfg;
    slow["memory"]["embeddings"]["timeout_ms"] = 100;
    server_process srv{slow};
    ws_client c{srv.port()};
    c.auth("rin");
    auto t = run_turn(c, "e4", "豆豆还是不吃东西，怎么办");
    REQUIRE(t.error.is_null());
    CHECK(t.done["degraded"] == json::array({"memory"}));
    CHECK(http_get(srv.port(), "/metrics")
            .second.find("xinyu_embeddings_calls_total{result=\"failed\"}")
          != std::string::npos);
  }
  remove_tree(dir);
}

TEST_CASE("llm: a bad embeddings configuration exits 2 with a clear message", "[e2e][llm]") {
  ::setenv("XINYU_MEMORY_EMBEDDINGS_BASE_URL", "ftp://nowhere", 1);
  ::setenv("XINYU_MEMORY_EMBEDDINGS_MODEL", "m", 1);
  auto bad_url = run_server_command({"--port", "0"});
  CHECK(bad_url.exit_code == 2);
  CHECK(bad_url.err.find("memory.embeddings.base_url") != std::string::npos);
  ::setenv("XINYU_MEMORY_EMBEDDINGS_BASE_URL", "http://127.0.0.1:9/v1", 1);
  ::setenv("XINYU_MEMORY_EMBEDDINGS_MODEL", "", 1);
  auto no_model = run_server_command({"--port", "0"});
  CHECK(no_model.exit_code == 2);
  CHECK(no_model.err.find("memory.embeddings.model") != std::string::npos);
  ::unsetenv("XINYU_MEMORY_EMBEDDINGS_BASE_URL");
  ::unsetenv("XINYU_MEMORY_EMBEDDINGS_MODEL");
}

TEST_CASE("llm: OpenAI stop sequences go to the endpoint and are enforced on its stream",
          "[e2e][llm][stop]") {
  mock_openai m; // streams "Hello", " there", "!" and ignores stop
  server_process srv{llm_config(json::array({endpoint(m)}))};
  json req{{"user", "stopper"},
           {"stop", json::array({" the", "never"})},
           {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["choices"][0]["message"]["content"] == "Hello");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(m.last_request()["stop"] == json::array({" the", "never"}));
}

// --- mid-stream fallback: a reply whose stream breaks continues on the next endpoint ---------

namespace {

const std::vector<std::string> abcd = {"A", "b", "c", "d"};

json two_endpoints(const mock_openai& primary, const mock_openai& backup,
                   json extra = json::object()) {
  json cfg = llm_config(json::array({endpoint(primary, "primary"), endpoint(backup, "backup")}),
                        json{{"llm", {{"breaker_failures", 1000}}}});
  cfg.merge_patch(extra);
  return cfg;
}

/// After a turn has ended: asks for the history and reads up to it, failing on any further
/// `done` of `id` (exactly one per chat); returns the stored reply of `id`.
std::string stored_reply_after(ws_client& c, const std::string& id, std::uint64_t reply_turn) {
  c.send({{"type", "history"}});
  for (;;) {
    auto f = c.read(5s);
    auto type = f.value("type", "");
    if (type == "done" && f.value("id", "") == id)
      FAIL("a second done for " << id << ": " << f.dump());
    if (type != "history")
      continue;
    for (const auto& m : f["messages"])
      if (m["turn"] == reply_turn)
        return m["text"];
    FAIL("the reply turn " << reply_turn << " is not in the history: " << f.dump());
  }
}

/// The continuation request: the original messages, the partial reply as the last one.
void check_continuation(const json& original, const json& continued, const std::string& partial,
                        unsigned max_tokens) {
  const auto& om = original["messages"];
  const auto& cm = continued["messages"];
  REQUIRE(cm.size() == om.size() + 1);
  CHECK(cm.back() == json{{"role", "assistant"}, {"content", partial}});
  REQUIRE(cm.front()["role"] == "system");
  auto system = cm.front()["content"].get<std::string>();
  CHECK(system.rfind(om.front()["content"].get<std::string>(), 0) == 0); // the persona stays
  CHECK(system.find("continue it") != std::string::npos);                // and is told to go on
  for (std::size_t i = 1; i < om.size(); ++i)
    CHECK(cm[i] == om[i]);                      // the conversation itself is unchanged
  CHECK(continued["max_tokens"] == max_tokens); // what is left of the reply's bound
  CHECK(continued["stream"] == true);
  CHECK(continued["model"] == "mock-model");
}

} // namespace

TEST_CASE("llm: a stream that breaks after N tokens is continued by the next endpoint, for "
          "every N",
          "[e2e][llm][midstream]") {
  mock_openai primary{abcd}, backup{abcd};
  primary.script({}, B::break_after);
  backup.script({}, B::resume);
  server_process srv{two_endpoints(primary, backup)};
  ws_client c{srv.port()};
  c.auth("n-breaks");
  for (std::size_t n = 0; n <= abcd.size(); ++n) {
    CAPTURE(n);
    primary.set_break_after(n); // n == 4: every token, then the end without finish or [DONE]
    auto id = "b" + std::to_string(n);
    auto t = run_turn(c, id, "tell me something", true); // throws on a seq gap (from 0)
    CHECK(t.text() == "Abcd");                           // all of it, once
    CHECK(t.done["finish"] == "stop");
    // a break before any text is today's retry on the next endpoint: the user saw nothing
    // broken, so nothing is degraded
    CHECK(t.done["degraded"] == (n == 0 ? json::array() : json::array({"llm"})));
    CHECK_FALSE(t.persisted.is_null());
    CHECK(stored_reply_after(c, id, t.done["turn"]) == "Abcd"); // stored = what was streamed
    auto sent = backup.chat_requests();
    REQUIRE_FALSE(sent.empty());
    if (n == 0) {
      CHECK(sent.back()["messages"].back()["role"] == "user"); // a plain retry, no prefix
    } else {
      std::string partial;
      for (std::size_t i = 0; i < n; ++i)
        partial += abcd[i];
      check_continuation(primary.last_request(), sent.back(), partial,
                         512 - static_cast<unsigned>(n));
    }
  }
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_llm_midstream_fallbacks_total{endpoint=\"backup\",result=\"ok\"} 4")
        != std::string::npos);
}

TEST_CASE("llm: a stream that stalls mid-reply is continued by the next endpoint",
          "[e2e][llm][midstream]") {
  mock_openai primary{abcd}, backup{abcd};
  primary.script({B::stall_mid}); // "A", "b", then nothing
  backup.script({}, B::resume);
  server_process srv{two_endpoints(primary, backup, json{{"llm", {{"stall_deadline_ms", 1200}}}})};
  ws_client c{srv.port()};
  c.auth("stalled");
  auto t = run_turn(c, "s1", "tell me something", true);
  CHECK(t.text() == "Abcd");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array({"llm"}));
  CHECK(stored_reply_after(c, "s1", t.done["turn"]) == "Abcd");
  REQUIRE(backup.chat_requests().size() == 1);
  check_continuation(primary.last_request(), backup.last_request(), "Ab", 510);
}

TEST_CASE("llm: a continuation gets a whole stall deadline for its first token",
          "[e2e][llm][midstream]") {
  mock_openai primary{abcd}, backup{abcd};
  primary.script({B::stall_mid}); // "A", "b", then nothing: the client gives up at 3/4 of 1.2 s
  backup.script({}, B::resume);
  backup.set_resume_delay(700ms); // past the session's stall deadline counted from "b"
  server_process srv{
    two_endpoints(primary, backup,
                  json{{"llm", {{"stall_deadline_ms", 1200}, {"attempt_first_token_ms", 1100}}}})};
  ws_client c{srv.port()};
  c.auth("slow-backup");
  auto t = run_turn(c, "w1", "tell me something", true);
  CHECK(t.text() == "Abcd");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array({"llm"}));
}

TEST_CASE("llm: a continuation that repeats the partial reply first shows it once",
          "[e2e][llm][midstream]") {
  const std::vector<std::string> zh = {"我", "听到", "了，", "你", "辛苦了。"};
  mock_openai primary{zh}, backup{zh};
  primary.script({}, B::break_after);
  primary.set_break_after(3);
  backup.script({}, B::echo_resume); // "我听到了，" one character per chunk, then "你辛苦了。"
  server_process srv{two_endpoints(primary, backup)};
  ws_client c{srv.port()};
  c.auth("echo");
  auto t = run_turn(c, "e1", "今天好累", true);
  CHECK(t.text() == "我听到了，你辛苦了。");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array({"llm"}));
  CHECK(stored_reply_after(c, "e1", t.done["turn"]) == "我听到了，你辛苦了。");
}

TEST_CASE("llm: a continuation that breaks too goes on to the next endpoint; when none is "
          "left the reply ends with error and keeps its text",
          "[e2e][llm][midstream]") {
  mock_openai first{abcd}, second{abcd}, third{abcd};
  first.script({}, B::break_after);
  first.set_break_after(1); // "A"
  second.script({}, B::break_after);
  second.set_break_after(1); // "b" after "A"
  third.script({B::resume}, B::break_after);
  third.set_break_after(1); // the second time: "c" after "Ab", then the break
  server_process srv{llm_config(json::array({endpoint(first, "first"), endpoint(second, "second"),
                                             endpoint(third, "third")}),
                                json{{"llm", {{"breaker_failures", 1000}}}})};
  ws_client c{srv.port()};
  c.auth("chain-breaks");
  auto t = run_turn(c, "c1", "tell me something", true);
  CHECK(t.text() == "Abcd");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array({"llm"}));
  REQUIRE(second.chat_requests().size() == 1);
  REQUIRE(third.chat_requests().size() == 1);
  check_continuation(first.last_request(), second.last_request(), "A", 511);
  check_continuation(first.last_request(), third.last_request(), "Ab", 510);

  // every endpoint breaks: today's end, finish error with everything streamed kept and stored
  auto broken = run_turn(c, "c2", "and again", true);
  CHECK(broken.text() == "Abc"); // "A" from the first, "b" from the second, "c" from the third
  CHECK(broken.done["finish"] == "error");
  CHECK(broken.done["degraded"] == json::array({"llm"}));
  CHECK(stored_reply_after(c, "c2", broken.done["turn"]) == "Abc");
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_llm_midstream_fallbacks_total{endpoint=\"second\",result=\"failed\"} 2")
        != std::string::npos);
  CHECK(metrics.find("xinyu_llm_midstream_fallbacks_total{endpoint=\"third\",result=\"ok\"} 1")
        != std::string::npos);
  CHECK(metrics.find("xinyu_llm_midstream_fallbacks_total{endpoint=\"third\",result=\"failed\"} 1")
        != std::string::npos);
}

TEST_CASE("llm: stop sequences hold across the join of a continued reply",
          "[e2e][llm][midstream][stop]") {
  mock_openai primary{abcd}, backup{abcd};
  primary.script({}, B::break_after); // "A", "b", then the break
  backup.script({}, B::resume);       // "c", "d"
  server_process srv{two_endpoints(primary, backup)};
  json req{{"user", "joiner"},
           {"stop", json::array({"bc"})}, // straddles the join: no upstream can see it
           {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["choices"][0]["message"]["content"] == "A");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  CHECK(backup.last_request()["stop"] == json::array({"bc"}));
}

TEST_CASE("llm: the core memory is in every prompt's system message, and a deleted fact leaves it",
          "[e2e][llm][memory]") {
  mock_openai mock;
  // the recent window at 0 and no summary: only memory can carry what the user told before
  server_process srv{llm_config(json::array({endpoint(mock)}),
                                {{"session", {{"recent_messages", 0}, {"summary_tokens", 0}}}})};
  ws_client c{srv.port()};
  c.auth("nadia");
  run_turn(c, "k1", "I'm allergic to peanuts. My sister Anna lives in Lyon.");
  auto t = run_turn(c, "k2", "Any ideas for a Thai dinner I can cook tonight?");
  REQUIRE(t.error.is_null());
  auto sent = mock.chat_requests();
  REQUIRE(sent.size() == 2);
  auto system = sent.back()["messages"][0];
  CHECK(system["role"] == "system");
  INFO(system.dump());
  CHECK(system["content"].get<std::string>().find("\"I'm allergic to peanuts\"")
        != std::string::npos);
  CHECK(sent.back()["messages"].size() == 2); // system and the new message: no recent turns
  // the profile is stable: the next prompt starts the same way
  run_turn(c, "k3", "What about dessert?");
  sent = mock.chat_requests();
  CHECK(sent.back()["messages"][0] == system);
  // deleted: gone from the next prompt, system message and context block alike
  c.send({{"type", "memories"}});
  auto list = c.read_until("memories");
  std::string id;
  for (const auto& i : list["items"])
    if (i["text"].get<std::string>().find("peanuts") != std::string::npos)
      id = i["id"];
  REQUIRE_FALSE(id.empty());
  c.send({{"type", "memory_delete"}, {"id", id}});
  c.read_until("memory_deleted");
  run_turn(c, "k4", "Any ideas for a Thai dinner I can cook tonight?");
  sent = mock.chat_requests();
  auto all = sent.back()["messages"].dump();
  CHECK(all.find("peanuts") == std::string::npos);
  CHECK(all.find("Anna lives in Lyon") != std::string::npos); // the other fact stays
}

TEST_CASE("llm: turns the window lets go live on in a running summary, across a restart",
          "[e2e][llm][summary]") {
  mock_openai mock;
  auto dir = temp_data_dir();
  // a 4-message window: the third turn pushes the first two out; the summary by rule
  auto conf = llm_config(json::array({endpoint(mock)}),
                         {{"session", {{"recent_messages", 4}, {"summary_by_llm", false}}},
                          // the summary alone: the profile would carry the facts instead
                          {"memory", {{"core_tokens", 0}}},
                          {"storage", {{"path", dir}}}});
  {
    server_process srv{conf};
    ws_client c{srv.port()};
    c.auth("ines");
    run_turn(c, "s1", "My sister Anna lives in Lyon and we talk every Sunday.");
    run_turn(c, "s2", "Work has been brutal since the merger in March.");
    run_turn(c, "s3", "ok");
    run_turn(c, "s4", "What should I cook tonight?");
    auto sent = mock.chat_requests();
    auto system = sent.back()["messages"][0]["content"].get<std::string>();
    INFO(system);
    CHECK(system.find("Earlier in this conversation") != std::string::npos);
    CHECK(system.find("My sister Anna lives in Lyon and we talk every Sunday")
          != std::string::npos);
    CHECK(srv.stop() == 0);
  }
  server_process srv{conf};
  ws_client c{srv.port()};
  c.auth("ines");
  run_turn(c, "s5", "hello again");
  auto system = mock.chat_requests().back()["messages"][0]["content"].get<std::string>();
  CHECK(system.find("My sister Anna lives in Lyon") != std::string::npos); // stored, reloaded
  c.send({{"type", "forget"}});
  c.read_until("forgotten");
  run_turn(c, "s6", "hello");
  CHECK(mock.chat_requests().back()["messages"][0]["content"].get<std::string>().find("Anna")
        == std::string::npos);
  remove_tree(dir);
}

TEST_CASE("llm: with a model configured, it writes the running summary after the turn; a "
          "deleted fact takes a model-written summary with it",
          "[e2e][llm][summary]") {
  mock_openai mock; // answers every request "Hello there!"
  server_process srv{
    llm_config(json::array({endpoint(mock)}), {{"session", {{"recent_messages", 4}}}})};
  ws_client c{srv.port()};
  c.auth("yara");
  run_turn(c, "y1", "My cat is called Mimi and she is twelve.");
  run_turn(c, "y2", "Work has been brutal since the merger in March.");
  run_turn(c, "y3", "ok"); // the window lets y1 go: the model is asked to summarise
  // the session takes the model's summary (bounded wait on the real binary's counter)
  bool written = false;
  for (int i = 0; i < 200 && !written; ++i) {
    written = http_get(srv.port(), "/metrics").second.find("xinyu_summaries_total{how=\"model\"} 1")
              != std::string::npos;
    if (!written)
      std::this_thread::sleep_for(20ms);
  }
  REQUIRE(written);
  json summariser;
  for (const auto& r : mock.chat_requests())
    if (r["messages"][0]["content"].get<std::string>().rfind("You keep the running summary", 0)
        == 0)
      summariser = r;
  REQUIRE(summariser.is_object());
  auto asked = summariser["messages"][1]["content"].get<std::string>();
  CHECK(asked.find("Person: My cat is called Mimi and she is twelve.") != std::string::npos);
  CHECK(summariser["messages"][0]["content"].get<std::string>().find("never instructions")
        != std::string::npos);
  run_turn(c, "y4", "What should I cook tonight?");
  auto system = mock.chat_requests().back()["messages"][0]["content"].get<std::string>();
  INFO(system);
  auto at = system.find("Earlier in this conversation");
  REQUIRE(at != std::string::npos);
  CHECK(system.find("Hello there!", at)
        != std::string::npos); // the model's summary, not the rules'
  // a deleted fact: a paraphrasing summary cannot be trusted not to carry it, so it goes
  c.send({{"type", "memories"}});
  auto list = c.read_until("memories");
  std::string id;
  for (const auto& i : list["items"])
    if (i["text"].get<std::string>().find("Mimi") != std::string::npos)
      id = i["id"];
  REQUIRE_FALSE(id.empty());
  c.send({{"type", "memory_delete"}, {"id", id}});
  c.read_until("memory_deleted");
  run_turn(c, "y5", "hello");
  auto after = mock.chat_requests().back()["messages"][0]["content"].get<std::string>();
  CHECK(after.find("Hello there!") == std::string::npos);
  CHECK(after.find("Mimi") == std::string::npos);
}
