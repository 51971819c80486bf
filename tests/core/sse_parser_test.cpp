// Unit tests for core/protocol/sse_parser: events split at every byte, CRLF/CR, comments,
// multi-line data, [DONE], error objects, role-only/empty deltas and the final usage chunk.
#include "core/protocol/sse_parser.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace xinyu::core;

namespace {

std::vector<sse_event> parse_in_pieces(const std::string& stream, std::size_t piece) {
  sse_parser p;
  std::vector<sse_event> out;
  for (std::size_t i = 0; i < stream.size(); i += piece)
    REQUIRE(p.feed(std::string_view{stream}.substr(i, piece),
                   [&](sse_event&& e) { out.push_back(std::move(e)); }));
  return out;
}

const std::string openai_stream =
  ": keep-alive comment\r\n\r\n"
  "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n"
  "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"你好\"}}]}\r\n\r\n"
  "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\", friend\"}}]}\n\n"
  "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\r\r"
  "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}\n\n"
  "data: [DONE]\n\n";

} // namespace

TEST_CASE("the same events come out however the bytes are split", "[sse]") {
  auto whole = parse_in_pieces(openai_stream, openai_stream.size());
  REQUIRE(whole.size() == 6);
  for (std::size_t piece : {1u, 2u, 3u, 7u, 13u}) {
    auto split = parse_in_pieces(openai_stream, piece);
    REQUIRE(split.size() == whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i)
      CHECK(split[i].data == whole[i].data);
  }
  CHECK(whole.back().data == "[DONE]");
}

TEST_CASE("several events per read, multi-line data, event and id fields", "[sse]") {
  auto ev = parse_in_pieces("event: delta\nid: 7\ndata: line one\ndata: line two\n\n"
                            "data:no-space\n\ndata\n\n",
                            1000);
  REQUIRE(ev.size() == 3);
  CHECK(ev[0].event == "delta");
  CHECK(ev[0].id == "7");
  CHECK(ev[0].data == "line one\nline two");
  CHECK(ev[1].data == "no-space");
  CHECK(ev[2].data.empty());
}

TEST_CASE("an event without its blank line is not dispatched yet", "[sse]") {
  sse_parser p;
  int n = 0;
  p.feed("data: partial", [&](sse_event&&) { ++n; });
  CHECK(n == 0);
  p.feed("\n", [&](sse_event&&) { ++n; });
  CHECK(n == 0);
  p.feed("\n", [&](sse_event&&) { ++n; });
  CHECK(n == 1);
}

TEST_CASE("oversize lines are refused", "[sse]") {
  sse_parser p{16};
  CHECK_FALSE(p.feed("data: 0123456789abcdefghij", [](sse_event&&) {}));
}

TEST_CASE("chunks are interpreted like the OpenAI, Ollama and llama.cpp streams", "[sse]") {
  using k = completion_chunk::kind;
  auto role =
    parse_completion_chunk(R"({"choices":[{"delta":{"role":"assistant","content":""}}]})");
  CHECK(role.type == k::empty);
  auto text = parse_completion_chunk(R"({"choices":[{"delta":{"content":"Hi"}}]})");
  CHECK(text.type == k::content);
  CHECK(text.text == "Hi");
  auto fin =
    parse_completion_chunk(R"({"choices":[{"delta":{"content":"!"},"finish_reason":"length"}]})");
  CHECK(fin.type == k::content);
  CHECK(fin.finish_reason == "length");
  auto nulls =
    parse_completion_chunk(R"({"choices":[{"delta":{"content":null},"finish_reason":null}]})");
  CHECK(nulls.type == k::empty);
  CHECK(nulls.finish_reason.empty());
  CHECK(parse_completion_chunk(R"({"choices":[],"usage":{"total_tokens":9}})").type == k::empty);
  CHECK(parse_completion_chunk(R"({"usage":{"total_tokens":9}})").type == k::empty);
  auto usage = parse_completion_chunk(
    R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}})");
  CHECK(usage.type == k::empty);
  CHECK(usage.prompt_tokens == 12);
  CHECK(usage.completion_tokens == 7);
  CHECK(parse_completion_chunk(R"({"usage":{"prompt_tokens":-3}})").prompt_tokens == -1);
  CHECK(parse_completion_chunk(R"({"usage":{"prompt_tokens":"5"}})").prompt_tokens == -1);
  CHECK(nulls.prompt_tokens == -1);
  CHECK(parse_completion_chunk("[DONE]").type == k::done);
  CHECK(parse_completion_chunk("[DONE]\n").type == k::done);
  auto err =
    parse_completion_chunk(R"({"error":{"message":"model overloaded","type":"server_error"}})");
  CHECK(err.type == k::error);
  CHECK(err.error == "model overloaded");
  CHECK(parse_completion_chunk(R"({"error":"boom"})").error == "boom");
  CHECK(parse_completion_chunk("{not json").type == k::malformed);
  CHECK(parse_completion_chunk("[1,2]").type == k::malformed);
  CHECK(parse_completion_chunk(R"({"choices":["x"]})").type == k::malformed);
  CHECK(parse_completion_chunk(R"({"choices":[{"text":"legacy"}]})").text == "legacy");
}

