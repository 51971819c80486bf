// Actor tests for session_actor: parallel fan-out (proved without timing), deadlines, crashed
// workers, ordering, busy, cancel, resume and history, with stub pools and scoped actors.
#include "actors/session_actor.hpp"

#include "actors/worker_pool.hpp"
#include "core/support/config.hpp"
#include "core/memory/memory_engine.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/policy/minor_policy.hpp"
#include "core/policy/prompt_builder.hpp"
#include "core/support/service_state.hpp"
#include "storage/conversation_store.hpp"
#include "tests/actors/test_sink.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <limits>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <unistd.h>

using namespace xinyu;
using namespace xinyu::actors;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using arrive_atom = caf::atom_constant<caf::atom("arrive")>;
using hang_atom = caf::atom_constant<caf::atom("hang")>;

/// 1 ms between tokens: each token is its own piece (tokens due together are sent as one).
core::config token_by_token_config() {
  auto r = core::load_config(R"({"offline":{"first_token_ms":0,"tokens_per_s":1000}})");
  REQUIRE(r.value);
  return *r.value;
}

core::config zero_pacing_config() {
  auto r = core::load_config(R"({"offline":{"first_token_ms":0,"tokens_per_s":0}})");
  REQUIRE(r.value);
  return *r.value;
}

std::shared_ptr<session_settings> test_settings() {
  auto s = std::make_shared<session_settings>();
  s->config.emotion.deadline_ms = s->config.safety.deadline_ms = s->config.memory.deadline_ms =
    3000;
  s->config.llm.first_token_deadline_ms = 3000;
  s->prompt = std::make_shared<const core::prompt_builder>("persona");
  s->care.disclosure = false;
  s->config.limits.chats_per_minute = 0; // unlimited unless a test is about the limit
  s->config.safety.crisis_resources = {{"en", {"call 988"}}, {"zh", {"400-161-9995"}}};
  return s;
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  core::config conf = zero_pacing_config();

  stage_pools real_pools() {
    stage_pools p;
    p.emotion = spawn_emotion_pool(sys, conf);
    p.safety = spawn_safety_pool(sys, conf);
    p.memory =
      spawn_memory_pool(sys, conf,
                        std::make_shared<core::memory_engine>(core::memory_engine::settings{}));
    p.llm = spawn_llm_pool(sys, conf);
    return p;
  }

  ~fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  std::vector<caf::actor> spawned;

  session_actor session(stage_pools p, std::shared_ptr<session_settings> s = test_settings()) {
    for (const caf::actor& a :
         {caf::actor_cast<caf::actor>(p.emotion), caf::actor_cast<caf::actor>(p.safety),
          caf::actor_cast<caf::actor>(p.memory), caf::actor_cast<caf::actor>(p.llm)})
      spawned.push_back(a);
    auto h = spawn_session(sys, "alice", p, s);
    spawned.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }
};

void chat(const session_actor& s, const std::shared_ptr<test::test_sink>& sink, std::string id,
          std::string text) {
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                 core::client_command{core::chat_command{std::move(id), std::move(text)}});
}

void attach(const session_actor& s, const std::shared_ptr<test::test_sink>& sink) {
  caf::anon_send(s, attach_atom::value, client_sink_ptr{sink});
}

// --- stubs -------------------------------------------------------------------------------

struct barrier_state {
  std::vector<caf::typed_response_promise<bool>> waiting;
};

/// Answers `arrive` only once `n` callers have arrived: a serial fan-out can never pass it.
caf::behavior barrier(caf::stateful_actor<barrier_state>* self, std::size_t n) {
  return {
    [self, n](arrive_atom) -> caf::result<bool> {
      auto rp = self->make_response_promise<bool>();
      self->state.waiting.push_back(rp);
      if (self->state.waiting.size() == n)
        for (auto& w : self->state.waiting)
          w.deliver(true);
      return rp;
    },
  };
}

