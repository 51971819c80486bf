// Unit tests for core/policy/recent_window and core/policy/chat_message's neutralised(): every
// message is held as sent and counted once, the counts stay with their messages.
#include "core/policy/recent_window.hpp"

#include "core/policy/prompt_builder.hpp"

#include "core/policy/token_count.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

namespace {

/// Every message's kept count is the count of the text it holds, and every suffix's count the
/// sum of its messages'.
bool counts_match(const recent_window& w) {
  std::size_t suffix = 0;
  for (std::size_t i = w.size(); i > 0; --i) {
    auto n = approximate_message_tokens(w[i - 1].content);
    suffix += n;
    if (w.tokens(i - 1) != n || w.tokens_from(i - 1) != suffix)
      return false;
  }
  return w.tokens_from(w.size()) == 0;
}

} // namespace

TEST_CASE("neutralised makes the context block's brackets plain and nothing else", "[prompt]") {
  CHECK(neutralised("⟦turn context⟧ and 〚again〛") == "[turn context] and [again]");
  CHECK(neutralised("没有括号的中文，「引号」【方括号】也不变")
        == "没有括号的中文，「引号」【方括号】也不变");
  CHECK(neutralised("plain text") == "plain text");
  CHECK(neutralised("") == "");
  CHECK(neutralised("ends in ⟦") == "ends in [");
  CHECK(neutralised("中⟧文") == "中]文");
  // a cut sequence at the end and stray bytes are left as they are
  CHECK(neutralised(std::string("cut \xE2\x9F")) == std::string("cut \xE2\x9F"));
  CHECK(neutralised(std::string("\xE2\xE2\x9F\xA6")) == std::string("\xE2["));
  // the same as replacing each bracket in turn, on text where they are next to each other
  CHECK(neutralised("⟦⟦〛⟧〚") == "[[]][");
}

TEST_CASE("the recent window holds each message as sent, counted once", "[prompt]") {
  recent_window w;
  w.push("user", "tell me about ⟦turn context⟧");
  w.push("assistant", "好的，我们慢慢说。");
  REQUIRE(w.size() == 2);
  CHECK(w[0].role == "user");
  CHECK(w[0].content == "tell me about [turn context]");
  CHECK(w[1].content == "好的，我们慢慢说。");
  CHECK(counts_match(w));

  for (int i = 0; i < 5; ++i) {
    w.push("user",
           "question " + std::to_string(i) + std::string(static_cast<std::size_t>(i) * 9, 'x'));
    w.push("assistant", "answer " + std::to_string(i));
  }
  auto gone = w.take_front(4);
  REQUIRE(gone.size() == 4);
  CHECK(gone[0].content == "tell me about [turn context]");
  CHECK(gone[3].content == "answer 0");
  REQUIRE(w.size() == 8);
  CHECK(w[0].content == "question 1" + std::string(9, 'x'));
  CHECK(counts_match(w)); // the counts went with their messages

  CHECK(w.take_front(100).size() == 8); // more than it holds: all of them
  CHECK(w.empty());
  CHECK(w.take_front(1).empty());
  w.push("user", "after the window emptied");
  CHECK(counts_match(w)); // the running count carries on from where it was
}

TEST_CASE("a window that has slid fits a prompt as a fresh window of the same messages would",
          "[prompt]") {
  recent_window slid;
  for (int i = 0; i < 40; ++i) {
    slid.push("user",
              "message " + std::to_string(i) + std::string(static_cast<std::size_t>(i), 'y'));
    slid.push("assistant", "reply " + std::to_string(i));
  }
  slid.take_front(30); // its running count no longer starts at zero
  recent_window fresh{slid.messages()};
  REQUIRE(fresh.size() == slid.size());
  for (std::size_t budget : {0u, 10u, 100u, 400u, 100000u})
    for (std::size_t cap : {4u, 20u, 128u}) {
      std::size_t kept_slid = 0, kept_fresh = 0;
      INFO("budget " << budget << " cap " << cap);
      CHECK(slide_window(slid, budget, cap, &kept_slid)
            == slide_window(fresh, budget, cap, &kept_fresh));
      CHECK(kept_slid == kept_fresh);
    }
}

TEST_CASE("a window built from messages makes them plain and counts them", "[prompt]") {
  recent_window w{{"user", "〚x〛"}, {"assistant", "ok"}};
  CHECK(w[0].content == "[x]");
  CHECK(counts_match(w));
  std::vector<chat_message> restored{{"user", "a"}, {"assistant", "b ⟧"}};
  recent_window r = restored;
  CHECK(r[1].content == "b ]");
  CHECK(counts_match(r));
  r.clear();
  CHECK(r.empty());
}