TEST_CASE("completion chunks in every vendor's shape read the same without a DOM", "[sse]") {
  using k = completion_chunk::kind;
  struct shape {
    const char* what;
    const char* data;
    k type;
    const char* text;
    const char* finish;
  };
  const shape shapes[] = {
    {"OpenAI content",
     R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":" hi"},"logprobs":null,"finish_reason":null}]})",
     k::content, " hi", ""},
    {"OpenAI first (role only)",
     R"({"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]})",
     k::empty, "", ""},
    {"OpenAI last (empty delta, finish)",
     R"({"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})", k::empty, "",
     "stop"},
    {"OpenAI usage chunk",
     R"({"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}})", k::empty, "",
     ""},
    {"vLLM with stop_reason",
     R"({"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen","choices":[{"index":0,"delta":{"content":"好"},"logprobs":null,"finish_reason":"length","stop_reason":null}]})",
     k::content, "好", "length"},
    {"llama.cpp timings after choices",
     R"({"choices":[{"finish_reason":null,"index":0,"delta":{"content":"x"}}],"created":1,"id":"c","model":"m","object":"chat.completion.chunk","timings":{"prompt_n":3}})",
     k::content, "x", ""},
    {"Ollama",
     R"({"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"qwen2.5:7b","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":null}]})",
     k::content, "ok", ""},
    {"DeepSeek reasoning only",
     R"({"choices":[{"index":0,"delta":{"content":null,"reasoning_content":"think"},"finish_reason":null}]})",
     k::empty, "", ""},
    {"tool call delta",
     R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]})",
     k::empty, "", ""},
    {"escapes and unicode", R"({"choices":[{"delta":{"content":"a \"q\"\n\u4f60\ud83d\ude00"}}]})",
     k::content, "a \"q\"\n\xe4\xbd\xa0\xf0\x9f\x98\x80", ""},
    {"legacy text", R"({"choices":[{"text":"legacy","finish_reason":"stop"}]})", k::content,
     "legacy", "stop"},
    {"usage null", R"({"usage":null,"choices":[{"delta":{"content":"u"}}]})", k::content, "u", ""},
    {"error null", R"({"error":null,"choices":[{"delta":{"content":"e"}}]})", k::content, "e", ""},
    {"content a number", R"({"choices":[{"delta":{"content":5}}]})", k::empty, "", ""},
    {"finish a number", R"({"choices":[{"delta":{"content":"f"},"finish_reason":1}]})", k::content,
     "f", ""},
    {"trailing junk", R"({"choices":[{"delta":{"content":"j"}}]} junk)", k::malformed, "", ""},
    {"truncated", R"({"choices":[{"delta":{"content":"j"})", k::malformed, "", ""},
    {"no choices, no usage", R"({"id":"c"})", k::malformed, "", ""},
    {"choices not an array", R"({"choices":{"delta":{"content":"x"}}})", k::malformed, "", ""},
    {"error object without message", R"({"error":{"code":500}})", k::error, "", ""},
    {"invalid UTF-8", "{\"choices\":[{\"delta\":{\"content\":\"\xff\"}}]}", k::malformed, "", ""},
  };
  for (const auto& s : shapes) {
    INFO(s.what);
    auto c = parse_completion_chunk(s.data);
    CHECK(c.type == s.type);
    if (s.type != k::error) {
      CHECK(c.text == s.text);
      CHECK(c.finish_reason == s.finish);
    }
  }
  auto usage = parse_completion_chunk(
    R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7.5,"total_tokens":19}})");
  CHECK(usage.prompt_tokens == 12);
  CHECK(usage.completion_tokens == -1); // not an integer
  CHECK(parse_completion_chunk(R"({"error":{"code":500}})").error == R"({"code":500})");
  // an endpoint's error with a message that is not a string is an error, never an exception
  // (it used to throw on the upstream client's thread)
  auto odd = parse_completion_chunk(R"({"error":{"message":5}})");
  CHECK(odd.type == k::error);
  CHECK(odd.error == R"({"message":5})");
}
