// Registers the LLM stream families once per endpoint and model and records finished streams.
// Must never be called per token except first_token.
#include "llm/stream_metrics.hpp"

#include <string>

namespace xinyu::llm {

namespace {

constexpr const char* usage_help =
  "tokens by type: input (prompt) and output (completion), from the endpoint's usage or "
  "approximated when it sends none";

} // namespace

stream_metrics::stream_metrics(std::string_view endpoint, std::string_view model) {
  auto& reg = core::metrics();
  auto labels = core::metric_labels({{"endpoint", endpoint}, {"model", model}});
  ttft_ = &reg.get_histogram(
    "xinyu_llm_time_to_first_token_seconds",
    "time from a reply's request (queue and retries included) to its first upstream token", labels);
  time_per_output_token_ =
    &reg.get_histogram("xinyu_llm_time_per_output_token_seconds",
                       "time per output token after the first, per successful stream", labels);
  duration_ =
    &reg.get_histogram("xinyu_llm_request_duration_seconds",
                       "time from a reply's request to the end of its successful stream", labels);
  input_tokens_ =
    &reg.get_counter("xinyu_llm_token_usage_total", usage_help, labels + ",type=\"input\"");
  output_tokens_ =
    &reg.get_counter("xinyu_llm_token_usage_total", usage_help, labels + ",type=\"output\"");
}

void stream_metrics::finished(std::size_t input_tokens, std::size_t output_tokens,
                              std::chrono::steady_clock::duration since_request,
                              std::chrono::steady_clock::duration since_first_token) {
  input_tokens_->inc(input_tokens);
  output_tokens_->inc(output_tokens);
  duration_->observe(since_request);
  if (output_tokens > 1)
    time_per_output_token_->observe(since_first_token / static_cast<double>(output_tokens - 1));
}

} // namespace xinyu::llm