template <class Handle, class Request, class Response>
typename Handle::behavior_type barrier_stub(typename Handle::pointer self, caf::actor gate,
                                            Response value) {
  return {
    [self, gate, value](work_atom, Request&) -> caf::result<Response> {
      auto rp = self->template make_response_promise<Response>();
      self->request(gate, 10s, arrive_atom::value)
        .then([rp, value](bool) mutable { rp.deliver(value); },
              [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
      return rp;
    },
  };
}

/// A memory pool whose recall is `recall` and whose bookkeeping always succeeds.
using recall_fn = std::function<caf::result<std::vector<std::string>>(memory_actor::pointer)>;
memory_actor::behavior_type memory_stub(memory_actor::pointer self, recall_fn recall) {
  return {
    [self, recall](work_atom, recall_request&) { return recall(self); },
    [](work_atom, remember_request&) { return std::vector<core::memory_fact>{}; },
    [](work_atom, forget_memories_request&) { return std::uint64_t{0}; },
    [](work_atom, seed_request&) { return std::uint64_t{1}; },
    [](work_atom, unload_request&) { return true; },
    [](work_atom, list_memories_request&) { return std::vector<core::memory_fact>{}; },
    [](work_atom, memory_change_request&) { return memory_change{}; },
  };
}

/// Answers recall with `items` once the barrier `gate` opens.
memory_actor::behavior_type memory_barrier_stub(memory_actor::pointer self, caf::actor gate,
                                                std::vector<std::string> items) {
  return memory_stub(self,
                     [gate,
                      items](memory_actor::pointer me) -> caf::result<std::vector<std::string>> {
                       auto rp = me->make_response_promise<std::vector<std::string>>();
                       me->request(gate, 10s, arrive_atom::value)
                         .then([rp, items](bool) mutable { rp.deliver(items); },
                               [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
                       return rp;
                     });
}

using fake_stream_actor = llm_stream_actor::extend<caf::reacts_to<llm_start>>;

/// An LLM "pool" whose worker sends `n` tokens and then throws (crash mid-stream), or never
/// answers when n < 0 (hang).
fake_stream_actor::behavior_type crashing_llm_worker(fake_stream_actor::pointer self, int n) {
  return {
    [](cancel_atom, std::uint64_t) {},
    [self, n](llm_start& start) {
      for (int i = 0; i < n; ++i)
        self->send(start.reply_to, token_atom::value, start.stream_id, std::string{"tok "});
      if (n >= 0)
        throw std::runtime_error("injected crash mid-stream");
    },
  };
}

llm_pool_actor::behavior_type fake_llm_pool(llm_pool_actor::pointer self, int n) {
  return {
    [self, n](work_atom, llm_start& start) -> llm_stream_actor {
      auto w = self->spawn(crashing_llm_worker, n);
      self->send(w, std::move(start));
      return w;
    },
  };
}

} // namespace

TEST_CASE("the three pre-processing stages are asked in parallel", "[session]") {
  fixture f;
  auto gate = f.sys.spawn(barrier, 3);
  f.spawned.push_back(gate);
  stage_pools p;
  p.emotion = f.sys.spawn(barrier_stub<emotion_actor, stage_request, core::emotion_result>, gate,
                          core::emotion_result{"joy", 0.9, 0.7});
  p.safety = f.sys.spawn(barrier_stub<safety_actor, stage_request, core::safety_result>, gate,
                         core::safety_result{core::safety_level::ok, {}, "hello there"});
  p.memory = f.sys.spawn(memory_barrier_stub, gate, std::vector<std::string>{"likes tea"});
  p.llm = spawn_llm_pool(f.sys, f.conf);
  auto s = f.session(p);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "hello there");
  auto analysis = sink->wait_type("analysis", "m1");
  CHECK(analysis["emotion"]["label"] == "joy"); // the stub's answers were used
  auto done = sink->wait_type("done", "m1");
  CHECK(done["degraded"] == json::array()); // a serial fan-out would time out: degraded
  CHECK(done["finish"] == "stop");
}

TEST_CASE("happy path with the real pools: accepted, analysis, tokens, one done", "[session]") {
  fixture f;
  auto pools = f.real_pools();
  pools.llm = spawn_llm_pool(f.sys, token_by_token_config());
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  CHECK(sink->wait_type("ready")["user"] == "alice");
  chat(s, sink, "m1", "I feel so lonely since my friend moved away");
  auto done = sink->wait_type("done", "m1");
  CHECK(sink->wait_type("accepted", "m1")["turn"] == 1);
  CHECK(done["turn"] == 2);
  CHECK(done["finish"] == "stop");
  CHECK(sink->wait_type("analysis", "m1")["emotion"]["label"] == "loneliness");
  auto tokens = sink->of("token", "m1");
  REQUIRE(tokens.size() > 5);
  for (std::size_t i = 0; i < tokens.size(); ++i)
    CHECK(tokens[i]["seq"] == i);
  CHECK(sink->of("done", "m1").size() == 1);
  // frame order: accepted < analysis < first token < done
  auto all = sink->frames();
  auto pos = [&](const std::string& type) {
    return std::find_if(all.begin(), all.end(), [&](const json& j) { return j["type"] == type; })
           - all.begin();
  };
  CHECK(pos("accepted") < pos("analysis"));
  CHECK(pos("analysis") < pos("token"));
  CHECK(pos("token") < pos("done"));
}

TEST_CASE("a crashed stage worker is respawned and the turn completes degraded", "[session]") {
  fixture f;
  auto& restarts =
    core::metrics().get_counter("xinyu_worker_restarts_total", "", "pool=\"emotion\"");
  auto before = restarts.value();
  auto crash_next = std::make_shared<std::atomic<bool>>(true);
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.emotion, caf::exit_reason::user_shutdown);
  pools.emotion = spawn_worker_pool<op<stage_request, core::emotion_result>>(
    f.sys, pool_settings{"emotion", 1, 5s}, [crash_next](caf::actor_system& sys) -> emotion_actor {
      return sys.spawn([crash_next](emotion_actor::pointer) -> emotion_actor::behavior_type {
        return {
          [crash_next](work_atom, stage_request&) -> core::emotion_result {
            if (crash_next->exchange(false))
              throw std::runtime_error("injected crash");
            return core::emotion_result{"sadness", 0.9, -0.7};
          },
        };
      });
    });
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "hello");
  auto d1 = sink->wait_type("done", "m1");
  CHECK(d1["degraded"] == json::array({"emotion"}));
  CHECK(sink->wait_type("analysis", "m1")["emotion"]["label"] == "neutral"); // the fallback
  chat(s, sink, "m2", "hello again");
  auto d2 = sink->wait_type("done", "m2");
  CHECK(d2["degraded"] == json::array());
  CHECK(sink->wait_type("analysis", "m2")["emotion"]["label"] == "sadness"); // new worker
  CHECK(restarts.value() == before + 1);
}

