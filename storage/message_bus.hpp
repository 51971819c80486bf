// Node-to-node messages of a cluster over Redis pub/sub: each node listens on its own channel,
// any node can send to any other. Fire-and-forget, in order per sender. Must never include
// hiredis headers here, and send() must never block.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace xinyu::storage {

class message_bus {
public:
  struct options {
    std::string address;             // "host:port" or "unix:/path"
    std::string node;                // this node's id: it listens on "xinyu:node:<node>"
    unsigned timeout_ms = 1000;      // connect and per-command deadline
    std::size_t max_queued = 100000; // messages waiting to be sent; more are refused
  };
  /// A message for this node (called on the bus's listening thread).
  using receive_fn = std::function<void(std::string payload)>;
  /// A message no node received (its node is gone), on the sending thread of the bus.
  using undelivered_fn = std::function<void(const std::string& to, const std::string& payload)>;

  /// Connects (both directions) and starts listening; null with `error` when Redis cannot be
  /// reached.
  static std::unique_ptr<message_bus> open(const options& opt, receive_fn on_receive,
                                           undelivered_fn on_undelivered, std::string& error);
  /// Stops both threads; messages still queued are dropped.
  virtual ~message_bus() = default;

  /// Queues `payload` for node `to`. False (dropped) when max_queued are waiting already.
  virtual bool send(const std::string& to, std::string payload) = 0;
  /// Messages waiting for the sending thread (not those it is sending now).
  virtual std::size_t queued() const = 0;
};

} // namespace xinyu::storage
