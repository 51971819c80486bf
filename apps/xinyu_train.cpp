// xinyu-train: trains the safety and emotion fastText models and picks their thresholds on
// train/dev data (cross-fitted for safety). Must never read the test split: it measures.
// Over 400 lines: a program (corpus, cross-fit, threshold picker, probe) whose steps share its
// options.
#include "core/analysis/emotion_ensemble.hpp"
#include "core/analysis/labelled_corpus.hpp"
#include "core/analysis/safety_checker.hpp"
#include "core/analysis/text_normalizer.hpp"
#include "llm/fasttext_classifier.hpp"
#include "llm/understanding_models.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

using namespace xinyu;
using nlohmann::json;

namespace {

bool show_misses = false; // --dev-misses: print every dev row the combined verdict gets wrong,
                          // and every one a sure model would call a crisis but for evidence
// --cross-fit K: learn from train+dev, thresholds on out-of-fold predictions; 0 = learn from
// train, thresholds on dev. 5 chosen 2026-12-05: on a blind split kept out of both recipes
// (spent-test-2026-12-04) crisis recall 0.862 vs 0.855 at 4.2 % vs 7.4 % benign answered
// crisis or blocked, caution 0.907 vs 0.884.
int cross_fit = 5;
std::string dump_path; // --dump FILE: the safety verdicts' ingredients per row (safety only)
std::string hold_out;  // --hold-out PREFIX: sets named so, kept out, scored at the end
std::string only;      // --only safety|emotion: train just that model (for experiments)
// --labels kind: the safety model learns each kind of phrasing as a class of its own
// ("self_harm/method"; kinds with fewer than 30 rows as "<category>/other"), and its
// probabilities are summed per category when it predicts; "category": one class per category
std::string label_scheme = "category";
llm::fasttext_training params; // --epoch --lr --dim --minn --maxn --ngrams --bucket

/// P(self_harm) + P(violence): what the crisis threshold is compared with.
double danger_probability(const std::vector<std::pair<std::string, double>>& probs) {
  double p = 0;
  for (const auto& [label, prob] : probs)
    if (label == "self_harm" || label == "violence")
      p += prob;
  return p;
}

int usage() {
  std::cerr << "usage: xinyu-train --data DIR --out DIR [--dev-misses] [--cross-fit K]\n"
               "                   [--hold-out PREFIX] [--labels category|kind] [--epoch N --lr X "
               "--dim N --minn N\n"
               "                   --maxn N --ngrams N --bucket N] [--only safety|emotion]\n"
               "                   [--dump FILE]\n"
               "       xinyu-train --probe --out DIR   (verdicts for each line of stdin)\n"
               "  DIR/safety/train*.tsv, DIR/emotion/train*.tsv (plus the legacy sets\n"
               "  DIR/safety_*.tsv, DIR/emotion_*.tsv) train the models; DIR/*/dev*.tsv picks\n"
               "  thresholds. Writes OUT/safety.bin, safety.json, emotion.bin, emotion.json.\n";
  return 2;
}

/// Runs body(0..n-1) on every core; each index is independent and writes only its own slot.
template <class Body>
void parallel_for(std::size_t n, Body body) {
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (std::size_t w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++)
        body(i);
    });
  for (auto& t : pool)
    t.join();
}

json rate(const core::hit_rate& h) { return json{{"n", h.n}, {"rate", h.rate()}}; }

