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
    case platform_task_kind::autocomplete: return "autocomplete";
    case platform_task_kind::emoji: return "emoji";
    case platform_task_kind::other: return "other";
  }
  return "other";
}

std::optional<platform_task> recognise_platform_task(std::string_view system_text,
                                                     std::string_view last_user_text) {
  auto user = trim_left(last_user_text);
  auto head = lower_ascii(user.substr(0, 600));
  auto whole = lower_ascii(user);
  platform_task t;
  t.chinese = mostly_chinese(chat_history(user));

  // Open WebUI: every task template opens with "### Task:" and ends with an output section or
  // the quoted chat history
  if (head.rfind("### task:", 0) == 0
      && (contains(whole, "### output:") || contains(whole, "<chat_history>"))) {
    if (contains(whole, "\"title\"") || contains(head, "title"))
      t.kind = platform_task_kind::title;
    else if (contains(whole, "\"tags\""))
      t.kind = platform_task_kind::tags;
    else if (contains(whole, "\"follow_ups\""))
      t.kind = platform_task_kind::follow_ups;
    else if (contains(whole, "\"queries\""))
      t.kind = platform_task_kind::queries;
    else if (contains(head, "autocomplet") || contains(whole, "\"text\""))
      t.kind = platform_task_kind::autocomplete;
    else if (contains(head, "emoji"))
      t.kind = platform_task_kind::emoji, t.json = false;
    return t;
  }
  // LibreChat's title prompts (its completion and structured title runnables, and the
  // assistants endpoint's scaffold)
  auto sys = lower_ascii(system_text);
  auto librechat_title = [&](const std::string& s) {
    return (contains(s, "5-word-or-less title for the conversation")
            && (contains(s, "only return the title") || contains(s, "title case")
                || contains(s, "conversation:")))
           || (contains(s, "analyze this conversation and provide")
               && contains(s, "detected language") && contains(s, "title"))
           || contains(s, "generate a concise title (max 40 characters) for a conversation");
  };
  if (librechat_title(head) || (librechat_title(sys) && user.size() < 20000)) {
    t.kind = platform_task_kind::title;
    t.json = false;
    return t;
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
    case platform_task_kind::autocomplete: return R"({"text": ""})";
    case platform_task_kind::emoji: return "🙂";
    case platform_task_kind::other: return "{}";
  }
  return "{}";
}

} // namespace xinyu::core
