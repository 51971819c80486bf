// Runs other programs from tests (promtool, prometheus, ...): to completion with a deadline, or
// in the background until the test ends. Test-only; must never be linked into the server.
#pragma once

#include <string>
#include <vector>

namespace xinyu::test {

struct program_result {
  int exit_code = -1; // 128 + signal when killed; 127 when the program could not be started
  std::string out;
  std::string err;
};

/// Runs `args` (args[0] looked up on PATH) with `input` on stdin; killed after `timeout_s`.
program_result run_program(const std::vector<std::string>& args, const std::string& input = {},
                           int timeout_s = 30);

/// A program running while the object lives: SIGTERM (then SIGKILL after 10 s) at the end.
class background_process {
public:
  /// Starts `args` (args[0] looked up on PATH) with stdout and stderr going to a temp file.
  explicit background_process(const std::vector<std::string>& args);
  ~background_process();
  background_process(const background_process&) = delete;
  background_process& operator=(const background_process&) = delete;

  /// True while the program has not exited.
  bool running();
  /// What the program wrote to stdout and stderr so far.
  std::string output() const;
  /// Its process id (for SIGSTOP / SIGCONT).
  int pid() const { return pid_; }

private:
  int pid_ = -1;
  std::string log_path_;
};

} // namespace xinyu::test
