// Operators' tooling against the real binary: /metrics passes `promtool check metrics` after
// chats (an endpoint named with a quote and a backslash included), the shipped alert rules
// pass promtool's checks and unit tests, every metric the alerts and the dashboard use is
// exported, and a real Prometheus (Debian's) scrapes the server and answers TTFT quantiles.
#include "tests/support/child_process.hpp"
#include "tests/support/mock_openai.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

using namespace xinyu::test;
using nlohmann::json;

namespace {

const std::string deploy_dir = std::string{XINYU_SOURCE_DIR} + "/deploy";

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The value of the sample line that starts with `series` (name and labels exactly as
/// rendered), or NaN when there is none.
double sample(const std::string& metrics, const std::string& series) {
  std::istringstream in{metrics};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0
        && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nan("");
}

/// Metric families in an exposition page (from its TYPE lines).
std::set<std::string> families(const std::string& metrics) {
  std::set<std::string> out;
  std::istringstream in{metrics};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("# TYPE ", 0) == 0)
      out.insert(line.substr(7, line.find(' ', 7) - 7));
  return out;
}

/// Metric names a PromQL-bearing file refers to (xinyu_* and process_*), histogram suffixes
/// removed.
std::set<std::string> referenced_metrics(const std::string& text) {
  std::set<std::string> out;
  std::regex name{R"(\b(xinyu|process)_[a-z_]*[a-z])"};
  for (auto it = std::sregex_iterator(text.begin(), text.end(), name); it != std::sregex_iterator();
       ++it) {
    auto n = it->str();
    for (const char* suffix : {"_bucket", "_count", "_sum"})
      if (n.size() > std::strlen(suffix) && n.ends_with(suffix))
        n.resize(n.size() - std::strlen(suffix));
    out.insert(n);
  }
  return out;
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

/// A TCP port that was free a moment ago (Prometheus cannot report a port it picked itself).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Prometheus run for one test: scrapes `target_port` every second and loads the shipped
/// alert rules.
class prometheus {
public:
  explicit prometheus(std::uint16_t target_port) : dir_(temp_data_dir()), port_(free_port()) {
    std::filesystem::create_directories(dir_);
    std::ofstream{dir_ + "/prometheus.yml"}
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "rule_files:\n  - " << deploy_dir << "/prometheus/alerts.yml\n"
      << "scrape_configs:\n  - job_name: xinyu\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << target_port << "']\n";
    proc_ = std::make_unique<background_process>(
      std::vector<std::string>{"prometheus", "--config.file=" + dir_ + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir_ + "/data",
                               "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                               "--log.level=warn"});
  }
  ~prometheus() {
    proc_.reset();
    remove_tree(dir_);
  }

  std::uint16_t port() const { return port_; }
  std::string output() const { return proc_->output(); }

  /// Polls `ok` (bounded by `limit`): Prometheus works on its own clock, there is nothing to
  /// wait on but its HTTP API.
  template <class Pred>
  bool eventually(Pred ok, std::chrono::seconds limit = std::chrono::seconds{60}) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!proc_->running())
        return false;
      if (ok())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds{200});
    }
    return false;
  }

  /// An instant query's single value (NaN when there is no result or it is not a number).
  double query(const std::string& promql) {
    auto [status, body] = http_get(port_, "/api/v1/query?query=" + url_encode(promql));
    auto j = json::parse(body, nullptr, false);
    if (status != 200 || !j.is_object() || j.value("status", "") != "success")
      return std::nan("");
    const auto& result = j["data"]["result"];
    if (!result.is_array() || result.size() != 1)
      return std::nan("");
    return std::stod(result[0]["value"][1].get<std::string>());
  }

  json api(const std::string& path) {
    auto [status, body] = http_get(port_, path);
    return status == 200 ? json::parse(body, nullptr, false) : json{};
  }

private:
  std::string dir_;
  std::uint16_t port_;
  std::unique_ptr<background_process> proc_;
};

} // namespace

