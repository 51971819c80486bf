// Builds the server's parts from a config and drains the runtime; the code xinyu-server and the
// in-process engine share. Must never parse command lines, print, or touch sockets.
#include "apps/engine/components.hpp"

#include "actors/atoms.hpp"
#include "actors/cluster_router.hpp"
#include "actors/error.hpp"
#include "actors/llm_pool.hpp"
#include "apps/build_info.hpp"
#include "core/auth/sealed_box.hpp"
#include "core/support/log.hpp"
#include "core/support/metrics.hpp"
#include "core/support/service_state.hpp"
#include "llm/embedding_client.hpp"
#include "llm/guard_client.hpp"
#include "llm/understanding_models.hpp"
#include "llm/upstream_client.hpp"
#include "llm/webhook_client.hpp"
#include "storage/conversation_store.hpp"
#include "storage/lease_store.hpp"
#include "storage/message_bus.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <tuple>
#include <unistd.h>

extern char** environ;

namespace xinyu::apps {

components::components() = default;
components::components(components&&) noexcept = default;
components& components::operator=(components&&) noexcept = default;
components::~components() = default;

std::map<std::string, std::string> xinyu_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv{*e};
    if (kv.rfind("XINYU_", 0) != 0)
      continue;
    auto eq = kv.find('=');
    if (eq != std::string::npos)
      env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::string resolve_model(const std::string& configured, const char* name) {
  if (configured != "auto")
    return configured;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  auto file = std::string{name} + ".bin";
  auto prefix = exe.parent_path().parent_path();
  for (const auto& p : {prefix / "models" / file, prefix / "share" / "xinyu" / "models" / file})
    if (std::filesystem::exists(p, ec))
      return p.string();
  return {};
}

namespace {

/// The value of the environment variable `var` named by config key `key`, or nullopt with
/// `error` when it is not set.
std::optional<std::string> secret_from_env(const char* key, const std::string& var,
                                           std::string& error) {
  const char* v = std::getenv(var.c_str());
  if (!v || !*v) {
    error = std::string{"configuration error: "} + key + " names the environment variable '" + var
            + "', which is not set";
    return std::nullopt;
  }
  return std::string{v};
}

} // namespace

std::optional<components> build_components(const core::config& cfg, std::string& error) {
  components c;
  c.store = storage::conversation_store::open({cfg.storage.path, cfg.storage.sync,
                                               cfg.storage.backend, cfg.storage.postgres},
                                              error);
  if (!c.store) {
    error = "storage error: " + error;
    return std::nullopt;
  }
  if (!cfg.cluster.redis.empty()) {
    storage::lease_store::options lo;
    lo.address = cfg.cluster.redis;
    lo.node = cfg.cluster.node_id;
    if (lo.node.empty()) {
      char host[256] = {};
      ::gethostname(host, sizeof host - 1);
      lo.node = std::string{host} + "-" + std::to_string(::getpid());
    }
    lo.lease_ms = cfg.cluster.lease_ms;
    lo.timeout_ms = cfg.cluster.redis_timeout_ms;
    c.leases = storage::lease_store::open(lo, error);
    if (!c.leases) {
      error = "cluster error: " + error;
      return std::nullopt;
    }
    actors::cluster_router::options ro;
    ro.node = lo.node;
    ro.max_remote = cfg.transport.max_connections;
    // at most every connection's queue of turns waits for the owner at once
    ro.max_awaited = cfg.transport.max_connections * cfg.session.max_queued_turns;
    ro.retry_after_ms = cfg.storage.retry_after_ms;
    // half the forwarding node's wait: a chat the owner refuses as late is answered by that
    // refusal, before the forwarding node would answer it `overloaded` itself
    ro.forward_deadline_ms = cfg.cluster.forward_timeout_ms / 2;
    c.router = std::make_shared<actors::cluster_router>(ro);
    std::weak_ptr<actors::cluster_router> weak = c.router;
    storage::message_bus::options bo;
    bo.address = cfg.cluster.redis;
    bo.node = lo.node;
    bo.timeout_ms = cfg.cluster.redis_timeout_ms;
    bo.max_queued = cfg.cluster.bus_queue_max;
    auto bus = storage::message_bus::open(
      bo,
      [weak](std::string payload) {
        if (auto r = weak.lock())
          r->on_receive(payload);
      },
      [weak](const std::string& to, const std::string& payload) {
        if (auto r = weak.lock())
          r->on_undelivered(to, payload);
      },
      error);
    if (!bus) {
      error = "cluster error: " + error;
      return std::nullopt;
    }
    c.router->set_bus(std::move(bus));
  }
  c.svc = std::make_shared<core::service_state>();
  c.svc->chaos.apply_json(cfg.chaos_json); // validated by load_config
  c.svc->max_inflight_turns = cfg.limits.max_inflight_turns;
  if (cfg.llm.provider == "openai") {
    c.upstream = llm::upstream_client::make(cfg.llm, error);
    if (!c.upstream) {
      error = "configuration error: " + error;
      return std::nullopt;
    }
  }

  if (!cfg.memory.embeddings.base_url.empty()) {
    llm::embedding_endpoint ep;
    ep.base_url = cfg.memory.embeddings.base_url;
    ep.model = cfg.memory.embeddings.model;
    ep.timeout_ms = cfg.memory.embeddings.timeout_ms;
    ep.tls_verify = cfg.llm.tls_verify;
    ep.ca_file = cfg.llm.ca_file;
    if (const auto& var = cfg.memory.embeddings.api_key_env; !var.empty()) {
      auto key = secret_from_env("memory.embeddings.api_key_env", var, error);
      if (!key)
        return std::nullopt;
      ep.api_key = *key;
    }
    c.embeddings = llm::make_embedding_client(ep, error);
    if (!c.embeddings) {
      error = "configuration error: " + error;
      return std::nullopt;
    }
  }

  // The trained understanding models; "auto" falls back to the rules and the lexicon (with a
  // warning) when the build has none, a path that cannot be loaded is a configuration error.
  for (auto [key, configured, name] : {std::tuple{"emotion.model", cfg.emotion.model, "emotion"},
                                       std::tuple{"safety.model", cfg.safety.model, "safety"}}) {
    if (configured.empty())
      continue;
    auto path = resolve_model(configured, name);
    if (path.empty()) {
      core::log::warn("model_missing",
                      {{"key", key},
                       {"message", std::string{"no trained model beside this build; using the "
                                               "built-in "}
                                     + (std::string{name} == "safety" ? "rules" : "lexicon")
                                     + " alone"}});
      continue;
    }
    bool ok = std::string{name} == "safety"
                ? (c.safety = llm::load_safety_model(path, error)) != nullptr
                : (c.emotion = llm::load_emotion_model(path, error)) != nullptr;
    if (!ok) {
      error = std::string{"configuration error: "} + key + ": " + error;
      return std::nullopt;
    }
  }

  if (const auto& g = cfg.safety.guard; !g.base_url.empty()) {
    llm::guard_endpoint ep;
    ep.base_url = g.base_url;
    ep.model = g.model;
    ep.shape = *core::parse_guard_shape(g.shape);
    ep.timeout_ms = g.deadline_ms;
    if (!g.api_key_env.empty()) {
      auto key = secret_from_env("safety.guard.api_key_env", g.api_key_env, error);
      if (!key)
        return std::nullopt;
      ep.api_key = *key;
    }
    c.guard = llm::make_guard_client(ep, error);
    if (!c.guard) {
      error = "configuration error: " + error;
      return std::nullopt;
    }
  }

  if (cfg.care.emergency_contacts && !core::decode_sealing_key(cfg.care.contact_key, error)) {
    error =
      "configuration error: care.contact_key " + error + " (required with care.emergency_contacts)";
    return std::nullopt;
  }
  if (!cfg.care.escalation_url.empty()) {
    std::string key;
    if (const auto& env = cfg.care.escalation_api_key_env; !env.empty()) {
      auto v = secret_from_env("care.escalation_api_key_env", env, error);
      if (!v)
        return std::nullopt;
      key = *v;
    }
    c.escalation = llm::make_webhook_client(cfg.care.escalation_url, key, error);
    if (!c.escalation) {
      error = "configuration error: care.escalation_url: " + error;
      return std::nullopt;
    }
  }
  return c;
}

void configure_logging(const core::config& cfg) {
  core::log::set_user_key(cfg.log.user_hash_secret);
  using log_level = core::log::level;
  core::log::set_min_level(cfg.log.level == "debug"   ? log_level::debug
                           : cfg.log.level == "warn"  ? log_level::warn
                           : cfg.log.level == "error" ? log_level::error
                                                      : log_level::info);
  register_build_metrics();
}

void configure_actor_system(caf::actor_system_config& sys_cfg, const core::config& cfg) {
  register_error_category(sys_cfg);
  auto threads = cfg.scheduler.threads != 0 ? cfg.scheduler.threads
                                            : std::max(1u, std::thread::hardware_concurrency());
  sys_cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
  sys_cfg.set("work-stealing.aggressive-poll-attempts",
              static_cast<size_t>(cfg.scheduler.spin_polls));
  sys_cfg.set("work-stealing.moderate-poll-attempts",
              static_cast<size_t>(cfg.scheduler.sleepy_polls));
  sys_cfg.set("work-stealing.moderate-sleep-duration",
              caf::timespan{std::chrono::microseconds{cfg.scheduler.sleepy_poll_us}});
}

actors::runtime start(caf::actor_system& sys, const core::config& cfg, components& parts) {
  return actors::start_runtime(sys, cfg, std::move(parts.store), parts.svc, parts.upstream,
                               parts.embeddings, parts.emotion, parts.safety, parts.guard,
                               parts.escalation, std::move(parts.leases), parts.router);
}

void drain_runtime(actors::runtime& rt, core::service_state& svc, caf::actor_system& sys,
                   std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  svc.draining = true;
  auto& reg = core::metrics();
  auto& turns = reg.get_gauge("xinyu_turns_queued", "");
  auto& frames = reg.get_gauge("xinyu_outbound_frames_queued", "");
  // Polling a gauge here is fine: this is the process's last few seconds, not a hot path.
  while (steady_clock::now() < deadline && (turns.value() > 0 || svc.storage_queue > 0))
    std::this_thread::sleep_for(milliseconds(10));
  if (rt.pools.storage) {
    caf::scoped_actor self{sys};
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left < milliseconds(500))
      left = milliseconds(500); // one last write attempt, even when the budget is spent
    bool flushed = false;
    self->request(rt.pools.storage, left, actors::flush_atom::value)
      .receive([&](bool empty) { flushed = empty; }, [&](caf::error&) {});
    if (!flushed)
      core::log::error("drain_incomplete",
                       {{"detail", "storage could not be flushed; unwritten turns were "
                                   "not acknowledged with persisted"}});
  }
  // every written turn's `persisted` goes storage -> gateway -> session -> connection: let it
  // reach the connections before their frames are flushed below
  while (steady_clock::now() < deadline && svc.persisted_unsent > 0)
    std::this_thread::sleep_for(milliseconds(2));
  auto grace = steady_clock::now() + milliseconds(500);
  while (steady_clock::now() < std::min(grace, deadline + milliseconds(500)) && frames.value() > 0)
    std::this_thread::sleep_for(milliseconds(5));
  if (turns.value() > 0)
    core::log::error("drain_incomplete",
                     {{"detail", "turns still in flight at the drain deadline"}});
}

} // namespace xinyu::apps