/// Thresholds maximising dev crisis + blocked recall, then caution recall, while at most 3 % of
/// benign look-alikes (1 % of everyday emotional messages) get crisis or blocked and at most 25 %
/// of either anything but ok; then the caution and "other" thresholds together. The budgets are
/// soft: when no point is within them, the least excess plus one point is allowed.
core::safety_thresholds pick_safety_thresholds(
  const std::vector<core::safety_example>& dev, const std::vector<core::safety_result>& rules,
  const std::vector<std::vector<std::pair<std::string, double>>>& probs,
  const std::vector<core::model_evidence>& evidence,
  const std::shared_ptr<const core::text_classifier>& model, core::safety_scores& best_scores,
  double& budget_severe, core::safety_scores& everyday) {
  // The benign budget is measured on the look-alikes people actually write (idioms, slang,
  // news, worried friends, everyday chat), not on the contrast_* rows: those were written as
  // minimal pairs of a crisis ("bought rope for the tent") to teach the model, and a budget
  // spent on them would buy precision on sentences nobody sends at the price of crises missed.
  // Everyday emotional messages have a budget of their own: among the look-alikes they would
  // dilute the 3 % and buy looser thresholds on the hard cases.
  std::vector<std::size_t> budget_rows, everyday_rows;
  for (std::size_t i = 0; i < dev.size(); ++i)
    if (dev[i].kind == "everyday_emotion")
      everyday_rows.push_back(i);
    else if (dev[i].category == "benign" && dev[i].kind.rfind("contrast_", 0) != 0)
      budget_rows.push_back(i);
  struct outcome {
    core::safety_scores all, budget, everyday;
  };
  auto evaluate_both = [&](const core::safety_thresholds& t) {
    core::safety_checker c{model, t};
    std::vector<core::safety_result> v;
    v.reserve(dev.size());
    for (std::size_t i = 0; i < dev.size(); ++i)
      v.push_back(c.combine(rules[i], probs[i], evidence[i]));
    auto subset = [&](const std::vector<std::size_t>& rows) {
      std::vector<core::safety_example> d;
      std::vector<core::safety_result> r;
      for (auto i : rows) {
        d.push_back(dev[i]);
        r.push_back(v[i]);
      }
      return core::score_safety(d, r);
    };
    return outcome{core::score_safety(dev, v), subset(budget_rows), subset(everyday_rows)};
  };
  // Anything but ok (a check-in is a gentle note in the reply's instructions, never the crisis
  // path) may reach about a quarter of benign and everyday messages: an uncertain crisis must be
  // a check-in, never plain chat (issue 11, item 4). At 20 % / 10 % the look-alikes were near
  // their budget and everyday messages over theirs (17.9 %), and the caution threshold sat at
  // the crisis threshold (0.90), so a crisis the model gave 0.7 got a plain reply. Raised
  // 2026-12-07 (sixteenth session): crises answered plain ok 8.2 -> 6.1 % out of fold (16.0 ->
  // 13.0 % on the yardsticks), caution recall 0.789 -> 0.847, for check-ins on everyday
  // emotional messages 17.9 -> 25.1 % and on look-alikes 18.6 -> 21.7 %.
  constexpr double max_benign_severe = 0.03, max_benign_flagged = 0.25;
  constexpr double max_everyday_severe = 0.01, max_everyday_flagged = 0.25;
  // How far an outcome is over the budgets (0 = within). When no grid point is within them
  // (the rules alone can be over: they fire on look-alikes the model must veto), the least
  // excess wins, so the thresholds never fall back to "model off" silently.
  auto excess = [&](const outcome& o) {
    return std::max(0.0, o.budget.benign_severe.rate() - max_benign_severe)
           + std::max(0.0, o.budget.benign_flagged.rate() - max_benign_flagged)
           + std::max(0.0, o.everyday.benign_severe.rate() - max_everyday_severe)
           + std::max(0.0, o.everyday.benign_flagged.rate() - max_everyday_flagged);
  };
  double least_excess = 1e9;
  struct grid_point {
    core::safety_thresholds thresholds;
    core::safety_scores scores;
    double over;
  };
  std::vector<grid_point> grid;
  core::safety_thresholds best;
  best.crisis = best.caution = 0.95;
  best.blocked = best.other = 1.1;
  double best_key = -1;
  double best_over = 0; // the chosen grid point's excess over the budgets
  // Crisis and blocked share the benign budget, so their thresholds are chosen together:
  // the sum of both recalls first (a missed crisis and a missed abuse request weigh the same),
  // caution next, fewer check-ins on benign, then higher thresholds. The model may overrule a
  // rule's crisis only when very sure of "benign" (veto).
  //
  // It may call a crisis without a word of danger (alone) at P >= 0.995 on a message of six
  // words or more (model_evidence::says_enough). Fixed, not searched: the budgets below were
  // already over without it, so the search never let the model speak alone. Chosen 2026-12-07
  // on dev out of fold and the wave-10 yardstick (kept out of training): yardstick crisis
  // recall 0.658 -> 0.742 at the same benign rate (5 of 173); dev 0.735 -> 0.772, benign
  // look-alikes 4.9 -> 5.3 % and everyday emotional messages 2.1 -> 3.2 % answered as a crisis
  // (people afraid of someone, grief, loneliness). A missed crisis costs more than a gentle
  // crisis reply to a frightened or grieving person. 0.998 gave 0.720 / 2.8 %.
  constexpr double alone = 0.995;
  for (double blocked : {0.3, 0.5, 0.7, 0.9, 1.1})
    for (double veto : {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.1})
      for (double cr = 0.10; cr <= 0.901; cr += 0.05) {
        core::safety_thresholds t = best;
        t.crisis = cr;
        t.caution = cr; // the fewest check-ins; the caution threshold is picked after
        t.veto = veto;
        t.alone = alone;
        t.blocked = blocked;
        grid.push_back({t, {}, 0});
      }
  // every point is independent: the cores share them (the build waits on this)
  parallel_for(grid.size(), [&](std::size_t i) {
    auto o = evaluate_both(grid[i].thresholds);
    grid[i].scores = o.all;
    grid[i].over = excess(o);
  });
  if (std::getenv("XINYU_TRAIN_FRONTIER"))
    for (const auto& g : grid) {
      const auto& t = g.thresholds;
      const auto& s = g.scores;
      std::printf("  frontier blocked %.2f veto %.2f alone %.3f crisis %.2f caution %.2f: "
                  "recall %.3f blocked %.3f caution %.3f severe %.3f flagged %.3f over %.3f\n",
                  t.blocked, t.veto, t.alone, t.crisis, t.caution, s.crisis.rate(),
                  s.blocked.rate(), s.caution.rate(), s.benign_severe.rate(),
                  s.benign_flagged.rate(), g.over);
    }
  for (const auto& g : grid)
    least_excess = std::min(least_excess, g.over);
  // Within the budgets the best point wins. Over them (the rules alone fire on more
  // look-alikes than the budget, so no point is within), the most careful point would switch
  // the model's own crisis and blocked verdicts off (2026-12-05: blocked recall 0.32 on the
  // test split); instead the model may cost at most one point of budget more than the most
  // careful point, for recall.
  double allowed_excess = least_excess > 0 ? least_excess + 0.01 : 0.0;
  for (const auto& g : grid) {
    if (g.over > allowed_excess + 1e-12)
      continue;
    const auto& s = g.scores;
    const auto& t = g.thresholds;
    double key = (s.crisis.rate() + s.blocked.rate()) * 1e6 + s.caution.rate() * 1e3
                 - s.benign_flagged.rate() * 10 + t.crisis + t.veto * 0.01 + t.blocked * 0.01;
    if (key > best_key) {
      best_key = key;
      best = t;
      best_over = g.over;
    }
  }
  {
    // The caution and "other" thresholds change neither crisis nor blocked recall nor what
    // benign messages get crisis: only check-ins. Picked after them and together (they share
    // the check-in budgets: picked one after the other, the first took all the room, and on
    // 2026-12-07 the model's injection, abuse and personal-data check-ins were switched off),
    // for caution and personal-data recall within the budgets, then fewer check-ins on benign.
    // "other" check-ins (injection, abuse, personal data) need a clear majority.
    std::vector<core::safety_thresholds> sweep;
    for (double ca = 0.10; ca <= best.crisis + 1e-9; ca += 0.05)
      for (double other : {0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95, 1.1}) {
        sweep.push_back(best);
        sweep.back().caution = ca;
        sweep.back().other = other;
      }
    std::vector<outcome> outcomes(sweep.size());
    parallel_for(sweep.size(), [&](std::size_t i) { outcomes[i] = evaluate_both(sweep[i]); });
    // when the crisis point already fills the budgets, the check-ins may cost one point more
    // than the fewest possible (caution at the crisis threshold, no "other"), as the crisis
    // grid may cost one point more than its most careful point
    // (`best` is that point: its caution is the crisis threshold and it has no "other")
    // (the grid already scored it; no point in the grid chosen: the fallback is scored here)
    double careful_excess = best_key >= 0 ? best_over : excess(evaluate_both(best));
    double checkins_allowed =
      careful_excess > 0 ? std::max(allowed_excess, careful_excess + 0.01) : allowed_excess;
    double best_k = -1;
    auto chosen = best;
    for (std::size_t i = 0; i < sweep.size(); ++i) {
      if (excess(outcomes[i]) > checkins_allowed + 1e-12)
        continue;
      const auto& s = outcomes[i].all;
      double key = (s.caution.rate() + s.pii.rate()) * 1e3 - s.benign_flagged.rate() * 10
                   + sweep[i].caution * 0.1 + sweep[i].other * 0.01;
      if (key > best_k) {
        best_k = key;
        chosen = sweep[i];
      }
    }
    best = chosen;
  }
  auto final_outcome = evaluate_both(best);
  best_scores = final_outcome.all;
  budget_severe = final_outcome.budget.benign_severe.rate();
  everyday = final_outcome.everyday;
  if (show_misses) {
    core::safety_checker c{model, best};
    for (std::size_t i = 0; i < dev.size(); ++i) {
      auto v = c.combine(rules[i], probs[i], evidence[i]);
      auto danger = danger_probability(probs[i]);
      if (danger >= best.crisis && !evidence[i].crisis) // what a wider evidence list would pass
        std::printf("  dev sure-without-evidence %-8s %-16s %-20s %.2f %s\n", dev[i].level.c_str(),
                    dev[i].category.c_str(), dev[i].kind.c_str(), danger, dev[i].text.c_str());
      if (core::safety_verdict_right(dev[i], v))
        continue;
      std::string top;
      for (const auto& [l, p] : probs[i])
        if (p >= 0.1)
          top += l + "=" + std::to_string(p).substr(0, 4) + " ";
      std::printf("  dev miss %-8s %-16s %-20s rules=%-7s final=%-7s [%s] %s\n",
                  dev[i].level.c_str(), dev[i].category.c_str(), dev[i].kind.c_str(),
                  core::to_string(rules[i].level), core::to_string(v.level), top.c_str(),
                  dev[i].text.c_str());
    }
  }
  return best;
}

