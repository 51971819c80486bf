// The typed interface of a supervised worker pool: `(work_atom, Request) -> Response` for each
// operation it serves. The pool and each of its workers speak the same interface.
// Must never name an implementation: this header is what callers of a pool include.
#pragma once

#include "actors/fwd.hpp"
#include "actors/atoms.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace xinyu::actors {

/// One operation of a pool: a request type and what it answers.
template <class Request, class Response>
struct op {
  using request = Request;
  using response = Response;
};

template <class... Ops>
using pool_actor = caf::typed_actor<typename caf::replies_to<
  work_atom, typename Ops::request>::template with<typename Ops::response>...>;

} // namespace xinyu::actors
