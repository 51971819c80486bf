// The throwaway redis-server: a background_process with its own socket path. Must never touch a
// Redis it did not start.
#include "tests/support/redis_server.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace xinyu::test {

namespace {

/// True when something listens on the Unix socket `path` (the file alone appears at bind(),
/// before listen()).
bool accepts(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

} // namespace

redis_server::redis_server() {
  char tmpl[] = "/tmp/xinyu-redis-XXXXXX";
  if (!::mkdtemp(tmpl))
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  socket_ = dir_ + "/redis.sock";
  start();
}

void redis_server::pause() {
  if (process_)
    ::kill(process_->pid(), SIGSTOP);
}

void redis_server::resume() {
  if (process_)
    ::kill(process_->pid(), SIGCONT);
}

void redis_server::stop() {
  resume();         // a paused server could not act on the SIGTERM
  process_.reset(); // SIGTERM and wait
  std::error_code ec;
  std::filesystem::remove(socket_, ec);
}

void redis_server::start() {
  process_ = std::make_unique<background_process>(
    std::vector<std::string>{"redis-server", "--port", "0", "--unixsocket", socket_,
                             "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir",
                             dir_, "--daemonize", "no"});
  for (int i = 0; i < 500; ++i) { // bounded wait until it accepts connections (5 s)
    if (accepts(socket_))
      return;
    if (!process_->running())
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  throw std::runtime_error("redis-server did not start: " + process_->output());
}

redis_server::~redis_server() {
  resume();
  process_.reset(); // SIGTERM and wait
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

} // namespace xinyu::test