/// Moves the rows of the sets named by --hold-out (source starting with it) from `rows` to the
/// end of `held`, keeping both in order; nothing moves without --hold-out.
template <class Example>
void keep_out_held(std::vector<Example>& rows, std::vector<Example>& held) {
  auto it = std::stable_partition(rows.begin(), rows.end(), [](const Example& r) {
    return hold_out.empty() || r.source.rfind(hold_out, 0) != 0;
  });
  held.insert(held.end(), it, rows.end());
  rows.erase(it, rows.end());
}

/// The folds of --cross-fit: whole sources (one writer's set, train and dev rows together) are
/// dealt to `k` folds, largest first onto the smallest fold, so every out-of-fold prediction
/// comes from a model that never saw that writer. Returns each row's fold.
template <class Example>
std::vector<int> folds_by_source(const std::vector<Example>& rows, int k) {
  std::map<std::string, std::size_t> size_of;
  for (const auto& r : rows)
    ++size_of[r.source];
  std::vector<std::pair<std::size_t, std::string>> sources;
  for (const auto& [name, n] : size_of)
    sources.emplace_back(n, name);
  std::sort(sources.begin(), sources.end(), std::greater<>{});
  std::vector<std::size_t> load(static_cast<std::size_t>(k), 0);
  std::map<std::string, int> fold_of;
  for (const auto& [n, name] : sources) {
    auto f = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    fold_of[name] = f;
    load[static_cast<std::size_t>(f)] += n;
  }
  std::vector<int> out;
  out.reserve(rows.size());
  for (const auto& r : rows)
    out.push_back(fold_of[r.source]);
  return out;
}

