// End-to-end storage tests on the real binary: history across restarts, isolation, a kill -9
// crash under load, shedding at the high-water mark, injected write failures, forget,
// passivation and graceful shutdown.
#include "tests/support/server_process.hpp"
#include "tests/support/turn_reader.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json fast(json extra = json::object()) {
  json c{{"offline", {{"first_token_ms", 0}, {"tokens_per_s", 0}}}};
  c.merge_patch(extra);
  return c;
}

struct turn_result {
  std::uint64_t user_turn = 0, reply_turn = 0;
  std::string reply;
  json done;
  bool persisted = false;
};

/// One chat through the shared reader; an `error` frame is a test failure here.
turn_result chat(ws_client& c, const std::string& id, const std::string& text,
                 bool wait_persisted = true, std::chrono::milliseconds timeout = 10s) {
  auto t = run_turn(c, id, text, wait_persisted, timeout);
  if (!t.error.is_null())
    throw std::runtime_error("error frame: " + t.error.dump());
  turn_result r;
  r.user_turn = t.accepted["turn"];
  r.reply_turn = t.done["turn"];
  r.reply = t.text();
  r.done = t.done;
  r.persisted = !t.persisted.is_null();
  return r;
}

} // namespace

TEST_CASE("e2e: history is exactly what was said, also after a restart", "[e2e][storage]") {
  auto dir = temp_data_dir();
  std::vector<std::pair<std::string, std::string>> said;
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    ws_client c{srv.port()};
    c.auth("hana");
    for (auto* text :
         {"我今天面试失败了，好难过", "But my friend took me out for dinner", "谢谢你陪我"}) {
      auto r = chat(c, std::string{"h"} + std::to_string(said.size()), text);
      CHECK(r.persisted);
      CHECK(r.done["turn"] == r.user_turn + 1);
      said.emplace_back(text, r.reply);
    }
    auto h = full_history(c);
    REQUIRE(h.size() == 6);
    CHECK(srv.stop() == 0);
  }
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  ws_client c{srv.port()};
  c.auth("hana");
  auto h = full_history(c);
  REQUIRE(h.size() == 6);
  for (std::size_t i = 0; i < said.size(); ++i) {
    CHECK(h[2 * i]["turn"] == 2 * i + 1);
    CHECK(h[2 * i]["role"] == "user");
    CHECK(h[2 * i]["text"] == said[i].first);
    CHECK(h[2 * i + 1]["role"] == "assistant");
    CHECK(h[2 * i + 1]["text"] == said[i].second);
    CHECK(h[2 * i + 1]["ts"].get<std::int64_t>() >= h[2 * i]["ts"].get<std::int64_t>());
    // extensions: the chat id on both, the reply's finish on the reply
    CHECK(h[2 * i]["id"] == "h" + std::to_string(i));
    CHECK(h[2 * i + 1]["id"] == "h" + std::to_string(i));
    CHECK(h[2 * i + 1]["finish"] == "stop");
    CHECK_FALSE(h[2 * i].contains("finish"));
  }
  auto next = chat(c, "after-restart", "我回来了");
  CHECK(next.user_turn == 7); // the counter continues: no gap, no reuse
  c.send({{"type", "history"}, {"limit", 2}});
  auto page = c.read_until("history");
  CHECK(page["messages"][0]["text"] == "我回来了");
  CHECK(page["more"] == true);
  remove_tree(dir);
}

TEST_CASE("e2e: user B can never see user A's messages", "[e2e][storage]") {
  server_process srv{fast()};
  ws_client a{srv.port()}, b{srv.port()};
  a.auth("ann");
  b.auth("ben");
  chat(a, "secret-1", "my secret is that I feel lost");
  b.send({{"type", "history"}, {"limit", 100}});
  CHECK(b.read_until("history")["messages"].empty());
  b.send({{"type", "resume"}, {"id", "secret-1"}, {"seq", 0}});
  CHECK(b.read_until("error")["code"] == "not_found");
  b.send({{"type", "cancel"}, {"id", "secret-1"}});
  CHECK(b.read_until("error")["code"] == "not_found");
  // B saw nothing of A's turn on its own connection
  b.send({{"type", "ping"}});
  for (;;) {
    auto f = b.read();
    CHECK(f.value("id", "") != "secret-1");
    if (f["type"] == "pong")
      break;
  }
  b.send({{"type", "forget"}});
  CHECK(b.read_until("forgotten")["deleted"] == 0);
  a.send({{"type", "history"}});
  CHECK(a.read_until("history")["messages"].size() == 2); // B's forget did not touch A
}

