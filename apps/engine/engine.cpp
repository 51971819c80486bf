// The in-process engine behind xinyu/engine.hpp: the server's components and actor runtime,
// with sessions that are client_sinks calling a callback. Must never open a listener.
#include "xinyu/engine.hpp"

#include "actors/client_sink.hpp"
#include "actors/gateway_api.hpp"
#include "apps/engine/components.hpp"
#include "core/protocol/client_frame.hpp"
#include "core/protocol/server_frame.hpp"
#include "core/support/service_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <type_traits>
#include <variant>

namespace xinyu {

namespace {

/// Whether the runtime still takes messages: sessions hold it shared while they hand a
/// message to the runtime, stop() takes it exclusively to close it, so no send races the
/// actor system's destruction.
struct engine_gate {
  std::shared_mutex mtx;
  bool running = true;
};

/// A session's sink: frames go to the callback one at a time (a mutex keeps one call at a
/// time even when two actors deliver at once), nothing after close. Recursive: a callback may
/// call send(), whose local replies (pong, error) are delivered on the same thread.
class callback_sink final : public actors::client_sink {
public:
  explicit callback_sink(frame_callback cb) : cb_(std::move(cb)) {}
  void deliver(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock{mtx_};
    if (open_ && cb_)
      cb_(*frame);
  }
  void close() {
    std::lock_guard lock{mtx_};
    open_ = false;
  }

private:
  std::recursive_mutex mtx_;
  frame_callback cb_;
  bool open_ = true;
};

} // namespace

struct engine::impl {
  core::config cfg;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  actors::runtime rt;
  std::shared_ptr<core::service_state> svc;
  std::atomic<bool> stopped{false};
  // read by sessions: after the runtime stopped, a session's close must not reach it
  std::shared_ptr<engine_gate> gate = std::make_shared<engine_gate>();
};

struct user_session::impl {
  std::string user;
  std::shared_ptr<callback_sink> sink;
  actors::gateway_api_ptr gateway;
  core::frame_limits limits;
  std::shared_ptr<engine_gate> gate;
};

user_session::user_session(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

user_session::~user_session() {
  impl_->sink->close();
  std::shared_lock lock{impl_->gate->mtx};
  if (impl_->gate->running)
    impl_->gateway->detach(impl_->user, impl_->sink);
}

const std::string& user_session::user() const { return impl_->user; }

void user_session::chat(std::string_view id, std::string_view text) {
  nlohmann::json f{{"type", "chat"}, {"id", id}, {"text", text}};
  // invalid UTF-8 becomes U+FFFD here; the parser then judges the frame as on a WebSocket
  send(f.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void user_session::send(std::string_view frame_json) {
  auto& s = *impl_;
  std::shared_lock lock{s.gate->mtx};
  if (!s.gate->running)
    return;
  auto reply = [&](std::string frame) {
    s.sink->deliver(std::make_shared<const std::string>(std::move(frame)));
  };
  auto parsed = core::parse_client_frame(frame_json, s.limits);
  std::visit(
    [&](auto&& f) {
      using T = std::decay_t<decltype(f)>;
      if constexpr (std::is_same_v<T, core::frame_error>) {
        reply(core::frames::error(f.code, f.message, f.id));
      } else if constexpr (std::is_same_v<T, core::ping_command>) {
        reply(core::frames::pong());
      } else if constexpr (std::is_same_v<T, core::auth_command>) {
        reply(core::frames::error("bad_request", "this session is already signed in as its user",
                                  std::nullopt));
      } else if constexpr (
        std::is_same_v<
          T,
          core::
            takeover_command> || std::is_same_v<T, core::release_command> || std::is_same_v<T, core::operator_reply_command>) {
        reply(core::frames::error("unauthorized", "operator commands need an operator connection",
                                  std::nullopt));
      } else {
        s.gateway->command(s.user, s.sink, core::client_command{std::forward<decltype(f)>(f)});
      }
    },
    std::move(parsed));
}

engine::engine(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

engine::~engine() { stop(); }

std::unique_ptr<engine> engine::start(const engine_options& options, std::string& error) {
  auto loaded = core::load_config(options.config_json.empty() ? "{}" : options.config_json,
                                  options.read_environment ? apps::xinyu_environment()
                                                           : std::map<std::string, std::string>{});
  if (!loaded.value) {
    error = "configuration error: " + loaded.error;
    return nullptr;
  }
  auto i = std::make_unique<impl>();
  i->cfg = std::move(*loaded.value);
  auto parts = apps::build_components(i->cfg, error);
  if (!parts)
    return nullptr;
  apps::configure_logging(i->cfg);
  apps::configure_actor_system(i->sys_cfg, i->cfg);
  i->sys = std::make_unique<caf::actor_system>(i->sys_cfg);
  i->svc = parts->svc;
  i->rt = apps::start(*i->sys, i->cfg, *parts);
  return std::unique_ptr<engine>{new engine{std::move(i)}};
}

std::unique_ptr<user_session> engine::open(std::string_view user, frame_callback on_frame,
                                           std::string& error) {
  auto& e = *impl_;
  if (e.stopped || e.svc->draining) {
    error = "the engine is stopping";
    return nullptr;
  }
  if (!core::is_valid_user_id(user, e.cfg.limits.max_user_bytes)
      || user.find(':') != std::string_view::npos) {
    error = "a user id is 1-" + std::to_string(e.cfg.limits.max_user_bytes)
            + " bytes of printable UTF-8 without ':'";
    return nullptr;
  }
  auto s = std::make_unique<user_session::impl>();
  s->user = std::string{user};
  s->sink = std::make_shared<callback_sink>(std::move(on_frame));
  s->gateway = e.rt.api;
  s->gate = e.gate;
  s->limits.max_text_bytes = e.cfg.limits.max_text_bytes;
  s->limits.max_user_bytes = e.cfg.limits.max_user_bytes;
  e.rt.api->attach(s->user, s->sink); // `ready` first, as on a WebSocket
  return std::unique_ptr<user_session>{new user_session{std::move(s)}};
}

void engine::stop() {
  auto& e = *impl_;
  if (e.stopped.exchange(true))
    return;
  apps::drain_runtime(e.rt, *e.svc, *e.sys,
                      std::chrono::steady_clock::now()
                        + std::chrono::seconds{e.cfg.shutdown.drain_s});
  {
    std::unique_lock lock{e.gate->mtx}; // waits for sends in progress; later ones are dropped
    e.gate->running = false;
  }
  actors::stop_runtime(e.rt);
  e.rt = actors::runtime{}; // its handles keep detached actors (storage) alive
  e.sys.reset();            // waits for every actor
}

} // namespace xinyu