TEST_CASE("ops: /metrics passes promtool after chats, with an endpoint named \"quote\" and \\",
          "[ops][metrics]") {
  mock_openai m;
  using b = mock_openai::behaviour;
  m.script({b::ollama, b::normal, b::stall_before}, b::normal);
  ::setenv("XINYU_TEST_LLM_KEY", "sk-test-123", 1);
  const std::string endpoint_name = "my \"prod\" \\ llm";
  server_process srv{json{{"llm",
                           {{"provider", "openai"},
                            {"endpoints", json::array({{{"name", endpoint_name},
                                                        {"base_url", m.base_url()},
                                                        {"model", "mock-model"},
                                                        {"api_key_env", "XINYU_TEST_LLM_KEY"}}})},
                            {"attempt_first_token_ms", 5000},
                            {"first_token_deadline_ms", 300},
                            {"max_attempts", 1}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}}};
  ws_client c{srv.port()};
  c.auth("operator-view");
  auto usage = run_turn(c, "o1", "hello there");                // the endpoint reports usage
  auto counted = run_turn(c, "o2", "I had a long day at work"); // no usage: chunks counted
  auto timed_out = run_turn(c, "o3", "are you there?");         // no first token in 300 ms
  auto crisis = run_turn(c, "o4", "I want to kill myself tonight");
  CHECK(usage.done["finish"] == "stop");
  CHECK(counted.done["finish"] == "stop");
  CHECK(timed_out.done["finish"] == "fallback");
  CHECK(crisis.done["finish"] == "stop");
  c.send_text("not json"); // an error frame
  c.read_until("error");
  auto chat = http_call(srv.port(), "POST", "/v1/chat",
                        json{{"user", "http-user"}, {"id", "h1"}, {"text", "hi"}}.dump());
  CHECK(chat.status == 200);
  CHECK(http_get(srv.port(), "/no/such/path").first == 404);
  CHECK(http_get(srv.port(), "/healthz").first == 200);

  auto page = http_get(srv.port(), "/metrics").second;
  auto check = run_program({"promtool", "check", "metrics"}, page);
  INFO(check.out + check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out + check.err == "");

  // the endpoint's name is escaped, so the page parses and the label holds the name
  const std::string ep = R"(endpoint="my \"prod\" \\ llm",model="mock-model")";
  // four streams finished (o1 with the endpoint's usage: 3 output tokens; o2, o4 and the
  // HTTP chat: 3 chunks each); o3 never got a first token
  CHECK(sample(page, "xinyu_llm_token_usage_total{" + ep + ",type=\"output\"}") == 12);
  CHECK(sample(page, "xinyu_llm_token_usage_total{" + ep + ",type=\"input\"}") > 12);
  CHECK(sample(page, "xinyu_llm_time_to_first_token_seconds_count{" + ep + "}") == 4);
  CHECK(sample(page, "xinyu_llm_time_per_output_token_seconds_count{" + ep + "}") == 4);
  CHECK(sample(page, "xinyu_llm_request_duration_seconds_count{" + ep + "}") == 4);
  CHECK(sample(page, "xinyu_timeouts_total{deadline=\"first_token\"}") == 1);
  CHECK(sample(page, "xinyu_turn_ttft_seconds_count") == 5);
  CHECK(sample(page, "xinyu_http_requests_total{route=\"/v1/ws\",code=\"1xx\"}") == 1);
  CHECK(sample(page, "xinyu_http_requests_total{route=\"/v1/chat\",code=\"2xx\"}") == 1);
  CHECK(sample(page, "xinyu_http_requests_total{route=\"other\",code=\"4xx\"}") == 1);
  CHECK(sample(page, "xinyu_http_requests_total{route=\"/healthz\",code=\"2xx\"}") == 1);
  CHECK(sample(page, "process_resident_memory_bytes") > 1e6);
  CHECK(sample(page, "process_open_fds") > 3);
  CHECK(std::regex_search(
    page,
    std::regex{R"re(xinyu_build_info\{version="[0-9.]+",commit="([0-9a-f]+|unknown)"\} 1)re"}));
  // no label ever carries a user: neither the WebSocket user nor the HTTP one
  CHECK(page.find("operator-view") == std::string::npos);
  CHECK(page.find("http-user") == std::string::npos);

  // every metric the shipped alerts and dashboard use exists on a server that has served chats
  auto exported = families(page);
  for (const auto* file : {"/prometheus/alerts.yml", "/grafana/xinyu.json"}) {
    auto used = referenced_metrics(read_file(deploy_dir + file));
    CHECK(used.size() >= 5);
    for (const auto& name : used) {
      INFO(file << " uses " << name);
      CHECK(exported.count(name) == 1);
    }
  }
  auto dashboard = json::parse(read_file(deploy_dir + "/grafana/xinyu.json"));
  std::set<std::string> titles;
  for (const auto& p : dashboard["panels"])
    titles.insert(p["title"].get<std::string>());
  for (const auto* seed_panel :
       {"Time to first token (P50 / P95 / P99)", "Reply total time (P50 / P95 / P99)",
        "Turns per second (QPS), by finish", "Error and timeout rate",
        "Degraded share, by component", "CPU (cores)", "Resident memory",
        "Connections and sessions"}) {
    INFO(seed_panel);
    CHECK(titles.count(seed_panel) == 1);
  }
}

