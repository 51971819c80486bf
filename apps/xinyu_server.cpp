// xinyu-server: loads the config, starts the actor runtime and the transport, prints the bound
// port and runs until SIGINT/SIGTERM. Must never contain protocol or conversation logic.
#include "apps/engine/components.hpp"
#include "actors/error.hpp"
#include "actors/runtime.hpp"
#include "core/support/config.hpp"
#include "core/support/metrics.hpp"
#include "actors/llm_pool.hpp"
#include "core/support/log.hpp"
#include "core/support/service_state.hpp"
#include "core/auth/token_verifier.hpp"
#include "core/protocol/client_frame.hpp"
#include "llm/embedding_client.hpp"
#include "llm/guard_client.hpp"
#include "llm/webhook_client.hpp"
#include "core/auth/sealed_box.hpp"
#include "llm/understanding_models.hpp"
#include "llm/upstream_client.hpp"
#include "storage/conversation_store.hpp"
#include "transport/server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <csignal>
#include <filesystem>
#include <cstdlib>
#include <iostream>
#include <map>
#include <pthread.h>
#include <string>
#include <chrono>
#include <thread>

extern char** environ;

namespace {

constexpr int exit_usage = 2;

void print_help() {
  std::cout
    << "xinyu-server - actor-model chat backend for an emotional-companion assistant\n\n"
       "usage: xinyu-server [--config FILE] [--port N] [--print-config] [--config-docs] [--help]\n"
       "       xinyu-server [--config FILE] --issue-token USER [--token-ttl-s N] [--operator] "
       "[--minor] [--platform]\n\n"
       "  --config FILE    JSON configuration (see config/xinyu.example.json); without it the\n"
       "                   embedded defaults are used\n"
       "  --port N         listen port (overrides server.port); 0 = any free port\n"
       "  --print-config   print the embedded defaults as JSON and exit\n"
       "  --config-docs    print the configuration keys as Markdown (docs/configuration.md)\n"
       "  --issue-token U  print an HS256 token for user U signed with auth.secret, then exit\n"
       "  --operator       with --issue-token: the token carries role \"operator\" (crisis "
       "alerts,\n"
       "                   takeover / reply / release; docs/protocol.md \"Operators\")\n"
       "  --minor          with --issue-token: the token carries age_band \"minor\" (the minors\n"
       "                   policy, docs/crisis-protocol.md)\n"
       "  --platform       with --issue-token: the token carries role \"platform\" (a chat\n"
       "                   platform naming its users in auth.platform_user_header)\n"
       "  --token-ttl-s N  lifetime of that token in seconds (default 86400)\n"
       "  --version        print the version and exit\n"
       "  --help           this text\n\n"
       "On start the server prints one line 'xinyu-server listening on http://HOST:PORT' (https:// "
       "with server.tls_cert).\n"
       "Every key can also be set with an environment variable XINYU_<KEY> ('.' -> '_').\n"
       "A bad config file or value exits with code 2.\n\n"
       "configuration keys (default):\n"
    << xinyu::core::describe_config_keys();
}

/// Graceful shutdown: refuse new connections and chats, let admitted turns finish, flush
/// storage, and give the last frames a moment to reach the sockets; all within `budget`.
void drain(xinyu::transport::server& srv, xinyu::actors::runtime& rt,
           xinyu::core::service_state& svc, caf::actor_system& sys, std::chrono::seconds budget) {
  auto deadline = std::chrono::steady_clock::now() + budget;
  svc.draining = true;
  srv.stop_accepting();
  xinyu::apps::drain_runtime(rt, svc, sys, deadline);
}

} // namespace

