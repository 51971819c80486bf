// Starts the real xinyu-server binary on port 0 with a given config and stops it afterwards.
// Test-only; must never be linked into the server.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace xinyu::test {

class server_process {
public:
  /// Writes `config` to a temp file, starts the server with `--config FILE --port 0` and waits
  /// (bounded) for its "listening" line. Throws std::runtime_error if it does not come up.
  /// Without `storage.path` in `config` the server gets a fresh temp data directory that is
  /// removed afterwards.
  explicit server_process(const nlohmann::json& config = nlohmann::json::object(),
                          std::vector<std::string> extra_args = {});
  ~server_process();

  std::uint16_t port() const { return port_; }
  int pid() const { return pid_; }

  /// Sends SIGTERM and waits; returns the exit code.
  int stop();

  /// SIGKILL: the process dies at once, as in a crash.
  void kill9();

  /// Everything the server wrote to stderr so far (its JSON log lines).
  std::string log() const;

private:
  int pid_ = -1;
  std::uint16_t port_ = 0;
  std::string config_path_;
  std::string owned_data_dir_;
  std::string log_path_;
};

/// A fresh, empty directory path under /tmp for a test's data (not created).
std::string temp_data_dir();

/// Removes a directory tree (test cleanup).
void remove_tree(const std::string& path);

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs xinyu-server with `args` to completion (bounded by `timeout_s`).
run_result run_server_command(const std::vector<std::string>& args, int timeout_s = 10);

} // namespace xinyu::test