TEST_CASE("e2e: kill -9 under load loses no persisted turn and reuses no number",
          "[e2e][storage][crash]") {
  auto dir = temp_data_dir();
  constexpr int users = 8;
  std::map<std::string, std::map<std::uint64_t, std::pair<std::string, std::string>>> persisted;
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    std::mutex mtx;
    std::condition_variable cv;
    int persisted_count = 0;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int u = 0; u < users; ++u) {
      threads.emplace_back([&, u] {
        try {
          ws_client c{srv.port()};
          auto user = "crash-" + std::to_string(u);
          c.auth(user);
          for (int i = 0; !stop; ++i) {
            auto text = "user " + std::to_string(u) + " turn " + std::to_string(i) + " 我很好";
            auto r = chat(c, "c" + std::to_string(i), text, true, 5s);
            std::lock_guard lock{mtx};
            persisted[user][r.user_turn] = {text, r.reply};
            ++persisted_count;
            cv.notify_all();
          }
        } catch (const std::exception&) {
          // the server was killed under us: expected
        }
      });
    }
    {
      std::unique_lock lock{mtx};
      cv.wait_for(lock, 30s, [&] { return persisted_count >= 200; });
    }
    srv.kill9(); // mid-load: turns are in flight
    stop = true;
    for (auto& t : threads)
      t.join();
  }
  REQUIRE(persisted.size() == users);
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  for (auto& [user, turns] : persisted) {
    ws_client c{srv.port()};
    c.auth(user);
    auto h = full_history(c);
    std::map<std::uint64_t, json> by_turn;
    for (auto& m : h)
      by_turn[m["turn"].get<std::uint64_t>()] = m;
    // every persisted turn is there, word for word
    for (auto& [turn, texts] : turns) {
      REQUIRE(by_turn.count(turn) == 1);
      REQUIRE(by_turn.count(turn + 1) == 1);
      CHECK(by_turn[turn]["text"] == texts.first);
      CHECK(by_turn[turn + 1]["text"] == texts.second);
    }
    // stored numbers are 1..N without a gap
    std::uint64_t expect = 1;
    for (auto& [turn, m] : by_turn)
      CHECK(turn == expect++);
    // and the next chat continues right after them
    auto next = chat(c, "after-crash", "still there?");
    CHECK(next.user_turn == by_turn.size() + 1);
  }
  remove_tree(dir);
}

TEST_CASE("e2e: storage faults: done still comes, persisted only once written", "[e2e][storage]") {
  server_process srv{fast({{"storage", {{"retry_initial_ms", 20}, {"retry_max_ms", 100}}},
                           {"chaos", {{"storage", {{"fail_rate", 1.0}}}}}})};
  ws_client c{srv.port()};
  c.auth("faulty");
  auto r = chat(c, "f1", "is this saved?", false);
  CHECK(r.done["finish"] == "stop");
  // the write is attempted within the group-commit interval; /readyz turns 503 when it fails
  bool unready = false;
  for (int i = 0; i < 200 && !unready; ++i) {
    unready = http_get(srv.port(), "/readyz").first == 503;
    if (!unready)
      std::this_thread::sleep_for(10ms); // bounded poll of the real binary
  }
  CHECK(unready);
  c.send({{"type", "ping"}});
  for (;;) { // no persisted while writes fail
    auto f = c.read();
    CHECK(f["type"] != "persisted");
    if (f["type"] == "pong")
      break;
  }
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"storage":{"fail_rate":0}})").first == 200);
  auto p = c.read_until("persisted");
  CHECK(p["id"] == "f1");
  CHECK(p["turn"] == 2);
  CHECK(http_get(srv.port(), "/readyz").first == 200);
  auto m = http_get(srv.port(), "/metrics").second;
  CHECK(m.find("xinyu_storage_write_failures_total 0") == std::string::npos);
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"storage":{"fail_rate":2}})").first == 400);
  CHECK(http_post(srv.port(), "/admin/chaos", R"({"nope":{"fail_rate":1}})").first == 400);
}

