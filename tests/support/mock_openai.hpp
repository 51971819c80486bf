// An in-test mock of an OpenAI-compatible /v1/chat/completions (and /embeddings) endpoint on
// 127.0.0.1:0 that can stream normally or misbehave in scripted ways. Test-only; one thread per
// connection.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::test {

class mock_openai {
public:
  enum class behaviour {
    normal,       // role chunk? no; content chunks, finish chunk, [DONE]
    ollama,       // role-only first delta, content, finish, usage chunk, [DONE]
    llamacpp,     // content chunks, last chunk with finish_reason and empty content, no [DONE]
    length,       // finish_reason "length"
    drip,         // the normal stream written one byte at a time
    stall_before, // headers, then nothing (until the client gives up)
    stall_mid,    // two tokens, then nothing
    drop_mid,     // two tokens, then the connection is closed
    status_500,
    status_429, // with Retry-After: 1
    status_401,
    malformed,   // a chunk that is not JSON
    error_event, // an error object before any token
    // These three continue a request whose last message is an assistant message that begins
    // the tokens' text: they stream only the rest (all of it when there is none).
    break_after, // set_break_after(n) tokens of the rest, then the connection is closed
    resume,      // the rest, finish, [DONE]
    echo_resume, // the assistant message repeated first (one character per chunk), then resume
  };

  explicit mock_openai(std::vector<std::string> tokens = {"Hello", " there", "!"});
  ~mock_openai();

  std::uint16_t port() const;
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/v1"; }

  /// Behaviours for the next requests, in order; after them `fallback` is used.
  void script(std::vector<behaviour> next, behaviour fallback = behaviour::normal);
  /// How many tokens `break_after` sends before it closes the connection (default 2).
  void set_break_after(std::size_t n);
  /// How long `resume` waits after the headers before its first chunk (default 0): a slow
  /// first token.
  void set_resume_delay(std::chrono::milliseconds d);

  int requests() const;
  /// Requests to /embeddings (also counted in requests()); the reply is a 64-dimension bag of
  /// characters, so texts that share characters are similar.
  int embedding_requests() const;
  nlohmann::json last_request() const;
  /// The bodies of every /chat/completions request, in order of arrival.
  std::vector<nlohmann::json> chat_requests() const;
  std::string last_authorization() const;
  /// The W3C traceparent header of the last request ("" when none).
  std::string last_traceparent() const;
  std::vector<std::chrono::steady_clock::time_point> request_times() const;
  /// Connections the client closed while the mock was still streaming or stalling.
  int closed_by_client() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace xinyu::test
