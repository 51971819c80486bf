// forwarded_command_json and its inverse: one JSON object per command kind, "k" naming it. Must
// never throw on malformed input (a node of another version may send what we do not know).
#include "core/protocol/forwarded_command.hpp"

#include "core/protocol/trace_context.hpp"

#include <nlohmann/json.hpp>

#include <type_traits>

namespace xinyu::core {

using nlohmann::json;

namespace {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

json ref_json(const memory_ref& r) { return {{"turn", r.turn}, {"index", r.index}}; }

std::optional<memory_ref> ref_from(const json& j) {
  if (!j.is_object() || !j.value("turn", json{}).is_number_unsigned()
      || !j.value("index", json{}).is_number_unsigned())
    return std::nullopt;
  return memory_ref{j["turn"].get<std::uint64_t>(), j["index"].get<std::uint32_t>()};
}

} // namespace

json forwarded_command_json(const client_command& cmd) {
  return std::visit(
    overloaded{
      [](const chat_command& c) {
        json j{{"k", "chat"}, {"id", c.id}, {"text", c.text}, {"stop", c.stop}};
        if (c.trace)
          j["trace"] = json{c.trace->trace_id, c.trace->parent_id, c.trace->flags};
        if (c.max_tokens)
          j["max_tokens"] = *c.max_tokens;
        return j;
      },
      [](const cancel_command& c) {
        return json{{"k", "cancel"}, {"id", c.id}};
      },
      [](const history_command& c) {
        json j{{"k", "history"}, {"limit", c.limit}};
        if (c.before)
          j["before"] = *c.before;
        return j;
      },
      [](const resume_command& c) {
        return json{{"k", "resume"}, {"id", c.id}, {"seq", c.seq}};
      },
      [](const forget_command&) {
        return json{{"k", "forget"}};
      },
      [](const emergency_contact_command& c) {
        return json{{"k", "contact"},
                    {"clear", c.clear},
                    {"name", c.name},
                    {"phone", c.phone},
                    {"relation", c.relation}};
      },
      [](const memories_command&) {
        return json{{"k", "memories"}};
      },
      [](const memory_edit_command& c) {
        return json{{"k", "memory_edit"}, {"ref", ref_json(c.ref)}, {"text", c.text}};
      },
      [](const memory_delete_command& c) {
        return json{{"k", "memory_delete"}, {"ref", ref_json(c.ref)}};
      },
    },
    cmd);
}

std::optional<client_command> forwarded_command_from_json(const json& j) {
  if (!j.is_object() || !j.contains("k") || !j["k"].is_string())
    return std::nullopt;
  auto str = [&](const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
      return std::nullopt;
    return it->get<std::string>();
  };
  auto k = j["k"].get<std::string>();
  if (k == "chat") {
    auto id = str("id");
    auto text = str("text");
    if (!id || !text)
      return std::nullopt;
    chat_command c{*id, *text};
    if (auto t = j.find("trace"); t != j.end() && t->is_array() && t->size() == 3
                                  && (*t)[0].is_string() && (*t)[1].is_string()
                                  && (*t)[2].is_string())
      c.trace = trace_context{(*t)[0], (*t)[1], (*t)[2]};
    if (auto m = j.find("max_tokens"); m != j.end() && m->is_number_unsigned())
      c.max_tokens = m->get<unsigned>();
    if (auto s = j.find("stop"); s != j.end() && s->is_array())
      for (const auto& e : *s)
        if (e.is_string())
          c.stop.push_back(e.get<std::string>());
    return c;
  }
  if (k == "cancel") {
    auto id = str("id");
    return id ? std::optional<client_command>{cancel_command{*id}} : std::nullopt;
  }
  if (k == "history") {
    auto limit = j.value("limit", json{});
    if (!limit.is_number_unsigned())
      return std::nullopt;
    history_command c;
    c.limit = limit.get<std::uint32_t>();
    if (auto b = j.find("before"); b != j.end() && b->is_number_unsigned())
      c.before = b->get<std::uint64_t>();
    return c;
  }
  if (k == "resume") {
    auto id = str("id");
    auto seq = j.value("seq", json{});
    if (!id || !seq.is_number_unsigned())
      return std::nullopt;
    return resume_command{*id, seq.get<std::uint64_t>()};
  }
  if (k == "forget")
    return forget_command{};
  if (k == "contact") {
    emergency_contact_command c;
    c.clear = j.value("clear", false);
    c.name = str("name").value_or("");
    c.phone = str("phone").value_or("");
    c.relation = str("relation").value_or("");
    return c;
  }
  if (k == "memories")
    return memories_command{};
  if (k == "memory_edit" || k == "memory_delete") {
    auto ref = ref_from(j.value("ref", json{}));
    if (!ref)
      return std::nullopt;
    if (k == "memory_delete")
      return memory_delete_command{*ref};
    auto text = str("text");
    if (!text)
      return std::nullopt;
    return memory_edit_command{*ref, *text};
  }
  return std::nullopt;
}

} // namespace xinyu::core
