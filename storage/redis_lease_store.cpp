// Leases over Redis with hiredis (synchronous, each command bounded by options.timeout_ms): three
// Lua scripts make acquire, renew and release atomic. Must never hand out a lease another node
// holds, and never renew a lease this node lost.
#include "storage/lease_store.hpp"
#include "storage/redis_connect.hpp"

#include <hiredis/hiredis.h>

#include <sys/time.h>

namespace xinyu::storage {

namespace {

// KEYS[1] lease, KEYS[2] epoch counter; ARGV[1] node, ARGV[2] lease ms, ARGV[3] floor. The
// lease's value is "<node> <epoch>". Returns {1, epoch} or {0, ms the other node's lease still
// runs}.
constexpr const char* acquire_lua = R"lua(
local floor = tonumber(ARGV[3])
local cur = redis.call('GET', KEYS[1])
if cur then
  local sp = string.find(cur, ' ', 1, true)
  local mine = sp and string.sub(cur, 1, sp - 1) == ARGV[1]
  if not mine then
    return {0, redis.call('PTTL', KEYS[1]), sp and string.sub(cur, 1, sp - 1) or ''}
  end
  local held = tonumber(string.sub(cur, sp + 1))
  if held > floor then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, held}
  end
end
local counter = tonumber(redis.call('GET', KEYS[2]) or '0')
if counter < floor then
  redis.call('SET', KEYS[2], floor)
end
local e = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. e, 'PX', ARGV[2])
return {1, e}
)lua";

// KEYS[1] lease; ARGV[1] "<node> <epoch>", ARGV[2] lease ms. 1 when still ours and extended.
constexpr const char* renew_lua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua";

constexpr const char* release_lua = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua";

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

std::string lease_key(const std::string& user) { return "xinyu:lease:{" + user + "}"; }
std::string epoch_key(const std::string& user) { return "xinyu:epoch:{" + user + "}"; }

class redis_lease_store final : public lease_store {
public:
  explicit redis_lease_store(options opt) : opt_(std::move(opt)) {}
  ~redis_lease_store() override {
    if (c_)
      redisFree(c_);
  }

  bool connect(std::string& error) {
    if (c_ && c_->err == 0)
      return true;
    if (c_) {
      redisFree(c_);
      c_ = nullptr;
    }
    const auto& a = opt_.address;
    c_ = redis_connect(a, opt_.timeout_ms, true);
    if (!c_ || c_->err) {
      error = "cannot connect to Redis at " + a + ": " + (c_ ? c_->errstr : "out of memory");
      return false;
    }
    return true;
  }

  bool acquire(const std::string& user, std::uint64_t floor, lease_grant& out,
               std::string& error) override {
    out = {};
    auto r = eval(acquire_lua, {lease_key(user), epoch_key(user)},
                  {opt_.node, std::to_string(opt_.lease_ms), std::to_string(floor)}, error);
    if (!r)
      return false;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2
        || r->element[0]->type != REDIS_REPLY_INTEGER
        || r->element[1]->type != REDIS_REPLY_INTEGER) {
      error = "unexpected reply from Redis to a lease request";
      return false;
    }
    out.granted = r->element[0]->integer == 1;
    auto n = static_cast<std::uint64_t>(std::max<long long>(0, r->element[1]->integer));
    (out.granted ? out.epoch : out.held_for_ms) = n;
    if (!out.granted && r->elements > 2 && r->element[2]->type == REDIS_REPLY_STRING)
      out.holder.assign(r->element[2]->str, r->element[2]->len);
    return true;
  }

  bool renew(const std::vector<std::string>& users, const std::vector<std::uint64_t>& epochs,
             std::vector<std::size_t>& lost, std::string& error) override {
    lost.clear();
    if (users.empty()) // nothing to renew: still find out whether Redis answers
      return eval_command({"PING"}, error) != nullptr;
    if (!connect(error))
      return false;
    auto ms = std::to_string(opt_.lease_ms);
    for (std::size_t i = 0; i < users.size(); ++i) // pipelined: one round trip for all
      append_eval(renew_lua, {lease_key(users[i])}, {value(epochs[i]), ms});
    for (std::size_t i = 0; i < users.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c_, &raw) != REDIS_OK) {
        error = std::string{"Redis: "} + c_->errstr;
        return false;
      }
      reply_ptr r{static_cast<redisReply*>(raw)};
      if (r->type != REDIS_REPLY_INTEGER || r->integer != 1)
        lost.push_back(i);
    }
    return true;
  }

  bool release(const std::string& user, std::uint64_t epoch, std::string& error) override {
    return eval(release_lua, {lease_key(user)}, {value(epoch)}, error) != nullptr;
  }

private:
  std::string value(std::uint64_t epoch) const { return opt_.node + " " + std::to_string(epoch); }

  static std::vector<std::string> eval_args(const char* script,
                                            const std::vector<std::string>& keys,
                                            const std::vector<std::string>& args) {
    std::vector<std::string> a{"EVAL", script, std::to_string(keys.size())};
    a.insert(a.end(), keys.begin(), keys.end());
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }

  void append_eval(const char* script, const std::vector<std::string>& keys,
                   const std::vector<std::string>& args) {
    append(eval_args(script, keys, args));
  }

  void append(const std::vector<std::string>& a) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& s : a) {
      argv.push_back(s.data());
      lens.push_back(s.size());
    }
    redisAppendCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data());
  }

  reply_ptr eval(const char* script, const std::vector<std::string>& keys,
                 const std::vector<std::string>& args, std::string& error) {
    return eval_command(eval_args(script, keys, args), error);
  }

  /// Every command here is idempotent (acquire by the holder returns its epoch again, renew,
  /// release, PING): a connection found broken (Redis restarted since the last call) is
  /// reopened and the command sent once more.
  reply_ptr eval_command(const std::vector<std::string>& command, std::string& error) {
    void* raw = nullptr;
    for (int attempt = 0; attempt < 2 && !raw; ++attempt) {
      if (!connect(error))
        return nullptr;
      append(command);
      if (redisGetReply(c_, &raw) != REDIS_OK) {
        error = std::string{"Redis: "} + c_->errstr;
        raw = nullptr;
      }
    }
    if (!raw)
      return nullptr;
    reply_ptr r{static_cast<redisReply*>(raw)};
    if (r->type == REDIS_REPLY_ERROR) {
      error = "Redis: " + std::string{r->str, r->len};
      return nullptr;
    }
    return r;
  }

  options opt_;
  redisContext* c_ = nullptr;
};

} // namespace

std::unique_ptr<lease_store> lease_store::open(const options& opt, std::string& error) {
  if (opt.address.empty() || opt.node.empty()) {
    error = "a lease store needs cluster.redis and a node id";
    return nullptr;
  }
  auto s = std::make_unique<redis_lease_store>(opt);
  if (!s->connect(error))
    return nullptr;
  return s;
}

} // namespace xinyu::storage
