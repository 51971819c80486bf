// Starts the real xinyu-server binary on port 0 with a given config and stops it afterwards.
// Test-only; must never be linked into the server.
#include "tests/support/server_process.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace xinyu::test {

namespace {

std::string temp_path(const char* suffix) {
  static int n = 0;
  return "/tmp/xinyu-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + suffix;
}

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> v;
  for (auto& a : args)
    v.push_back(a.data());
  v.push_back(nullptr);
  return v;
}

// Reads from fd until `pred(buffer)` holds, EOF, or the deadline.
template <class Pred>
std::string read_until(int fd, std::chrono::steady_clock::time_point deadline, Pred pred) {
  std::string buf;
  char chunk[4096];
  while (!pred(buf)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
    if (left <= 0)
      break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0)
      break;
    auto n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0)
      break;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  return buf;
}

} // namespace

std::string temp_data_dir() { return temp_path("-data"); }

void remove_tree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

server_process::server_process(const nlohmann::json& config_in, std::vector<std::string> extra) {
  auto config = config_in;
  // tests drive users far faster than a person types: no per-user rate limit unless asked
  if (!config.contains("limits") || !config["limits"].contains("chats_per_minute"))
    config["limits"]["chats_per_minute"] = 0;
  if (!config.contains("storage") || !config["storage"].contains("path")) {
    owned_data_dir_ = temp_data_dir();
    config["storage"]["path"] = owned_data_dir_;
  }
  config_path_ = temp_path(".json");
  log_path_ = temp_path(".log");
  std::ofstream{config_path_} << config.dump(2);
  int out[2];
  if (::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> args{XINYU_SERVER_BIN, "--config", config_path_, "--port", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::fflush(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::freopen(log_path_.c_str(), "w", stderr);
    auto argv = argv_of(args);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  ::close(out[1]);
  auto line = read_until(out[0], std::chrono::steady_clock::now() + std::chrono::seconds(15),
                         [](const std::string& b) { return b.find('\n') != std::string::npos; });
  ::close(out[0]);
  auto pos = line.find("listening on http");
  auto colon = line.rfind(':');
  if (pos == std::string::npos || colon == std::string::npos) {
    stop();
    throw std::runtime_error("xinyu-server did not start: '" + line + "' stderr: " + log());
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

std::string server_process::log() const {
  std::ifstream in{log_path_};
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

server_process::~server_process() {
  stop();
  std::remove(config_path_.c_str());
  std::remove(log_path_.c_str());
  if (!owned_data_dir_.empty())
    remove_tree(owned_data_dir_);
}

int server_process::stop() {
  if (pid_ <= 0)
    return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // bounded wait: escalate to SIGKILL after 10 s
  for (int i = 0; i < 1000; ++i) {
    auto r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ::usleep(10000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return 137;
}

void server_process::kill9() {
  if (pid_ <= 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

run_result run_server_command(const std::vector<std::string>& args_in, int timeout_s) {
  std::vector<std::string> args{XINYU_SERVER_BIN};
  args.insert(args.end(), args_in.begin(), args_in.end());
  auto out_path = temp_path(".out");
  auto err_path = temp_path(".err");
  std::fflush(nullptr); // the child must not write our buffered output a second time
  int pid = ::fork();
  if (pid == 0) {
    std::freopen(out_path.c_str(), "w", stdout);
    std::freopen(err_path.c_str(), "w", stderr);
    auto argv = argv_of(args);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  run_result r;
  int status = 0;
  bool exited = false;
  for (int i = 0; i < timeout_s * 100; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    ::usleep(10000);
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const std::string& p) {
    std::ifstream in{p};
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::remove(p.c_str());
    return s;
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

} // namespace xinyu::test
