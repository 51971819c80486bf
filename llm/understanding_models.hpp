// Loads the trained understanding models xinyu-train writes (safety.bin + safety.json,
// emotion.bin + emotion.json) into the pure checkers. Must never be called per message.
#pragma once

#include <memory>
#include <string>

namespace xinyu::core {
class safety_checker;
class emotion_scorer;
} // namespace xinyu::core

namespace xinyu::llm {

/// Rules plus the model at `bin` with the thresholds in the .json beside it; null with `error`.
std::shared_ptr<const core::safety_checker> load_safety_model(const std::string& bin,
                                                              std::string& error);

/// The model at `bin` with the lexicon, combined as the .json beside it says; null with `error`.
std::shared_ptr<const core::emotion_scorer> load_emotion_model(const std::string& bin,
                                                               std::string& error);

/// The path of the settings file beside a model: "x/safety.bin" -> "x/safety.json".
std::string settings_path(const std::string& bin);

} // namespace xinyu::llm
