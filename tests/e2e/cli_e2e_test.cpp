// End-to-end tests of the xinyu-server command line: --help, bad flags and bad configs exit 2
// with one clear message.
#include "tests/support/server_process.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace xinyu::test;

TEST_CASE("e2e: --help lists the options and config keys", "[cli]") {
  auto r = run_server_command({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--config") != std::string::npos);
  CHECK(r.out.find("transport.auth_timeout_ms") != std::string::npos);
}

TEST_CASE("e2e: --version prints the project version", "[cli]") {
  auto r = run_server_command({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("xinyu-server 0.", 0) == 0);
}

TEST_CASE("e2e: bad command lines and configs exit 2 with a clear message", "[cli]") {
  auto bad_port = run_server_command({"--port", "http"});
  CHECK(bad_port.exit_code == 2);
  CHECK(bad_port.err.find("--port") != std::string::npos);

  auto unknown = run_server_command({"--frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown argument") != std::string::npos);

  auto missing = run_server_command({"--config", "/nonexistent/xinyu.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("cannot read") != std::string::npos);

  std::string path = "/tmp/xinyu-bad-config-test.json";
  std::ofstream{path} << R"({"session":{"max_queued_turns":"many"}})";
  auto bad = run_server_command({"--config", path});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("session.max_queued_turns") != std::string::npos);
  std::ofstream{path} << R"({"emotion":{"model":"/nonexistent/emotion.bin"}})";
  auto no_model = run_server_command({"--config", path});
  CHECK(no_model.exit_code == 2);
  CHECK(no_model.err.find("emotion.model: cannot read") != std::string::npos);
  std::ofstream{path} << "{ not json";
  auto broken = run_server_command({"--config", path});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err.find("not valid JSON") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("e2e: a busy port is a clear startup error", "[cli]") {
  server_process first;
  auto r = run_server_command({"--port", std::to_string(first.port())});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot listen") != std::string::npos);
}

TEST_CASE("e2e: an unusable data directory is a clear startup error", "[cli]") {
  std::string file = "/tmp/xinyu-not-a-dir-test";
  std::ofstream{file} << "x";
  std::string cfg = "/tmp/xinyu-bad-storage-test.json";
  std::ofstream{cfg} << R"({"storage":{"path":")" << file << R"(/data"}})";
  auto r = run_server_command({"--config", cfg, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("data directory") != std::string::npos);
  std::remove(file.c_str());
  std::remove(cfg.c_str());
}

TEST_CASE("e2e: a data directory in use by another server is a clear startup error", "[cli]") {
  auto dir = temp_data_dir();
  server_process first{nlohmann::json{{"storage", {{"path", dir}}}}};
  std::string cfg = "/tmp/xinyu-locked-storage-test.json";
  std::ofstream{cfg} << R"({"storage":{"path":")" << dir << R"("}})";
  auto r = run_server_command({"--config", cfg, "--port", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("in use by another process") != std::string::npos);
  std::remove(cfg.c_str());
  first.stop();
  remove_tree(dir);
}
