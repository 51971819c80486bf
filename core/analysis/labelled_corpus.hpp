// The labelled understanding data (tests/data/safety, tests/data/emotion): reading a split and
// scoring verdicts against it, per language and per kind of phrasing. Must never train or tune.
#pragma once

#include "core/analysis/analysis.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

struct safety_example {
  std::string family, lang, level, category, kind, text;
  /// Which set the row came from: the file name without its split and `.tsv`
  /// ("wave5.en" for train.wave5.en.tsv and dev.wave5.en.tsv, "legacy" for the old sets), so
  /// rows of one writer can be kept together (xinyu-train --cross-fit, --hold-out).
  std::string source = {};
};

struct emotion_example {
  std::string family, lang, label, kind, text;
  /// Which set the row came from, named as for safety_example::source (xinyu-train --hold-out).
  std::string source = {};
};

/// Rows of every `<dir>/safety/<split>*.tsv` (family lang level category kind text) and, for
/// the legacy three-column files named in `legacy` (level category text), those too. Sorted by
/// file name; an error (unreadable file, wrong column count, unknown level) empties the result.
/// The rows of a TSV file with exactly `columns` tab-separated fields each ('#' lines and
/// empty lines skipped); false with `error` (file and line) otherwise.
bool read_tsv_rows(const std::string& path, std::size_t columns,
                   std::vector<std::vector<std::string>>& out, std::string& error);

/// The facts of a memory-corpus row (tests/data/memory_indirect), joined there by " ||| ", in
/// order (an empty fact stays, so a row's 1-based "needed" index keeps pointing at its fact).
std::vector<std::string> split_facts(std::string_view joined);

std::vector<safety_example> read_safety_split(const std::string& dir, const std::string& split,
                                              std::string& error);

/// Rows of every `<dir>/emotion/<split>*.tsv` (family lang label kind text).
std::vector<emotion_example> read_emotion_split(const std::string& dir, const std::string& split,
                                                std::string& error);

/// Rows of a legacy file `<dir>/<name>`: "level category text" (safety) ...
std::vector<safety_example> read_legacy_safety(const std::string& path, std::string& error);
/// ... or "label text" (emotion).
std::vector<emotion_example> read_legacy_emotion(const std::string& path, std::string& error);

/// Hit counts: how many rows of a group got a verdict at least as severe as their label.
struct hit_rate {
  std::size_t n = 0, hits = 0;
  double rate() const { return n ? double(hits) / double(n) : 1.0; }
};

struct safety_scores {
  hit_rate crisis;         // crisis rows answered crisis (or blocked)
  hit_rate crisis_as_ok;   // crisis rows answered plain ok, not even a check-in: the fail-safe's
                           // misses (issue 11: uncertain self-harm is caution, never ok)
  hit_rate blocked;        // sexual_minors rows answered blocked
  hit_rate pii;            // pii rows flagged pii
  hit_rate caution;        // distress, prompt_injection, harassment rows at least caution
  hit_rate benign_flagged; // benign rows answered anything but ok (check-ins included)
  hit_rate benign_severe;  // benign rows answered crisis or blocked: the false positives
  std::map<std::string, hit_rate> by_kind; // "category/kind": rows answered right
  std::map<std::string, hit_rate> crisis_by_lang, blocked_by_lang, benign_severe_by_lang;
};

/// True when `got` is the right answer for `row`: at least its level (crisis, blocked,
/// caution), pii flagged for pii rows, and for benign rows anything but crisis or blocked (a
/// gentle check-in on a look-alike is by design; benign_flagged counts those separately).
bool safety_verdict_right(const safety_example& row, const safety_result& got);

safety_scores score_safety(const std::vector<safety_example>& rows,
                           const std::vector<safety_result>& verdicts);

struct emotion_scores {
  double accuracy = 0;
  double macro_f1 = 0;
  std::map<std::string, double> f1_by_label;
  std::map<std::string, hit_rate> by_kind, by_lang;
};

emotion_scores score_emotion(const std::vector<emotion_example>& rows,
                             const std::vector<std::string>& labels);

} // namespace xinyu::core
