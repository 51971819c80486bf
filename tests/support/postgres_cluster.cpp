// The throwaway PostgreSQL cluster: Debian's /usr/lib/postgresql/<version>/bin tools run through
// run_program with deadlines. Must never touch a cluster it did not create.
#include "tests/support/postgres_cluster.hpp"

#include "tests/support/child_process.hpp"

#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace xinyu::test {

namespace {

std::string pg_bin_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string best;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec))
    if (fs::exists(e.path() / "bin" / "initdb") && e.path().string() > best)
      best = e.path().string();
  if (best.empty())
    throw std::runtime_error("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb); run "
                             "scripts/setup.sh");
  return best + "/bin/";
}

/// `args` as the user PostgreSQL runs as: `postgres` when we are root, else ourselves.
program_result run_as_owner(std::vector<std::string> args, int timeout_s = 60) {
  if (::geteuid() == 0)
    args.insert(args.begin(), {"runuser", "-u", "postgres", "--"});
  return run_program(args, {}, timeout_s);
}

void require(const program_result& r, const char* what) {
  if (r.exit_code != 0)
    throw std::runtime_error(std::string{what} + " failed (" + std::to_string(r.exit_code)
                             + "): " + r.out + r.err);
}

} // namespace

postgres_cluster::postgres_cluster() {
  char tmpl[] = "/tmp/xinyu-pg-XXXXXX";
  if (!::mkdtemp(tmpl))
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (::geteuid() == 0)
    require(run_program({"chown", "postgres:postgres", dir_}), "chown");
  require(run_as_owner({pg_bin_dir() + "initdb", "-D", dir_ + "/data", "-U", "xinyu", "-A", "trust",
                        "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"}),
          "initdb");
  start();
}

void postgres_cluster::start() {
  // no TCP port at all (-h ''): the socket lives in our own directory, so parallel test
  // processes never collide; fsync off: a test cluster never survives a power cut anyway
  require(run_as_owner({pg_bin_dir() + "pg_ctl", "-D", dir_ + "/data", "-w", "-t", "30", "-l",
                        dir_ + "/server.log", "-o",
                        "-k " + dir_ + " -h '' -F -c max_connections=200", "start"}),
          "pg_ctl start");
}

void postgres_cluster::stop_immediately() {
  require(run_as_owner({pg_bin_dir() + "pg_ctl", "-D", dir_ + "/data", "-w", "-t", "30", "-m",
                        "immediate", "stop"}),
          "pg_ctl stop");
}

postgres_cluster::~postgres_cluster() {
  run_as_owner(
    {pg_bin_dir() + "pg_ctl", "-D", dir_ + "/data", "-w", "-t", "30", "-m", "immediate", "stop"});
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string postgres_cluster::admin_conninfo() const {
  return "host=" + dir_ + " user=xinyu dbname=postgres connect_timeout=5";
}

std::string postgres_cluster::create_database() {
  auto name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  require(run_program({"psql", "-X", "-q", admin_conninfo(), "-c", "CREATE DATABASE " + name}),
          "CREATE DATABASE");
  return "host=" + dir_ + " user=xinyu dbname=" + name + " connect_timeout=5";
}

postgres_cluster& postgres_cluster::shared() {
  static postgres_cluster cluster;
  return cluster;
}

} // namespace xinyu::test
