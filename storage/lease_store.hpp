// Ownership leases of users in a cluster, kept in Redis: one node holds a user's lease (SET NX PX)
// with a fencing epoch (INCR) that PostgreSQL checks on every write. Not thread-safe: one owner
// (the lease actor) calls it. Must never include hiredis headers here.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::storage {

struct lease_grant {
  bool granted = false;
  std::uint64_t epoch = 0;       // when granted: the fencing epoch of this node's ownership
  std::uint64_t held_for_ms = 0; // when refused: how long the other node's lease still runs
  std::string holder;            // when refused: the node that owns the user
};

class lease_store {
public:
  struct options {
    std::string address; // "host:port" or "unix:/path/to/socket"
    std::string node;    // this node's id (unique in the cluster)
    unsigned lease_ms = 10000;
    unsigned timeout_ms = 1000; // connect and per-command deadline
  };

  /// Connects to Redis at `opt.address`; null with `error` when it cannot.
  static std::unique_ptr<lease_store> open(const options& opt, std::string& error);
  virtual ~lease_store() = default;

  /// Takes `user`'s lease for this node, or keeps it when this node holds it already (same epoch:
  /// turns this node queued before stay valid). Refused while another node holds it. The epoch
  /// granted is above `floor`: PostgreSQL has seen `floor` already when Redis lost its counters
  /// (a restart without persistence), and a lower one would be fenced off.
  virtual bool acquire(const std::string& user, std::uint64_t floor, lease_grant& out,
                       std::string& error) = 0;

  /// Extends the leases this node holds on `users` (their epochs in `epochs`); `lost` gets the
  /// positions of those no longer held by this node (expired and taken, or released).
  virtual bool renew(const std::vector<std::string>& users,
                     const std::vector<std::uint64_t>& epochs, std::vector<std::size_t>& lost,
                     std::string& error) = 0;

  /// Gives `user`'s lease up, if this node still holds it with `epoch`.
  virtual bool release(const std::string& user, std::uint64_t epoch, std::string& error) = 0;
};

} // namespace xinyu::storage