int main(int argc, char** argv) {
  std::string config_path;
  std::optional<long> port;
  std::optional<std::string> issue_for; // --issue-token: print a signed token and exit
  long token_ttl_s = 86400;
  bool operator_token = false; // --operator: the issued token carries role "operator"
  bool minor_token = false;    // --minor: the issued token carries age_band "minor"
  bool platform_token = false; // --platform: the issued token carries role "platform"
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "xinyu-server: " << name << " needs a value\n";
        std::exit(exit_usage);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (a == "--version") {
      std::cout << "xinyu-server " << XINYU_VERSION << "\n";
      return 0;
    } else if (a == "--print-config") {
      std::cout << xinyu::core::default_config_json() << "\n";
      return 0;
    } else if (a == "--config-docs") {
      std::cout << xinyu::core::describe_config_markdown();
      return 0;
    } else if (a == "--config") {
      config_path = value("--config");
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else if (a == "--port" || a.rfind("--port=", 0) == 0) {
      auto v = a == "--port" ? value("--port") : a.substr(7);
      char* end = nullptr;
      long p = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || p < 0 || p > 65535) {
        std::cerr << "xinyu-server: --port must be a number from 0 to 65535, got '" << v << "'\n";
        return exit_usage;
      }
      port = p;
    } else if (a == "--issue-token") {
      issue_for = value("--issue-token");
    } else if (a == "--operator") {
      operator_token = true;
    } else if (a == "--minor") {
      minor_token = true;
    } else if (a == "--platform") {
      platform_token = true;
    } else if (a == "--token-ttl-s") {
      auto v = value("--token-ttl-s");
      char* end = nullptr;
      token_ttl_s = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || token_ttl_s <= 0) {
        std::cerr << "xinyu-server: --token-ttl-s must be a positive number of seconds\n";
        return exit_usage;
      }
    } else {
      std::cerr << "xinyu-server: unknown argument '" << a << "' (see --help)\n";
      return exit_usage;
    }
  }
  auto loaded = xinyu::core::load_config_file(config_path, xinyu::apps::xinyu_environment());
  if (!loaded.value) {
    std::cerr << "xinyu-server: configuration error: " << loaded.error << "\n";
    return exit_usage;
  }
  auto cfg = std::move(*loaded.value);
  if (issue_for) {
    if (cfg.auth.secret.empty()) {
      std::cerr << "xinyu-server: --issue-token needs auth.secret (in the config or "
                   "XINYU_AUTH_SECRET)\n";
      return exit_usage;
    }
    if (!xinyu::core::is_valid_user_id(*issue_for, cfg.limits.max_user_bytes)
        || issue_for->find(':') != std::string::npos) {
      std::cerr << "xinyu-server: --issue-token: not a valid user id (':' is reserved for the "
                   "users a platform token names)\n";
      return exit_usage;
    }
    if (operator_token && platform_token) {
      std::cerr << "xinyu-server: --operator and --platform are different roles: choose one\n";
      return exit_usage;
    }
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    xinyu::core::token_verifier tokens{cfg.auth.secret, cfg.limits.max_user_bytes};
    std::cout << tokens.issue(*issue_for, now + token_ttl_s, operator_token, minor_token,
                              platform_token)
              << "\n";
    return 0;
  }
  if (port)
    cfg.server.port = static_cast<std::uint16_t>(*port);

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string error;
  auto parts = xinyu::apps::build_components(cfg, error);
  if (!parts) {
    std::cerr << "xinyu-server: " << error << "\n";
    return exit_usage;
  }
  auto svc = parts->svc;
  xinyu::apps::configure_logging(cfg);
  caf::actor_system_config sys_cfg;
  xinyu::apps::configure_actor_system(sys_cfg, cfg);
  caf::actor_system sys{sys_cfg};
  auto rt = xinyu::apps::start(sys, cfg, *parts);

  auto srv = xinyu::transport::server::start(cfg, rt.api, svc, error);
  if (!srv) {
    std::cerr << "xinyu-server: " << error << "\n";
    xinyu::actors::stop_runtime(rt);
    return exit_usage;
  }
  // the log line first: whoever waits for the stdout line can then read it (admin_port)
  xinyu::core::log::info("started", {{"port", srv->port()},
                                     {"admin_port", srv->admin_port()},
                                     {"mode", cfg.auth.secret.empty() ? "dev" : "token"},
                                     {"provider", cfg.llm.provider}});
  std::cout << "xinyu-server listening on "
            << (cfg.server.tls_cert.empty() ? "http://" : "https://") << cfg.server.host << ":"
            << srv->port() << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  xinyu::core::log::info("draining", {{"signal", sig}});
  drain(*srv, rt, *svc, sys, std::chrono::seconds{cfg.shutdown.drain_s});
  // 1001 tells clients (the web page reconnects with backoff) that the server went away on
  // purpose; bounded by the close handshake's own deadline
  srv->close_websockets(std::chrono::milliseconds{cfg.transport.close_timeout_ms + 100});
  srv->stop();
  xinyu::actors::stop_runtime(rt);
  xinyu::core::log::info("stopped");
  return 0;
}
