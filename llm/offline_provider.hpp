// The built-in offline LLM provider behind the same interface as an upstream endpoint: the
// composer's reply as paced tokens from one pacing thread. Must never do network I/O.
#pragma once

#include "llm/provider.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace xinyu::llm {

struct pacing {
  unsigned first_token_ms = 150;
  double tokens_per_s = 30; // 0 = all at once
  /// Delay before token `seq` (0-based) counted from the previous one.
  unsigned delay_before(std::size_t seq) const noexcept;
};

class paced_stream;

/// Streams the offline composer's reply: the first token after `pacing.first_token_ms`, then
/// one per 1/`tokens_per_s` (tokens due at the same time go out as one piece), at most
/// `max_tokens` approximate tokens (core::approximate_tokens summed per piece; the first piece
/// always goes out; then finish "length"). Callbacks run on the provider's pacing thread (tokens
/// due at once: inside start(), on the caller's), one stream's never concurrently; cancel()
/// ends a stream with "cancelled" and no token follows.
/// The pacing queue holds one entry per live stream (a stream is one turn of one session).
/// Destruction ends the streams still running with "error".
class offline_provider final : public provider {
public:
  explicit offline_provider(pacing pace);
  ~offline_provider() override;
  offline_provider(const offline_provider&) = delete;
  offline_provider& operator=(const offline_provider&) = delete;

  std::shared_ptr<stream_handle> start(const llm_request& req, stream_callbacks cb) override;

private:
  struct due;
  void schedule(std::shared_ptr<paced_stream> s, unsigned delay_ms);
  void run();

  pacing pace_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<due> queue_; // a min-heap by time
  bool stopping_ = false;
  std::uint64_t order_ = 0; // ties keep start order
  std::thread thread_;
};

} // namespace xinyu::llm
