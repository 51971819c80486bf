// Reading and scoring the labelled understanding data. Must never train or tune: it only
// counts, so the same code measures dev while tuning and test once afterwards.
#include "core/analysis/labelled_corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace xinyu::core {

namespace {

std::vector<std::string> split_files(const std::string& dir, const std::string& split) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator{dir, ec}) {
    auto name = e.path().filename().string();
    if (name.rfind(split, 0) == 0 && e.path().extension() == ".tsv"
        && (name.size() == split.size() + 4 || name[split.size()] == '.'))
      files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// "wave5.en" for .../train.wave5.en.tsv read as split "train" (see safety_example::source).
std::string source_name(const std::string& file, const std::string& split) {
  auto source = std::filesystem::path{file}.stem().string().substr(split.size());
  if (!source.empty() && source[0] == '.')
    source.erase(0, 1);
  return source;
}

const std::set<std::string> levels = {"ok", "caution", "crisis", "blocked"};
const std::set<std::string> emotions = {"joy",  "sadness",    "anxiety", "anger",
                                        "fear", "loneliness", "neutral"};

int severity(const std::string& level) {
  return level == "blocked" ? 3 : level == "crisis" ? 2 : level == "caution" ? 1 : 0;
}

} // namespace

bool read_tsv_rows(const std::string& path, std::size_t columns,
                   std::vector<std::vector<std::string>>& out, std::string& error) {
  std::ifstream in{path};
  if (!in.good()) {
    error = "cannot read " + path;
    return false;
  }
  std::string line;
  std::size_t no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> f;
    std::stringstream ss{line};
    std::string cell;
    while (std::getline(ss, cell, '\t'))
      f.push_back(cell);
    if (f.size() != columns || f.back().empty()) {
      error = path + ":" + std::to_string(no) + ": want " + std::to_string(columns)
              + " tab-separated fields";
      return false;
    }
    out.push_back(std::move(f));
  }
  return true;
}

std::vector<std::string> split_facts(std::string_view joined) {
  constexpr std::string_view sep = " ||| ";
  std::vector<std::string> out;
  for (std::size_t at = 0;;) {
    auto next = joined.find(sep, at);
    out.emplace_back(joined.substr(at, next == std::string_view::npos ? next : next - at));
    if (next == std::string_view::npos)
      return out;
    at = next + sep.size();
  }
}

std::vector<safety_example> read_safety_split(const std::string& dir, const std::string& split,
                                              std::string& error) {
  std::vector<safety_example> out;
  auto files = split_files(dir + "/safety", split);
  if (files.empty()) {
    error = "no " + dir + "/safety/" + split + "*.tsv";
    return {};
  }
  for (const auto& f : files) {
    std::vector<std::vector<std::string>> rows;
    if (!read_tsv_rows(f, 6, rows, error))
      return {};
    auto source = source_name(f, split);
    for (auto& r : rows) {
      if (!levels.count(r[2])) {
        error = f + ": unknown level '" + r[2] + "'";
        return {};
      }
      out.push_back({r[0], r[1], r[2], r[3], r[4], r[5], source});
    }
  }
  return out;
}

std::vector<emotion_example> read_emotion_split(const std::string& dir, const std::string& split,
                                                std::string& error) {
  std::vector<emotion_example> out;
  auto files = split_files(dir + "/emotion", split);
  if (files.empty()) {
    error = "no " + dir + "/emotion/" + split + "*.tsv";
    return {};
  }
  for (const auto& f : files) {
    std::vector<std::vector<std::string>> rows;
    if (!read_tsv_rows(f, 5, rows, error))
      return {};
    auto source = source_name(f, split);
    for (auto& r : rows) {
      if (!emotions.count(r[2])) {
        error = f + ": unknown emotion '" + r[2] + "'";
        return {};
      }
      out.push_back({r[0], r[1], r[2], r[3], r[4], source});
    }
  }
  return out;
}

