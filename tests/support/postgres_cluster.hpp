// A throwaway PostgreSQL cluster for tests: initdb into a temp directory, a server listening only
// on a Unix socket there, removed at the end. Test-only; must never be linked into the server.
#pragma once

#include <string>

namespace xinyu::test {

class postgres_cluster {
public:
  /// Runs Debian's initdb and pg_ctl (as the `postgres` system user when running as root, since
  /// PostgreSQL refuses root). Throws std::runtime_error with the tools' output when it cannot.
  postgres_cluster();
  ~postgres_cluster();
  postgres_cluster(const postgres_cluster&) = delete;
  postgres_cluster& operator=(const postgres_cluster&) = delete;

  /// Creates an empty database and returns its libpq connection string.
  std::string create_database();
  /// The connection string of the cluster's maintenance database.
  std::string admin_conninfo() const;

  /// Stops the server at once (as a crash would) / starts it again on the same socket.
  void stop_immediately();
  void start();

  /// One cluster per test process, started on first use.
  static postgres_cluster& shared();

private:
  std::string dir_;
  int databases_ = 0;
};

} // namespace xinyu::test
