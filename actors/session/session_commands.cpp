// The commands a session answers besides chat: cancel, resume, history and forget, each under
// the per-user command rate. Never sockets: answers go to the asking connection's sink.
#include "actors/session/session_state.hpp"

#include "core/auth/sealed_box.hpp"
#include "core/protocol/server_frame.hpp"

#include <nlohmann/json.hpp>

#include <caf/all.hpp>

#include <algorithm>

namespace xinyu::actors::session {

namespace {

void cancel(session_ptr self, const client_sink_ptr& origin, const std::string& id) {
  auto& st = self->state;
  for (auto& t : st.turns) {
    if (t.id != id || t.cancelled)
      continue;
    t.cancelled = true;
    if (&t == &st.turns.front() && t.ph != phase::queued)
      finish_turn(self, core::finish_reason::cancelled); // also stops the LLM stream
    // a queued turn ends with `cancelled` when its turn comes, keeping the reply order
    return;
  }
  reply_error(origin, "not_found", "no turn in progress with this id", id);
}

void resume(session_ptr self, const client_sink_ptr& origin, const core::resume_command& r) {
  auto& st = self->state;
  for (auto& t : st.turns) {
    if (t.id != r.id)
      continue;
    // in flight or queued: replay what exists; the rest arrives live (origin is subscribed)
    for (std::size_t i = r.seq; i < t.tokens.size(); ++i)
      session_state::reply(origin, core::frames::token(t.id, i, t.tokens[i]));
    return;
  }
  for (auto it = st.finished.rbegin(); it != st.finished.rend(); ++it) {
    if (it->id != r.id)
      continue;
    for (std::size_t i = r.seq; i < it->tokens.size(); ++i)
      session_state::reply(origin, core::frames::token(it->id, i, it->tokens[i]));
    if (origin)
      origin->deliver(it->done_frame);
    return;
  }
  reply_error(origin, "not_found", "this server no longer holds that turn; read history instead",
              r.id);
}

/// Without storage: the `limit` messages just before `before` from the turns kept in memory.
void history_in_memory(session_state& st, const client_sink_ptr& origin,
                       const core::history_command& h) {
  std::vector<core::frames::history_entry> out; // newest first, reversed below
  bool more = false;
  for (auto it = st.finished.rbegin(); it != st.finished.rend() && !more; ++it) {
    std::string reply;
    for (const auto& tok : it->tokens)
      reply += tok;
    core::frames::history_entry entries[2] = {
      {it->reply_turn, "assistant", std::move(reply), it->reply_ts, it->id, it->finish},
      {it->user_turn, "user", it->text, it->ts, it->id, {}}};
    for (auto& e : entries) {
      if (h.before && e.turn >= *h.before)
        continue;
      if (out.size() >= h.limit) {
        more = true;
        break;
      }
      out.push_back(std::move(e));
    }
  }
  std::reverse(out.begin(), out.end());
  session_state::reply(origin, core::frames::history(out, more));
}

void history(session_ptr self, const client_sink_ptr& origin, const core::history_command& h) {
  auto& st = self->state;
  if (!st.pools.storage) {
    history_in_memory(st, origin, h);
    return;
  }
  self
    ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), history_atom::value,
              st.user, std::uint64_t{h.before.value_or(0)}, std::uint32_t{h.limit})
    .then(
      [origin](history_page& page) {
        std::vector<core::frames::history_entry> out;
        out.reserve(page.messages.size());
        for (auto& m : page.messages)
          out.push_back({m.turn, std::move(m.role), std::move(m.text), m.ts, std::move(m.id),
                         std::move(m.finish)});
        session_state::reply(origin, core::frames::history(out, page.more));
      },
      [origin](caf::error&) {
        reply_error(origin, "internal", "history is unavailable right now; retry");
      });
}

/// The conversation is erased: the memories go next, then `forgotten`.
void forget_memories(session_ptr self, const client_sink_ptr& origin, std::uint64_t deleted) {
  auto& st = self->state;
  st.known.clear();     // a fact told again after forget is a new fact
  forget_summary(self); // storage erased its copy with the conversation
  st.core.clear();
  st.profile.invalidate();
  self
    ->request(st.pools.memory, ms(st.cfg->config.session.bookkeeping_deadline_ms), work_atom::value,
              forget_memories_request{st.user})
    .then([origin, deleted](
            std::uint64_t) { session_state::reply(origin, core::frames::forgotten(deleted)); },
          [origin](caf::error&) {
            reply_error(origin, "internal", "memories could not be erased; retry");
          });
}

