// The per-endpoint, per-model figures of LLM streams (OpenTelemetry GenAI names): time to
// first token, time per output token, request duration, token usage by type. One definition
// for the upstream client and the offline provider; must never take a user or text label.
#pragma once

#include "core/support/metrics.hpp"

#include <chrono>
#include <cstddef>
#include <string_view>

namespace xinyu::llm {

class stream_metrics {
public:
  /// Registers (or finds) the families for `endpoint` and `model` (label values escaped).
  stream_metrics(std::string_view endpoint, std::string_view model);

  void first_token(std::chrono::steady_clock::duration since_request) {
    ttft_->observe(since_request);
  }
  /// A stream that ended well: its token counts and timings.
  void finished(std::size_t input_tokens, std::size_t output_tokens,
                std::chrono::steady_clock::duration since_request,
                std::chrono::steady_clock::duration since_first_token);

private:
  core::histogram* ttft_;
  core::histogram* time_per_output_token_;
  core::histogram* duration_;
  core::counter* input_tokens_;
  core::counter* output_tokens_;
};

} // namespace xinyu::llm
