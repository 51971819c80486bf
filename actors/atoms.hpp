// All CAF atoms of xinyu in one place (CAF 0.17 spelling: atom_constant, at most 10 chars).
// Must never define behaviour; only names.
#pragma once

#include <caf/atom.hpp>

namespace xinyu::actors {

using attach_atom = caf::atom_constant<caf::atom("attach")>;
using handover_atom = caf::atom_constant<caf::atom("handover")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using command_atom = caf::atom_constant<caf::atom("command")>;
using work_atom = caf::atom_constant<caf::atom("work")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using end_atom = caf::atom_constant<caf::atom("end")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using persisted_atom = caf::atom_constant<caf::atom("persisted")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using embed_atom = caf::atom_constant<caf::atom("embed")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using alert_atom = caf::atom_constant<caf::atom("alert")>;
using operator_atom = caf::atom_constant<caf::atom("operator")>;
using handoff_atom = caf::atom_constant<caf::atom("handoff")>;
using reply_atom = caf::atom_constant<caf::atom("reply")>;
using minor_atom = caf::atom_constant<caf::atom("minor")>;
using contact_atom = caf::atom_constant<caf::atom("contact")>;
using memories_atom = caf::atom_constant<caf::atom("memories")>;
using memory_atom = caf::atom_constant<caf::atom("memory")>;
using summary_atom = caf::atom_constant<caf::atom("summary")>;
using lease_atom = caf::atom_constant<caf::atom("lease")>;
using release_atom = caf::atom_constant<caf::atom("release")>;

} // namespace xinyu::actors
