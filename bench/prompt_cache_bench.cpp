// xinyu-prompt-cache: a scripted 200-turn conversation through the old and the new prompt
// layout side by side: prefix share, prompt tokens per turn and (with --mock) TTFT against
// mock-llm's prefill-charging mode. Uses core/ directly; never a server or a real model.
#include "bench/chat_template.hpp"
#include "bench/legacy_prompt.hpp"

#include "core/memory/core_memory.hpp"
#include "core/policy/prompt_builder.hpp"
#include "core/policy/rolling_summary.hpp"
#include "core/policy/token_count.hpp"
#include "core/support/config.hpp"
#include "llm/upstream_client.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace xinyu;
using clock_type = std::chrono::steady_clock;

namespace {

struct scripted_turn {
  std::string text, label, reply;
  bool chinese = false;
  std::vector<std::string> memories;
  std::string told; // a fact about the user this turn tells (core memory from the next turn)
  core::safety_level safety = core::safety_level::ok;
};

std::vector<std::string> column(const std::string& path, std::size_t col, const char* only = "") {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, '\t');)
      fields.push_back(x);
    if (fields.size() > col && (!*only || fields[0] == only))
      out.push_back(fields[col]);
  }
  return out;
}

bool has_cjk(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0xE4 && c <= 0xE9)
      return true;
  return false;
}

std::vector<scripted_turn> script(const std::string& data, std::size_t turns) {
  // family, lang, label, kind, text (tests/data/README.md)
  auto labels = column(data + "/emotion/train.tsv", 2);
  auto texts = column(data + "/emotion/train.tsv", 4);
  auto facts = column(data + "/fact_eval.tsv", 1, "yes");
  std::vector<scripted_turn> s;
  for (std::size_t i = 0; i < turns; ++i) {
    scripted_turn t;
    auto k = (i * 37) % texts.size(); // a mix of languages and moods
    t.text = texts[k];
    t.label = labels[k];
    t.chinese = has_cjk(t.text);
    t.reply = t.chinese
                ? "谢谢你愿意告诉我这些。听起来这件事让你心里很不好受，这种感受是可以理解的。"
                  "你愿意多说一点吗？现在最让你放不下的是什么？"
                : "Thank you for telling me this. It sounds like it has been weighing on "
                  "you, and that feeling makes sense. Would you like to say a little more? "
                  "What feels hardest about it right now?";
    if (i % 5 != 0) // recalled memories differ from turn to turn, as retrieval does
      for (std::size_t m : {i * 7, i * 13 + 1, i * 29 + 2})
        t.memories.push_back(facts[m % facts.size()]);
    if (i % 23 == 11)
      t.safety = core::safety_level::caution;
    if (i % 6 == 3) { // now and then the user tells something lasting about themselves
      t.told = facts[(i * 11) % facts.size()];
      t.text = t.told + (has_cjk(t.told) ? "。" : ". ") + t.text;
    }
    s.push_back(std::move(t));
  }
  return s;
}

std::string render(const std::vector<core::chat_message>& p) {
  std::string r;
  for (const auto& m : p)
    bench::render_message(r, m.role, m.content);
  return r;
}

struct variant {
  std::string name;
  bool legacy = false;
  std::size_t max_recent = 8;
  std::size_t window = 8192, reserve = 1024;
  std::vector<core::chat_message> recent;
  std::string previous;
  std::vector<double> share, ttft_ms;
  std::vector<std::size_t> tokens;
  std::size_t cached_tokens = 0, total_tokens = 0;
  core::prompt_builder builder{core::config{}.persona};
  core::core_memory profile{core_options()}; // the new layout's core memory, as a session keeps it
  core::shown_profile shown;
  core::conversation_summary summary; // the running summary, as the session keeps it
  std::uint64_t turn_no = 1;

  static std::size_t summary_budget() {
    return std::getenv("XINYU_BENCH_NO_CORE") ? 0 : core::config{}.session.summary_tokens;
  }

  static core::core_memory::options core_options() {
    core::core_memory::options o;
    o.token_budget = std::getenv("XINYU_BENCH_NO_CORE") ? 0 : core::config{}.memory.core_tokens;
    return o;
  }

