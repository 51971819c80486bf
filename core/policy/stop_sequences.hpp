// OpenAI `stop` sequences applied to a streamed reply: text is shown as it arrives except a
// tail that could still become a stop sequence, and the reply ends before the first one.
// Pure; must never show text at or after a stop sequence.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class stop_scanner {
public:
  /// `stops`: the sequences (empty ones are ignored).
  explicit stop_scanner(std::vector<std::string> stops);

  struct result {
    std::string show;     // text that can be shown now
    bool stopped = false; // a stop sequence was found: `show` is what came before it
  };

  /// The next piece of the stream.
  result feed(std::string_view piece);

  /// The stream ended: whatever was held back can be shown.
  std::string flush();

private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

} // namespace xinyu::core