TEST_CASE("e2e: new chats are shed with overloaded at the storage high-water mark",
          "[e2e][storage]") {
  // short retries: with the default 5 s ceiling a loaded machine could leave the two waits
  // for `persisted` below behind a 5 s backoff (seen once in CI)
  server_process srv{fast({{"storage",
                            {{"high_water", 2},
                             {"retry_after_ms", 750},
                             {"retry_initial_ms", 20},
                             {"retry_max_ms", 200}}},
                           {"chaos", {{"storage", {{"fail_rate", 1.0}}}}}})};
  ws_client c{srv.port()};
  c.auth("shed");
  chat(c, "s1", "one", false);
  chat(c, "s2", "two", false);
  // `done` is sent as the turn is handed to the storage actor, which counts it a moment later on
  // another thread: wait until it has (a chat sent in between is admitted, seen once in CI)
  bool counted = false;
  for (int i = 0; i < 500 && !counted; ++i) {
    counted = http_get(srv.port(), "/metrics").second.find("\nxinyu_storage_queue 2\n")
              != std::string::npos;
    if (!counted)
      std::this_thread::sleep_for(10ms); // bounded poll of the real binary
  }
  REQUIRE(counted);
  c.send({{"type", "chat"}, {"id", "s3"}, {"text", "three"}});
  auto err = c.read_until("error");
  CHECK(err["code"] == "overloaded");
  CHECK(err["id"] == "s3");
  CHECK(err["retry_after_ms"] == 750);
  CHECK(http_get(srv.port(), "/readyz").first == 503);
  http_post(srv.port(), "/admin/chaos", R"({"storage":{"fail_rate":0}})");
  // once the queue drains, chats are admitted again and the shed one is re-sent
  c.read_until("persisted");
  c.read_until("persisted");
  auto r = chat(c, "s3", "three");
  CHECK(r.user_turn == 5);
  CHECK(r.persisted);
}

TEST_CASE("e2e: forget erases durably and the turn counter keeps counting", "[e2e][storage]") {
  auto dir = temp_data_dir();
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    ws_client c{srv.port()};
    c.auth("gone");
    chat(c, "g1", "remember that I like cats");
    chat(c, "g2", "and that I live in Shanghai");
    c.send({{"type", "forget"}});
    CHECK(c.read_until("forgotten")["deleted"] == 4);
    c.send({{"type", "history"}});
    CHECK(c.read_until("history")["messages"].empty());
  }
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  ws_client c{srv.port()};
  c.auth("gone");
  c.send({{"type", "history"}});
  CHECK(c.read_until("history")["messages"].empty());
  CHECK(chat(c, "g3", "hello again").user_turn == 5);
  remove_tree(dir);
}

TEST_CASE("e2e: a fact told before a restart is recalled by a paraphrase after it; small talk "
          "and forgotten facts are not",
          "[e2e][storage][memory]") {
  auto dir = temp_data_dir();
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    ws_client c{srv.port()};
    c.auth("mei");
    chat(c, "f1", "你好呀");
    chat(c, "f2", "我养了一只柯基，叫豆豆。今天好累");
    CHECK(srv.stop() == 0);
  }
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    ws_client c{srv.port()};
    c.auth("mei");
    auto r = chat(c, "f3", "豆豆这两天不怎么吃东西，怎么办");
    INFO(r.reply);
    CHECK(r.reply.find("我养了一只柯基，叫豆豆") != std::string::npos); // the fact, not the mood
    CHECK(r.reply.find("今天好累") == std::string::npos);
    auto greeting = chat(c, "f4", "你好呀，又见面了");
    CHECK(greeting.reply.find("我记得") == std::string::npos); // a greeting is no memory
    auto metrics = http_get(srv.port(), "/metrics").second;
    CHECK(metrics.find("xinyu_memory_cache_total{result=\"miss\"}") != std::string::npos);
    c.send({{"type", "forget"}});
    c.read_until("forgotten");
    CHECK(srv.stop() == 0);
  }
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  ws_client c{srv.port()};
  c.auth("mei");
  auto r = chat(c, "f5", "豆豆这两天不怎么吃东西，怎么办");
  CHECK(r.reply.find("柯基") == std::string::npos); // forgotten stays forgotten
  // told again after forget, it is remembered again
  chat(c, "f6", "我养了一只柯基，叫豆豆。");
  CHECK(chat(c, "f7", "豆豆这两天不怎么吃东西，怎么办").reply.find("我养了一只柯基，叫豆豆")
        != std::string::npos);
  remove_tree(dir);
}