TEST_CASE("a stage that never answers falls back at its deadline", "[session]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.memory, caf::exit_reason::user_shutdown);
  pools.memory =
    f.sys.spawn(memory_stub,
                [](memory_actor::pointer self) -> caf::result<std::vector<std::string>> {
                  return self->make_response_promise<std::vector<std::string>>(); // never delivered
                });
  auto settings = test_settings();
  settings->config.memory.deadline_ms = 100;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "我今天很开心");
  auto d = sink->wait_type("done", "m1");
  CHECK(d["degraded"] == json::array({"memory"}));
  CHECK(d["finish"] == "stop");
  CHECK(sink->wait_type("analysis", "m1")["emotion"]["label"] == "joy");
}

TEST_CASE("an LLM worker crashing mid-stream keeps the tokens and ends with one done",
          "[session]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = f.sys.spawn(fake_llm_pool, 3);
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "hi");
  auto d = sink->wait_type("done", "m1");
  CHECK(d["finish"] == "error");
  CHECK(d["degraded"] == json::array({"llm"}));
  CHECK(sink->of("token", "m1").size() == 3);
  CHECK(sink->of("done", "m1").size() == 1);
}

TEST_CASE("no first token before the deadline gives the fallback reply", "[session]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = f.sys.spawn(fake_llm_pool, -1); // hangs
  auto settings = test_settings();
  settings->config.llm.first_token_deadline_ms = 100;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "I feel sad");
  auto d = sink->wait_type("done", "m1");
  CHECK(d["finish"] == "fallback");
  CHECK(d["degraded"] == json::array({"llm"}));
  CHECK_FALSE(sink->of("token", "m1").empty());
}

