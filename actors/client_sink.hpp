// The only way actors reach a client: a sink that queues one serialised frame for one
// connection. Implemented by transport; deliver() must never block and never throw.
#pragma once

#include <memory>
#include <string>

namespace xinyu::actors {

class client_sink {
public:
  virtual ~client_sink() = default;

  /// Queues `frame` (a complete JSON text frame) for the client. Thread-safe, non-blocking;
  /// a client that cannot keep up is disconnected by the implementation.
  virtual void deliver(std::shared_ptr<const std::string> frame) = 0;
};

using client_sink_ptr = std::shared_ptr<client_sink>;

} // namespace xinyu::actors