TEST_CASE("e2e: memories are listed, edited and deleted over WebSocket and HTTP; a deleted "
          "fact is never recalled again, before or after a restart",
          "[e2e][storage][memory]") {
  auto dir = temp_data_dir();
  auto find_item = [](const json& items, const std::string& needle) -> json {
    for (const auto& i : items)
      if (i["text"].get<std::string>().find(needle) != std::string::npos)
        return i;
    return nullptr;
  };
  {
    server_process srv{fast({{"storage", {{"path", dir}}}})};
    ws_client c{srv.port()};
    c.auth("lin");
    chat(c, "m1", "我养了一只柯基，叫豆豆。我在杭州做护士。");
    REQUIRE(chat(c, "m2", "豆豆这两天不怎么吃东西，怎么办").reply.find("柯基")
            != std::string::npos);
    c.send({{"type", "memories"}});
    auto list = c.read_until("memories");
    INFO(list.dump());
    auto dog = find_item(list["items"], "柯基");
    auto work = find_item(list["items"], "护士");
    REQUIRE(dog.is_object());
    REQUIRE(work.is_object());
    CHECK(dog["turn"] == 1);
    CHECK(dog["ts"].get<std::int64_t>() > 0);
    CHECK(dog["id"].get<std::string>().rfind("1.", 0) == 0); // "<turn>.<index>"

    c.send({{"type", "memory_delete"}, {"id", dog["id"]}});
    CHECK(c.read_until("memory_deleted")["id"] == dog["id"]);
    c.send({{"type", "memory_delete"}, {"id", dog["id"]}});
    auto again = c.read_until("error");
    CHECK(again["code"] == "not_found");
    // the recall that found it a moment ago (and is cached) no longer does
    CHECK(chat(c, "m3", "豆豆这两天不怎么吃东西，怎么办").reply.find("柯基") == std::string::npos);

    c.send({{"type", "memory_edit"}, {"id", work["id"]}, {"text", "我在苏州做老师"}});
    auto edited = c.read_until("memory_edited");
    CHECK(edited["text"] == "我在苏州做老师");
    auto r = chat(c, "m4", "做老师的工作压力好大，苏州的学校都这样吗？");
    CHECK(r.reply.find("我在苏州做老师") != std::string::npos);
    CHECK(r.reply.find("护士") == std::string::npos);

    // the same over HTTP (dev mode names the user in the query); other users see nothing
    auto got = http_call(srv.port(), "GET", "/v1/memories?user=lin");
    CHECK(got.status == 200);
    auto items = json::parse(got.body)["items"];
    REQUIRE(items.size() == 1);
    CHECK(items[0]["text"] == "我在苏州做老师");
    CHECK(
      json::parse(http_call(srv.port(), "GET", "/v1/memories?user=zhao").body)["items"].empty());
    CHECK(http_call(srv.port(), "DELETE", "/v1/memories/99.0?user=lin").status == 404);
    CHECK(http_call(srv.port(), "DELETE",
                    "/v1/memories/" + work["id"].get<std::string>() + "?user=zhao")
            .status
          == 404); // another user's id is not theirs
    CHECK(http_call(srv.port(), "PATCH",
                    "/v1/memories/" + work["id"].get<std::string>() + "?user=lin", R"({"text":""})")
            .status
          == 400);
    auto post = http_call(srv.port(), "POST", "/v1/memories?user=lin", "{}");
    CHECK(post.status == 405);
    CHECK(post.header("Allow") == "GET");
    auto patched =
      http_call(srv.port(), "PATCH", "/v1/memories/" + work["id"].get<std::string>() + "?user=lin",
                R"({"text":"我在苏州做中学老师"})");
    CHECK(patched.status == 200);
    CHECK(json::parse(patched.body)["type"] == "memory_edited");
    CHECK(srv.stop() == 0);
  }
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  ws_client c{srv.port()};
  c.auth("lin");
  // after a restart: the deleted fact stays deleted, the edit stays edited
  auto r = chat(c, "m5", "豆豆这两天不怎么吃东西，怎么办");
  CHECK(r.reply.find("柯基") == std::string::npos);
  CHECK(chat(c, "m6", "做老师的工作压力好大，苏州的学校都这样吗？").reply.find("我在苏州做中学老师")
        != std::string::npos);
  c.send({{"type", "memories"}});
  auto list = c.read_until("memories");
  REQUIRE(list["items"].size() == 1);
  auto id = list["items"][0]["id"].get<std::string>();
  auto del = http_call(srv.port(), "DELETE", "/v1/memories/" + id + "?user=lin");
  CHECK(del.status == 200);
  CHECK(json::parse(del.body) == json{{"type", "memory_deleted"}, {"id", id}});
  CHECK(json::parse(http_call(srv.port(), "GET", "/v1/memories?user=lin").body)["items"].empty());
  CHECK(chat(c, "m7", "做老师的工作压力好大，苏州的学校都这样吗？").reply.find("老师")
        == std::string::npos);
  // told again, it is remembered again (a new fact of a new turn)
  chat(c, "m8", "我养了一只柯基，叫豆豆。");
  CHECK(chat(c, "m9", "豆豆这两天不怎么吃东西，怎么办").reply.find("柯基") != std::string::npos);
  remove_tree(dir);
}

