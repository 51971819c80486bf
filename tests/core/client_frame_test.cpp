// Unit tests for core/protocol/client_frame: every malformed input maps to the protocol's error
// code.
#include "core/protocol/client_frame.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

namespace {

frame_limits limits{100, 16};

frame_error expect_error(std::string_view frame) {
  auto r = parse_client_frame(frame, limits);
  REQUIRE(std::holds_alternative<frame_error>(r));
  return std::get<frame_error>(r);
}

} // namespace

TEST_CASE("valid frames parse into typed commands", "[frame]") {
  auto chat = parse_client_frame(R"({"type":"chat","id":"m-1.a:b_c","text":"你好"})", limits);
  REQUIRE(std::holds_alternative<chat_command>(chat));
  CHECK(std::get<chat_command>(chat).id == "m-1.a:b_c");
  CHECK(std::get<chat_command>(chat).text == "你好");

  auto auth = parse_client_frame(R"({"type":"auth","user":"alice"})", limits);
  REQUIRE(std::holds_alternative<auth_command>(auth));
  CHECK(std::get<auth_command>(auth).user == "alice");

  CHECK(std::holds_alternative<ping_command>(parse_client_frame(R"({"type":"ping"})", limits)));
  CHECK(std::holds_alternative<forget_command>(parse_client_frame(R"({"type":"forget"})", limits)));
  auto cancel = parse_client_frame(R"({"type":"cancel","id":"x"})", limits);
  REQUIRE(std::holds_alternative<cancel_command>(cancel));

  auto hist = parse_client_frame(R"({"type":"history","before":7,"limit":5})", limits);
  REQUIRE(std::holds_alternative<history_command>(hist));
  CHECK(*std::get<history_command>(hist).before == 7);
  CHECK(std::get<history_command>(hist).limit == 5);
  auto hist_default = parse_client_frame(R"({"type":"history"})", limits);
  CHECK(std::get<history_command>(hist_default).limit == 20);
  CHECK_FALSE(std::get<history_command>(hist_default).before);

  auto resume = parse_client_frame(R"({"type":"resume","id":"x","seq":3})", limits);
  REQUIRE(std::holds_alternative<resume_command>(resume));
  CHECK(std::get<resume_command>(resume).seq == 3);
}

TEST_CASE("malformed frames get bad_request", "[frame]") {
  CHECK(expect_error("not json").code == "bad_request");
  CHECK(expect_error("[1,2]").code == "bad_request");
  CHECK(expect_error(R"({"id":"x"})").message.find("type") != std::string::npos);
  CHECK(expect_error(R"({"type":5})").code == "bad_request");
  CHECK(expect_error(R"({"type":"dance"})").message.find("unknown type") != std::string::npos);
  CHECK(expect_error("\xff\xfe").message.find("UTF-8") != std::string::npos);
  // a lone surrogate escape is invalid JSON text
  CHECK(expect_error(R"({"type":"chat","id":"a","text":"\ud800"})").code == "bad_request");
}

TEST_CASE("chat validation: id, text presence, type, emptiness and size", "[frame]") {
  CHECK(expect_error(R"({"type":"chat","text":"hi"})").message.find("'id'") != std::string::npos);
  CHECK(expect_error(R"({"type":"chat","id":5,"text":"hi"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"chat","id":"has space","text":"hi"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"chat","id":"","text":"hi"})").code == "bad_request");
  std::string long_id(65, 'a');
  CHECK(expect_error(R"({"type":"chat","id":")" + long_id + R"(","text":"hi"})").code
        == "bad_request");
  auto missing_text = expect_error(R"({"type":"chat","id":"a1"})");
  CHECK(missing_text.code == "bad_request");
  CHECK(missing_text.id == std::optional<std::string>{"a1"});
  CHECK(expect_error(R"({"type":"chat","id":"a1","text":42})").id
        == std::optional<std::string>{"a1"});
  CHECK(expect_error(R"({"type":"chat","id":"a1","text":"   "})").code == "bad_request");
  std::string big(101, 'x');
  auto too_large = expect_error(R"({"type":"chat","id":"a1","text":")" + big + R"("})");
  CHECK(too_large.code == "too_large");
  CHECK(too_large.id == std::optional<std::string>{"a1"});
  std::string exact(100, 'x');
  CHECK(std::holds_alternative<chat_command>(
    parse_client_frame(R"({"type":"chat","id":"a1","text":")" + exact + R"("})", limits)));
}

TEST_CASE("other commands validate their fields", "[frame]") {
  CHECK(expect_error(R"({"type":"auth"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"auth","user":""})").code == "bad_request");
  CHECK(expect_error(R"({"type":"auth","user":"way-too-long-user-name"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"auth","user":"a\u0001"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"cancel"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"history","limit":0})").code == "bad_request");
  CHECK(expect_error(R"({"type":"history","limit":101})").code == "bad_request");
  CHECK(expect_error(R"({"type":"history","before":-1})").code == "bad_request");
  CHECK(expect_error(R"({"type":"history","limit":"5"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"resume","id":"x"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"resume","id":"x","seq":1.5})").code == "bad_request");
}

