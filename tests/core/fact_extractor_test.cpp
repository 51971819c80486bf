// Unit tests for core/memory/fact_extractor: which sentences of a message are kept as memories.
#include "core/memory/fact_extractor.hpp"

#include <catch2/catch.hpp>

using xinyu::core::fact_extractor;

TEST_CASE("facts are the self-disclosing sentences of a message, in order", "[facts]") {
  fact_extractor x;
  auto f = x.extract("你好！我叫李明。我在杭州做老师。今天天气怎么样？");
  REQUIRE(f.size() == 2);
  CHECK(f[0] == "我叫李明");
  CHECK(f[1] == "我在杭州做老师");
  auto e = x.extract("Hi there. My dog is called Rex. I work at a bakery! What do you think?");
  REQUIRE(e.size() == 2);
  CHECK(e[0] == "My dog is called Rex");
  CHECK(e[1] == "I work at a bakery");
}

TEST_CASE("questions, greetings and moods are not remembered", "[facts]") {
  fact_extractor x;
  CHECK(x.extract("我养的猫叫什么吗").empty());
  CHECK(x.extract("Do you have a dog?").empty());
  CHECK(x.extract("我好累").empty());
  CHECK(x.extract("I don't know").empty());
  CHECK(x.extract("").empty());
  CHECK(x.extract("   ").empty());
  CHECK(x.extract("哈哈哈").empty());
}

TEST_CASE("a typographic apostrophe reads like a plain one", "[facts]") {
  fact_extractor x;
  CHECK(x.extract("I’m allergic to cats") == std::vector<std::string>{"I’m allergic to cats"});
  CHECK(x.extract("I don’t know").empty());
}

TEST_CASE("subject-less chat statements about a lasting part of life are facts; harm is not",
          "[facts]") {
  fact_extractor x;
  CHECK(x.extract("Got laid off in the spring, still looking")
        == std::vector<std::string>{"Got laid off in the spring, still looking"});
  CHECK_FALSE(x.extract("失业快三个月了，简历投了一百多份").empty());
  CHECK_FALSE(x.extract("Biscuit (my mutt) hides in the bathtub when there are fireworks").empty());
  CHECK(x.extract("I'm going to kill myself tonight").empty());
  CHECK(fact_extractor::about_self_harm("I don\u2019t want to live anymore")); // typographic '
  CHECK(x.extract("I don\u2019t want to live anymore").empty());
  CHECK(x.extract("我妈去世了，我也不想活了").empty());
  CHECK(x.extract("the weather is nice").empty());
  CHECK(x.extract("Should I go to the Friday drinks with my coworkers?").empty());
}

TEST_CASE("chat style: fillers, chat spellings, tags and moods with a life around them",
          "[facts]") {
  fact_extractor x;
  // fillers and chat spellings are read past
  CHECK_FALSE(x.extract("lol im a barista now, the 5am opens are killing me").empty());
  CHECK_FALSE(x.extract("裸辞了 在家躺平中 存款只够撑半年 哈哈哈").empty());
  // subject dropped, no name: still the speaker's life
  CHECK_FALSE(x.extract("no car, bike everywhere").empty());
  CHECK_FALSE(x.extract("studio apartment, like 300 sq ft, tiny kitchen").empty());
  // a statement with a tag question, and a title that does not end the sentence
  CHECK(x.extract("Dr. Patel says the ankle needs six more weeks in the boot, did I tell you?")
        == std::vector<std::string>{"Dr. Patel says the ankle needs six more weeks in the boot"});
  CHECK(x.extract("上个月搬到成都了，房子离公司很近，你知道吗？")
        == std::vector<std::string>{"上个月搬到成都了，房子离公司很近"});
  // a mood with a piece of life around it is remembered; a mood alone is not
  CHECK_FALSE(x.extract("ugh Mia came home crying again today, the girls in her class keep "
                        "leaving her out")
                .empty());
  CHECK_FALSE(x.extract("今天签了购房合同，接下来三十年都是房奴了，哭").empty());
  CHECK(x.extract("ugh so tired today lol").empty());
  CHECK(x.extract("今天好累啊哈哈哈").empty());
  CHECK(x.extract("stressed beyond belief rn").empty());
  // questions typed without a question mark, remarks about the world, small talk
  CHECK(x.extract("is the post office open saturday afternoon").empty());
  CHECK(x.extract("whats the weather like in shanghai tomorrow").empty());
  CHECK(x.extract("that movie was so good").empty());
  CHECK(x.extract("lol ok thanks").empty());
  CHECK(x.extract("What should I eat, any ideas?").empty());
}
