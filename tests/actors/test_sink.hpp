// A client_sink for actor tests: records frames and lets a test wait (bounded) for one.
// Test-only; waits on a condition variable, never sleeps.
#pragma once

#include "actors/client_sink.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace xinyu::test {

class test_sink : public actors::client_sink {
public:
  void deliver(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock{mtx_};
    frames_.push_back(nlohmann::json::parse(*frame));
    cv_.notify_all();
  }

  /// Waits until a frame satisfying `pred` arrived at index >= `from`; returns it.
  nlohmann::json wait_for(const std::function<bool(const nlohmann::json&)>& pred,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock{mtx_};
    nlohmann::json found;
    bool ok = cv_.wait_for(lock, timeout, [&] {
      for (const auto& f : frames_)
        if (pred(f)) {
          found = f;
          return true;
        }
      return false;
    });
    if (!ok)
      throw std::runtime_error("timed out waiting for a frame");
    return found;
  }

  nlohmann::json wait_type(const std::string& type, const std::string& id = "") {
    return wait_for([&](const nlohmann::json& f) {
      return f["type"] == type && (id.empty() || f.value("id", "") == id);
    });
  }

  std::vector<nlohmann::json> frames() {
    std::lock_guard lock{mtx_};
    return frames_;
  }

  std::vector<nlohmann::json> of(const std::string& type, const std::string& id = "") {
    std::vector<nlohmann::json> out;
    for (auto& f : frames())
      if (f["type"] == type && (id.empty() || f.value("id", "") == id))
        out.push_back(f);
    return out;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<nlohmann::json> frames_;
};

} // namespace xinyu::test