void forget(session_ptr self, const client_sink_ptr& origin) {
  auto& st = self->state;
  std::uint64_t in_memory = st.finished.size() * 2;
  st.finished.clear();
  st.recent.clear();
  st.contact_sealed.clear(); // storage erases it with the conversation
  if (!st.pools.storage) {
    forget_memories(self, origin, in_memory);
    return;
  }
  self
    ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), forget_atom::value,
              st.user)
    .then([self, origin](std::uint64_t deleted) { forget_memories(self, origin, deleted); },
          [origin](caf::error&) {
            reply_error(origin, "internal",
                        "the conversation could not be erased; nothing was changed, retry");
          });
}

/// The user's remembered facts: from storage (the durable list, with when each was told), or
/// from the memory index when there is no storage.
void list_memories(session_ptr self, const client_sink_ptr& origin) {
  auto& st = self->state;
  auto answer = [origin](std::vector<core::memory_fact>& facts) {
    std::vector<core::frames::memory_entry> items;
    items.reserve(facts.size());
    for (auto& f : facts)
      items.push_back({core::memory_id(f.turn, f.index), std::move(f.text), f.turn, f.ts});
    session_state::reply(origin, core::frames::memories(items));
  };
  auto failed = [origin](caf::error&) {
    reply_error(origin, "internal", "memories are unavailable right now; retry");
  };
  if (st.pools.storage)
    self
      ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), memories_atom::value,
                st.user)
      .then(answer, failed);
  else
    self
      ->request(st.pools.memory, ms(st.cfg->config.session.bookkeeping_deadline_ms),
                work_atom::value, list_memories_request{st.user})
      .then(answer, failed);
}

/// The memory index has the change: the known facts follow, then the user hears of it.
void memory_changed(session_ptr self, const client_sink_ptr& origin,
                    const memory_change_request& req, const std::string& old_text) {
  auto& st = self->state;
  st.known.erase(old_text);      // told again later, it is a new fact again
  prune_summary(self, old_text); // nor in the summary of older turns
  st.profile.invalidate();       // never again in a prompt, the profile included
  auto id = core::memory_id(req.turn, req.index);
  if (req.erase) {
    st.core.remove({req.turn, req.index});
    session_state::reply(origin, core::frames::memory_deleted(id));
    return;
  }
  st.known.add(req.text);
  st.core.add({req.turn, req.index}, req.text);
  session_state::reply(origin, core::frames::memory_edited(id, req.text));
}

void not_found_memory(const client_sink_ptr& origin) {
  reply_error(origin, "not_found",
              "no remembered fact has this id (deleted already, or forgotten); list memories "
              "again");
}

/// Deletes a fact: out of the index first (it is never recalled again, even if storage then
/// fails), then out of storage, durably.
void delete_memory(session_ptr self, const client_sink_ptr& origin, memory_change_request req) {
  auto& st = self->state;
  auto bookkeeping = ms(st.cfg->config.session.bookkeeping_deadline_ms);
  self->request(st.pools.memory, bookkeeping, work_atom::value, req)
    .then(
      [self, origin, req](memory_change& indexed) {
        auto& st = self->state;
        if (!st.pools.storage) {
          if (!indexed.found)
            return not_found_memory(origin);
          return memory_changed(self, origin, req, indexed.old_text);
        }
        self
          ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms),
                    memory_atom::value, req)
          .then(
            [self, origin, req](memory_change& stored) {
              if (!stored.found)
                return not_found_memory(origin);
              memory_changed(self, origin, req, stored.old_text);
            },
            [origin](caf::error&) {
              reply_error(origin, "internal",
                          "the fact could not be erased from storage (it is no longer used in "
                          "this conversation); retry");
            });
      },
      [origin](caf::error&) {
        reply_error(origin, "internal", "the fact could not be erased; nothing was changed, retry");
      });
}