std::vector<safety_example> read_legacy_safety(const std::string& path, std::string& error) {
  std::vector<std::vector<std::string>> rows;
  if (!read_tsv_rows(path, 3, rows, error))
    return {};
  std::vector<safety_example> out;
  for (auto& r : rows)
    out.push_back({"legacy", "", r[0], r[1], "legacy", r[2], "legacy"});
  return out;
}

std::vector<emotion_example> read_legacy_emotion(const std::string& path, std::string& error) {
  std::vector<std::vector<std::string>> rows;
  if (!read_tsv_rows(path, 2, rows, error))
    return {};
  std::vector<emotion_example> out;
  for (auto& r : rows)
    out.push_back({"legacy", "", r[0], "legacy", r[1], "legacy"});
  return out;
}

bool safety_verdict_right(const safety_example& row, const safety_result& got) {
  int want = severity(row.level), have = severity(to_string(got.level));
  if (row.category == "benign")
    return have <= 1; // ok, or a gentle check-in (caution); never crisis or blocked
  if (row.category == "pii")
    return std::find(got.categories.begin(), got.categories.end(), "pii") != got.categories.end();
  if (row.level == "blocked")
    return have == 3;
  return have >= want;
}

safety_scores score_safety(const std::vector<safety_example>& rows,
                           const std::vector<safety_result>& verdicts) {
  safety_scores s;
  for (std::size_t i = 0; i < rows.size() && i < verdicts.size(); ++i) {
    const auto& r = rows[i];
    const auto& v = verdicts[i];
    bool right = safety_verdict_right(r, v);
    auto count = [right](hit_rate& h) {
      ++h.n;
      h.hits += right ? 1 : 0;
    };
    count(s.by_kind[r.category + "/" + r.kind]);
    if (r.level == "crisis") {
      count(s.crisis);
      ++s.crisis_as_ok.n;
      s.crisis_as_ok.hits += v.level == safety_level::ok ? 1 : 0;
      count(s.crisis_by_lang[r.lang]);
    } else if (r.level == "blocked") {
      count(s.blocked);
      count(s.blocked_by_lang[r.lang]);
    } else if (r.category == "pii") {
      count(s.pii);
    } else if (r.level == "caution") {
      count(s.caution);
    } else if (r.category == "benign") {
      // for benign rows a "hit" is a false positive
      bool severe = v.level == safety_level::crisis || v.level == safety_level::blocked;
      ++s.benign_flagged.n;
      s.benign_flagged.hits += v.level != safety_level::ok ? 1 : 0;
      for (auto* h : {&s.benign_severe, &s.benign_severe_by_lang[r.lang]}) {
        ++h->n;
        h->hits += severe ? 1 : 0;
      }
    }
  }
  return s;
}

emotion_scores score_emotion(const std::vector<emotion_example>& rows,
                             const std::vector<std::string>& labels) {
  emotion_scores s;
  std::map<std::string, int> tp, fp, fn;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < rows.size() && i < labels.size(); ++i) {
    const auto& gold = rows[i].label;
    bool right = labels[i] == gold;
    if (right) {
      ++tp[gold];
      ++correct;
    } else {
      ++fp[labels[i]];
      ++fn[gold];
    }
    for (auto* h : {&s.by_kind[rows[i].kind], &s.by_lang[rows[i].lang]}) {
      ++h->n;
      h->hits += right ? 1 : 0;
    }
  }
  double sum = 0;
  for (const auto& l : emotions) {
    double p = tp[l] + fp[l] ? double(tp[l]) / (tp[l] + fp[l]) : 0;
    double r = tp[l] + fn[l] ? double(tp[l]) / (tp[l] + fn[l]) : 0;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
    s.f1_by_label[l] = f1;
    sum += f1;
  }
  s.macro_f1 = sum / static_cast<double>(emotions.size());
  s.accuracy = rows.empty() ? 0 : double(correct) / double(rows.size());
  return s;
}

} // namespace xinyu::core
