// message_bus over Redis pub/sub with hiredis: a sending thread that pipelines PUBLISH for
// everything queued (and reports messages nobody received), and a listening thread on
// SUBSCRIBE that reconnects with backoff. Must never block the caller of send().
#include "storage/message_bus.hpp"
#include "storage/redis_connect.hpp"

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <vector>

namespace xinyu::storage {

namespace {

std::string channel_of(const std::string& node) { return "xinyu:node:" + node; }

class redis_message_bus final : public message_bus {
public:
  redis_message_bus(options opt, receive_fn rx, undelivered_fn lost)
    : opt_(std::move(opt)), on_receive_(std::move(rx)), on_undelivered_(std::move(lost)) {}

  bool start(std::string& error) {
    pub_ = redis_connect(opt_.address, opt_.timeout_ms, true);
    if (!pub_ || pub_->err) {
      error = "cannot connect to Redis at " + opt_.address + ": "
              + (pub_ ? pub_->errstr : "out of memory");
      return false;
    }
    std::string sub_error;
    if (!subscribe(sub_error)) {
      error = sub_error;
      return false;
    }
    sender_ = std::thread([this] { send_loop(); });
    listener_ = std::thread([this] { listen_loop(); });
    return true;
  }

  ~redis_message_bus() override {
    stopping_ = true;
    cv_.notify_all();
    {
      std::lock_guard lock{sub_mutex_};
      if (sub_)
        ::shutdown(sub_->fd, SHUT_RDWR); // wakes the listener out of its read
    }
    if (sender_.joinable())
      sender_.join();
    if (listener_.joinable())
      listener_.join();
    if (pub_)
      redisFree(pub_);
    if (sub_)
      redisFree(sub_);
  }

  bool send(const std::string& to, std::string payload) override {
    {
      std::lock_guard lock{mutex_};
      if (queue_.size() >= opt_.max_queued)
        return false;
      queue_.push_back({to, std::move(payload)});
    }
    cv_.notify_one();
    return true;
  }

  std::size_t queued() const override {
    std::lock_guard lock{mutex_};
    return queue_.size();
  }

private:
  struct outgoing {
    std::string to;
    std::string payload;
  };

  bool subscribe(std::string& error) {
    auto* c = redis_connect(opt_.address, opt_.timeout_ms, false); // blocking reads: no timeout
    if (!c || c->err) {
      error = "cannot connect to Redis at " + opt_.address + ": " + (c ? c->errstr : "oom");
      if (c)
        redisFree(c);
      return false;
    }
    auto ch = channel_of(opt_.node);
    const char* argv[] = {"SUBSCRIBE", ch.c_str()};
    size_t lens[] = {9, ch.size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(c, 2, argv, lens));
    bool ok = r && r->type == REDIS_REPLY_ARRAY;
    if (r)
      freeReplyObject(r);
    if (!ok) {
      error = "Redis refused SUBSCRIBE";
      redisFree(c);
      return false;
    }
    std::lock_guard lock{sub_mutex_};
    if (sub_)
      redisFree(sub_);
    sub_ = c;
    if (stopping_) // the destructor's shutdown hit the old connection: stop this one too
      ::shutdown(c->fd, SHUT_RDWR);
    return true;
  }

  void listen_loop() {
    auto backoff = std::chrono::milliseconds{50};
    while (!stopping_) {
      void* raw = nullptr;
      if (redisGetReply(sub_, &raw) == REDIS_OK && raw) {
        auto* r = static_cast<redisReply*>(raw);
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 3
            && r->element[0]->type == REDIS_REPLY_STRING
            && std::string_view{r->element[0]->str, r->element[0]->len} == "message"
            && r->element[2]->type == REDIS_REPLY_STRING)
          on_receive_(std::string{r->element[2]->str, r->element[2]->len});
        freeReplyObject(r);
        backoff = std::chrono::milliseconds{50};
        continue;
      }
      // the connection broke (Redis restarted, or we are stopping): listen again, with backoff
      while (!stopping_) {
        std::string ignored;
        if (subscribe(ignored))
          break;
        std::unique_lock lock{mutex_};
        cv_.wait_for(lock, backoff, [this] { return stopping_.load(); });
        backoff = std::min(backoff * 2, std::chrono::milliseconds{1000});
      }
    }
  }

  void send_loop() {
    std::vector<outgoing> batch;
    while (true) {
      {
        std::unique_lock lock{mutex_};
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_)
          return;
        while (!queue_.empty() && batch.size() < 512) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      publish(batch);
      batch.clear();
    }
  }

  /// One pipelined round trip for the batch; a message that reached no listener is reported.
  /// A connection found broken before any reply (Redis restarted since the last batch: the
  /// first write fails) is reopened and the batch sent again once; a batch that breaks after
  /// some replies keeps what was answered and drops the rest (no duplicates).
  void publish(const std::vector<outgoing>& batch) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!pub_ || pub_->err) {
        if (pub_)
          redisFree(pub_);
        pub_ = redis_connect(opt_.address, opt_.timeout_ms, true);
        if (!pub_ || pub_->err) {
          if (pub_)
            redisFree(pub_);
          pub_ = nullptr;
          return; // Redis is away: the batch is lost (the node reports it on /readyz)
        }
      }
      for (const auto& m : batch) {
        auto ch = channel_of(m.to);
        const char* argv[] = {"PUBLISH", ch.c_str(), m.payload.data()};
        size_t lens[] = {7, ch.size(), m.payload.size()};
        redisAppendCommandArgv(pub_, 3, argv, lens);
      }
      std::size_t answered = 0;
      for (const auto& m : batch) {
        void* raw = nullptr;
        if (redisGetReply(pub_, &raw) != REDIS_OK)
          break;
        ++answered;
        auto* r = static_cast<redisReply*>(raw);
        bool nobody = r->type == REDIS_REPLY_INTEGER && r->integer == 0;
        freeReplyObject(r);
        if (nobody && on_undelivered_)
          on_undelivered_(m.to, m.payload);
      }
      if (answered == batch.size() || answered > 0)
        return;
    }
  }

  options opt_;
  receive_fn on_receive_;
  undelivered_fn on_undelivered_;
  redisContext* pub_ = nullptr;
  redisContext* sub_ = nullptr;
  std::mutex sub_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<outgoing> queue_;
  std::atomic<bool> stopping_{false};
  std::thread sender_;
  std::thread listener_;
};

} // namespace

std::unique_ptr<message_bus> message_bus::open(const options& opt, receive_fn on_receive,
                                               undelivered_fn on_undelivered, std::string& error) {
  auto bus =
    std::make_unique<redis_message_bus>(opt, std::move(on_receive), std::move(on_undelivered));
  if (!bus->start(error))
    return nullptr;
  return bus;
}

} // namespace xinyu::storage
