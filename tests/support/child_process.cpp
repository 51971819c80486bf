// Runs programs for tests with bounded waits (fork/execvp, temp files for their output).
// Test-only; must never wait without a deadline.
#include "tests/support/child_process.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <unistd.h>

namespace xinyu::test {

namespace {

std::string temp_file(const char* suffix) {
  static int n = 0;
  return "/tmp/xinyu-child-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + suffix;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

[[noreturn]] void exec(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::_Exit(127);
}

/// Waits for `pid` at most `timeout_ms`; returns its exit code or -1 if it is still running.
int wait_bounded(int pid, int timeout_ms) {
  int status = 0;
  for (int waited = 0;; waited += 10) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (waited >= timeout_ms)
      return -1;
    ::usleep(10000);
  }
}

} // namespace

program_result run_program(const std::vector<std::string>& args, const std::string& input,
                           int timeout_s) {
  auto in_path = temp_file(".in");
  auto out_path = temp_file(".out");
  auto err_path = temp_file(".err");
  std::ofstream{in_path} << input;
  std::fflush(nullptr); // the child must not write our buffered output a second time
  int pid = ::fork();
  if (pid == 0) {
    std::freopen(in_path.c_str(), "r", stdin);
    std::freopen(out_path.c_str(), "w", stdout);
    std::freopen(err_path.c_str(), "w", stderr);
    exec(args);
  }
  program_result r;
  r.exit_code = wait_bounded(pid, timeout_s * 1000);
  if (r.exit_code < 0) {
    ::kill(pid, SIGKILL);
    r.exit_code = wait_bounded(pid, 10000);
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  for (const auto& p : {in_path, out_path, err_path})
    std::remove(p.c_str());
  return r;
}

background_process::background_process(const std::vector<std::string>& args)
  : log_path_(temp_file(".log")) {
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    std::freopen("/dev/null", "r", stdin);
    std::freopen(log_path_.c_str(), "w", stdout);
    ::dup2(1, 2);
    exec(args);
  }
}

background_process::~background_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (wait_bounded(pid_, 10000) < 0) {
      ::kill(pid_, SIGKILL);
      wait_bounded(pid_, 10000);
    }
  }
  std::remove(log_path_.c_str());
}

bool background_process::running() {
  if (pid_ <= 0)
    return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string background_process::output() const { return slurp(log_path_); }

} // namespace xinyu::test
