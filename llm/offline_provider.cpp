// The built-in offline LLM provider: the composer's reply as paced tokens from one pacing
// thread, behind llm::provider like an upstream endpoint. Must never do network I/O.
#include "llm/offline_provider.hpp"

#include "core/policy/canned_replies.hpp"
#include "core/policy/token_count.hpp"
#include "llm/offline_composer.hpp"
#include "llm/stream_metrics.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace xinyu::llm {

using clock_type = std::chrono::steady_clock;

namespace {

/// The offline provider's figures under the same names an upstream endpoint reports them
/// (endpoint="offline", model="offline"), so dashboards work without an LLM account.
stream_metrics& offline_figures() {
  static stream_metrics m{"offline", "offline"};
  return m;
}

} // namespace

unsigned pacing::delay_before(std::size_t seq) const noexcept {
  if (seq == 0)
    return first_token_ms;
  if (tokens_per_s <= 0)
    return 0;
  return static_cast<unsigned>(1000.0 / tokens_per_s);
}

/// One reply being paced. Its mutex is held while a callback runs, so tokens, the end and a
/// cancel never interleave; it is recursive so that a callback may cancel its own stream.
class paced_stream final : public stream_handle {
public:
  paced_stream(std::vector<std::string> tokens, std::string finish, stream_callbacks cb,
               std::size_t prompt_tokens, std::size_t output_tokens)
    : tokens_(std::move(tokens)), finish_(std::move(finish)), cb_(std::move(cb)),
      prompt_tokens_(prompt_tokens), output_tokens_(output_tokens), started_(clock_type::now()) {}

  void cancel() override { end("cancelled", ""); }

  /// Emits every token due now as one piece; the delay before the next one, or -1 when the
  /// stream has ended.
  long pump(const pacing& pace) {
    std::lock_guard lock{mutex_};
    if (ended_)
      return -1;
    std::string piece;
    do {
      if (next_ < tokens_.size())
        piece += tokens_[next_++];
    } while (next_ < tokens_.size() && pace.delay_before(next_) == 0);
    if (!piece.empty()) {
      if (first_token_ == clock_type::time_point{}) {
        first_token_ = clock_type::now();
        offline_figures().first_token(first_token_ - started_);
      }
      cb_.on_token(std::move(piece));
    }
    if (ended_)
      return -1; // the callback cancelled it
    if (next_ >= tokens_.size()) {
      auto now = clock_type::now();
      offline_figures().finished(prompt_tokens_, output_tokens_, now - started_,
                                 now - first_token_);
      end(finish_, "");
      return -1;
    }
    return pace.delay_before(next_);
  }

  void end(const std::string& finish, const std::string& error) {
    std::lock_guard lock{mutex_};
    if (ended_)
      return;
    ended_ = true;
    cb_.on_end(finish, error);
  }

private:
  std::recursive_mutex mutex_;
  bool ended_ = false;
  std::vector<std::string> tokens_;
  std::size_t next_ = 0;
  std::string finish_;
  stream_callbacks cb_;
  std::size_t prompt_tokens_;
  std::size_t output_tokens_; // approximate tokens of the whole reply, as usage counts them
  clock_type::time_point started_, first_token_;
};

struct offline_provider::due {
  clock_type::time_point at;
  std::uint64_t order;
  std::shared_ptr<paced_stream> stream;
  /// std::push_heap keeps the greatest first: the greatest is the earliest.
  bool operator<(const due& o) const { return at != o.at ? at > o.at : order > o.order; }
};

offline_provider::offline_provider(pacing pace) : pace_(pace), thread_([this] { run(); }) {}

offline_provider::~offline_provider() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  for (auto& d : queue_)
    d.stream->end("error", "the offline provider stopped");
}

std::shared_ptr<stream_handle> offline_provider::start(const llm_request& req,
                                                       stream_callbacks cb) {
  auto tokens = core::split_into_tokens(offline_composer{}.compose(req));
  std::string finish = "stop";
  // max_tokens counts tokens as usage reports them (approximate_tokens), not pieces: a piece is
  // a word with its punctuation or two Han characters. At least one piece goes out.
  std::size_t used = 0, keep = 0;
  for (; keep < tokens.size(); ++keep) {
    auto n = core::approximate_tokens(tokens[keep]);
    if (keep > 0 && used + n > req.max_tokens)
      break;
    used += n;
  }
  if (keep < tokens.size()) {
    tokens.resize(keep);
    finish = "length";
  }
  auto s = std::make_shared<paced_stream>(std::move(tokens), std::move(finish), std::move(cb),
                                          req.prompt_tokens, used);
  // tokens due at once go out here, on the caller's thread: no hand-off to the pacing thread
  // and back for a reply that is not paced (measured: 6 % CPU per turn without pacing)
  if (auto first = pace_.delay_before(0); first > 0)
    schedule(s, first);
  else if (auto next = s->pump(pace_); next >= 0)
    schedule(s, static_cast<unsigned>(next));
  return s;
}

void offline_provider::schedule(std::shared_ptr<paced_stream> s, unsigned delay_ms) {
  {
    std::lock_guard lock{mutex_};
    if (!stopping_) {
      queue_.push_back({clock_type::now() + std::chrono::milliseconds{delay_ms}, order_++, s});
      std::push_heap(queue_.begin(), queue_.end());
      s = nullptr;
    }
  }
  if (s) {
    s->end("error", "the offline provider stopped");
    return;
  }
  wake_.notify_one();
}

void offline_provider::run() {
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock);
      continue;
    }
    // a copy: while this thread waits, start() may grow the queue and move its elements
    if (auto at = queue_.front().at; clock_type::now() < at) {
      wake_.wait_until(lock, at);
      continue;
    }
    std::pop_heap(queue_.begin(), queue_.end());
    auto s = std::move(queue_.back().stream);
    queue_.pop_back();
    lock.unlock();
    auto delay = s->pump(pace_); // callbacks run without the queue's lock
    lock.lock();
    if (delay >= 0 && !stopping_) {
      queue_.push_back(
        {clock_type::now() + std::chrono::milliseconds{delay}, order_++, std::move(s)});
      std::push_heap(queue_.begin(), queue_.end());
    } else if (delay >= 0) {
      lock.unlock();
      s->end("error", "the offline provider stopped");
      lock.lock();
    }
  }
}

} // namespace xinyu::llm