TEST_CASE("e2e: an idle session is passivated and comes back with its counter", "[e2e][storage]") {
  server_process srv{fast({{"session", {{"idle_s", 1}}}})};
  {
    ws_client c{srv.port()};
    c.auth("sleepy");
    chat(c, "p1", "good night");
    chat(c, "p1b", "我养了一只猫，叫年糕");
  }
  // wait (bounded) until the session has been passivated
  bool passivated = false;
  for (int i = 0; i < 100 && !passivated; ++i) {
    auto m = http_get(srv.port(), "/metrics").second;
    passivated = m.find("xinyu_sessions_passivated_total 0") == std::string::npos
                 && m.find("xinyu_sessions_passivated_total") != std::string::npos;
    if (!passivated)
      std::this_thread::sleep_for(50ms); // polling a metric of the real binary, bounded
  }
  REQUIRE(passivated);
  // its memory index was unloaded with it (bounded wait: the unload is asynchronous)
  bool unloaded = false;
  for (int i = 0; i < 100 && !unloaded; ++i) {
    unloaded =
      http_get(srv.port(), "/metrics").second.find("xinyu_memory_users 0\n") != std::string::npos;
    if (!unloaded)
      std::this_thread::sleep_for(20ms);
  }
  CHECK(unloaded);
  ws_client c{srv.port()};
  c.auth("sleepy");
  CHECK(chat(c, "p2", "good morning").user_turn == 5);
  auto h = full_history(c);
  CHECK(h.size() == 6);
  // ... and reloaded from storage by the new session
  CHECK(chat(c, "p3", "年糕今天好乖").reply.find("我养了一只猫，叫年糕") != std::string::npos);
}

TEST_CASE("e2e: SIGTERM drains: the turn in flight finishes, is persisted, exit 0",
          "[e2e][storage]") {
  auto dir = temp_data_dir();
  {
    server_process srv{json{{"storage", {{"path", dir}}},
                            {"offline", {{"first_token_ms", 300}, {"tokens_per_s", 200}}}}};
    ws_client c{srv.port()};
    c.auth("leaving");
    c.send({{"type", "chat"}, {"id", "d1"}, {"text", "one last thing"}});
    c.read_until("accepted");
    int code = -1;
    std::thread stopper([&] { code = srv.stop(); });
    auto done = c.read_until("done");
    CHECK(done["finish"] == "stop");
    CHECK(c.read_until("persisted")["id"] == "d1");
    stopper.join();
    CHECK(code == 0);
  }
  server_process srv{fast({{"storage", {{"path", dir}}}})};
  ws_client c{srv.port()};
  c.auth("leaving");
  CHECK(full_history(c).size() == 2);
  remove_tree(dir);
}