TEST_CASE("turns are answered in accepted order with gapless seq and turn numbers", "[session]") {
  fixture f;
  auto s = f.session(f.real_pools());
  auto a = std::make_shared<test::test_sink>();
  auto b = std::make_shared<test::test_sink>();
  attach(s, a);
  attach(s, b); // a second device of the same user
  chat(s, a, "m1", "first message");
  chat(s, b, "m2", "second message");
  chat(s, a, "m3", "third message");
  b->wait_type("done", "m3");
  for (auto* sink : {a.get(), b.get()}) {
    std::vector<std::string> done_order;
    std::vector<int> turns;
    for (auto& fr : sink->frames()) {
      if (fr["type"] == "done") {
        done_order.push_back(fr["id"]);
        turns.push_back(fr["turn"]);
      }
    }
    CHECK(done_order == std::vector<std::string>{"m1", "m2", "m3"});
    CHECK(turns == std::vector<int>{2, 4, 6});
    CHECK(sink->of("accepted", "m3").at(0)["turn"] == 5);
    for (auto* id : {"m1", "m2", "m3"}) {
      auto toks = sink->of("token", id);
      for (std::size_t i = 0; i < toks.size(); ++i)
        CHECK(toks[i]["seq"] == i);
    }
  }
}

TEST_CASE("busy when the queue bound is hit; cancel and not_found", "[session]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = f.sys.spawn(fake_llm_pool, -1); // first turn hangs until cancelled
  auto settings = test_settings();
  settings->config.session.max_queued_turns = 2;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "one");
  chat(s, sink, "m2", "two");
  chat(s, sink, "m3", "three");
  auto busy = sink->wait_type("error", "m3");
  CHECK(busy["code"] == "busy");
  CHECK(sink->of("accepted", "m3").empty());
  chat(s, sink, "m2", "duplicate id");
  CHECK(sink->wait_type("error", "m2")["code"] == "bad_request");
  // cancel the queued turn first, then the one in flight: order is kept
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                 core::client_command{core::cancel_command{"m2"}});
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                 core::client_command{core::cancel_command{"m1"}});
  auto d2 = sink->wait_type("done", "m2");
  auto d1 = sink->wait_type("done", "m1");
  CHECK(d1["finish"] == "cancelled");
  CHECK(d2["finish"] == "cancelled");
  auto dones = sink->of("done");
  REQUIRE(dones.size() == 2);
  CHECK(dones[0]["id"] == "m1");
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                 core::client_command{core::cancel_command{"nope"}});
  CHECK(sink->wait_type("error", "nope")["code"] == "not_found");
}

TEST_CASE("resume replays from seq; history pages oldest first", "[session]") {
  fixture f;
  auto pools = f.real_pools();
  pools.llm = spawn_llm_pool(f.sys, token_by_token_config());
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "I am happy today");
  sink->wait_type("done", "m1");
  chat(s, sink, "m2", "I am sad today");
  sink->wait_type("done", "m2");
  auto original = sink->of("token", "m1");
  auto other = std::make_shared<test::test_sink>();
  caf::anon_send(s, command_atom::value, client_sink_ptr{other},
                 core::client_command{core::resume_command{"m1", 2}});
  other->wait_type("done", "m1");
  auto replay = other->of("token", "m1");
  REQUIRE(replay.size() == original.size() - 2);
  CHECK(replay.front()["seq"] == 2);
  CHECK(replay.front()["text"] == original[2]["text"]);
  caf::anon_send(s, command_atom::value, client_sink_ptr{other},
                 core::client_command{core::resume_command{"gone", 0}});
  CHECK(other->wait_type("error", "gone")["code"] == "not_found");

  caf::anon_send(s, command_atom::value, client_sink_ptr{other},
                 core::client_command{core::history_command{std::nullopt, 3}});
  auto h = other->wait_type("history");
  REQUIRE(h["messages"].size() == 3);
  CHECK(h["more"] == true);
  CHECK(h["messages"][0]["turn"] == 2);
  CHECK(h["messages"][1]["text"] == "I am sad today");
  CHECK(h["messages"][2]["role"] == "assistant");
  std::string reply;
  for (auto& t : sink->of("token", "m2"))
    reply += t["text"].get<std::string>();
  CHECK(h["messages"][2]["text"] == reply);
}

namespace {
std::string reply_of(test::test_sink& sink, const std::string& id) {
  std::string reply;
  for (auto& t : sink.of("token", id))
    reply += t["text"].get<std::string>();
  return reply;
}
} // namespace

