// Unit tests for llm/offline_provider: the offline reply as a paced stream behind
// llm::provider (pieces, end once, length, cancel, a callback cancelling, shutdown).
#include "llm/offline_provider.hpp"

#include "llm/offline_composer.hpp"
#include "core/policy/canned_replies.hpp"
#include "core/policy/token_count.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace xinyu;

namespace {

llm::llm_request request(std::string text) {
  llm::llm_request r;
  r.user_text = std::move(text);
  r.emotion = {"sadness", 0.8, -0.5};
  return r;
}

/// What one stream delivered; wait_end() blocks until on_end (bounded: a hung stream fails).
struct recorder {
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> pieces;
  std::vector<std::string> ends;
  std::thread::id token_thread;

  llm::stream_callbacks callbacks() {
    llm::stream_callbacks cb;
    cb.on_token = [this](std::string t) {
      std::lock_guard l{m};
      token_thread = std::this_thread::get_id();
      pieces.push_back(std::move(t));
    };
    cb.on_end = [this](std::string finish, std::string) {
      std::lock_guard l{m};
      ends.push_back(std::move(finish));
      cv.notify_all();
    };
    return cb;
  }
  bool wait_end() {
    std::unique_lock l{m};
    return cv.wait_for(l, std::chrono::seconds{30}, [this] { return !ends.empty(); });
  }
  std::string text() {
    std::lock_guard l{m};
    std::string s;
    for (auto& p : pieces)
      s += p;
    return s;
  }
};

} // namespace

TEST_CASE("offline stream: the composer's reply, once; unpaced inside start()",
          "[offline][provider]") {
  auto req = request("I miss my grandmother so much today");
  recorder r;
  {
    llm::offline_provider p{{0, 0}};
    auto h = p.start(req, r.callbacks());
    REQUIRE(r.wait_end());
  }
  CHECK(r.text() == llm::offline_composer{}.compose(req));
  CHECK(r.pieces.size() == 1); // every token due at once goes out as one piece
  CHECK(r.ends == std::vector<std::string>{"stop"});
  CHECK(r.token_thread == std::this_thread::get_id()); // due at once: no thread hand-off
}

TEST_CASE("offline stream: paced tokens arrive in order, several pieces", "[offline][provider]") {
  auto req = request("work has been exhausting and my boss keeps yelling");
  recorder r;
  llm::offline_provider p{{0, 1000}}; // a token per millisecond
  auto h = p.start(req, r.callbacks());
  REQUIRE(r.wait_end());
  CHECK(r.text() == llm::offline_composer{}.compose(req));
  CHECK(r.pieces.size() > 1);
  CHECK(r.ends == std::vector<std::string>{"stop"});
  CHECK(r.token_thread != std::this_thread::get_id()); // paced: on the pacing thread
}

/// The reply's pieces' token counts summed (never below the joined text's) up to and including
/// the first piece not in `shown`: what the provider weighed when it cut after `shown` (pieces due
/// at once may arrive together, so they are counted from the text). 0 when `shown` is not a run of
/// whole pieces or the whole reply.
std::size_t tokens_with_next_piece(const std::string& full, const std::string& shown) {
  auto all = core::split_into_tokens(full);
  std::string joined;
  std::size_t sum = 0, k = 0;
  for (; k < all.size() && joined.size() < shown.size(); ++k) {
    joined += all[k];
    sum += core::approximate_tokens(all[k]);
  }
  if (joined != shown || k == all.size())
    return 0;
  return sum + core::approximate_tokens(all[k]);
}

TEST_CASE("offline stream: max_tokens cuts the reply and says length", "[offline][provider]") {
  auto req = request("我最近总是睡不着，心里很乱");
  req.chinese = true; // a Chinese reply: pieces of two Han characters, about two tokens each
  req.max_tokens = 3;
  recorder r;
  llm::offline_provider p{{0, 0}};
  auto h = p.start(req, r.callbacks());
  REQUIRE(r.wait_end());
  auto full = llm::offline_composer{}.compose(req);
  REQUIRE(core::approximate_tokens(full) > 3);
  // cut where usage would count more than 3 tokens (a piece of two Han characters is about two)
  CHECK_FALSE(r.text().empty());
  CHECK(full.starts_with(r.text()));
  CHECK(core::approximate_tokens(r.text()) <= 3);
  CHECK(tokens_with_next_piece(full, r.text()) > 3); // no earlier cut
  CHECK(r.ends == std::vector<std::string>{"length"});
}

TEST_CASE("offline stream: max_tokens counts tokens, not words with their punctuation",
          "[offline][provider]") {
  auto req = request("What goes into a good pancake batter? Explain at length please");
  for (unsigned limit : {1u, 3u, 5u, 8u}) {
    INFO(limit);
    req.max_tokens = limit;
    recorder r;
    llm::offline_provider p{{0, 0}};
    auto h = p.start(req, r.callbacks());
    REQUIRE(r.wait_end());
    CHECK_FALSE(r.text().empty()); // at least one piece, even when it alone is over
    auto all = core::split_into_tokens(llm::offline_composer{}.compose(req));
    CHECK((r.text() == all.front() || core::approximate_tokens(r.text()) <= limit));
    // and no earlier cut
    CHECK(tokens_with_next_piece(llm::offline_composer{}.compose(req), r.text()) > limit);
    CHECK(r.ends == std::vector<std::string>{"length"});
  }
}

TEST_CASE("offline stream: cancel ends it at once, no token follows", "[offline][provider]") {
  recorder r;
  {
    llm::offline_provider p{{60000, 30}}; // the first token would be a minute away
    auto h = p.start(request("hello"), r.callbacks());
    h->cancel();
    h->cancel(); // idempotent
    CHECK(r.ends == std::vector<std::string>{"cancelled"});
  } // the provider stops with the cancelled stream still queued: no second end
  CHECK(r.pieces.empty());
  CHECK(r.ends == std::vector<std::string>{"cancelled"});
}

TEST_CASE("offline stream: a callback may cancel its own stream", "[offline][provider]") {
  recorder r;
  llm::offline_provider p{{1, 1000}}; // paced: the callbacks run on the pacing thread
  std::shared_ptr<llm::stream_handle> h;
  std::mutex hm;
  auto cb = r.callbacks();
  auto record = cb.on_token;
  cb.on_token = [&](std::string t) {
    record(std::move(t));
    std::lock_guard l{hm};
    if (h)
      h->cancel(); // from inside the callback, on the pacing thread
  };
  {
    std::lock_guard l{hm};
    h = p.start(request("I feel so lonely tonight"), cb);
  }
  REQUIRE(r.wait_end());
  CHECK(r.pieces.size() == 1);
  CHECK(r.ends == std::vector<std::string>{"cancelled"});
}

TEST_CASE("offline stream: a provider that stops ends its streams with error",
          "[offline][provider]") {
  recorder r;
  {
    llm::offline_provider p{{60000, 30}};
    auto h = p.start(request("hello"), r.callbacks());
  }
  CHECK(r.pieces.empty());
  CHECK(r.ends == std::vector<std::string>{"error"});
}
