// End-to-end human hand-off (docs/crisis-protocol.md, docs/protocol.md "Operators"): operators
// see crisis alerts, take a user's conversation over, answer it (finish human, stored), hand
// it back; no answer in time or an operator gone means the AI answers.
#include "tests/support/mock_openai.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

using namespace xinyu::test;
using nlohmann::json;

namespace {

json read_notice(ws_client& c, const std::string& kind) {
  for (;;) {
    auto f = c.read_until("notice");
    if (f["kind"] == kind)
      return f;
  }
}

void operator_auth(ws_client& op, const std::string& name) {
  op.send({{"type", "auth"}, {"user", name}, {"role", "operator"}});
  CHECK(op.read_until("ready")["user"] == name);
}

} // namespace

TEST_CASE("e2e: an operator sees the alert, takes over, answers, and hands back",
          "[e2e][handoff]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"care", {{"disclosure", false}}}}};
  ws_client op{srv.port()};
  operator_auth(op, "nurse-sam");
  ws_client u{srv.port()};
  u.auth("alice");

  auto crisis = run_turn(u, "c1", "I want to kill myself tonight");
  CHECK(crisis.done["finish"] == "stop");
  auto alert = op.read_until("alert");
  CHECK(alert["user"] == "alice");
  CHECK(alert["id"] == "c1");
  CHECK(alert["level"] == "crisis");
  CHECK(alert["categories"] == json::array({"self_harm"}));
  CHECK_FALSE(alert.contains("text")); // care.operator_sees_text is off by default

  op.send({{"type", "takeover"}, {"user", "alice"}});
  CHECK(op.read_until("handoff")["state"] == "human");
  CHECK(read_notice(u, "handoff")["state"] == "human");

  u.send({{"type", "chat"}, {"id", "h1"}, {"text", "are you a real person?"}});
  auto chat = op.read_until("user_chat");
  CHECK(chat["user"] == "alice");
  CHECK(chat["id"] == "h1");
  CHECK(chat["text"] == "are you a real person?");
  const std::string answer = "Yes, I'm Sam from the support team. I'm here with you.";
  op.send({{"type", "reply"}, {"user", "alice"}, {"id", "h1"}, {"text", answer}});
  std::string text;
  json done;
  for (;;) {
    auto f = u.read();
    if (f["type"] == "token" && f["id"] == "h1")
      text += f["text"].get<std::string>();
    if (f["type"] == "done" && f["id"] == "h1") {
      done = f;
      break;
    }
  }
  CHECK(text == answer);
  CHECK(done["finish"] == "human");
  // a reply to a chat that is not waiting is refused
  op.send({{"type", "reply"}, {"user", "alice"}, {"id", "h1"}, {"text", "again"}});
  CHECK(op.read_until("error")["code"] == "not_found");

  op.send({{"type", "release"}, {"user", "alice"}});
  CHECK(op.read_until("handoff")["state"] == "ai");
  CHECK(read_notice(u, "handoff")["state"] == "ai");
  auto after = run_turn(u, "a1", "thank you");
  CHECK(after.done["finish"] == "stop"); // the AI again

  // stored like any turn
  u.send({{"type", "history"}});
  auto h = u.read_until("history");
  bool stored = false;
  for (auto& m : h["messages"])
    stored = stored || (m["role"] == "assistant" && m["text"] == answer);
  CHECK(stored);

  // a person cannot act as an operator
  u.send({{"type", "takeover"}, {"user", "bob"}});
  CHECK(u.read_until("error")["code"] == "unauthorized");
  auto m = http_get(srv.port(), "/metrics").second;
  // at least the crisis above (later turns may be crisis too, by conversation-level risk)
  CHECK(m.find("xinyu_crisis_alerts_total{seen=\"true\"} ") != std::string::npos);
  CHECK(m.find("xinyu_crisis_alerts_total{seen=\"false\"}") == std::string::npos);
  CHECK(m.find("xinyu_turns_total{finish=\"human\"} 1") != std::string::npos);
}