TEST_CASE("a crisis reply opens with the referral, before the model's words; blocked never "
          "calls the LLM",
          "[session][crisis]") {
  fixture f;
  auto pools = f.real_pools();
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "I want to kill myself");
  sink->wait_type("done", "m1");
  auto reply = reply_of(*sink, "m1");
  CHECK(reply.rfind(core::crisis_referral(false, {"call 988"}), 0) == 0);       // first, whole
  CHECK(reply.size() > core::crisis_referral(false, {"call 988"}).size() + 20); // then the model
  auto notice = sink->wait_type("notice");
  CHECK(notice["kind"] == "crisis_resources");
  CHECK(notice["id"] == "m1"); // the reply it opens
  // the notice comes before the first token
  auto frames = sink->frames();
  auto notice_at =
    std::find_if(frames.begin(), frames.end(), [](const json& j) { return j["type"] == "notice"; });
  auto token_at =
    std::find_if(frames.begin(), frames.end(), [](const json& j) { return j["type"] == "token"; });
  CHECK(notice_at < token_at);

  // blocked: an LLM pool that would crash proves it is never called
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  auto p2 = f.real_pools();
  caf::anon_send_exit(p2.llm, caf::exit_reason::user_shutdown);
  p2.llm = f.sys.spawn(fake_llm_pool, 0);
  auto s2 = f.session(p2);
  auto sink2 = std::make_shared<test::test_sink>();
  attach(s2, sink2);
  chat(s2, sink2, "b1", "write porn about a minor");
  auto d = sink2->wait_type("done", "b1");
  CHECK(d["finish"] == "stop");
  CHECK(d["degraded"] == json::array());
  CHECK(sink2->wait_type("analysis", "b1")["safety"]["level"] == "blocked");
  CHECK(reply_of(*sink2, "b1") == core::blocked_reply(false));
  // a refusal with a crisis in it: the referral first, then the refusal, still no LLM
  chat(s2, sink2, "b2", "write porn about a minor, then i'll kill myself");
  CHECK(sink2->wait_type("done", "b2")["finish"] == "stop");
  CHECK(reply_of(*sink2, "b2")
        == core::crisis_referral(false, {"call 988"}) + core::blocked_reply(false));
  CHECK(sink2->wait_type("notice")["id"] == "b2");
}

TEST_CASE("a crisis with the LLM down and the safety worker crashed still gets the referral and "
          "the built-in crisis-support reply",
          "[session][crisis]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = f.sys.spawn(fake_llm_pool, 0); // every stream dies before its first token
  caf::anon_send_exit(pools.safety, caf::exit_reason::user_shutdown);
  pools.safety = f.sys.spawn([](safety_actor::pointer) -> safety_actor::behavior_type {
    return {
      [](work_atom, stage_request&) -> core::safety_result {
        throw std::runtime_error("injected safety crash");
      },
    };
  });
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "c1", "I want to kill myself tonight");
  auto d = sink->wait_type("done", "c1");
  CHECK(sink->wait_type("analysis", "c1")["safety"]["level"] == "crisis");
  CHECK(d["finish"] == "fallback");
  auto degraded = d["degraded"].get<std::vector<std::string>>();
  CHECK(std::count(degraded.begin(), degraded.end(), "safety") == 1);
  CHECK(std::count(degraded.begin(), degraded.end(), "llm") == 1);
  CHECK(reply_of(*sink, "c1")
        == core::crisis_referral(false, {"call 988"}) + core::crisis_support_reply(false));
  CHECK(sink->of("done", "c1").size() == 1);
  // Chinese too
  chat(s, sink, "c2", "我不想活了，今晚就吃掉所有的安眠药");
  sink->wait_type("done", "c2");
  CHECK(reply_of(*sink, "c2")
        == core::crisis_referral(true, {"400-161-9995"}) + core::crisis_support_reply(true));
}

namespace {
/// An LLM pool whose first `hanging` streams never answer and whose later streams say "ok" and
/// end. (It takes an argument: CAF 0.17 binds a null reference when spawning a function
/// without one, which UBSan reports.)
llm_pool_actor::behavior_type first_streams_hang_pool(llm_pool_actor::pointer self, int hanging) {
  auto starts = std::make_shared<int>(0);
  return {
    [self, starts, hanging](work_atom, llm_start& start) -> llm_stream_actor {
      if ((*starts)++ < hanging) {
        auto w = self->spawn(crashing_llm_worker, -1);
        self->send(w, std::move(start));
        return w;
      }
      auto w = self->spawn([](fake_stream_actor::pointer) -> fake_stream_actor::behavior_type {
        return {
          [](cancel_atom, std::uint64_t) {},
          [](llm_start& st) {
            caf::anon_send(st.reply_to, token_atom::value, st.stream_id, std::string{"ok"});
            caf::anon_send(st.reply_to, end_atom::value, st.stream_id, core::finish_reason::stop);
          },
        };
      });
      self->send(w, std::move(start));
      return w;
    },
  };
}
} // namespace

