// xinyu-chunk-parse: the cost of reading one SSE chunk of an OpenAI-compatible stream, the
// DOM way (nlohmann, as the bare relay does) against xinyu's (core::parse_completion_chunk,
// simdjson), side by side in one run over several vendors' chunk shapes. Prints ratios.
#include "core/protocol/sse_parser.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

const std::vector<std::string> chunks = {
  R"({"id":"chatcmpl-9a8b7c","object":"chat.completion.chunk","created":1733400000,"model":"gpt-4o","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" comfort"},"logprobs":null,"finish_reason":null}]})",
  R"({"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen","choices":[{"index":0,"delta":{"content":"我在"},"logprobs":null,"finish_reason":null,"stop_reason":null}]})",
  R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":" you"}}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk"})",
  R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"qwen2.5:7b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":" here"},"finish_reason":null}]})",
};

std::size_t with_dom(const std::string& c) {
  auto j = nlohmann::json::parse(c, nullptr, false);
  const auto& d = j["choices"][0]["delta"]["content"];
  return d.is_string() ? d.get_ref<const std::string&>().size() : 0;
}

std::size_t with_xinyu(const std::string& c) {
  return xinyu::core::parse_completion_chunk(c).text.size();
}

template <class F>
double us_per_chunk(F f, int rounds) {
  std::size_t sink = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < rounds; ++i)
    for (const auto& c : chunks)
      sink += f(c);
  auto t1 = std::chrono::steady_clock::now();
  if (sink == 0)
    std::printf("(nothing read)\n");
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / (rounds * chunks.size());
}

} // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 100000;
  // interleaved repetitions: a noisy machine hits both readers alike; the medians are compared
  std::vector<double> dom, fast;
  for (int rep = 0; rep < 5; ++rep) {
    dom.push_back(us_per_chunk(with_dom, rounds));
    fast.push_back(us_per_chunk(with_xinyu, rounds));
  }
  std::sort(dom.begin(), dom.end());
  std::sort(fast.begin(), fast.end());
  std::printf("per chunk, median of 5 x %d x %zu chunks: nlohmann DOM %.3f us, xinyu %.3f us "
              "(%.1fx)\n",
              rounds, chunks.size(), dom[2], fast[2], dom[2] / fast[2]);
}