TEST_CASE("e2e: no operator answer in time, or the operator gone: the AI answers",
          "[e2e][handoff]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"care", {{"disclosure", false}, {"handoff_timeout_s", 1}}}}};
  ws_client u{srv.port()};
  u.auth("bob");
  {
    ws_client op{srv.port()};
    operator_auth(op, "op-1");
    op.send({{"type", "takeover"}, {"user", "bob"}});
    CHECK(op.read_until("handoff")["state"] == "human");
    read_notice(u, "handoff");
    auto t = run_turn(u, "t1", "hello? anyone there?");
    CHECK(op.read_until("user_chat")["id"] == "t1");
    CHECK(t.done["finish"] == "stop"); // answered by the AI after care.handoff_timeout_s
    CHECK(t.done["degraded"] == json::array({"human"}));
    CHECK_FALSE(t.tokens.empty());
    // a second operator cannot take a conversation another one holds
    ws_client other{srv.port()};
    operator_auth(other, "op-2");
    other.send({{"type", "takeover"}, {"user", "bob"}});
    CHECK(other.read_until("error")["code"] == "busy");
  } // op-1 disconnects: bob goes back to the AI
  CHECK(read_notice(u, "handoff")["state"] == "ai");
  auto t = run_turn(u, "t2", "still there?");
  CHECK(t.done["finish"] == "stop");
  CHECK(t.done["degraded"] == json::array());
}

namespace {
/// The /metrics line value of `series`, read until `pred` holds it or 10 s pass (the webhook
/// is asynchronous: nothing a client sees tells when it was called).
double metric_until(std::uint16_t port, const std::string& series,
                    const std::function<bool(double)>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double v = 0;
  do {
    auto m = http_get(port, "/metrics").second;
    auto at = m.find(series + " ");
    v = at == std::string::npos ? 0 : std::stod(m.substr(at + series.size() + 1));
    if (pred(v))
      return v;
  } while (std::chrono::steady_clock::now() < deadline);
  return v;
}
} // namespace

TEST_CASE("e2e: crisis events go to the escalation webhook, retried until it answers",
          "[e2e][handoff][escalation]") {
  mock_openai hook;
  hook.script({mock_openai::behaviour::status_500, mock_openai::behaviour::status_500});
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}, // metric polls
                          {"care",
                           {{"disclosure", false},
                            {"escalation_url", hook.base_url() + "/escalate"},
                            {"escalation_backoff_ms", 20}}}}};
  ws_client u{srv.port()};
  u.auth("carol");
  CHECK(run_turn(u, "c1", "I want to kill myself tonight").done["finish"] == "stop");
  CHECK(metric_until(srv.port(), R"(xinyu_escalations_total{result="delivered"})",
                     [](double v) { return v >= 1; })
        == 1);
  CHECK(hook.requests() == 3); // two refusals, then delivered
  auto body = hook.last_request();
  CHECK(body["type"] == "alert");
  CHECK(body["user"] == "carol");
  CHECK(body["id"] == "c1");
  CHECK(body["level"] == "crisis");
  CHECK_FALSE(body.contains("text"));
  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find(R"(xinyu_escalations_total{result="retried"} 2)") != std::string::npos);
  // an ordinary message is not escalated
  CHECK(run_turn(u, "o1", "what a lovely sunny afternoon").done["finish"] == "stop");
  CHECK(hook.requests() == 3);
}