TEST_CASE("ops: the shipped alert rules pass promtool's checks and unit tests", "[ops][alerts]") {
  auto check = run_program({"promtool", "check", "rules", deploy_dir + "/prometheus/alerts.yml"});
  INFO(check.out + check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("SUCCESS: 7 rules found") != std::string::npos);
  auto test =
    run_program({"promtool", "test", "rules", deploy_dir + "/prometheus/alerts_test.yml"});
  INFO(test.out + test.err);
  CHECK(test.exit_code == 0);
}

TEST_CASE("ops: a real Prometheus scrapes the server; TTFT quantiles and turns are queryable",
          "[ops][prometheus]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}}};
  ws_client c{srv.port()};
  c.auth("scraped");
  run_turn(c, "p1", "hello");
  prometheus prom{srv.port()};
  auto require = [&](bool ok) {
    if (!ok)
      FAIL("Prometheus did not get there; its output:\n" << prom.output());
  };
  require(prom.eventually([&] {
    try {
      return http_get(prom.port(), "/-/ready").first == 200;
    } catch (const std::exception&) {
      return false; // not listening yet
    }
  }));
  // a scrape that saw the first turn, then two more turns and a scrape that saw them: the
  // TTFT buckets grew between two scrapes
  require(prom.eventually([&] { return prom.query("sum(xinyu_turns_total)") == 1; }));
  run_turn(c, "p2", "how are you");
  run_turn(c, "p3", "thanks");
  require(prom.eventually([&] { return prom.query("sum(xinyu_turns_total)") == 3; }));
  CHECK(prom.query("count_over_time(up{job=\"xinyu\"}[5m])") >= 2);
  CHECK(prom.query("up{job=\"xinyu\"}") == 1);
  auto p99 =
    prom.query("histogram_quantile(0.99, sum by (le) (rate(xinyu_turn_ttft_seconds_bucket[1m])))");
  CHECK(std::isfinite(p99));
  CHECK(p99 > 0);
  CHECK(p99 < 60);
  auto p50 = prom.query("histogram_quantile(0.5, sum by (le) (xinyu_turn_ttft_seconds_bucket))");
  CHECK(std::isfinite(p50));
  CHECK(prom.query("sum(xinyu_turns_total{finish=\"stop\"})") == 3);
  CHECK(prom.query("process_resident_memory_bytes{job=\"xinyu\"}") > 1e6);
  // the alert rules loaded and evaluate without errors
  auto rules = prom.api("/api/v1/rules");
  REQUIRE(rules.is_object());
  REQUIRE(rules["data"]["groups"].size() == 1);
  require(prom.eventually([&] {
    auto r = prom.api("/api/v1/rules");
    for (const auto& rule : r["data"]["groups"][0]["rules"])
      if (rule.value("health", "") != "ok")
        return false;
    return true;
  }));
  for (const auto& rule : rules["data"]["groups"][0]["rules"]) {
    INFO(rule.value("name", ""));
    CHECK(rule.value("state", "") == "inactive"); // a healthy server raises no alert
  }
}

TEST_CASE("ops: the Locust file takes the http:// host users type and fails when nothing works",
          "[ops][locust]") {
  server_process srv{json{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}}};
  const std::string locustfile = std::string{XINYU_SOURCE_DIR} + "/bench/locustfile.py";
  auto run = [&](const std::string& host) {
    return run_program({"/usr/bin/python3", "-m", "locust", "-f", locustfile, "--headless", "-u",
                        "2", "-r", "2", "-t", "3s", "--only-summary", "--host", host},
                       {}, 60);
  };
  auto ok = run("http://127.0.0.1:" + std::to_string(srv.port()));
  INFO(ok.out + ok.err);
  CHECK(ok.exit_code == 0);
  // the summary has ttft and total rows with requests and no failures
  CHECK(std::regex_search(ok.out + ok.err, std::regex{R"(ws\s+ttft\s+[1-9][0-9]*\s+0\()"}));
  CHECK(std::regex_search(ok.out + ok.err, std::regex{R"(ws\s+total\s+[1-9][0-9]*\s+0\()"}));
  // nobody listens on the port: every connect fails and the run says so with its exit code
  std::uint16_t closed = free_port();
  auto down = run("http://127.0.0.1:" + std::to_string(closed));
  INFO(down.out + down.err);
  CHECK(down.exit_code != 0);
  CHECK((down.out + down.err).find("no request succeeded") != std::string::npos);
}