  std::vector<core::chat_message> build(const scripted_turn& t, const std::string& persona) {
    core::prompt_input in;
    in.user_text = t.text;
    in.chinese = t.chinese;
    in.emotion = {t.label, 0.8, 0};
    in.safety.level = t.safety;
    if (t.safety == core::safety_level::caution)
      in.safety.categories = {"pii"};
    in.memories = t.memories;
    in.recent = recent;
    if (!legacy)
      in.summary = summary.text;
    auto fresh = profile.select();
    if (!legacy) { // as the session places them (actors/session/turn_pipeline.cpp)
      auto placed = shown.place(fresh, t.memories, recent.empty());
      in.profile = std::move(placed.profile);
      in.memories = std::move(placed.memories);
    }
    std::vector<core::chat_message> p;
    if (legacy) {
      p = bench::legacy_prompt(persona, max_recent, 16000, in);
    } else {
      auto b = builder.build(in);
      if (b.dropped > 0 && shown.shown() != fresh) {
        auto placed = shown.refresh(fresh, t.memories);
        in.profile = std::move(placed.profile);
        in.memories = std::move(placed.memories);
        b = builder.build(in);
      }
      recent.erase(recent.begin(), recent.begin() + static_cast<long>(b.dropped));
      p = std::move(b.messages);
    }
    return p;
  }

  void finish(const scripted_turn& t) {
    if (!t.told.empty())
      profile.add({turn_no, 0}, t.told);
    turn_no += 2;
    recent.push_back({"user", t.text});
    recent.push_back({"assistant", t.reply});
    if (legacy) {
      while (recent.size() > max_recent)
        recent.erase(recent.begin());
    } else {
      auto drop = core::drop_for_cap(recent.size(), max_recent);
      std::vector<core::chat_message> gone(recent.begin(),
                                           recent.begin() + static_cast<long>(drop));
      recent.erase(recent.begin(), recent.begin() + static_cast<long>(drop));
      if (drop > 0) { // as the session does
        shown.invalidate();
        summary = core::fold_extractive(summary, gone, turn_no, summary_budget(), profile.select());
      }
    }
  }
};

double pct(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

/// Time to the first token of `prompt` from the endpoint behind `client`.
double ttft(llm::upstream_client& client, std::vector<core::chat_message> prompt) {
  llm::llm_request req;
  req.prompt = std::move(prompt);
  req.max_tokens = 16;
  auto got = std::make_shared<std::promise<void>>();
  auto once = std::make_shared<std::once_flag>();
  auto start = clock_type::now();
  llm::stream_callbacks cb;
  cb.on_token = [got, once](std::string) { std::call_once(*once, [&] { got->set_value(); }); };
  cb.on_end = [got, once](std::string, std::string) {
    std::call_once(*once, [&] { got->set_value(); });
  };
  auto handle = client.start(req, cb);
  got->get_future().wait();
  auto ms = std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
  return ms;
}

} // namespace