/// What people tell a companion about their lives, from the memory corpora's train and dev
/// splits (tests/data/memory_indirect: each row's facts and its later question): "I'm allergic
/// to peanuts", "my sister Anna lives in Lyon", "any ideas for dessert?". Its test splits are
/// left alone. False with `error` when a file cannot be read or a row is malformed.
bool life_facts(const std::string& data, std::vector<std::string>& out, std::string& error) {
  for (const char* split : {"train", "dev", "dev2"}) {
    std::vector<std::vector<std::string>> rows;
    if (!core::read_tsv_rows(data + "/memory_indirect/" + split + ".tsv", 6, rows, error))
      return false;
    for (auto& r : rows) {
      for (auto& fact : core::split_facts(r[3]))
        if (!fact.empty())
          out.push_back(std::move(fact));
      out.push_back(std::move(r[5]));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

bool train_safety(const std::string& data, const std::string& out) {
  std::string error;
  auto train = core::read_safety_split(data, "train", error);
  auto dev = train.empty() ? train : core::read_safety_split(data, "dev", error);
  if (train.empty() || dev.empty()) {
    std::cerr << "xinyu-train: " << error << "\n";
    return false;
  }
  for (const char* legacy : {"safety_eval.tsv", "safety_holdout.tsv"}) {
    auto rows = core::read_legacy_safety(data + "/" + legacy, error);
    train.insert(train.end(), rows.begin(), rows.end());
  }
  // --hold-out PREFIX: the sets so named kept out of training and thresholds and scored at the end
  // (to compare training recipes on a writer neither recipe has seen; never the test split).
  std::vector<core::safety_example> held;
  keep_out_held(train, held);
  keep_out_held(dev, held);
  if (!hold_out.empty() && held.empty()) {
    std::cerr << "xinyu-train: --hold-out: no set whose name starts with '" << hold_out << "'\n";
    return false;
  }
  core::safety_checker rules_only;
  // Everyday emotional messages from the emotion train split (all but its crisis rows) are
  // benign examples: sad, angry or lonely is not in danger. They teach the model the ordinary
  // language people bring to a companion, which the safety sets alone have too little of.
  const std::string everyday_label = label_scheme == "kind" ? "benign/everyday" : "benign";
  std::vector<std::pair<std::string, std::string>> everyday_rows;
  for (const auto& r : core::read_emotion_split(data, "train", error))
    if (r.kind != "crisis")
      everyday_rows.emplace_back(everyday_label, rules_only.model_input(r.text));
  // ... and so is what people tell about their lives (a sister in Lyon, an allergy): on
  // 2026-12-07 a model without them called "I'm allergic to peanuts. My sister Anna lives in
  // Lyon." harm to a person (P 0.995).
  std::vector<std::string> facts;
  if (!life_facts(data, facts, error)) {
    std::cerr << "xinyu-train: " << error << "\n";
    return false;
  }
  for (const auto& text : facts)
    everyday_rows.emplace_back(everyday_label, rules_only.model_input(text));
  std::size_t everyday = everyday_rows.size();
  // (category, model input) of each row a model learns from, computed once: the folds and
  // the final model share them
  std::vector<std::pair<std::string, std::string>> labelled;
  auto fit = [&](const auto& use, const std::string& bin,
                 std::string& err) -> std::shared_ptr<const core::text_classifier> {
    auto rows = everyday_rows;
    for (std::size_t i = 0; i < labelled.size(); ++i)
      if (use(i))
        rows.push_back(labelled[i]);
    if (!llm::train_fasttext(rows, params, bin, err))
      return nullptr;
    return llm::load_fasttext_classifier(bin, err);
  };
  // Without --cross-fit the model learns from train and dev picks its thresholds. With
  // --cross-fit K it learns from train and dev together, and the thresholds are picked on
  // out-of-fold predictions (K models, each blind to whole writers' sets): how sure a model
  // is about a writer it never saw, which is what a person's first message is.
  std::vector<core::safety_example> scored = dev;
  std::vector<std::vector<std::pair<std::string, double>>> probs;
  if (cross_fit > 1)
    scored.insert(scored.begin(), train.begin(), train.end());
  const auto& learned = cross_fit > 1 ? scored : train;
  std::map<std::string, std::size_t> kind_rows;
  for (const auto& r : learned)
    ++kind_rows[r.category + "/" + r.kind];
  for (const auto& r : learned) {
    auto label = r.category;
    if (label_scheme == "kind")
      label +=
        kind_rows[r.category + "/" + r.kind] >= 30 && !r.kind.empty() ? "/" + r.kind : "/other";
    labelled.emplace_back(label, rules_only.model_input(r.text));
  }
  if (cross_fit > 1) {
    auto fold = folds_by_source(scored, cross_fit);
    probs.resize(scored.size());
    std::vector<std::string> fold_error(static_cast<std::size_t>(cross_fit));
    parallel_for(fold_error.size(), [&](std::size_t k) {
      auto bin = out + "/safety.fold" + std::to_string(k) + ".bin";
      auto in_fold = [&](std::size_t i) { return fold[i] == static_cast<int>(k); };
      auto m = fit([&](std::size_t i) { return !in_fold(i); }, bin, fold_error[k]);
      std::filesystem::remove(bin);
      if (!m)
        return;
      for (std::size_t i = 0; i < scored.size(); ++i)
        if (in_fold(i))
          probs[i] = m->predict(labelled[i].second);
    });
    for (std::size_t k = 0; k < fold_error.size(); ++k)
      if (!fold_error[k].empty()) {
        std::cerr << "xinyu-train: safety fold " << k << ": " << fold_error[k] << "\n";
        return false;
      }
  }
  auto bin = out + "/safety.bin";
  auto model = fit([](std::size_t) { return true; }, bin, error);
  if (!model) {
    std::cerr << "xinyu-train: safety: " << error << "\n";
    return false;
  }
  // The emotion dev split's everyday messages (all but its crisis rows) join the benign dev
  // rows, inside the benign budget: sad, lonely or angry is not in danger, and a threshold that
  // calls "I feel lonely tonight" a crisis must not look cheap (2026-12-05: a model trained on
  // dev too called 5 % of them crisis under a budget measured without them). The safety
  // model never learns from them, so the final model scores them.
  for (const auto& r : core::read_emotion_split(data, "dev", error))
    if (r.kind != "crisis")
      scored.push_back(
        {"emotion-" + r.family, r.lang, "ok", "benign", "everyday_emotion", r.text, "emotion"});
  probs.resize(scored.size());
  for (std::size_t i = 0; i < scored.size(); ++i)
    if (probs[i].empty())
      probs[i] = model->predict(rules_only.model_input(scored[i].text));
  dev = std::move(scored);
  std::vector<core::safety_result> rules;
  std::vector<core::model_evidence> evidence;
  for (const auto& r : dev) {
    rules.push_back(rules_only.check_rules(r.text));
    evidence.push_back(rules_only.evidence_for(r.text));
  }
  auto rules_scores = core::score_safety(dev, rules);
  core::safety_scores s;
  double budget_severe = 0;
  core::safety_scores everyday_dev;
  auto t =
    pick_safety_thresholds(dev, rules, probs, evidence, model, s, budget_severe, everyday_dev);
  if (!dump_path.empty()) {
    // --dump FILE: what each verdict was made of, one row per message the thresholds were picked
    // on ("dev": with --cross-fit train and dev out of fold, the everyday messages by the
    // shipped model) and per held-out one ("held"), for scripts/combiner_frontier.py
    std::ofstream d{dump_path};
    if (!d) {
      std::cerr << "xinyu-train: --dump: cannot write " << dump_path << "\n";
      return false;
    }
    d << std::setprecision(9);
    core::safety_checker c{model, t};
    auto row = [&](const char* set, const core::safety_example& r,
                   const std::vector<std::pair<std::string, double>>& p,
                   const core::safety_result& v) {
      auto n = core::normalize_text(r.text);
      auto e = rules_only.evidence_for(r.text);
      d << set << '\t' << r.source << '\t' << r.lang << '\t' << r.level << '\t' << r.category
        << '\t' << r.kind << '\t';
      for (const auto& [l, q] : p)
        d << l << '=' << q << ',';
      d << '\t' << rules_only.model_input(r.text) << '\t' << n.tokens.size() << '\t' << e.crisis
        << e.blocked << e.abuse_words << e.says_enough << '\t' << core::to_string(v.level) << '\n';
    };
    for (std::size_t i = 0; i < dev.size(); ++i)
      row("dev", dev[i], probs[i], c.combine(rules[i], probs[i], evidence[i]));
    for (const auto& r : held)
      row("held", r, model->predict(rules_only.model_input(r.text)), c.check(r.text));
  }
  json settings{{"thresholds",
                 {{"crisis", t.crisis},
                  {"blocked", t.blocked},
                  {"caution", t.caution},
                  {"other", t.other},
                  {"veto", t.veto},
                  {"alone", t.alone}}},
                {"trained_on", {{"rows", labelled.size()}, {"cross_fit_folds", cross_fit}}},
                {"dev",
                 {{"rows", dev.size()},
                  {"crisis_recall", rate(s.crisis)},
                  {"crisis_as_ok", rate(s.crisis_as_ok)},
                  {"blocked_recall", rate(s.blocked)},
                  {"pii_recall", rate(s.pii)},
                  {"caution_recall", rate(s.caution)},
                  {"benign_flagged", rate(s.benign_flagged)},
                  {"benign_severe", rate(s.benign_severe)},
                  {"benign_severe_without_contrast", budget_severe},
                  {"everyday_emotion_severe", rate(everyday_dev.benign_severe)},
                  {"everyday_emotion_flagged", rate(everyday_dev.benign_flagged)},
                  {"rules_only",
                   {{"crisis_recall", rate(rules_scores.crisis)},
                    {"blocked_recall", rate(rules_scores.blocked)},
                    {"benign_severe", rate(rules_scores.benign_severe)}}}}}};
  std::ofstream{llm::settings_path(bin)} << settings.dump(2) << "\n";
  std::printf(
    "safety: %zu train rows (+%zu everyday from emotion); dev (%zu rows): crisis recall %.3f "
    "(rules alone %.3f; answered plain ok %.3f), "
    "blocked %.3f, pii %.3f, caution %.3f, benign crisis/blocked %.3f (%.3f without the contrast "
    "pairs; rules alone %.3f), "
    "benign check-ins %.3f; everyday emotional messages crisis/blocked %.3f, check-ins %.3f; "
    "thresholds crisis %.2f caution %.2f blocked %.2f other "
    "%.2f veto %.2f alone %.3f\n",
    labelled.size(), everyday, dev.size(), s.crisis.rate(), rules_scores.crisis.rate(),
    s.crisis_as_ok.rate(), s.blocked.rate(), s.pii.rate(), s.caution.rate(), s.benign_severe.rate(),
    budget_severe, rules_scores.benign_severe.rate(), s.benign_flagged.rate(),
    everyday_dev.benign_severe.rate(), everyday_dev.benign_flagged.rate(), t.crisis, t.caution,
    t.blocked, t.other, t.veto, t.alone);
  if (!held.empty()) {
    core::safety_checker shipped{model, t};
    std::vector<core::safety_result> v;
    for (const auto& r : held)
      v.push_back(shipped.check(r.text));
    auto h = core::score_safety(held, v);
    std::printf("held out '%s' (%zu rows): crisis recall %.3f (n %zu; plain ok %.3f), blocked "
                "%.3f (n %zu), pii "
                "%.3f, caution %.3f, benign crisis/blocked %.3f (n %zu), benign check-ins %.3f\n",
                hold_out.c_str(), held.size(), h.crisis.rate(), h.crisis.n,
                h.crisis_as_ok.n ? h.crisis_as_ok.rate() : 0.0, h.blocked.rate(), h.blocked.n,
                h.pii.rate(), h.caution.rate(), h.benign_severe.rate(), h.benign_severe.n,
                h.benign_flagged.rate());
    // where the crisis misses fall: how sure the model was, and whether a word of danger
    // (the evidence a sure model needs) was there
    std::map<std::string, int> misses;
    for (std::size_t i = 0; i < held.size(); ++i) {
      if (held[i].level != "crisis" || v[i].level == core::safety_level::crisis)
        continue;
      auto p = danger_probability(model->predict(shipped.model_input(held[i].text)));
      auto band = p >= t.crisis ? "sure" : p >= 0.5 ? "over-half" : "under-half";
      misses[std::string(band) + (shipped.evidence_for(held[i].text).crisis ? "+evidence" : "")
             + " " + held[i].kind]++;
    }
    for (const auto& [band, n] : misses)
      std::printf("  crisis missed, model %s: %d\n", band.c_str(), n);
  }
  return true;
}

bool train_emotion(const std::string& data, const std::string& out) {
  std::string error;
  auto train = core::read_emotion_split(data, "train", error);
  auto dev = train.empty() ? train : core::read_emotion_split(data, "dev", error);
  if (train.empty() || dev.empty()) {
    std::cerr << "xinyu-train: " << error << "\n";
    return false;
  }
  for (const char* legacy : {"emotion_eval.tsv", "emotion_holdout.tsv"}) {
    auto rows = core::read_legacy_emotion(data + "/" + legacy, error);
    train.insert(train.end(), rows.begin(), rows.end());
  }
  std::vector<core::emotion_example> held; // --hold-out, as for safety
  keep_out_held(train, held);
  keep_out_held(dev, held);
  auto input = [](const core::emotion_example& r) {
    return core::normalize_text(r.text).model_input();
  };
  auto fit = [&](const std::vector<const core::emotion_example*>& use, const std::string& bin,
                 std::string& err) -> std::shared_ptr<const core::text_classifier> {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto* r : use)
      rows.emplace_back(r->label, input(*r));
    if (!llm::train_fasttext(rows, params, bin, err))
      return nullptr;
    return llm::load_fasttext_classifier(bin, err);
  };
  // The rows whose predictions pick the threshold, and each one's model: with --cross-fit K
  // (the default, as for safety) train and dev together, each predicted by the fold model
  // that never saw its writer, and the shipped model learns from all of them; without it,
  // dev predicted by a model that learned from train, which is shipped.
  std::vector<core::emotion_example> scored = dev;
  if (cross_fit > 1)
    scored.insert(scored.begin(), train.begin(), train.end());
  std::vector<double> thresholds;
  for (int i = 0; i <= 20; ++i)
    thresholds.push_back(0.05 * i);
  // each scored row's verdicts, computed once: the model's (by the fold model that never saw
  // its writer) and the lexicon's; the sweep below only applies emotion_ensemble::choose
  std::vector<core::emotion_result> model_verdicts(scored.size());
  auto predict_rows = [&](const std::shared_ptr<const core::text_classifier>& m, auto in_set) {
    core::emotion_ensemble e{m, 1.0};
    for (std::size_t i = 0; i < scored.size(); ++i)
      if (in_set(i))
        model_verdicts[i] = e.model_only(scored[i].text);
  };
  std::vector<const core::emotion_example*> shipped_rows;
  for (const auto& r : cross_fit > 1 ? scored : train)
    shipped_rows.push_back(&r);
  if (cross_fit > 1) {
    auto fold = folds_by_source(scored, cross_fit);
    std::vector<std::string> fold_error(static_cast<std::size_t>(cross_fit));
    parallel_for(fold_error.size(), [&](std::size_t k) {
      auto bin = out + "/emotion.fold" + std::to_string(k) + ".bin";
      std::vector<const core::emotion_example*> use;
      for (std::size_t i = 0; i < scored.size(); ++i)
        if (fold[i] != static_cast<int>(k))
          use.push_back(&scored[i]);
      auto m = fit(use, bin, fold_error[k]);
      std::filesystem::remove(bin);
      if (m) // each fold writes only its own rows' slots
        predict_rows(m, [&](std::size_t i) { return fold[i] == static_cast<int>(k); });
    });
    for (std::size_t k = 0; k < fold_error.size(); ++k)
      if (!fold_error[k].empty()) {
        std::cerr << "xinyu-train: emotion fold " << k << ": " << fold_error[k] << "\n";
        return false;
      }
  }
  auto bin = out + "/emotion.bin";
  auto model = fit(shipped_rows, bin, error);
  if (!model) {
    std::cerr << "xinyu-train: emotion: " << error << "\n";
    return false;
  }
  if (cross_fit <= 1)
    predict_rows(model, [](std::size_t) { return true; });
  core::emotion_analyzer lexicon;
  std::vector<core::emotion_result> lexicon_verdicts;
  std::vector<std::string> lexicon_labels;
  for (const auto& r : scored) {
    lexicon_verdicts.push_back(lexicon.analyze(r.text));
    lexicon_labels.push_back(lexicon_verdicts.back().label);
  }
  auto lexicon_scores = core::score_emotion(scored, lexicon_labels);
  // labels[t][i]: the ensemble's label for scored row i at thresholds[t]
  std::vector<std::vector<std::string>> labels(thresholds.size(),
                                               std::vector<std::string>(scored.size()));
  for (std::size_t t = 0; t < thresholds.size(); ++t)
    for (std::size_t i = 0; i < scored.size(); ++i)
      labels[t][i] =
        core::emotion_ensemble::choose(model_verdicts[i], lexicon_verdicts[i], thresholds[t]).label;
  // the dev rows alone too (the last dev.size() of scored), comparable across recipes
  std::vector<core::emotion_example> dev_rows(scored.end()
                                                - static_cast<std::ptrdiff_t>(dev.size()),
                                              scored.end());
  double best_t = 0, best_f1 = -1, best_dev_f1 = 0;
  core::emotion_scores best;
  for (std::size_t t = 0; t < thresholds.size(); ++t) {
    auto s = core::score_emotion(scored, labels[t]);
    if (s.macro_f1 > best_f1 + 1e-9) {
      best_f1 = s.macro_f1;
      best_t = thresholds[t];
      best = s;
      std::vector<std::string> dev_labels(labels[t].end() - static_cast<std::ptrdiff_t>(dev.size()),
                                          labels[t].end());
      best_dev_f1 = core::score_emotion(dev_rows, dev_labels).macro_f1;
    }
  }
  json settings{{"model_threshold", best_t},
                {"trained_on", {{"rows", shipped_rows.size()}, {"cross_fit_folds", cross_fit}}},
                {"dev",
                 {{"rows", scored.size()},
                  {"macro_f1", best_f1},
                  {"dev_split_macro_f1", best_dev_f1},
                  {"lexicon_macro_f1", lexicon_scores.macro_f1}}}};
  std::ofstream{llm::settings_path(bin)} << settings.dump(2) << "\n";
  std::printf("emotion: %zu rows learned; %s (%zu rows): macro-F1 %.3f (dev split alone %.3f; "
              "lexicon alone %.3f), model threshold %.2f\n",
              shipped_rows.size(), cross_fit > 1 ? "out of fold on train+dev" : "dev",
              scored.size(), best_f1, best_dev_f1, lexicon_scores.macro_f1, best_t);
  // where it is weak: F1 per label and accuracy per kind of phrasing (kinds with 30+ rows)
  std::string weak = "  per label:";
  for (const auto& [label, f1] : best.f1_by_label)
    weak += " " + label + " " + std::to_string(f1).substr(0, 5);
  weak += "\n  per kind:";
  for (const auto& [kind, h] : best.by_kind)
    if (h.n >= 30)
      weak += " " + kind + " " + std::to_string(h.rate()).substr(0, 5);
  std::printf("%s\n", weak.c_str());
  if (!held.empty()) {
    core::emotion_ensemble shipped{model, best_t};
    std::vector<std::string> v;
    for (const auto& r : held)
      v.push_back(shipped.analyze(r.text).label);
    std::printf("emotion held out '%s' (%zu rows): macro-F1 %.3f\n", hold_out.c_str(), held.size(),
                core::score_emotion(held, v).macro_f1);
  }
  return true;
}

} // namespace

/// --probe: the verdicts of already-trained models (in --out) for each line of stdin.
int probe(const std::string& out) {
  std::string error;
  auto safety = llm::load_safety_model(out + "/safety.bin", error);
  auto emotion = safety ? llm::load_emotion_model(out + "/emotion.bin", error) : nullptr;
  auto model = safety ? llm::load_fasttext_classifier(out + "/safety.bin", error) : nullptr;
  if (!safety || !emotion || !model) {
    std::cerr << "xinyu-train: " << error << "\n";
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    auto v = safety->check(line);
    auto input = safety->model_input(line);
    std::string top;
    for (const auto& [l, p] : model->predict(input))
      if (p >= 0.05)
        top += l + "=" + std::to_string(p).substr(0, 4) + " ";
    // the concepts found (the model's xyc_ marker words): which words made the evidence
    std::string concepts;
    for (auto at = input.find("xyc_"); at != std::string::npos; at = input.find("xyc_", at + 4))
      concepts += input.substr(at + 4, input.find(' ', at) - at - 4) + ' ';
    std::printf("%-8s rules=%-8s emotion=%-10s [%s] {%s} %s\n", core::to_string(v.level),
                core::to_string(safety->check_rules(line).level),
                emotion->analyze(line).label.c_str(), top.c_str(), concepts.c_str(), line.c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string{argv[1]} == "--probe" && std::string{argv[2]} == "--out")
    return probe(argv[3]);
  std::string data, out;
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dev-misses") {
      show_misses = true;
      --i;
    } else if (i + 1 >= argc) {
      return usage();
    } else if (a == "--cross-fit") {
      cross_fit = std::stoi(argv[i + 1]);
    } else if (a == "--labels") {
      label_scheme = argv[i + 1];
      if (label_scheme != "kind" && label_scheme != "category")
        return usage();
    } else if (a == "--only") {
      only = argv[i + 1];
      if (only != "safety" && only != "emotion")
        return usage();
    } else if (a == "--dump") {
      dump_path = argv[i + 1];
    } else if (a == "--hold-out") {
      hold_out = argv[i + 1];
    } else if (a == "--epoch") {
      params.epoch = std::stoi(argv[i + 1]);
    } else if (a == "--lr") {
      params.lr = std::stod(argv[i + 1]);
    } else if (a == "--dim") {
      params.dim = std::stoi(argv[i + 1]);
    } else if (a == "--minn") {
      params.minn = std::stoi(argv[i + 1]);
    } else if (a == "--maxn") {
      params.maxn = std::stoi(argv[i + 1]);
    } else if (a == "--ngrams") {
      params.word_ngrams = std::stoi(argv[i + 1]);
    } else if (a == "--bucket") {
      params.bucket = std::stoi(argv[i + 1]);
    } else if (a == "--data")
      data = argv[i + 1];
    else if (a == "--out")
      out = argv[i + 1];
    else
      return usage();
  }
  if (data.empty() || out.empty())
    return usage();
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    std::cerr << "xinyu-train: cannot create " << out << ": " << ec.message() << "\n";
    return 1;
  }
  if ((only != "emotion" && !train_safety(data, out))
      || (only != "safety" && !train_emotion(data, out)))
    return 1;
  return 0;
}
