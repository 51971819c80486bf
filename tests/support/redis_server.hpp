// A throwaway redis-server for tests: no TCP port, a Unix socket in a temp directory, nothing
// saved to disk. Test-only; must never be linked into the server.
#pragma once

#include "tests/support/child_process.hpp"

#include <memory>
#include <string>

namespace xinyu::test {

class redis_server {
public:
  /// Starts Debian's redis-server and waits (bounded) for its socket. Throws std::runtime_error
  /// when it does not come up.
  redis_server();
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  /// The address for cluster.redis: "unix:<socket>".
  std::string address() const { return "unix:" + socket_; }

  /// Stops the server (its data is gone: nothing is saved) / starts a fresh one on the socket.
  void stop();
  void start();
  /// SIGSTOP / SIGCONT: a Redis that hangs (it accepts bytes and never answers).
  void pause();
  void resume();

private:
  std::string dir_;
  std::string socket_;
  std::unique_ptr<background_process> process_;
};

} // namespace xinyu::test
