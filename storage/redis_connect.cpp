// redis_connect: the address forms of cluster.redis turned into a hiredis connection. Must never
// block longer than the timeout it is given.
#include "storage/redis_connect.hpp"

#include <cstdlib>
#include <sys/time.h>

namespace xinyu::storage {

redisContext* redis_connect(const std::string& a, unsigned timeout_ms, bool command_timeout) {
  timeval tv{static_cast<time_t>(timeout_ms / 1000),
             static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  redisContext* c = nullptr;
  if (a.rfind("unix:", 0) == 0) {
    c = redisConnectUnixWithTimeout(a.substr(5).c_str(), tv);
  } else {
    auto colon = a.rfind(':');
    auto host = colon == std::string::npos ? a : a.substr(0, colon);
    int port = colon == std::string::npos ? 6379 : std::atoi(a.c_str() + colon + 1);
    c = redisConnectWithTimeout(host.c_str(), port, tv);
  }
  if (c && !c->err && command_timeout)
    redisSetTimeout(c, tv);
  return c;
}

} // namespace xinyu::storage
