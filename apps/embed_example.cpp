// An example of xinyu inside a C++ program: starts the engine in-process from a config, opens a
// session, sends one chat and prints the reply as it streams. Must include only xinyu/engine.hpp
// from the project.
#include "xinyu/engine.hpp"

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>

int main(int argc, char** argv) {
  std::string text = argc > 1 ? argv[1] : "I had a long day and feel a bit lonely tonight";
  xinyu::engine_options options;
  options.config_json = R"({"storage": {"path": "./xinyu-embed-data"}})";
  options.read_environment = true; // XINYU_* variables work as for the server
  std::string error;
  auto engine = xinyu::engine::start(options, error);
  if (!engine) {
    std::cerr << "xinyu-embed-example: " << error << "\n";
    return 2;
  }
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  // frames arrive on the engine's threads; a real platform would parse them as JSON
  auto session = engine->open(
    "example-user",
    [&](std::string_view frame) {
      auto field = [&](std::string_view key) {
        auto at = frame.find("\"" + std::string{key} + "\":\"");
        if (at == std::string_view::npos)
          return std::string{};
        at += key.size() + 4;
        return std::string{frame.substr(at, frame.find('"', at) - at)};
      };
      auto type = field("type");
      if (type == "token") {
        std::cout << field("text") << std::flush;
      } else if (type == "persisted" || type == "error") {
        if (type == "error")
          std::cerr << "\n" << frame << "\n";
        std::lock_guard lock{mtx};
        done = true;
        cv.notify_one();
      }
    },
    error);
  if (!session) {
    std::cerr << "xinyu-embed-example: " << error << "\n";
    return 2;
  }
  session->chat("m1", text);
  std::unique_lock lock{mtx};
  cv.wait(lock, [&] { return done; }); // the engine answers every chat (done, then persisted)
  std::cout << "\n";
  return 0;
}
