// A trained fastText emotion classifier (emotion.model, trained by scripts/train_emotion.sh)
// behind core::emotion_scorer. Thread-safe after loading; must never block on I/O per call.
#pragma once

#include "core/emotion_analyzer.hpp"

#include <memory>
#include <string>

namespace xinyu::llm {

/// Loads a .bin/.ftz fastText model whose labels are __label__<emotion>. Null with `error`
/// when the file is missing, not a fastText model, or has none of the seven labels.
std::shared_ptr<const core::emotion_scorer> load_fasttext_emotion(const std::string& path,
                                                                 std::string& error);

} // namespace xinyu::llm
