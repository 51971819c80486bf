// Tests for core/protocol/forwarded_command: every command kind survives the trip to the owner
// node unchanged, and what is not a forwarded command is refused, never guessed.
#include "core/protocol/forwarded_command.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xinyu::core;

namespace {

client_command round_trip(const client_command& c) {
  auto text = forwarded_command_json(c).dump(); // as it travels through Redis
  auto back = forwarded_command_from_json(nlohmann::json::parse(text));
  REQUIRE(back);
  REQUIRE(back->index() == c.index());
  return *back;
}

} // namespace

TEST_CASE("forwarded commands: every kind round-trips with every field", "[cluster]") {
  chat_command chat{"c1", "我今天很难过\nand tired"};
  chat.trace = trace_context{std::string(32, 'a'), std::string(16, 'b'), "01"};
  chat.max_tokens = 64;
  chat.stop = {"\n\n", "END"};
  auto c = std::get<chat_command>(round_trip(chat));
  CHECK(c.id == "c1");
  CHECK(c.text == chat.text);
  REQUIRE(c.trace);
  CHECK(c.trace->trace_id == chat.trace->trace_id);
  CHECK(c.trace->flags == "01");
  CHECK(c.max_tokens == 64u);
  CHECK(c.stop == chat.stop);
  auto plain = std::get<chat_command>(round_trip(chat_command{"c2", "hi"}));
  CHECK_FALSE(plain.trace);
  CHECK_FALSE(plain.max_tokens);

  CHECK(std::get<cancel_command>(round_trip(cancel_command{"c1"})).id == "c1");
  auto h = std::get<history_command>(round_trip(history_command{42, 7}));
  CHECK(h.before == 42u);
  CHECK(h.limit == 7u);
  CHECK_FALSE(std::get<history_command>(round_trip(history_command{std::nullopt, 20})).before);
  auto r = std::get<resume_command>(round_trip(resume_command{"c1", 9}));
  CHECK(r.id == "c1");
  CHECK(r.seq == 9u);
  round_trip(forget_command{});
  round_trip(memories_command{});
  auto e = std::get<emergency_contact_command>(
    round_trip(emergency_contact_command{false, "Anna", "+44 20 7946 0018", "sister"}));
  CHECK(e.phone == "+44 20 7946 0018");
  CHECK(e.relation == "sister");
  CHECK(std::get<emergency_contact_command>(round_trip(emergency_contact_command{true, "", "", ""}))
          .clear);
  auto ed = std::get<memory_edit_command>(round_trip(memory_edit_command{{12, 3}, "我在苏州工作"}));
  CHECK(ed.ref == memory_ref{12, 3});
  CHECK(ed.text == "我在苏州工作");
  CHECK(std::get<memory_delete_command>(round_trip(memory_delete_command{{5, 0}})).ref
        == memory_ref{5, 0});
}

TEST_CASE("forwarded commands: anything else is refused", "[cluster]") {
  using nlohmann::json;
  for (const auto& bad :
       {json(nullptr), json::array(), json{{"k", "chat"}, {"id", "x"}}, json{{"k", "launch"}},
        json{{"k", 3}}, json{{"k", "memory_delete"}, {"ref", {{"turn", -1}, {"index", 0}}}},
        json{{"k", "resume"}, {"id", "x"}, {"seq", "9"}}, json{{"k", "history"}, {"limit", -5}}})
    CHECK_FALSE(forwarded_command_from_json(bad));
}
