// Recognises the helper prompts chat platforms send to the same model (Open WebUI's title, tags,
// follow-up and query tasks; LibreChat's title) and answers them by rule.
// Must never answer a person's own message, and never put their words into an answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

enum class platform_task_kind {
  title,      // a conversation title (Open WebUI: {"title": ...}; LibreChat: plain text)
  tags,       // {"tags": [...]}
  follow_ups, // {"follow_ups": [...]}
  queries,    // web-search / retrieval queries: {"queries": [...]}
};

std::string_view to_string(platform_task_kind kind);

struct platform_task {
  platform_task_kind kind = platform_task_kind::title;
  bool json = true;     // the platform parses the answer as JSON (else plain text)
  bool chinese = false; // the conversation inside the prompt is mostly Chinese
};

/// `last_user_text`: the last user message of an OpenAI request. A person's message is never
/// taken for a task: only the platforms' own scaffolding matches, opening the message (Open
/// WebUI's title/tags/follow-up/query templates with their <chat_history> and "### Output:",
/// never its RAG template that carries the person's query; LibreChat's title openings).
/// Anything else, unknown tasks included, is an ordinary chat and takes the safety path.
std::optional<platform_task> recognise_platform_task(std::string_view system_text,
                                                     std::string_view last_user_text);

/// The answer, in the format the platform parses. Deliberately content-free: a title in a
/// platform's sidebar is visible to whoever looks at the screen, so it never quotes what the
/// person wrote (a companion conversation may be about a crisis); tags stay "General";
/// follow-ups, queries and completions are empty (no words put in the person's mouth, no web
/// search).
std::string answer_platform_task(const platform_task& task);

} // namespace xinyu::core
