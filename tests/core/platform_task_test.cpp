// Unit tests of platform helper-prompt recognition (Open WebUI, LibreChat) and its answers.
// Must never need a server: pure functions only.
#include "core/protocol/http_api.hpp"
#include "core/protocol/platform_task.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xinyu::core;
using nlohmann::json;

namespace {

// Open WebUI's default templates, filled the way it fills them (abridged guidelines)
const char* owui_title = R"(### Task:
Generate a concise, 3-5 word title with an emoji summarizing the chat history.
### Guidelines:
- The title should clearly represent the main theme or subject of the conversation.
### Output:
JSON format: { "title": "your concise title here" }
### Chat History:
<chat_history>
USER: I can't stop thinking about ending it all
ASSISTANT: I'm really glad you told me.
</chat_history>)";

const char* owui_tags = R"(### Task:
Generate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific subtopic tags.
### Output:
JSON format: { "tags": ["tag1", "tag2", "tag3"] }
### Chat History:
<chat_history>
USER: 我最近压力好大，睡不着
ASSISTANT: 听起来你最近很辛苦。
</chat_history>)";

const char* owui_follow_ups = R"(### Task:
Suggest 3-5 relevant follow-up questions or prompts that the user might naturally ask next.
### Output:
JSON format: { "follow_ups": ["Question 1?", "Question 2?", "Question 3?"] }
### Chat History:
<chat_history>
USER: hello
</chat_history>)";

const char* owui_queries = R"(### Task:
Analyze the chat history to determine the necessity of generating search queries.
### Output:
Strictly return in JSON format:
{
  "queries": ["query1", "query2"]
}
### Chat History:
<chat_history>
USER: what is the weather
</chat_history>)";

const char* librechat_title =
  "Provide a concise, 5-word-or-less title for the conversation, using title case conventions. "
  "Only return the title itself.\n\nConversation:\nUser: my dog died today\nAI: I'm so sorry.";

} // namespace

TEST_CASE("platform tasks: Open WebUI's templates are recognised by kind", "[platform_task]") {
  auto title = recognise_platform_task("", owui_title);
  REQUIRE(title);
  CHECK(title->kind == platform_task_kind::title);
  CHECK(title->json);
  CHECK_FALSE(title->chinese);
  auto tags = recognise_platform_task("", owui_tags);
  REQUIRE(tags);
  CHECK(tags->kind == platform_task_kind::tags);
  CHECK(tags->chinese);
  CHECK(recognise_platform_task("", owui_follow_ups)->kind == platform_task_kind::follow_ups);
  CHECK(recognise_platform_task("", owui_queries)->kind == platform_task_kind::queries);
}

TEST_CASE("platform tasks: LibreChat's title prompt, only when it opens the user message",
          "[platform_task]") {
  auto t = recognise_platform_task("", librechat_title);
  REQUIRE(t);
  CHECK(t->kind == platform_task_kind::title);
  CHECK_FALSE(t->json);
  CHECK(answer_platform_task(*t) == "Conversation with xinyu");
  // a system message alone never turns the person's words into a task
  CHECK_FALSE(recognise_platform_task(librechat_title, "I don't want to live anymore"));
  std::string quoted = "I want to die. "; // the template quoted inside: a chat
  quoted += librechat_title;              // (appended: GCC 12 warns falsely on operator+ here)
  CHECK_FALSE(recognise_platform_task("", quoted));
}

TEST_CASE("platform tasks: Open WebUI's RAG template carries the person's query: always a chat",
          "[platform_task]") {
  // Open WebUI's default RAG_TEMPLATE opens with "### Task:" and has an output section; with a
  // document or web search attached, the person's own words arrive inside it
  const char* rag = R"(### Task:
Respond to the user query using the provided context, incorporating inline citations in the format [id] **only when the <source> tag includes an explicit id attribute**.
### Guidelines:
- If you don't know the answer, clearly state that.
### Output:
Provide a clear and direct response to the user's query.
<context>
<source id="1">notes.pdf: coping skills</source>
</context>
<user_query>
I don't want to live anymore
</user_query>)";
  CHECK_FALSE(recognise_platform_task("", rag));
  // an unknown "### Task:" with chat history but no known output key: a chat as well
  CHECK_FALSE(recognise_platform_task("", "### Task:\nGenerate an image prompt.\n### Output:\n"
                                          "{ \"prompt\": \"...\" }\n<chat_history>\nUSER: hi\n"
                                          "</chat_history>"));
}

TEST_CASE("platform tasks: a person's own words are never taken for a task", "[platform_task]") {
  for (const char* text :
       {"Can you give our conversation a title?", "I want to kill myself",
        "My task: generate a concise title for my essay about grief",
        "hello ### Task: nothing ### Output: {}", "写一个标题", "### Task: my homework is due"}) {
    INFO(text);
    CHECK_FALSE(recognise_platform_task("You are a helpful assistant.", text));
  }
}

TEST_CASE("platform tasks: answers are valid JSON and never quote the conversation",
          "[platform_task]") {
  auto title = answer_platform_task(*recognise_platform_task("", owui_title));
  auto j = json::parse(title);
  CHECK(j["title"] == "Conversation with xinyu");
  CHECK(title.find("ending") == std::string::npos);
  CHECK(json::parse(answer_platform_task(*recognise_platform_task("", owui_tags)))["tags"]
        == json::array({"General"}));
  auto zh_title = platform_task{platform_task_kind::title, true, true};
  CHECK(json::parse(answer_platform_task(zh_title))["title"] == "与心语的对话");
  CHECK(
    json::parse(answer_platform_task(*recognise_platform_task("", owui_follow_ups)))["follow_ups"]
      .empty());
  CHECK(json::parse(answer_platform_task(*recognise_platform_task("", owui_queries)))["queries"]
          .empty());
}

TEST_CASE("platform tasks: the completions parser marks them and skips the text limit",
          "[platform_task]") {
  frame_limits limits;
  limits.max_text_bytes = 200; // the title prompt is longer: a chat would be too_large
  http_failure err;
  json body{{"user", "alice"},
            {"messages", json::array({{{"role", "user"}, {"content", owui_title}}})}};
  auto r = parse_completion_request(body.dump(), "chatcmpl-1", true, limits, err);
  REQUIRE(r);
  REQUIRE(r->task);
  CHECK(r->task->kind == platform_task_kind::title);
  CHECK(r->user == "alice");
  json chat{{"user", "alice"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  auto c = parse_completion_request(chat.dump(), "chatcmpl-2", true, limits, err);
  REQUIRE(c);
  CHECK_FALSE(c->task);
}
