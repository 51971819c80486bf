// Reads one turn's frames (accepted .. done [.. persisted]) from a test WebSocket client.
// Test-only helper shared by the end-to-end suites.
#pragma once

#include "tests/support/ws_client.hpp"

#include <string>
#include <optional>
#include <vector>

namespace xinyu::test {

struct turn_frames {
  nlohmann::json accepted, analysis, done, persisted, error;
  std::vector<std::string> tokens;
  std::vector<nlohmann::json> notices;
  std::string text() const {
    std::string s;
    for (auto& t : tokens)
      s += t;
    return s;
  }
};

/// Sends a chat and collects its frames until `done` (and `persisted` when asked) or `error`.
inline turn_frames run_turn(ws_client& c, const std::string& id, const std::string& text,
                            bool wait_persisted = false,
                            std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  c.send({{"type", "chat"}, {"id", id}, {"text", text}});
  turn_frames t;
  for (;;) {
    auto f = c.read(timeout);
    auto type = f.value("type", "");
    if (type == "notice") {
      t.notices.push_back(f);
      continue;
    }
    if (f.value("id", "") != id)
      continue;
    if (type == "accepted")
      t.accepted = f;
    else if (type == "analysis")
      t.analysis = f;
    else if (type == "token") {
      if (f["seq"] != t.tokens.size())
        throw std::runtime_error("token seq gap: " + f.dump());
      t.tokens.push_back(f["text"]);
    } else if (type == "error") {
      t.error = f;
      return t;
    } else if (type == "done") {
      t.done = f;
      if (!wait_persisted)
        return t;
    } else if (type == "persisted") {
      t.persisted = f;
      return t;
    }
  }
}

/// Every message of the user's history, oldest first, read page by page (`before`).
inline std::vector<nlohmann::json> full_history(ws_client& c) {
  std::vector<nlohmann::json> all;
  std::optional<std::uint64_t> before;
  for (;;) {
    nlohmann::json req{{"type", "history"}, {"limit", 100}};
    if (before)
      req["before"] = *before;
    c.send(req);
    auto h = c.read_until("history");
    auto msgs = h["messages"];
    all.insert(all.begin(), msgs.begin(), msgs.end());
    if (!h["more"].get<bool>() || msgs.empty())
      return all;
    before = msgs.front()["turn"].get<std::uint64_t>();
  }
}

} // namespace xinyu::test
