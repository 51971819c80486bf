// Tests xinyu as a library through its public header alone (xinyu/engine.hpp): chat, two
// sessions of one user, history across a restart, forget, bad frames, bad config. No actor
// system, socket or storage type is visible here.
#include "xinyu/engine.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// Collects one session's frames; waits (bounded) for a frame that matches.
class inbox {
public:
  xinyu::frame_callback callback() {
    return [this](std::string_view f) {
      std::lock_guard lock{mtx_};
      frames_.push_back(json::parse(f));
      cv_.notify_all();
    };
  }
  /// The first frame at or after position `from` of `type` (and `id` when given).
  json wait_for(const std::string& type, const std::string& id = {}, std::size_t* at = nullptr) {
    std::unique_lock lock{mtx_};
    std::size_t i = at ? *at : 0;
    bool found = cv_.wait_for(lock, 15s, [&] {
      for (; i < frames_.size(); ++i)
        if (frames_[i].value("type", "") == type
            && (id.empty() || frames_[i].value("id", "") == id))
          return true;
      return false;
    });
    if (!found)
      throw std::runtime_error("no " + type + " frame within 15 s");
    if (at)
      *at = i + 1;
    return frames_[i];
  }
  std::vector<json> frames() {
    std::lock_guard lock{mtx_};
    return frames_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<json> frames_;
};

std::string temp_dir() {
  auto d = std::filesystem::temp_directory_path()
           / ("xinyu-engine-test-" + std::to_string(std::rand()) + "-"
              + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  return d.string();
}

xinyu::engine_options options_for(const std::string& dir) {
  xinyu::engine_options o;
  o.config_json =
    json{{"storage", {{"path", dir}}}, {"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}}
      .dump();
  return o;
}

} // namespace

TEST_CASE("engine: a chat streams through the callback and is stored", "[engine]") {
  auto dir = temp_dir();
  std::string error;
  {
    auto engine = xinyu::engine::start(options_for(dir), error);
    REQUIRE(engine);
    inbox a, b;
    auto s1 = engine->open("alice", a.callback(), error);
    auto s2 = engine->open("alice", b.callback(), error); // a second device of the same user
    REQUIRE(s1);
    REQUIRE(s2);
    CHECK(a.wait_for("ready")["user"] == "alice");
    s1->chat("m1", "I had a long day at work");
    auto accepted = a.wait_for("accepted", "m1");
    CHECK(accepted["turn"] == 1);
    auto done = a.wait_for("done", "m1");
    CHECK(done["finish"] == "stop");
    a.wait_for("persisted", "m1");
    std::string reply;
    std::size_t seq = 0;
    for (auto& f : a.frames())
      if (f["type"] == "token") {
        CHECK(f["seq"] == seq++);
        reply += f["text"].get<std::string>();
      }
    CHECK_FALSE(reply.empty());
    // the other session of the same user saw the turn live, the user's own words included
    CHECK(b.wait_for("accepted", "m1")["text"] == "I had a long day at work");
    b.wait_for("done", "m1");
    // a malformed frame is answered with an error, and the session keeps working
    s1->send(R"({"type":"chat","id":"bad id!","text":"x"})");
    CHECK(a.wait_for("error")["code"] == "bad_request");
    s1->send(R"({"type":"ping"})");
    a.wait_for("pong");
  }
  {
    // a new engine over the same storage: history survives, numbering continues
    auto engine = xinyu::engine::start(options_for(dir), error);
    REQUIRE(engine);
    inbox a;
    auto s = engine->open("alice", a.callback(), error);
    REQUIRE(s);
    s->send(R"({"type":"history","limit":10})");
    auto h = a.wait_for("history");
    REQUIRE(h["messages"].size() == 2);
    CHECK(h["messages"][0]["text"] == "I had a long day at work");
    s->chat("m2", "thanks");
    CHECK(a.wait_for("accepted", "m2")["turn"] == 3);
    a.wait_for("persisted", "m2");
    s->send(R"({"type":"forget"})");
    CHECK(a.wait_for("forgotten")["deleted"] == 4);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("engine: bad configuration and bad user ids are clear errors", "[engine]") {
  std::string error;
  xinyu::engine_options bad;
  bad.config_json = R"({"limits": {"max_text_bytes": "lots"}})";
  CHECK_FALSE(xinyu::engine::start(bad, error));
  CHECK(error.find("limits.max_text_bytes") != std::string::npos);

  auto dir = temp_dir();
  auto engine = xinyu::engine::start(options_for(dir), error);
  REQUIRE(engine);
  inbox a;
  CHECK_FALSE(engine->open("", a.callback(), error));
  CHECK_FALSE(engine->open("platform:someone", a.callback(), error));
  CHECK(error.find("':'") != std::string::npos);
  {
    // a callback may send on its own session: the immediate reply comes back re-entrantly
    inbox r;
    std::atomic<xinyu::user_session*> self{nullptr};
    auto collect = r.callback();
    auto s = engine->open(
      "carol",
      [&](std::string_view f) {
        collect(f);
        if (f.find(R"("type":"pong")") != std::string_view::npos)
          if (auto* me = self.load())
            me->send("not json"); // answered with an error frame on this very thread
      },
      error);
    REQUIRE(s);
    self = s.get();
    s->send(R"({"type":"ping"})");
    CHECK(r.wait_for("error")["code"] == "bad_request");
  }
  engine->stop();
  CHECK_FALSE(engine->open("bob", a.callback(), error));
  CHECK(error == "the engine is stopping");
  engine.reset();
  std::filesystem::remove_all(dir);
}
