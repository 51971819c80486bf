// End-to-end tests of the HTTP faces of protocol v1 on the real binary: POST /v1/chat as SSE,
// GET /v1/history, the OpenAI-compatible POST /v1/chat/completions, and the web page at /.
#include "core/auth/token_verifier.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>

using namespace xinyu::test;
using nlohmann::json;

namespace {

json fast() { return json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}; }

struct sse_event {
  std::string event;
  json data;
};

std::vector<sse_event> parse_sse(const std::string& body) {
  std::vector<sse_event> out;
  std::istringstream in{body};
  std::string line;
  sse_event cur;
  while (std::getline(in, line)) {
    if (line.rfind("event: ", 0) == 0)
      cur.event = line.substr(7);
    else if (line.rfind("data: ", 0) == 0)
      cur.data = json::parse(line.substr(6), nullptr, false);
    else if (line.empty() && (!cur.event.empty() || !cur.data.is_null())) {
      out.push_back(cur);
      cur = {};
    }
  }
  return out;
}

} // namespace

TEST_CASE("e2e: POST /v1/chat streams the turn as SSE, ending after done and persisted",
          "[e2e][http]") {
  server_process srv{fast()};
  auto r = http_call(srv.port(), "POST", "/v1/chat",
                     json{{"user", "hiro"}, {"id", "h1"}, {"text", "今天有点难过"}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.content_type.find("text/event-stream") != std::string::npos);
  auto ev = parse_sse(r.body);
  REQUIRE(ev.size() >= 5);
  CHECK(ev.front().event == "accepted");
  CHECK(ev.front().data["turn"] == 1);
  std::string reply;
  std::uint64_t seq = 0;
  int dones = 0;
  for (const auto& e : ev) {
    CHECK(e.data["type"] == e.event); // the data is the protocol frame itself
    if (e.event == "token") {
      CHECK(e.data["seq"] == seq++);
      reply += e.data["text"].get<std::string>();
    }
    dones += e.event == "done";
  }
  CHECK(dones == 1);
  CHECK(ev.back().event == "persisted");
  CHECK_FALSE(reply.empty());
  // the same conversation through GET /v1/history and through a WebSocket
  auto h = http_call(srv.port(), "GET", "/v1/history?user=hiro&limit=10");
  REQUIRE(h.status == 200);
  auto page = json::parse(h.body);
  CHECK(page["type"] == "history");
  REQUIRE(page["messages"].size() == 2);
  CHECK(page["messages"][0]["text"] == "今天有点难过");
  CHECK(page["messages"][1]["text"] == reply);
  ws_client c{srv.port()};
  c.auth("hiro");
  c.send({{"type", "history"}});
  CHECK(c.read_until("history")["messages"].size() == 2);
}

TEST_CASE("e2e: HTTP API errors are typed with status codes", "[e2e][http]") {
  server_process srv{fast()};
  auto p = srv.port();
  auto bad_json = http_call(p, "POST", "/v1/chat", "{not json");
  CHECK(bad_json.status == 400);
  CHECK(json::parse(bad_json.body)["error"]["code"] == "bad_request");
  CHECK(http_call(p, "POST", "/v1/chat", json{{"id", "x"}, {"text", "hi"}}.dump()).status == 401);
  CHECK(
    http_call(p, "POST", "/v1/chat", json{{"user", "u"}, {"id", "bad id!"}, {"text", "hi"}}.dump())
      .status
    == 400);
  auto big = http_call(p, "POST", "/v1/chat",
                       json{{"user", "u"}, {"id", "b1"}, {"text", std::string(9000, 'a')}}.dump());
  CHECK(big.status == 413);
  CHECK(json::parse(big.body)["error"]["code"] == "too_large");
  CHECK(http_call(p, "GET", "/v1/chat").status == 405);
  CHECK(http_call(p, "GET", "/v1/history?user=u&limit=0").status == 400);
  CHECK(http_call(p, "GET", "/v1/history?user=u&colour=blue").status == 400);
  CHECK(http_call(p, "GET", "/v1/history").status == 401);
  auto no_user =
    http_call(p, "POST", "/v1/chat/completions",
              json{{"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}}.dump());
  CHECK(no_user.status == 401);
  CHECK(http_call(p, "POST", "/v1/chat/completions",
                  json{{"user", "u"}, {"messages", json::array()}}.dump())
          .status
        == 400);
}

TEST_CASE("e2e: overloaded over HTTP is 503 with Retry-After", "[e2e][http]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"storage", {{"high_water", 1}}},
                          {"shutdown", {{"drain_s", 0}}}, // storage never recovers here
                          {"chaos", {{"storage", {{"fail_rate", 1.0}}}}}}};
  // storage fails every write: the first turn stays queued, then new chats are shed
  auto first = http_call(srv.port(), "POST", "/v1/chat/completions",
                         json{{"user", "o"},
                              {"messages", json::array({{{"role", "user"}, {"content", "one"}}})}}
                           .dump());
  CHECK(first.status == 200); // non-streaming completions do not wait for storage
  // the turn reaches the storage queue a moment after its `done`: wait (bounded) until the
  // server says it sheds
  bool shedding = false;
  for (int i = 0; i < 200 && !shedding; ++i) {
    shedding = http_get(srv.port(), "/readyz").first == 503;
    if (!shedding)
      std::this_thread::sleep_for(std::chrono::milliseconds(10)); // polling the real binary
  }
  REQUIRE(shedding);
  auto shed = http_call(srv.port(), "POST", "/v1/chat",
                        json{{"user", "o"}, {"id", "o2"}, {"text", "two"}}.dump());
  CHECK(shed.status == 503);
  CHECK(json::parse(shed.body)["error"]["code"] == "overloaded");
  CHECK_FALSE(shed.retry_after.empty());
}

TEST_CASE("e2e: POST /v1/chat/completions answers like an OpenAI endpoint", "[e2e][http]") {
  server_process srv{fast()};
  json req{{"model", "anything"},
           {"user", "ana"},
           {"messages", json::array({{{"role", "system"}, {"content", "ignored"}},
                                     {{"role", "user"}, {"content", "I feel lonely tonight"}}})}};
  auto r = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["object"] == "chat.completion");
  CHECK(j["choices"][0]["message"]["role"] == "assistant");
  auto text = j["choices"][0]["message"]["content"].get<std::string>();
  CHECK_FALSE(text.empty());
  CHECK(j["choices"][0]["finish_reason"] == "stop");

  req["stream"] = true;
  auto s = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(s.status == 200);
  auto ev = parse_sse(s.body);
  REQUIRE(ev.size() >= 3);
  std::string streamed;
  for (std::size_t i = 0; i + 1 < ev.size(); ++i) {
    CHECK(ev[i].data["object"] == "chat.completion.chunk");
    streamed += ev[i].data["choices"][0]["delta"].value("content", "");
  }
  CHECK(ev[0].data["choices"][0]["delta"]["role"] == "assistant");
  CHECK(ev[ev.size() - 2].data["choices"][0]["finish_reason"] == "stop");
  CHECK(ev.back().data.is_discarded()); // data: [DONE]
  CHECK(s.body.find("data: [DONE]") != std::string::npos);
  CHECK_FALSE(streamed.empty());
  // both turns are the user's conversation
  auto h = json::parse(http_call(srv.port(), "GET", "/v1/history?user=ana").body);
  CHECK(h["messages"].size() == 4);
}

TEST_CASE("e2e: the OpenAI facade reports usage, honours max_tokens and types its errors",
          "[e2e][http][openai]") {
  server_process srv{fast()};
  json req{{"model", "xinyu"},
           {"user", "platform-user"},
           {"messages", json::array({{{"role", "user"}, {"content", "I feel lonely tonight"}}})}};
  auto r = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(r.status == 200);
  auto full = json::parse(r.body);
  auto reply = full["choices"][0]["message"]["content"].get<std::string>();
  const auto& usage = full["usage"];
  CHECK(usage["prompt_tokens"].get<int>() > 20); // the system prompt and the message
  CHECK(usage["completion_tokens"].get<int>() > 3);
  CHECK(usage["total_tokens"]
        == usage["prompt_tokens"].get<int>() + usage["completion_tokens"].get<int>());
  // ids are random, not a per-process counter that repeats after a restart
  auto id = full["id"].get<std::string>();
  CHECK(id.size() == 9 + 24);
  CHECK(id.rfind("chatcmpl-", 0) == 0);

  // max_completion_tokens bounds the reply; the cut is finish_reason "length"
  req["max_completion_tokens"] = 3;
  req["stream"] = true;
  req["stream_options"] = {{"include_usage", true}};
  auto s = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  REQUIRE(s.status == 200);
  auto ev = parse_sse(s.body);
  REQUIRE(ev.size() >= 4);
  int content_chunks = 0;
  for (std::size_t i = 0; i + 2 < ev.size(); ++i)
    if (!ev[i].data["choices"][0]["delta"].value("content", "").empty())
      ++content_chunks;
  CHECK(content_chunks >= 1);
  CHECK(content_chunks <= 3);
  CHECK(ev[ev.size() - 3].data["choices"][0]["finish_reason"] == "length");
  // OpenAI's last chunk before [DONE]: no choices, the usage
  const auto& last = ev[ev.size() - 2].data;
  CHECK(last["choices"] == json::array());
  CHECK(last["usage"]["completion_tokens"].get<int>() >= 1);
  CHECK(last["usage"]["completion_tokens"].get<int>() < usage["completion_tokens"].get<int>());
  CHECK(last["id"] != id);

  // the older max_tokens name works too, without streaming
  req.erase("max_completion_tokens");
  req.erase("stream_options");
  req["stream"] = false;
  req["max_tokens"] = 2;
  auto cut = json::parse(http_call(srv.port(), "POST", "/v1/chat/completions", req.dump()).body);
  CHECK(cut["choices"][0]["finish_reason"] == "length");

  // errors carry OpenAI's type and param beside the protocol's code
  req["max_tokens"] = 0;
  auto bad = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  CHECK(bad.status == 400);
  auto e = json::parse(bad.body)["error"];
  CHECK(e["code"] == "bad_request");
  CHECK(e["type"] == "invalid_request_error");
  CHECK(e["param"] == "max_tokens");
  CHECK(e["message"].get<std::string>().find("max_tokens") != std::string::npos);
  auto nomsg = json::parse(
    http_call(srv.port(), "POST", "/v1/chat/completions", R"({"user":"u","messages":[]})").body);
  CHECK(nomsg["error"]["param"] == "messages");
  auto unknown = json::parse(http_call(srv.port(), "GET", "/v1/nothing").body);
  CHECK(unknown["error"]["code"] == "not_found");
}

TEST_CASE("e2e: CORS for browser clients of an allowed origin, refused for others",
          "[e2e][http][openai]") {
  auto cfg = fast();
  cfg["transport"]["allowed_origins"] = json::array({"https://chat.example.com"});
  server_process srv{cfg};
  const std::string origin = "https://chat.example.com";
  auto pre = http_call(srv.port(), "OPTIONS", "/v1/chat/completions", {}, {},
                       {{"Origin", origin},
                        {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "authorization, content-type"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == origin);
  CHECK(pre.header("Access-Control-Allow-Methods").find("POST") != std::string::npos);
  CHECK(pre.header("Access-Control-Allow-Headers").find("authorization") != std::string::npos);
  json req{{"user", "browser-user"},
           {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto r =
    http_call(srv.port(), "POST", "/v1/chat/completions", req.dump(), {}, {{"Origin", origin}});
  CHECK(r.status == 200);
  CHECK(r.header("Access-Control-Allow-Origin") == origin);
  CHECK(http_call(srv.port(), "GET", "/v1/models", {}, {}, {{"Origin", origin}})
          .header("Access-Control-Allow-Origin")
        == origin);
  // another site: no preflight pass, no turn, no CORS header
  auto evil = http_call(srv.port(), "OPTIONS", "/v1/chat/completions", {}, {},
                        {{"Origin", "https://evil.example"}});
  CHECK(evil.status == 403);
  CHECK(evil.header("Access-Control-Allow-Origin").empty());
  auto evil_post = http_call(srv.port(), "POST", "/v1/chat/completions", req.dump(), {},
                             {{"Origin", "https://evil.example"}});
  CHECK(evil_post.status == 403);
  // without an Origin (not a browser) OPTIONS just lists the methods
  auto plain = http_call(srv.port(), "OPTIONS", "/v1/chat");
  CHECK(plain.status == 204);
  CHECK(plain.header("Access-Control-Allow-Origin").empty());
  CHECK(plain.header("Allow") == "GET, POST, PATCH, DELETE, OPTIONS");
}

TEST_CASE("e2e: the HTTP API takes signed tokens; the web page is served at /", "[e2e][http]") {
  const std::string secret = "http-api-secret-0123456789";
  server_process srv{json{{"auth", {{"secret", secret}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  xinyu::core::token_verifier tokens{secret};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  auto token = tokens.issue("kai", now + 600);
  auto body = json{{"id", "k1"}, {"text", "hello"}}.dump();
  CHECK(http_call(srv.port(), "POST", "/v1/chat", body).status == 401);
  CHECK(http_call(srv.port(), "POST", "/v1/chat", body, "forged.token.here").status == 401);
  auto r = http_call(srv.port(), "POST", "/v1/chat", body, token);
  REQUIRE(r.status == 200);
  CHECK(parse_sse(r.body).back().event == "persisted");
  auto h = http_call(srv.port(), "GET", "/v1/history", {}, token);
  REQUIRE(h.status == 200);
  CHECK(json::parse(h.body)["messages"].size() == 2);
  // a "user" in the body cannot override the token's subject
  auto spoof =
    http_call(srv.port(), "POST", "/v1/chat",
              json{{"user", "someone-else"}, {"id", "k2"}, {"text", "hi"}}.dump(), token);
  CHECK(spoof.status == 200);
  CHECK(json::parse(http_call(srv.port(), "GET", "/v1/history", {}, token).body)["messages"].size()
        == 4);
  auto page = http_call(srv.port(), "GET", "/");
  CHECK(page.status == 200);
  CHECK(page.content_type.find("text/html") != std::string::npos);
  CHECK(page.body.find("/v1/ws") != std::string::npos);
  // scripts only by hash (the browser suite runs the page under this policy without a
  // violation), never framed, never sniffed
  auto csp = page.header("Content-Security-Policy");
  CHECK(csp.find("script-src 'sha256-") != std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(page.header("X-Content-Type-Options") == "nosniff");
}

TEST_CASE("e2e: HTTP chats under session crashes and storage faults: each call ends properly",
          "[e2e][http][chaos]") {
  server_process srv{
    json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
         {"storage", {{"retry_initial_ms", 5}, {"retry_max_ms", 50}}},
         {"chaos", {{"session", {{"crash_rate", 0.15}}}, {"storage", {{"fail_rate", 0.3}}}}}}};
  std::atomic<int> done_calls{0}, refused{0}, bad{0};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u) {
    users.emplace_back([&, u] {
      for (int i = 0; i < 12; ++i) {
        auto id = "u" + std::to_string(u) + "-" + std::to_string(i);
        auto r = http_call(
          srv.port(), "POST", "/v1/chat",
          json{{"user", "crowd" + std::to_string(u)}, {"id", id}, {"text", "hello there"}}.dump());
        if (r.status != 200) { // refused before acceptance: a typed JSON error
          auto j = json::parse(r.body, nullptr, false);
          bool typed = j.is_object() && j.contains("error") && j["error"].contains("code");
          typed ? ++refused : ++bad;
          continue;
        }
        auto ev = parse_sse(r.body);
        int dones = 0;
        std::uint64_t seq = 0;
        bool gapless = true, persisted = false;
        for (const auto& e : ev) {
          if (e.event == "token")
            gapless = gapless && e.data["seq"] == seq++;
          dones += e.event == "done";
          persisted = persisted || e.event == "persisted";
        }
        // accepted, then exactly one done (a crash ends it with finish error), persisted last
        bool ok = !ev.empty() && ev.front().event == "accepted" && dones == 1 && gapless
                  && persisted && ev.back().event == "persisted";
        ok ? ++done_calls : ++bad;
      }
    });
  }
  for (auto& t : users)
    t.join();
  INFO("done " << done_calls << ", refused " << refused);
  CHECK(bad == 0);
  CHECK(done_calls + refused == 48);
  CHECK(done_calls > 0);
  auto metrics = http_get(srv.port(), "/metrics").second;
  CHECK(metrics.find("xinyu_session_crashes_total 0\n") == std::string::npos); // crashes happened
}

TEST_CASE("e2e: POST /v1/chat ends after done when persisted does not come in time",
          "[e2e][http]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"http_persisted_wait_ms", 100}}},
                          {"shutdown", {{"drain_s", 0}}}, // storage never recovers here
                          {"chaos", {{"storage", {{"fail_rate", 1.0}}}}}}};
  auto r = http_call(srv.port(), "POST", "/v1/chat",
                     json{{"user", "w"}, {"id", "w1"}, {"text", "hello"}}.dump());
  REQUIRE(r.status == 200);
  auto ev = parse_sse(r.body);
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.back().event == "done"); // the turn is answered; storage is still retrying
  for (const auto& e : ev)
    CHECK(e.event != "persisted");
  CHECK(http_get(srv.port(), "/metrics").second.find("xinyu_http_persisted_wait_expired_total 1")
        != std::string::npos);
}

TEST_CASE("e2e: a platform token names its end users; each gets their own conversation",
          "[e2e][http][openai][platform]") {
  const std::string secret = "platform-secret-0123456789";
  server_process srv{json{{"auth", {{"secret", secret}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}};
  xinyu::core::token_verifier tokens{secret};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  auto platform = tokens.issue("openwebui", now + 600, false, false, true);
  auto person = tokens.issue("mallory", now + 600);
  auto chat = [&](const std::string& token, const std::string& named, const std::string& text) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!named.empty())
      headers.emplace_back("X-OpenWebUI-User-Id", named);
    json req{{"messages", json::array({{{"role", "user"}, {"content", text}}})}};
    return http_call(srv.port(), "POST", "/v1/chat/completions", req.dump(), token, headers);
  };
  // the platform reads its users' history the same way; a person reads their own
  auto history = [&](const std::string& user) {
    auto colon = user.find(':');
    std::vector<std::pair<std::string, std::string>> headers;
    if (colon != std::string::npos)
      headers.emplace_back("X-OpenWebUI-User-Id", user.substr(colon + 1));
    auto h =
      http_call(srv.port(), "GET", "/v1/history", {},
                colon != std::string::npos ? platform : tokens.issue(user, now + 600), headers);
    REQUIRE(h.status == 200);
    return json::parse(h.body)["messages"];
  };
  CHECK(chat(platform, "alice", "I miss my cat").status == 200);
  CHECK(chat(platform, "bob", "work was long").status == 200);
  CHECK(chat(platform, "alice", "she was called Mimi").status == 200);
  auto alice = history("openwebui:alice");
  REQUIRE(alice.size() == 4);
  CHECK(alice[0]["text"] == "I miss my cat");
  CHECK(alice[2]["text"] == "she was called Mimi");
  auto bob = history("openwebui:bob");
  REQUIRE(bob.size() == 2);
  CHECK(bob[0]["text"] == "work was long");
  // without the header the platform chats as itself
  CHECK(chat(platform, "", "hello from the platform").status == 200);
  CHECK(history("openwebui").size() == 2);
  // the header is trusted only from platform tokens: a person's token stays that person
  CHECK(chat(person, "alice", "pretending").status == 200);
  CHECK(history("mallory").size() == 2);
  CHECK(history("openwebui:alice").size() == 4);
  // a name that makes no valid user id is refused, naming the header; so is one with ':'
  // (the separator: a platform must not reach "<platform>:<a>:<b>" lookalikes)
  auto bad = chat(platform, std::string(200, 'x'), "too long");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["param"] == "X-OpenWebUI-User-Id");
  CHECK(chat(platform, "corp:alice", "sneaky").status == 400);
  // ':' is reserved in token subjects: no direct token can be a platform's user
  CHECK(http_call(srv.port(), "GET", "/v1/history", {}, tokens.issue("openwebui:alice", now + 600))
          .status
        == 401);
}

TEST_CASE("e2e: OpenAI stop sequences end the reply before them", "[e2e][http][openai][stop]") {
  server_process srv{fast()};
  auto ask = [&](const std::string& user, json extra, bool stream) {
    json req{{"user", user},
             {"stream", stream},
             {"messages", json::array({{{"role", "user"}, {"content", "I feel lonely tonight"}}})}};
    req.update(extra);
    return http_call(srv.port(), "POST", "/v1/chat/completions", req.dump());
  };
  // a fresh user with the same message gets the same reply from the offline provider
  auto full = json::parse(ask("stop-a", json::object(), false).body);
  auto reply = full["choices"][0]["message"]["content"].get<std::string>();
  REQUIRE(reply.size() > 30);
  auto stop = reply.substr(reply.size() / 2, 6);
  auto expected = reply.substr(0, reply.find(stop));
  auto cut = json::parse(ask("stop-b", json{{"stop", stop}}, false).body);
  CHECK(cut["choices"][0]["message"]["content"] == expected);
  CHECK(cut["choices"][0]["finish_reason"] == "stop");
  // streamed, with the stop among others: the chunks add up to the same text
  auto s = ask("stop-c", json{{"stop", json::array({"zzz-never", stop})}}, true);
  std::string streamed;
  for (const auto& ev : parse_sse(s.body))
    if (ev.data.is_object())
      streamed += ev.data["choices"][0]["delta"].value("content", "");
  CHECK(streamed == expected);
  // what the user's history keeps is what was shown
  auto h = json::parse(http_call(srv.port(), "GET", "/v1/history?user=stop-c").body);
  CHECK(h["messages"].back()["text"] == expected);
  // bad stops are refused, naming the field
  for (const auto& bad : {json(""), json::array({1}), json::array({"a", "b", "c", "d", "e"}),
                          json(std::string(129, 'x')), json(5)}) {
    auto r = ask("stop-d", json{{"stop", bad}}, false);
    INFO(bad.dump());
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["param"] == "stop");
  }
}