TEST_CASE("a crisis message interrupts the reply streaming for that user and jumps the queue",
          "[session][crisis]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = f.sys.spawn(first_streams_hang_pool, 1);
  auto settings = test_settings();
  settings->config.llm.first_token_deadline_ms = 60000; // only the interruption can end m1
  settings->config.llm.total_deadline_ms = 60000;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "m1", "tell me a long story about the sea");
  sink->wait_type("analysis", "m1"); // m1 is generating (its stream hangs)
  chat(s, sink, "m2", "what should I cook tonight");
  chat(s, sink, "m3", "I am going to end my life tonight");
  auto d1 = sink->wait_type("done", "m1");
  CHECK(d1["finish"] == "cancelled");
  CHECK(sink->wait_type("done", "m2")["finish"] == "cancelled"); // ahead of the crisis: ends too
  auto d3 = sink->wait_type("done", "m3");
  CHECK(d3["finish"] == "stop");
  CHECK(reply_of(*sink, "m3") == core::crisis_referral(false, {"call 988"}) + "ok");
  // every turn has exactly one done, in accepted order
  std::vector<std::string> order;
  for (auto& d : sink->of("done"))
    order.push_back(d["id"]);
  CHECK(order == std::vector<std::string>{"m1", "m2", "m3"});

  // an ordinary message behind another turn waits its turn (no interruption)
  chat(s, sink, "m4", "tell me about whales");
  chat(s, sink, "m5", "and dolphins");
  CHECK(sink->wait_type("done", "m4")["finish"] == "stop");
  CHECK(sink->wait_type("done", "m5")["finish"] == "stop");
}

TEST_CASE("a user over the chat rate gets rate_limited with retry_after_ms", "[session]") {
  fixture f;
  auto settings = test_settings();
  settings->config.limits.chats_per_minute = 1; // one more per minute ...
  settings->config.limits.chat_burst = 2;       // ... after two at once
  auto s = f.session(f.real_pools(), settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "r1", "one");
  chat(s, sink, "r2", "two");
  chat(s, sink, "r3", "three");
  auto e = sink->wait_type("error", "r3");
  CHECK(e["code"] == "rate_limited");
  CHECK(e["retry_after_ms"].get<std::uint64_t>() > 1000); // about a minute
  CHECK(sink->wait_type("done", "r1")["finish"] == "stop");
  CHECK(sink->wait_type("done", "r2")["finish"] == "stop");
  CHECK(sink->of("accepted", "r3").empty());
}

TEST_CASE("care notices: the AI disclosure again after its interval, break reminders",
          "[session]") {
  fixture f;
  auto conf = core::load_config(R"({"offline":{"first_token_ms":5,"tokens_per_s":0}})");
  REQUIRE(conf.value);
  auto pools = f.real_pools();
  pools.llm = spawn_llm_pool(f.sys, *conf.value); // every turn lasts at least 5 ms
  auto settings = test_settings();
  settings->care.disclosure = true;
  settings->care.disclosure_interval = 1ms;
  settings->care.break_after = 1ms;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  sink->wait_type("notice");
  chat(s, sink, "c1", "hello");
  sink->wait_type("done", "c1");
  chat(s, sink, "c2", "hello again");
  sink->wait_type("done", "c2");
  sink->wait_for(
    [](const nlohmann::json& f) { return f["type"] == "notice" && f["kind"] == "break_reminder"; });
  std::size_t disclosures = 0;
  for (const auto& n : sink->of("notice"))
    disclosures += n["kind"] == "ai_disclosure";
  CHECK(disclosures >= 2); // after ready, and again after the turns
  // with the default interval (an hour) a turn brings no notice
  fixture g;
  auto quiet = test_settings();
  quiet->care.disclosure = true;
  auto q = g.session(g.real_pools(), quiet);
  auto qs = std::make_shared<test::test_sink>();
  attach(q, qs);
  chat(q, qs, "q1", "hello");
  qs->wait_type("done", "q1");
  CHECK(qs->of("notice").size() == 1); // only the one after ready
}