/// Edits a fact: in storage first (the durable truth, and proof that the fact exists), then
/// in the index, re-embedded; without storage the index alone decides whether it exists.
void edit_memory(session_ptr self, const client_sink_ptr& origin, memory_change_request req) {
  auto& st = self->state;
  auto reindex = [self, origin](memory_change_request req, std::string old_text) {
    auto& st = self->state;
    self
      ->request(st.pools.memory, ms(st.cfg->config.session.bookkeeping_deadline_ms),
                work_atom::value, req)
      .then(
        [self, origin, req, old_text](memory_change& indexed) {
          if (!req.stored && !indexed.found)
            return not_found_memory(origin);
          memory_changed(self, origin, req, req.stored ? old_text : indexed.old_text);
        },
        [origin](caf::error&) {
          reply_error(origin, "internal",
                      "the change is stored but the memory index could not take it yet; send "
                      "it again");
        });
  };
  if (!st.pools.storage) {
    reindex(std::move(req), {});
    return;
  }
  self
    ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), memory_atom::value, req)
    .then(
      [origin, req, reindex](memory_change& stored) mutable {
        if (!stored.found)
          return not_found_memory(origin);
        req.stored = true;
        reindex(std::move(req), std::move(stored.old_text));
      },
      [origin](caf::error&) {
        reply_error(origin, "internal",
                    "the fact could not be changed; nothing was changed, retry");
      });
}

/// Stores (sealed) or removes the user's emergency contact; `emergency_contact` answers.
void set_contact(session_ptr self, const client_sink_ptr& origin,
                 const core::emergency_contact_command& c) {
  auto& st = self->state;
  if (!st.cfg->config.care.emergency_contacts || st.cfg->contact_key.empty()) {
    reply_error(origin, "bad_request",
                "emergency contacts are off on this server (care.emergency_contacts)");
    return;
  }
  std::string sealed;
  if (!c.clear) {
    nlohmann::json contact{{"name", c.name}, {"phone", c.phone}};
    if (!c.relation.empty())
      contact["relation"] = c.relation;
    sealed = core::seal(st.cfg->contact_key, contact.dump());
    if (sealed.empty()) {
      reply_error(origin, "internal", "the contact could not be sealed; nothing was stored");
      return;
    }
  }
  if (!st.pools.storage) {
    st.contact_sealed = std::move(sealed);
    session_state::reply(origin, core::frames::emergency_contact(!c.clear));
    return;
  }
  self
    ->request(st.pools.storage, ms(st.cfg->config.storage.load_timeout_ms), contact_atom::value,
              st.user, sealed)
    .then(
      [self, origin, sealed, stored = !c.clear](bool) {
        self->state.contact_sealed = sealed;
        session_state::reply(origin, core::frames::emergency_contact(stored));
      },
      [origin](caf::error&) {
        reply_error(origin, "internal", "the contact could not be stored; nothing was changed");
      });
}

} // namespace

void dispatch(session_ptr self, const client_sink_ptr& origin, core::client_command& cmd) {
  std::visit(
    [&](auto& c) {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, core::chat_command>) {
        admit_chat(self, origin, c);
        return;
      } else {
        // history, forget, memories, resume and cancel have their own bucket: 6 000 forgets (an
        // fsynced write each) slowed every other user's storage
        if (auto wait = self->state.commands.take(clock::now()); wait > 0) {
          metrics().commands_limited.inc();
          std::optional<std::string_view> id;
          if constexpr (std::is_same_v<T, core::cancel_command>)
            id = c.id;
          reply_error(origin, "rate_limited", "too many requests in a short time; slow down", id,
                      wait);
          return;
        }
        if constexpr (std::is_same_v<T, core::cancel_command>)
          cancel(self, origin, c.id);
        else if constexpr (std::is_same_v<T, core::resume_command>)
          resume(self, origin, c);
        else if constexpr (std::is_same_v<T, core::history_command>)
          history(self, origin, c);
        else if constexpr (std::is_same_v<T, core::forget_command>)
          forget(self, origin);
        else if constexpr (std::is_same_v<T, core::emergency_contact_command>)
          set_contact(self, origin, c);
        else if constexpr (std::is_same_v<T, core::memories_command>)
          list_memories(self, origin);
        else if constexpr (std::is_same_v<T, core::memory_edit_command>)
          edit_memory(self, origin,
                      memory_change_request{self->state.user, c.ref.turn, c.ref.index,
                                            std::move(c.text), false});
        else if constexpr (std::is_same_v<T, core::memory_delete_command>)
          delete_memory(self, origin,
                        memory_change_request{self->state.user, c.ref.turn, c.ref.index, {}, true});
      }
    },
    cmd);
}

} // namespace xinyu::actors::session
