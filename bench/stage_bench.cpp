// xinyu-stages: per-stage latency of the pre-processing (emotion, safety, memory with 10 000
// memories for one user), called directly and through the real actor pools in parallel.
// A benchmark only: prints percentiles, asserts nothing.
#include "actors/stage_pools.hpp"
#include "core/support/config.hpp"
#include "core/analysis/emotion_analyzer.hpp"
#include "core/memory/memory_engine.hpp"
#include "core/analysis/safety_checker.hpp"
#include "llm/understanding_models.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace xinyu;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<std::string> column(const std::string& path, std::size_t col) {
  std::ifstream in{path};
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::stringstream ss{line};
    std::string cell;
    for (std::size_t i = 0; i <= col && std::getline(ss, cell, '\t'); ++i)
      if (i == col)
        out.push_back(cell);
  }
  return out;
}

struct stats {
  std::vector<double> us;
  void add(clock_type::duration d) {
    us.push_back(std::chrono::duration<double, std::micro>(d).count());
  }
  double pct(double p) {
    std::sort(us.begin(), us.end());
    return us.empty() ? 0 : us[std::min(us.size() - 1, static_cast<std::size_t>(p * us.size()))];
  }
  void print(const char* name) {
    std::printf("%-42s p50 %8.1f us   p99 %8.1f us   max %8.1f us   (n=%zu)\n", name, pct(0.5),
                pct(0.99), pct(1.0), us.size());
  }
};

template <class F>
void time_into(stats& s, F&& f) {
  auto t0 = clock_type::now();
  f();
  s.add(clock_type::now() - t0);
}

} // namespace

