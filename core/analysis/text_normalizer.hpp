// Normalises user text for the safety and emotion classifiers so that the usual evasions read
// like plain words. Pure, thread-safe and allocation-light; must never call out or keep state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// What the classifiers read. Built from the text by, in order: Unicode NFKC with case folding
/// (full-width, mathematical alphanumeric, circled and other compatibility letters become plain
/// ones; zero-width, joiner and other ignorable characters vanish), accents stripped, Cyrillic
/// and Greek look-alikes mapped to Latin, leetspeak folded inside words ("k1ll" -> "kill",
/// "3nd1ng" -> "ending"), crisis words with letters masked by '*' read whole ("k*ll" -> "kill"),
/// runs of three or more equal letters squeezed ("diiiie" -> "die"), spaced-out letters joined
/// ("k i l l" -> "kill"), and pinyin, homophone and slang spellings of crisis words replaced by
/// the words they stand for ("zi sha", "紫砂" -> "自杀"; "unalive" -> "kill"; "kms").
struct normalized_text {
  /// Lower-case ASCII words (letters and digits), single Han characters and single emoji.
  std::vector<std::string> tokens;
  /// The tokens joined with no separator and every run of equal ASCII letters squeezed to one
  /// ("kill him" -> "kilhim"): what substring rules match. Patterns must be built by
  /// normalize_text too, so both sides are squeezed alike.
  std::string compact;
  /// The tokens joined by single spaces: what the fastText models are trained on and read.
  std::string model_input() const;
};

normalized_text normalize_text(std::string_view text);

/// Appends `token` to `compact` as normalized_text::compact is built: every run of equal ASCII
/// letters (across the join too) as one letter, other characters as they are.
void append_compact(std::string& compact, std::string_view token);

/// The simplified form of a traditional Chinese character (歲 -> 岁, 滿 -> 满), or `cp`
/// itself: the table normalize_text folds with, for finders that read the raw text.
char32_t simplified_chinese(char32_t cp);

} // namespace xinyu::core
