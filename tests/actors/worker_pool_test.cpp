// Actor tests for worker_pool: round-robin routing, fail-fast on a dying worker, respawn.
#include "actors/worker_pool.hpp"

#include "actors/messages.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <set>

using namespace xinyu::actors;
using namespace std::chrono_literals;

TEST_CASE("pool spreads requests over its workers and respawns a dead one", "[pool]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  // each worker answers with its own id; "crash" makes it throw
  auto pool = spawn_worker_pool<stage_request, std::string>(
    sys, pool_settings{"test", 3, 5s}, [](caf::actor_system& s) {
      return s.spawn([](caf::event_based_actor* self) -> caf::behavior {
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
