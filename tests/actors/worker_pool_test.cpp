// Actor tests for worker_pool: round-robin routing, fail-fast on a dying worker, respawn.
#include "actors/worker_pool.hpp"

#include "actors/error.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <optional>
#include <set>

using namespace xinyu::actors;
using namespace std::chrono_literals;

namespace {
using echo_op = op<stage_request, std::string>;
using echo_actor = pool_actor<echo_op>;
} // namespace

TEST_CASE("pool spreads requests over its workers and respawns a dead one", "[pool]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // each worker answers with its own id; "crash" makes it throw
  auto pool = spawn_worker_pool<echo_op>(
    sys, pool_settings{"test", 3, 5s}, [](caf::actor_system& s) -> echo_actor {
      return s.spawn([](echo_actor::pointer self) -> echo_actor::behavior_type {
        return {
          [self](work_atom, stage_request& r) -> std::string {
            if (r.text == "crash")
              throw std::runtime_error("boom");
            return std::to_string(self->id());
          },
        };
      });
    });
  caf::scoped_actor self{sys};
  std::set<std::string> ids;
  for (int i = 0; i < 6; ++i)
    self->request(pool, 5s, work_atom::value, stage_request{"u", "hi"})
      .receive([&](std::string& id) { ids.insert(id); },
               [&](caf::error& e) { FAIL("unexpected error " << sys.render(e)); });
  CHECK(ids.size() == 3);

  bool failed = false;
  self->request(pool, 5s, work_atom::value, stage_request{"u", "crash"})
    .receive([&](std::string&) {}, [&](caf::error&) { failed = true; });
  CHECK(failed); // fails fast with an error, not a hang

  std::set<std::string> after;
  for (int i = 0; i < 6; ++i)
    self->request(pool, 5s, work_atom::value, stage_request{"u", "hi"})
      .receive([&](std::string& id) { after.insert(id); },
               [&](caf::error& e) { FAIL("unexpected error " << sys.render(e)); });
  CHECK(after.size() == 3); // the dead worker was replaced
  CHECK(after != ids);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

namespace {

using hang_atom = caf::atom_constant<caf::atom("hang")>;

/// A worker that throws on "crash", never answers "hang", echoes otherwise.
echo_actor::behavior_type test_worker(echo_actor::pointer self) {
  return {
    [self](work_atom, stage_request& r) -> caf::result<std::string> {
      if (r.text == "crash")
        throw std::runtime_error("boom");
      if (r.text == "hang")
        return self->make_response_promise<std::string>();
      return r.text;
    },
  };
}

std::uint64_t counter_value(const std::string& name, const std::string& labels) {
  return xinyu::core::metrics().get_counter(name, "", labels).value();
}

} // namespace

TEST_CASE("a pool that exceeds its restart intensity fails fast until a probe", "[pool]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  pool_settings ps;
  ps.kind = "intensity";
  ps.size = 1;
  ps.deadline = 5s;
  ps.max_restarts = 2;
  ps.window = 60s;
  ps.probe_after = 300ms;
  auto pool = spawn_worker_pool<echo_op>(sys, ps, [](caf::actor_system& s) -> echo_actor {
    return s.spawn(test_worker);
  });
  caf::scoped_actor self{sys};
  auto ask = [&](const std::string& text) {
    std::optional<std::string> out;
    self->request(pool, 5s, work_atom::value, stage_request{"u", text})
      .receive([&](std::string& s) { out = s; }, [&](caf::error&) {});
    return out;
  };
  for (int i = 0; i < 3; ++i)
    CHECK_FALSE(ask("crash")); // the third crash exceeds 2 restarts in the window
  auto rejected_before = counter_value("xinyu_pool_rejected_total", "pool=\"intensity\"");
  bool pool_failed = false;
  self->request(pool, 5s, work_atom::value, stage_request{"u", "hello"})
    .receive([&](std::string&) {},
             [&](caf::error& e) { pool_failed = xinyu::is(e, xinyu::ec::pool_failed); });
  CHECK(pool_failed); // answered at once, the worker is not called
  CHECK(counter_value("xinyu_pool_rejected_total", "pool=\"intensity\"") == rejected_before + 1);
  // after probe_after the pool respawns its worker and serves again
  self->receive(caf::after(std::chrono::milliseconds(400)) >> [] {});
  CHECK(ask("hello") == std::optional<std::string>{"hello"});
  CHECK(ask("again") == std::optional<std::string>{"again"});
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

TEST_CASE("a pool whose workers are all full refuses at once", "[pool]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  pool_settings ps;
  ps.kind = "bounded";
  ps.size = 1;
  ps.deadline = 10s;
  ps.max_queue = 2;
  auto pool = spawn_worker_pool<echo_op>(sys, ps, [](caf::actor_system& s) -> echo_actor {
    return s.spawn(test_worker);
  });
  caf::scoped_actor self{sys};
  // two requests that never finish fill the only worker
  self->send(pool, work_atom::value, stage_request{"u", "hang"});
  self->send(pool, work_atom::value, stage_request{"u", "hang"});
  auto before = counter_value("xinyu_pool_rejected_total", "pool=\"bounded\"");
  bool refused = false;
  self->request(pool, 5s, work_atom::value, stage_request{"u", "third"})
    .receive([&](std::string&) {},
             [&](caf::error& e) { refused = xinyu::is(e, xinyu::ec::pool_busy); });
  CHECK(refused);
  CHECK(counter_value("xinyu_pool_rejected_total", "pool=\"bounded\"") == before + 1);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}

TEST_CASE("a request past the pool's deadline fails when the next one comes, freeing its room",
          "[pool]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  pool_settings ps;
  ps.kind = "expiring";
  ps.size = 1;
  ps.deadline = 0ms; // every request in flight is overdue by the time the next one comes
  ps.max_queue = 1;
  auto pool = spawn_worker_pool<echo_op>(sys, ps, [](caf::actor_system& s) -> echo_actor {
    return s.spawn(test_worker);
  });
  caf::scoped_actor self{sys};
  // a request that never finishes fills the only worker's room ...
  bool timed_out = false;
  auto hung = self->request(pool, 5s, work_atom::value, stage_request{"u", "hang"});
  // ... and the next request expires it (no timer of its own) and takes the room
  std::string echoed;
  self->request(pool, 5s, work_atom::value, stage_request{"u", "second"})
    .receive([&](std::string& s) { echoed = s; }, [&](caf::error&) {});
  hung.receive([](std::string&) {},
               [&](caf::error& e) { timed_out = e == caf::sec::request_timeout; });
  CHECK(echoed == "second");
  CHECK(timed_out);
  caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
}