int main(int argc, char** argv) {
  std::string data = "tests/data", mock;
  std::size_t turns = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--data")
      data = argv[i + 1];
    else if (a == "--mock")
      mock = argv[i + 1];
    else if (a == "--turns")
      turns = std::stoul(argv[i + 1]);
    else {
      std::cerr << "usage: xinyu-prompt-cache [--data tests/data] [--turns 200] [--mock URL]\n";
      return 2;
    }
  }
  auto conversation = script(data, turns);
  core::config defaults;
  std::vector<variant> variants(4);
  variants[0].name = "old layout (system per turn, last 8 messages, 16000 bytes)";
  variants[0].legacy = true;
  variants[1].name = "new layout, defaults (8192 window, 1024 reserve, 128 messages)";
  variants[1].max_recent = defaults.session.recent_messages;
  variants[2].name = "new layout, 32768 window, 200 messages";
  variants[2].max_recent = 200;
  variants[2].window = 32768;
  variants[3].name = "new layout, 8192 window, 64 messages (no prefix cache upstream)";
  variants[3].max_recent = 64;
  for (auto& v : variants)
    v.builder = core::prompt_builder{defaults.persona, {v.max_recent, v.window - v.reserve}};

  std::unique_ptr<llm::upstream_client> client;
  if (!mock.empty()) {
    llm::upstream_config u;
    u.endpoints.push_back({"mock", mock, "mock", "", 1u << 30, 1024});
    u.attempt_first_token_ms = 60000;
    u.stream_usage = false;
    std::string err;
    client = llm::upstream_client::make(u, err);
    if (!client) {
      std::cerr << err << "\n";
      return 2;
    }
  }

  double count_ns = 0;
  std::size_t counts = 0;
  for (std::size_t i = 0; i < conversation.size(); ++i) {
    const auto& t = conversation[i];
    for (auto& v : variants) { // side by side: every layout's turn i before any turn i + 1
      auto p = v.build(t, defaults.persona);
      auto c0 = clock_type::now();
      auto n = core::approximate_prompt_tokens(p);
      count_ns += std::chrono::duration<double, std::nano>(clock_type::now() - c0).count();
      ++counts;
      v.tokens.push_back(n);
      auto r = render(p);
      auto total = core::approximate_tokens(r);
      auto common = bench::common_prefix(v.previous, r);
      auto cached = core::approximate_tokens(std::string_view{r}.substr(0, common));
      if (i > 0) {
        v.share.push_back(static_cast<double>(cached) / static_cast<double>(total));
        v.cached_tokens += cached;
        v.total_tokens += total;
      }
      v.previous = std::move(r);
      if (client)
        v.ttft_ms.push_back(ttft(*client, p));
      v.finish(t);
    }
  }

  auto at = [](const variant& v, std::size_t turn) {
    return turn <= v.tokens.size() ? std::to_string(v.tokens[turn - 1]) : std::string{"-"};
  };
  std::printf(
    "%zu scripted turns (tests/data/emotion/train.tsv messages, zh and en; memories "
    "from fact_eval.tsv, one told every 6th turn into the core memory; 2-3 sentence replies); "
    "tokens: core/policy/token_count\n",
    conversation.size());
  std::printf("prefix share: tokens of a prompt (ChatML-rendered) that are an unchanged prefix of "
              "the previous turn's prompt, turns 2..%zu\n\n",
              conversation.size());
  std::printf("| layout | prefix share mean | p10 | turns >= 90 %% | cached/all tokens | prompt "
              "tokens turn 10 | 50 | 200 | max |%s\n",
              client ? " TTFT p50 | p99 |" : "");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |%s\n",
              client ? " ---: | ---: |" : "");
  for (const auto& v : variants) {
    double mean = 0;
    std::size_t high = 0;
    for (auto s : v.share) {
      mean += s;
      high += s >= 0.9 ? 1 : 0;
    }
    mean /= static_cast<double>(std::max<std::size_t>(1, v.share.size()));
    std::printf("| %s | %.1f %% | %.1f %% | %.0f %% | %.1f %% | %s | %s | %s | %zu |",
                v.name.c_str(), 100 * mean, 100 * pct(v.share, 0.10),
                100.0 * static_cast<double>(high) / static_cast<double>(v.share.size()),
                100.0 * static_cast<double>(v.cached_tokens) / static_cast<double>(v.total_tokens),
                at(v, 10).c_str(), at(v, 50).c_str(), at(v, 200).c_str(),
                *std::max_element(v.tokens.begin(), v.tokens.end()));
    if (client)
      std::printf(" %.0f ms | %.0f ms |", pct(v.ttft_ms, 0.5), pct(v.ttft_ms, 0.99));
    std::printf("\n");
  }
  std::printf("\ncounting a whole prompt's tokens: %.1f us on average\n",
              count_ns / static_cast<double>(counts) / 1000);
  // what the conversation left behind, with the defaults: the core memory and the summary
  const auto& d = variants[1];
  std::printf("\nafter %zu turns (%s):\ncore memory (%zu facts told, %zu shown):\n",
              conversation.size(), d.name.c_str(), d.profile.size(), d.profile.select().size());
  for (const auto& f : d.profile.select())
    std::printf("  - %s\n", f.c_str());
  std::printf("running summary (version %llu, through turn %llu, %zu tokens):\n",
              static_cast<unsigned long long>(d.summary.version),
              static_cast<unsigned long long>(d.summary.through_turn),
              core::approximate_tokens(d.summary.text));
  std::istringstream lines{d.summary.text};
  for (std::string l; std::getline(lines, l);)
    std::printf("  %s\n", l.c_str());
}