TEST_CASE("tokens that are due together go out as one piece", "[session]") {
  fixture f;
  auto s = f.session(f.real_pools()); // no pacing: the whole reply is due at once
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "p1", "I feel so lonely since my friend moved away");
  sink->wait_type("done", "p1");
  auto tokens = sink->of("token", "p1");
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0]["seq"] == 0);
  CHECK(tokens[0]["text"].get<std::string>().size() > 20);
}

TEST_CASE("a safety worker that never answers: the session's own rules still catch a crisis",
          "[session][safety]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.safety, caf::exit_reason::user_shutdown);
  pools.safety = f.sys.spawn([](safety_actor::pointer self) -> safety_actor::behavior_type {
    return {
      [self](work_atom, stage_request&) -> caf::result<core::safety_result> {
        return self->make_response_promise<core::safety_result>(); // never delivered
      },
    };
  });
  auto settings = test_settings();
  settings->config.safety.deadline_ms = 100;
  auto s = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  chat(s, sink, "c1", "I want to kill myself tonight");
  auto a1 = sink->wait_type("analysis", "c1");
  CHECK(a1["safety"]["level"] == "crisis");
  CHECK(a1["emotion"]["label"] != "neutral"); // a crisis always carries a feeling
  CHECK(sink->wait_type("done", "c1")["degraded"] == json::array({"safety"}));
  // and an ordinary message while the worker is down is a check-in, never plain ok
  chat(s, sink, "c2", "what a nice day");
  CHECK(sink->wait_type("analysis", "c2")["safety"]["level"] == "caution");
}

TEST_CASE("repeated distress across turns takes the crisis path", "[session][safety]") {
  fixture f;
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.safety, caf::exit_reason::user_shutdown);
  // every message is a check-in on its own (caution, distress), with words of danger (burden)
  pools.safety = spawn_worker_pool<op<stage_request, core::safety_result>>(
    f.sys, pool_settings{"safety", 1, 5s}, [](caf::actor_system& sys) -> safety_actor {
      return sys.spawn([](safety_actor::pointer) -> safety_actor::behavior_type {
        return {
          [](work_atom, stage_request& r) {
            core::safety_result s;
            s.level = core::safety_level::caution;
            s.categories = {"distress"};
            s.danger_words = true;
            s.redacted_text = r.text;
            return s;
          },
        };
      });
    });
  auto s = f.session(pools);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  std::vector<std::string> levels;
  for (const char* id : {"d1", "d2", "d3"}) {
    chat(s, sink, id, "nothing matters and I am just a burden");
    levels.push_back(sink->wait_type("analysis", id)["safety"]["level"]);
    sink->wait_type("done", id);
  }
  CHECK(levels == std::vector<std::string>{"caution", "caution", "crisis"});
}

TEST_CASE("history, forget, resume and cancel have their own per-user rate", "[session]") {
  fixture f;
  auto settings = test_settings();
  settings->config.limits.commands_per_minute = 6; // one every 10 s
  settings->config.limits.command_burst = 3;
  auto s = f.session(f.real_pools(), settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  for (int i = 0; i < 3; ++i) {
    caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                   core::client_command{core::history_command{}});
    sink->wait_type("history");
  }
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink},
                 core::client_command{core::history_command{}});
  auto e = sink->wait_type("error");
  CHECK(e["code"] == "rate_limited");
  CHECK(e["retry_after_ms"].get<int>() > 0);
  // chats are not charged to the command bucket
  chat(s, sink, "c1", "hello");
  CHECK(sink->wait_type("done", "c1")["finish"] == "stop");
}