int main(int argc, char** argv) {
  std::string data = argc > 1 ? argv[1] : "tests/data";
  std::size_t memories = argc > 2 ? std::stoul(argv[2]) : 10000;
  std::size_t rounds = argc > 3 ? std::stoul(argv[3]) : 3000;
  std::string models = argc > 4 ? argv[4] : "build/models";
  std::string error;
  auto safety_model = llm::load_safety_model(models + "/safety.bin", error);
  auto emotion_model = llm::load_emotion_model(models + "/emotion.bin", error);
  if (!safety_model || !emotion_model) {
    std::fprintf(stderr, "xinyu-stages: cannot load the trained models from %s: %s\n",
                 models.c_str(), error.c_str());
    return 2;
  }
  auto messages = column(data + "/emotion_eval.tsv", 1);
  auto facts = column(data + "/memory_eval.tsv", 0);
  auto questions = column(data + "/memory_eval.tsv", 1);
  if (messages.empty() || facts.empty()) {
    std::fprintf(stderr, "usage: xinyu-stages [tests/data dir] [memories] [rounds]\n");
    return 2;
  }
  auto parsed = core::load_config(R"({"memory":{"max_items_per_user":1000000}})");
  auto cfg = *parsed.value;

  // 10 000 distinct memories for one user: the shipped facts, varied with details
  std::mt19937 rng{42};
  const char* details[] = {"last spring",    "上个月",     "in the evening", "周末的时候",
                           "with my cousin", "和同事一起", "near the river", "在老家",
                           "for two weeks",  "每周三"};
  std::vector<std::string> corpus;
  for (std::size_t i = 0; corpus.size() < memories; ++i)
    corpus.push_back(facts[i % facts.size()] + " " + details[rng() % 10] + " #"
                     + std::to_string(i));

  core::emotion_analyzer emotion;
  core::safety_checker safety;
  core::memory_engine::settings ms;
  ms.top_k = cfg.memory.top_k;
  ms.min_similarity = static_cast<float>(cfg.memory.min_similarity);
  ms.index.max_items_per_user = memories;
  ms.index.hnsw_m = cfg.memory.hnsw_m;
  ms.index.ef_search = cfg.memory.hnsw_ef_search;
  ms.index.hnsw_min_items = cfg.memory.hnsw_min_items;
  ms.cache.max_bytes = 0; // every recall searches: the cache would hide the index cost
  auto cold = std::make_shared<core::memory_engine>(ms);
  auto t0 = clock_type::now();
  for (std::size_t i = 0; i < corpus.size(); i += 16)
    cold->remember("bench", {corpus.begin() + static_cast<long>(i),
                             corpus.begin() + static_cast<long>(std::min(i + 16, corpus.size()))});
  double build_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("xinyu-stages: %zu memories for one user indexed in %.2f s (%.0f us each, %s), "
              "%zu rounds\n\n",
              cold->index().size("bench"), build_s, build_s * 1e6 / memories,
              cold->index().uses_graph("bench") ? "HNSW graph" : "exact search", rounds);

  stats e, s, em, sm, m, hit_stats;
  std::size_t recalled = 0;
  for (std::size_t r = 0; r < rounds; ++r) {
    const auto& msg = messages[r % messages.size()];
    time_into(e, [&] { (void)emotion.analyze(msg); });
    time_into(s, [&] { (void)safety.check(msg); });
    time_into(em, [&] { (void)emotion_model->analyze(msg); });
    time_into(sm, [&] { (void)safety_model->check(msg); });
    const auto& q = (r % 2) ? questions[r % questions.size()] : msg;
    time_into(m, [&] { recalled += cold->recall("bench", q)->size(); });
  }
  std::printf("direct calls (one thread):\n");
  e.print("  emotion, lexicon alone");
  s.print("  safety, rules alone");
  em.print("  emotion, model + lexicon (default)");
  sm.print("  safety, rules + model (default)");
  m.print("  memory recall, 10k memories, no cache");

  // cache on: repeated messages are answered from the retrieval cache
  ms.cache.max_bytes = cfg.memory.cache_bytes;
  core::memory_engine warm{ms};
  for (std::size_t i = 0; i < corpus.size(); i += 16)
    warm.remember("bench", {corpus.begin() + static_cast<long>(i),
                            corpus.begin() + static_cast<long>(std::min(i + 16, corpus.size()))});
  for (std::size_t r = 0; r < rounds; ++r)
    time_into(hit_stats, [&] { (void)warm.recall("bench", questions[r % questions.size()]); });
  hit_stats.print("  memory recall, repeated messages");
  std::printf("  retrieval cache: %llu hits, %llu misses, %zu bytes\n\n",
              static_cast<unsigned long long>(warm.cache().hits()),
              static_cast<unsigned long long>(warm.cache().misses()), warm.cache().bytes());

  // the stage as the session runs it: three requests to the real pools at once, done when the
  // last answers
  caf::actor_system_config sys_cfg;
  caf::actor_system sys{sys_cfg};
  auto ep = actors::spawn_emotion_pool(sys, cfg, nullptr, emotion_model);
  auto sp = actors::spawn_safety_pool(sys, cfg, nullptr, safety_model);
  auto mp = actors::spawn_memory_pool(sys, cfg, cold);
  caf::scoped_actor self{sys};
  stats stage;
  std::size_t failures = 0;
  auto err = [&](caf::error&) { ++failures; };
  for (std::size_t r = 0; r < rounds; ++r) {
    const auto& msg = messages[r % messages.size()];
    auto start = clock_type::now();
    // all three are in flight before the first answer is awaited
    auto he = self->request(ep, std::chrono::seconds{5}, actors::work_atom::value,
                            actors::stage_request{"bench", msg});
    auto hs = self->request(sp, std::chrono::seconds{5}, actors::work_atom::value,
                            actors::stage_request{"bench", msg});
    auto hm = self->request(mp, std::chrono::seconds{5}, actors::work_atom::value,
                            actors::recall_request{"bench", msg});
    he.receive([](core::emotion_result&) {}, err);
    hs.receive([](core::safety_result&) {}, err);
    hm.receive([](std::vector<std::string>&) {}, err);
    stage.add(clock_type::now() - start);
  }
  std::printf("through the actor pools (three requests in parallel, one turn at a time):\n");
  stage.print("  whole pre-processing stage");
  std::printf("  (failures: %zu)\n", failures);
  caf::anon_send_exit(ep, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sp, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(mp, caf::exit_reason::user_shutdown);
  std::printf("\nrecalled %zu memories in total (sanity)\n", recalled);
  return 0;
}