TEST_CASE("e2e: a webhook that never answers holds no chat and a bounded queue",
          "[e2e][handoff][escalation]") {
  mock_openai hook;
  hook.script({}, mock_openai::behaviour::stall_before);
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}, // metric polls
                          {"care",
                           {{"disclosure", false},
                            {"escalation_url", hook.base_url() + "/escalate"},
                            {"escalation_timeout_ms", 2000},
                            {"escalation_attempts", 1},
                            {"escalation_queue_max", 1}}}}};
  std::vector<std::unique_ptr<ws_client>> users;
  for (int i = 0; i < 4; ++i) {
    users.push_back(std::make_unique<ws_client>(srv.port()));
    users.back()->auth("u" + std::to_string(i));
    // every chat is answered at once: the webhook is never waited for
    CHECK(run_turn(*users.back(), "c", "I want to kill myself tonight").done["finish"] == "stop");
  }
  // one event at a time is held; the rest are dropped and counted, never queued without bound
  CHECK(metric_until(srv.port(), R"(xinyu_escalations_total{result="dropped"})",
                     [](double v) { return v >= 1; })
        >= 1);
  CHECK(metric_until(srv.port(), R"(xinyu_escalations_total{result="failed"})",
                     [](double v) { return v >= 1; })
        >= 1);
}

TEST_CASE("e2e: an opted-in emergency contact is sealed at rest and rides the webhook on a plan",
          "[e2e][handoff][escalation][contact]") {
  mock_openai hook;
  auto data = temp_data_dir();
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}, // metric polls
                          {"storage", {{"path", data}}},
                          {"care",
                           {{"disclosure", false},
                            {"emergency_contacts", true},
                            {"contact_key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
                            {"escalation_url", hook.base_url() + "/escalate"}}}}};
  ws_client u{srv.port()};
  u.auth("dana");
  u.send({{"type", "emergency_contact"}, {"name", "Mum"}, {"phone", "+44 7700 900123"}});
  CHECK(u.read_until("error")["code"] == "bad_request"); // no consent, nothing stored
  u.send({{"type", "emergency_contact"},
          {"consent", true},
          {"name", "Mum"},
          {"phone", "+44 7700 900123"},
          {"relation", "mother"}});
  CHECK(u.read_until("emergency_contact")["stored"] == true);

  // a crisis with a plan: the webhook carries the contact (operators never see it)
  CHECK(run_turn(u, "p1", "I am going to take all my pills tonight, I have decided").done["finish"]
        == "stop");
  CHECK(metric_until(srv.port(), R"(xinyu_escalations_total{result="delivered"})",
                     [](double v) { return v >= 1; })
        == 1);
  auto body = hook.last_request();
  CHECK(body["user"] == "dana");
  CHECK(body["emergency_contact"]["phone"] == "+44 7700 900123");
  CHECK(body["emergency_contact"]["relation"] == "mother");

  // the HTTP endpoint removes it; the phone number never reaches the disk in the clear
  auto cleared = http_post(srv.port(), "/v1/emergency_contact", R"({"user":"dana","clear":true})");
  CHECK(cleared.first == 200);
  CHECK(json::parse(cleared.second)["stored"] == false);
  auto stored = http_post(srv.port(), "/v1/emergency_contact",
                          R"({"user":"erin","consent":true,"name":"Sam","phone":"555 0199"})");
  CHECK(stored.first == 200);
  REQUIRE(srv.stop() == 0);
  for (const auto& f : std::filesystem::recursive_directory_iterator(data)) {
    if (!f.is_regular_file())
      continue;
    std::ifstream in{f.path(), std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    INFO(f.path());
    CHECK(bytes.find("7700 900123") == std::string::npos);
    CHECK(bytes.find("555 0199") == std::string::npos);
  }
  std::filesystem::remove_all(data);
}

TEST_CASE("e2e: emergency contacts are off unless configured, and need a valid key",
          "[e2e][handoff][contact]") {
  server_process srv;
  auto r = http_post(srv.port(), "/v1/emergency_contact",
                     R"({"user":"x","consent":true,"name":"Mum","phone":"123"})");
  CHECK(r.first == 400);
  CHECK(r.second.find("emergency contacts are off") != std::string::npos);
  CHECK_THROWS(server_process{json{{"care", {{"emergency_contacts", true}}}}}); // no key
}