TEST_CASE("a frame that repeats a key is refused, not read last-wins", "[frame]") {
  auto f = parse_client_frame(R"({"type":"history","type":"forget"})", frame_limits{});
  REQUIRE(std::holds_alternative<frame_error>(f));
  CHECK(std::get<frame_error>(f).message.find("repeats a key") != std::string::npos);
  auto nested =
    parse_client_frame(R"({"type":"chat","id":"a","text":"hi","x":{"k":1,"k":2}})", frame_limits{});
  CHECK(std::holds_alternative<frame_error>(nested));
  // the same key in two different objects is fine
  auto ok =
    parse_client_frame(R"({"type":"chat","id":"a","text":"hi","x":{"id":1}})", frame_limits{});
  CHECK(std::holds_alternative<chat_command>(ok));
}

TEST_CASE("user ids refuse Unicode control, bidi and zero-width characters", "[frame]") {
  CHECK(is_valid_user_id("alice", 128));
  CHECK(is_valid_user_id("李明", 128));
  CHECK_FALSE(is_valid_user_id("ali\u0085ce", 128));
  CHECK_FALSE(is_valid_user_id("evil\u202Egnp.exe", 128));
  CHECK_FALSE(is_valid_user_id("a\u200Bb", 128));
  CHECK_FALSE(is_valid_user_id("\uFEFFbob", 128));
}

TEST_CASE("operator frames: takeover, release, reply; auth with a role", "[frame]") {
  xinyu::core::frame_limits limits;
  using namespace xinyu::core;
  auto t = parse_client_frame(R"({"type":"takeover","user":"alice"})", limits);
  REQUIRE(std::holds_alternative<takeover_command>(t));
  CHECK(std::get<takeover_command>(t).user == "alice");
  CHECK(std::holds_alternative<release_command>(
    parse_client_frame(R"({"type":"release","user":"alice"})", limits)));
  auto r = parse_client_frame(R"({"type":"reply","user":"alice","id":"m1","text":"hi"})", limits);
  REQUIRE(std::holds_alternative<operator_reply_command>(r));
  CHECK(std::get<operator_reply_command>(r).text == "hi");
  for (const char* bad : {R"({"type":"takeover"})", R"({"type":"reply","user":"a","id":"m1"})",
                          R"({"type":"reply","user":"a","text":"x"})",
                          R"({"type":"auth","user":"a","role":"admin"})"})
    CHECK(std::holds_alternative<frame_error>(parse_client_frame(bad, limits)));
  auto a = parse_client_frame(R"({"type":"auth","user":"sam","role":"operator"})", limits);
  REQUIRE(std::holds_alternative<auth_command>(a));
  CHECK(std::get<auth_command>(a).operator_role);
}

TEST_CASE("emergency_contact frames: consent required, fields checked, clear", "[frame]") {
  xinyu::core::frame_limits limits;
  using namespace xinyu::core;
  auto ok = parse_client_frame(
    R"({"type":"emergency_contact","consent":true,"name":"Mum","phone":"+44 7700 900123","relation":"mother"})",
    limits);
  REQUIRE(std::holds_alternative<emergency_contact_command>(ok));
  CHECK(std::get<emergency_contact_command>(ok).phone == "+44 7700 900123");
  CHECK(std::get<emergency_contact_command>(
          parse_client_frame(R"({"type":"emergency_contact","clear":true})", limits))
          .clear);
  for (const char* bad :
       {R"({"type":"emergency_contact","name":"Mum","phone":"123"})",
        R"({"type":"emergency_contact","consent":false,"name":"Mum","phone":"123"})",
        R"({"type":"emergency_contact","consent":true,"phone":"123"})",
        R"({"type":"emergency_contact","consent":true,"name":"Mum","phone":"call me maybe"})",
        R"({"type":"emergency_contact","clear":false})"})
    CHECK(std::holds_alternative<frame_error>(parse_client_frame(bad, limits)));
}

TEST_CASE("memory frames: list, edit and delete by id, with clear errors", "[frame][memory]") {
  CHECK(
    std::holds_alternative<memories_command>(parse_client_frame(R"({"type":"memories"})", limits)));
  auto edit =
    parse_client_frame(R"({"type":"memory_edit","id":"12.3","text":"我在苏州工作"})", limits);
  REQUIRE(std::holds_alternative<memory_edit_command>(edit));
  CHECK(std::get<memory_edit_command>(edit).ref == memory_ref{12, 3});
  CHECK(std::get<memory_edit_command>(edit).text == "我在苏州工作");
  auto del = parse_client_frame(R"({"type":"memory_delete","id":"7.0"})", limits);
  REQUIRE(std::holds_alternative<memory_delete_command>(del));
  CHECK(std::get<memory_delete_command>(del).ref == memory_ref{7, 0});

  CHECK(expect_error(R"({"type":"memory_delete"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"memory_delete","id":7})").code == "bad_request");
  CHECK(expect_error(R"({"type":"memory_delete","id":"7"})").message.find("12.0")
        != std::string::npos);
  CHECK(expect_error(R"({"type":"memory_edit","id":"7.0"})").code == "bad_request");
  CHECK(expect_error(R"({"type":"memory_edit","id":"7.0","text":"  "})").code == "bad_request");
  CHECK(expect_error(R"({"type":"memory_edit","id":"7.0","text":5})").code == "bad_request");
  CHECK(expect_error(R"({"type":"memory_edit","id":"7.0","text":")" + std::string(101, 'a') + "\"}")
          .code
        == "too_large");
}
