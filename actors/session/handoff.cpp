// Human hand-off: an operator takes a user's conversation over, answers their chats (finish
// `human`), hands it back; alerts of crises go to the operators. Never sockets; every wait has
// care.handoff_timeout_s.
#include "actors/session/session_state.hpp"

#include "core/auth/sealed_box.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/protocol/server_frame.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

namespace xinyu::actors::session {

namespace {

void tell(const client_sink_ptr& to, std::string frame) {
  if (to)
    to->deliver(std::make_shared<const std::string>(std::move(frame)));
}

} // namespace

void on_handoff(session_ptr self, bool human, const client_sink_ptr& op) {
  auto& st = self->state;
  const auto& care = st.cfg->config.care;
  if (human) {
    bool was = static_cast<bool>(st.operator_sink);
    st.operator_sink = op;
    tell(op, core::frames::handoff(st.user, "human"));
    if (!was)
      st.broadcast(core::frames::handoff_notice("human", care.handoff_human_text));
    return;
  }
  if (st.operator_sink != op)
    return; // another operator's conversation (or already handed back)
  st.operator_sink.reset();
  tell(op, core::frames::handoff(st.user, "ai"));
  st.broadcast(core::frames::handoff_notice("ai", care.handoff_ai_text));
  // a chat that was waiting for the operator is answered by the AI now
  if (!st.turns.empty() && st.turns.front().ph == phase::awaiting_human)
    generate_with_llm(self, st.turns.front());
}

void await_operator(session_ptr self, turn& t) {
  auto& st = self->state;
  t.ph = phase::awaiting_human;
  tell(st.operator_sink, core::frames::user_chat(st.user, t.id, t.user_turn, t.text, t.safety));
  arm_deadline(self, t.key, deadline_kind::human,
               std::chrono::seconds{st.cfg->config.care.handoff_timeout_s});
}

void on_operator_reply(session_ptr self, const std::string& id, const std::string& text,
                       const client_sink_ptr& op) {
  auto& st = self->state;
  if (st.operator_sink != op) {
    tell(op, core::frames::error("not_found", "take this conversation over first"));
    return;
  }
  if (st.turns.empty() || st.turns.front().ph != phase::awaiting_human
      || st.turns.front().id != id) {
    tell(op, core::frames::error("not_found", "no chat with this id is waiting for a reply", id));
    return;
  }
  emit_text(self, st.turns.front(), text);
  finish_turn(self, core::finish_reason::human);
}

void alert_operators(session_ptr self, const turn& t) {
  auto& st = self->state;
  if (!st.owner)
    return;
  std::optional<std::string_view> text;
  if (st.cfg->config.care.operator_sees_text)
    text = t.text;
  auto frame = core::frames::alert(st.user, t.id, t.user_turn, t.safety, t.ts, text);
  // the escalation webhook also carries the opted-in emergency contact, on intent or a plan
  std::string webhook_body = frame;
  if (t.safety.intent_or_plan && !st.contact_sealed.empty() && !st.cfg->contact_key.empty())
    if (auto contact = core::open_sealed(st.cfg->contact_key, st.contact_sealed)) {
      auto body = nlohmann::json::parse(frame);
      body["emergency_contact"] = nlohmann::json::parse(*contact, nullptr, false);
      webhook_body = body.dump();
    }
  self->send(st.owner, alert_atom::value, std::move(frame), std::move(webhook_body));
}

} // namespace xinyu::actors::session