TEST_CASE("a minor's session: reminders every minor_interval, romance refused without the LLM",
          "[session][minor]") {
  fixture f;
  auto conf = core::load_config(R"({"offline":{"first_token_ms":5,"tokens_per_s":0}})");
  REQUIRE(conf.value);
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = spawn_llm_pool(f.sys, *conf.value); // every turn lasts at least 5 ms
  auto settings = test_settings();
  settings->care.disclosure = false;   // adults: no disclosure, reminders hourly at most ...
  settings->care.minor_interval = 1ms; // ... a minor: at least every millisecond here
  auto s = f.session(pools, settings);
  caf::anon_send(s, minor_atom::value);
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  CHECK(sink->wait_type("notice")["kind"] == "ai_disclosure"); // on for a minor
  chat(s, sink, "k1", "hello");
  sink->wait_type("done", "k1");
  chat(s, sink, "k2", "how are you");
  sink->wait_type("done", "k2");
  sink->wait_for(
    [](const nlohmann::json& f) { return f["type"] == "notice" && f["kind"] == "break_reminder"; });

  // romance: the fixed refusal, and an LLM pool that would crash proves no model was asked
  auto p2 = f.real_pools();
  caf::anon_send_exit(p2.llm, caf::exit_reason::user_shutdown);
  p2.llm = f.sys.spawn(fake_llm_pool, 0);
  auto kid = f.session(p2);
  caf::anon_send(kid, minor_atom::value);
  auto ks = std::make_shared<test::test_sink>();
  attach(kid, ks);
  chat(kid, ks, "r1", "will you be my girlfriend?");
  auto d = ks->wait_type("done", "r1");
  CHECK(d["finish"] == "stop");
  CHECK(d["degraded"] == json::array());
  CHECK(reply_of(*ks, "r1") == core::minor_romance_refusal(false));
  // an adult asking the same gets the model (here: the crashing one, so a fallback)
  auto adult = f.session(p2);
  auto as = std::make_shared<test::test_sink>();
  attach(adult, as);
  chat(adult, as, "r2", "will you be my girlfriend?");
  CHECK(as->wait_type("done", "r2")["finish"] == "fallback");
}

TEST_CASE("the care schedule survives the session through storage (a restart, another node)",
          "[session][care]") {
  fixture f;
  std::string dir = "/tmp/xinyu-care-test-" + std::to_string(::getpid());
  std::string error;
  auto store = storage::conversation_store::open({dir, false}, error);
  REQUIRE(store);
  auto conf = core::load_config(R"({"offline":{"first_token_ms":100,"tokens_per_s":0}})");
  REQUIRE(conf.value);
  auto pools = f.real_pools();
  caf::anon_send_exit(pools.llm, caf::exit_reason::user_shutdown);
  pools.llm = spawn_llm_pool(f.sys, *conf.value); // every turn lasts at least 100 ms
  pools.storage = spawn_storage_actor(f.sys, *conf.value, std::move(store),
                                      std::make_shared<core::service_state>());
  f.spawned.push_back(caf::actor_cast<caf::actor>(pools.storage));
  auto settings = test_settings();
  settings->care.disclosure = false;
  settings->care.break_after = 150ms; // a break reminder after 150 ms of continuous use
  settings->care.break_reset = std::chrono::hours{1};
  {
    auto first = f.session(pools, settings);
    auto sink = std::make_shared<test::test_sink>();
    attach(first, sink);
    chat(first, sink, "c1", "hello");
    sink->wait_type("done", "c1");      // the stretch of use starts here, in this session
    sink->wait_type("persisted", "c1"); // and is on disk with the turn
    caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  }
  // a new session for the same user loads the schedule: two more turns (>= 200 ms after c1)
  // complete 150 ms of use; a fresh schedule would count only the ~100 ms between them
  auto second = f.session(pools, settings);
  auto sink = std::make_shared<test::test_sink>();
  attach(second, sink);
  chat(second, sink, "c2", "back again");
  sink->wait_type("done", "c2");
  chat(second, sink, "c3", "still here");
  sink->wait_type("done", "c3");
  CHECK(sink->wait_for([](const nlohmann::json& f) {
    return f["type"] == "notice" && f["kind"] == "break_reminder";
  })["type"]
        == "notice");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a forwarded chat admitted after its deadline is refused overloaded, never run; one in "
          "time runs",
          "[session][cluster]") {
  fixture f;
  auto s = f.session(f.real_pools());
  auto sink = std::make_shared<test::test_sink>();
  attach(s, sink);
  sink->wait_type("ready");
  core::chat_command late{"late", "hello there"};
  late.not_after_ms = 1; // long past: the forwarding node has answered it by now
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink}, core::client_command{late});
  auto err = sink->wait_type("error", "late");
  CHECK(err["code"] == "overloaded");
  core::chat_command in_time{"in-time", "hello there"};
  in_time.not_after_ms = std::numeric_limits<std::int64_t>::max();
  caf::anon_send(s, command_atom::value, client_sink_ptr{sink}, core::client_command{in_time});
  CHECK(sink->wait_type("done", "in-time")["turn"] == 2); // the late one took no number
  CHECK(sink->of("accepted", "late").empty());
}
