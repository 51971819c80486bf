// All CAF atoms of xinyu in one place (CAF 0.17 spelling: atom_constant, at most 10 chars).
// Must never define behaviour; only names.
#pragma once

#include <caf/atom.hpp>

namespace xinyu::actors {

using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using work_atom = caf::atom_constant<caf::atom("work")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using end_atom = caf::atom_constant<caf::atom("end")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;

} // namespace xinyu::actors
