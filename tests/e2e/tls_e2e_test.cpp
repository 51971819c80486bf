// End-to-end TLS on the upstream path: a local HTTPS endpoint with a self-signed certificate
// is refused against the system CA store (fallback reply) and trusted through llm.ca_file.
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace xinyu::test;
using nlohmann::json;

namespace {

struct tls_endpoint {
  std::string dir = temp_data_dir();
  FILE* proc = nullptr;
  int port = 0;
  tls_endpoint() {
    std::string mk = "mkdir -p " + dir + " && openssl req -x509 -newkey rsa:2048 -nodes -keyout "
                     + dir + "/key.pem -out " + dir + "/cert.pem -days 1 -subj /CN=127.0.0.1 "
                     + "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
    REQUIRE(std::system(mk.c_str()) == 0);
    std::string run = "exec /usr/bin/python3 " XINYU_SOURCE_DIR "/tests/e2e/tls_mock.py " + dir
                      + "/cert.pem " + dir + "/key.pem";
    proc = ::popen(run.c_str(), "r");
    REQUIRE(proc);
    REQUIRE(std::fscanf(proc, "%d", &port) == 1);
  }
  ~tls_endpoint() {
    std::system(("pkill -f '" + dir + "/cert.pem' >/dev/null 2>&1").c_str());
    if (proc)
      ::pclose(proc);
    remove_tree(dir);
  }
  json config(const std::string& ca_file) const {
    return json{{"llm",
                 {{"provider", "openai"},
                  {"ca_file", ca_file},
                  {"max_attempts", 1},
                  {"endpoints",
                   json::array({{{"name", "tls"},
                                 {"base_url", "https://127.0.0.1:" + std::to_string(port) + "/v1"},
                                 {"model", "m"}}})}}}};
  }
};

} // namespace

TEST_CASE("e2e: upstream TLS verifies certificates and host names", "[e2e][llm][tls]") {
  tls_endpoint ep;
  {
    server_process srv{ep.config("")}; // the system store does not trust a self-signed cert
    ws_client c{srv.port()};
    c.auth("tls");
    auto t = run_turn(c, "t1", "hello");
    CHECK(t.done["finish"] == "fallback");
    CHECK(t.done["degraded"] == json::array({"llm"}));
    srv.stop();
    CHECK(srv.log().find("certificate verify failed") != std::string::npos);
  }
  server_process srv{ep.config(ep.dir + "/cert.pem")};
  ws_client c{srv.port()};
  c.auth("tls");
  auto t = run_turn(c, "t2", "hello");
  CHECK(t.text() == "secure hello");
  CHECK(t.done["finish"] == "stop");
}
