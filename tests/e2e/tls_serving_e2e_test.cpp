// End-to-end TLS serving (server.tls_cert / server.tls_key): https:// and wss:// with a
// certificate made in the test, a clean close_notify at the end of an SSE stream, plain HTTP
// refused on the TLS port, and clear start-up errors for a bad certificate set-up.
#include "tests/support/child_process.hpp"
#include "tests/support/server_process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace xinyu::test;
using nlohmann::json;

namespace {

struct certificate {
  std::string dir = temp_data_dir();
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem", other_key = dir + "/other.pem";
  certificate() {
    std::filesystem::create_directories(dir);
    auto made = run_program({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                             key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
                             "subjectAltName=DNS:localhost,IP:127.0.0.1"});
    REQUIRE(made.exit_code == 0);
    REQUIRE(run_program({"openssl", "genrsa", "-out", other_key, "2048"}).exit_code == 0);
  }
  ~certificate() { remove_tree(dir); }
};

program_result curl(const std::vector<std::string>& args) {
  std::vector<std::string> all{"curl", "-sS", "--max-time", "20"};
  all.insert(all.end(), args.begin(), args.end());
  return run_program(all, {}, 30);
}

} // namespace

TEST_CASE("e2e: server.tls_cert serves https:// and wss://; plain HTTP is refused",
          "[e2e][tls][serve]") {
  certificate c;
  server_process srv{json{{"server", {{"tls_cert", c.cert}, {"tls_key", c.key}}},
                          {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}},
                          {"transport", {{"connections_per_second_per_ip", 0}}}}};
  auto base = "https://localhost:" + std::to_string(srv.port());
  auto health = curl({"--cacert", c.cert, base + "/healthz"});
  INFO(health.err);
  CHECK(health.exit_code == 0);
  CHECK(health.out == "ok\n");
  // a close-delimited SSE stream ends with close_notify: curl reports no truncation
  auto chat = curl({"--cacert", c.cert, "-N", "-X", "POST", base + "/v1/chat", "-H",
                    "Content-Type: application/json", "-d",
                    R"({"user":"https-user","id":"h1","text":"hello"})"});
  INFO(chat.err);
  CHECK(chat.exit_code == 0);
  CHECK(chat.out.find("event: done") != std::string::npos);
  CHECK(chat.out.find("event: persisted") != std::string::npos);
  auto wss = run_program({"/usr/bin/python3", XINYU_SOURCE_DIR "/tests/e2e/tls_wss_client.py",
                          std::to_string(srv.port()), c.cert},
                         {}, 30);
  INFO(wss.err);
  CHECK(wss.exit_code == 0);
  CHECK(wss.out.rfind("stop ", 0) == 0);
  // the certificate is checked by the client: without trusting it, no connection (the client
  // aborts the handshake, which the server counts)
  CHECK(curl({base + "/healthz"}).exit_code != 0);
  // plain HTTP on the TLS port gets nothing, and is counted
  auto plain = curl({"http://127.0.0.1:" + std::to_string(srv.port()) + "/healthz"});
  CHECK(plain.exit_code != 0);
  auto metrics = curl({"--cacert", c.cert, base + "/metrics"});
  CHECK(metrics.out.find("xinyu_tls_handshake_failures_total 2") != std::string::npos);
  CHECK(curl({"--cacert", c.cert, base + "/healthz"}).out == "ok\n"); // still serving
}

TEST_CASE("e2e: a bad TLS set-up stops the server at start with a clear error",
          "[e2e][tls][serve]") {
  certificate c;
  auto start = [](const json& server) {
    auto path = temp_data_dir() + ".json";
    std::ofstream{path} << json{{"server", server}}.dump();
    auto r = run_server_command({"--config", path});
    std::remove(path.c_str());
    return r;
  };
  auto only_cert = start({{"tls_cert", c.cert}});
  CHECK(only_cert.exit_code == 2);
  CHECK(only_cert.err.find("tls_key") != std::string::npos);
  auto missing = start({{"tls_cert", c.dir + "/nope.pem"}, {"tls_key", c.key}});
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("server.tls_cert") != std::string::npos);
  auto mismatched = start({{"tls_cert", c.cert}, {"tls_key", c.other_key}});
  CHECK(mismatched.exit_code != 0);
  CHECK(mismatched.err.find("does not belong") != std::string::npos);
  CHECK(mismatched.err.find("PRIVATE KEY") == std::string::npos); // no key material echoed
}
