// Recognition of platform helper prompts by their fixed scaffolding, and rule-based answers.
// Must never quote or summarise the conversation inside the prompt in an answer.
#include "core/protocol/platform_task.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace xinyu::core {

namespace {

std::string lower_ascii(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(const std::string& hay, std::string_view needle) {
  return hay.find(needle) != std::string::npos;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  return s;
}

/// More CJK ideographs (3-byte UTF-8 sequences starting E3..E9) than ASCII letters.
bool mostly_chinese(std::string_view s) {
  std::size_t cjk = 0, latin = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xE3 && c <= 0xE9 && i + 2 < s.size()) {
      ++cjk;
      i += 2;
    } else if (std::isalpha(c)) {
      ++latin;
    }
  }
  return cjk * 3 > latin; // an ideograph carries about a word; a word about 3-5 letters
}

/// The conversation quoted inside an Open WebUI prompt, for the language only.
std::string_view chat_history(std::string_view text) {
  auto open = text.find("<chat_history>");
  if (open == std::string_view::npos)
    return text;
  auto close = text.find("</chat_history>", open);
  return text.substr(open, close == std::string_view::npos ? std::string_view::npos : close - open);
}

} // namespace

std::string_view to_string(platform_task_kind kind) {
  switch (kind) {
    case platform_task_kind::title: return "title";
    case platform_task_kind::tags: return "tags";
    case platform_task_kind::follow_ups: return "follow_ups";
    case platform_task_kind::queries: return "queries";
  }
  return "title";
}

std::optional<platform_task> recognise_platform_task(std::string_view system_text,
                                                     std::string_view last_user_text) {
  (void)system_text; // a system message alone never makes a task: the person's text decides
  auto user = trim_left(last_user_text);
  auto head = lower_ascii(user.substr(0, 200));
  auto whole = lower_ascii(user);
  platform_task t;
  t.chinese = mostly_chinese(chat_history(user));

  // Open WebUI's title, tags, follow-up and query templates: "### Task:" first, the quoted
  // <chat_history> and an "### Output:" section naming the JSON key. Its RAG template also
  // opens with "### Task:" but carries the person's new words (<user_query>, <context>):
  // that is a chat, never a task.
  if (head.rfind("### task:", 0) == 0 && contains(whole, "<chat_history>")
      && !contains(whole, "<user_query>") && !contains(whole, "<context>")) {
    auto output = whole.find("### output:");
    if (output == std::string::npos)
      return std::nullopt;
    auto out = whole.substr(output);
    if (contains(out, "\"title\""))
      t.kind = platform_task_kind::title;
    else if (contains(out, "\"tags\""))
      t.kind = platform_task_kind::tags;
    else if (contains(out, "\"follow_ups\""))
      t.kind = platform_task_kind::follow_ups;
    else if (contains(out, "\"queries\""))
      t.kind = platform_task_kind::queries;
    else
      return std::nullopt; // an unknown task: answered as a chat, which is always safe
    return t;
  }
  // LibreChat's title prompts, only when the message opens with them (its completion and
  // structured title runnables, and the assistants endpoint's scaffold)
  for (std::string_view opening :
       {"provide a concise, 5-word-or-less title for the conversation",
        "please generate a concise, 5-word-or-less title for the conversation",
        "analyze this conversation and provide:",
        "please generate a concise title (max 40 characters) for a conversation"}) {
    if (head.rfind(opening, 0) == 0
        && (opening[0] != 'a' || contains(whole, "detected language"))) {
      t.kind = platform_task_kind::title;
      t.json = false;
      return t;
    }
  }
  return std::nullopt;
}

std::string answer_platform_task(const platform_task& task) {
  const char* title = task.chinese ? "与心语的对话" : "Conversation with xinyu";
  switch (task.kind) {
    case platform_task_kind::title:
      return task.json ? std::string{R"({"title": ")"} + title + "\"}" : std::string{title};
    case platform_task_kind::tags: return R"({"tags": ["General"]})";
    case platform_task_kind::follow_ups: return R"({"follow_ups": []})";
    case platform_task_kind::queries: return R"({"queries": []})";
  }
  return "{}";
}

} // namespace xinyu::core
