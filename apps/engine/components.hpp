// The server's parts built from a config (storage, providers, models, guard, webhook) and the
// runtime's drain, shared by xinyu-server and the in-process engine. Internal to apps/; must
// never parse command lines or touch sockets.
#pragma once

#include "actors/runtime.hpp"
#include "core/support/config.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace caf {
class actor_system;
class actor_system_config;
} // namespace caf

namespace xinyu::core {
struct service_state;
class embedder;
class emotion_scorer;
class safety_checker;
class safety_guard;
class webhook;
} // namespace xinyu::core
namespace xinyu::llm {
class upstream_client;
}
namespace xinyu::storage {
class conversation_store;
class lease_store;
} // namespace xinyu::storage

namespace xinyu::apps {

/// Everything start_runtime takes, built and validated from `cfg`.
struct components {
  std::unique_ptr<storage::conversation_store> store;
  std::unique_ptr<storage::lease_store> leases;   // null: a single node
  std::shared_ptr<actors::cluster_router> router; // null: a single node
  std::shared_ptr<core::service_state> svc;
  std::shared_ptr<llm::upstream_client> upstream;      // null: the offline provider
  std::shared_ptr<const core::embedder> embeddings;    // null: hashed embeddings
  std::shared_ptr<const core::emotion_scorer> emotion; // null: the lexicon
  std::shared_ptr<const core::safety_checker> safety;  // null: the rules alone
  std::shared_ptr<const core::safety_guard> guard;     // null: no guard model
  std::shared_ptr<const core::webhook> escalation;     // null: no escalation webhook
  components();
  components(components&&) noexcept;
  components& operator=(components&&) noexcept;
  ~components();
};

/// Builds the components; on failure returns nullopt and `error` is one sentence starting
/// with its kind ("storage error: ...", "configuration error: ...").
std::optional<components> build_components(const core::config& cfg, std::string& error);

/// Log level and user-id hashing from `cfg.log`, build metrics.
void configure_logging(const core::config& cfg);

/// Scheduler threads and the project's error category.
void configure_actor_system(caf::actor_system_config& sys_cfg, const core::config& cfg);

/// Starts the actor runtime on `sys` from built components (moved from).
actors::runtime start(caf::actor_system& sys, const core::config& cfg, components& parts);

/// Graceful drain after new work is refused (`svc.draining` set by this call): lets admitted
/// turns finish, flushes storage and lets `persisted` reach the sinks, all by `deadline`.
void drain_runtime(actors::runtime& rt, core::service_state& svc, caf::actor_system& sys,
                   std::chrono::steady_clock::time_point deadline);

/// The XINYU_* environment variables, for core::load_config (the server and the engine).
std::map<std::string, std::string> xinyu_environment();

/// Where a model setting points: "auto" is models/NAME.bin of the build this binary belongs
/// to or share/xinyu/models/NAME.bin of its installation; "" when neither exists.
std::string resolve_model(const std::string& configured, const char* name);

} // namespace xinyu::apps
