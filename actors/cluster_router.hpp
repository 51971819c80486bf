// Cluster mode: forwarding between nodes. A session whose user another node owns forwards its
// connections and commands to that node; the owner's frames come back to those connections. Rides
// on storage::message_bus (Redis pub/sub). Must never hold a lease, never touch storage, never
// block the caller.
//
// Envelopes (JSON): "a" attach, "d" detach, "x" command (to the owner); "f" frame, "m" moved
// (back to the connection's node: the owner lost the user, ask for the lease again).
#pragma once

#include "actors/client_sink.hpp"
#include "actors/gateway_api.hpp"
#include "actors/lease_actor.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace xinyu::storage {
class message_bus;
}

namespace xinyu::actors {

class cluster_router : public std::enable_shared_from_this<cluster_router> {
public:
  struct options {
    std::string node;                 // this node's id
    std::size_t max_remote = 100000;  // connections of other nodes served here (transport's cap)
    std::size_t max_awaited = 100000; // forwarded chats awaiting their answer
    unsigned retry_after_ms = 1000;   // advised when the owner node is gone
    // a forwarded chat that reaches the owner later than this after it was sent is refused,
    // not run (its node answers it `overloaded` at cluster.forward_timeout_ms); 0: no deadline
    unsigned forward_deadline_ms = 0;
  };
  explicit cluster_router(options opt);
  ~cluster_router();

  /// The bus the router sends through (opened with on_receive / on_undelivered below).
  void set_bus(std::unique_ptr<storage::message_bus> bus);
  /// Stops the bus (its threads are joined) and forgets the gateway: nothing reaches the actor
  /// system after this (called before it shuts down).
  void stop();
  /// Where forwarded connections and commands go on this node.
  void set_gateway(gateway_api_ptr api);
  const std::string& node() const { return opt_.node; }

  // --- the node a connection is on (called by the proxying session) --------------------------
  /// `sink` (a local connection of `user`) gets the frames of `owner`'s session from now on;
  /// `session` hears (lease_atom, 0) if `owner` turns out to be gone.
  void proxy_attach(const std::string& owner, const std::string& user, const client_sink_ptr& sink,
                    const lease_listener_actor& session);
  /// `sink` closed: `owner` stops serving it (none told when `owner` is empty), and this node
  /// forgets it.
  void proxy_detach(const std::string& owner, const std::string& user, const client_sink_ptr& sink);
  /// `sink` (still open) is served by another owner from now on: `former` stops serving it.
  /// Forwarded chats it still awaits stay watched (their timeout still answers them).
  void proxy_move(const std::string& former, const std::string& user, const client_sink_ptr& sink);
  void proxy_command(const std::string& owner, const std::string& user,
                     const client_sink_ptr& origin, const core::client_command& cmd,
                     const lease_listener_actor& session);
  /// Whether the owner answered the forwarded chat `id` of `origin` (accepted or an error)
  /// since it was forwarded; forgets it either way.
  bool forward_answered(const client_sink_ptr& origin, const std::string& id);

  // --- the owner node (called by a session that lost its lease) ------------------------------
  /// The session stopped owning `user`: each of `sinks` that is another node's connection is
  /// forgotten here and its node told to ask for the lease again ("m"). Returns those sinks (the
  /// session unsubscribes them, so it can passivate).
  std::vector<client_sink_ptr> disown(const std::string& user,
                                      const std::vector<client_sink_ptr>& sinks);
  /// What `sink` is to this node: a local connection, another node's connection served here,
  /// or one let go of (disowned or detached: its commands are dropped, its node answers them).
  enum class sink_kind { local, remote, released };
  static sink_kind kind_of(const client_sink_ptr& sink);
  /// Counts a forwarded chat refused because it came after its deadline (xinyu_cluster_
  /// forwards_late_total): here on arrival, or by the session that would have admitted it.
  static void count_late();

  // --- the bus's callbacks -------------------------------------------------------------------
  void on_receive(const std::string& payload);
  void on_undelivered(const std::string& to, const std::string& payload);

private:
  class remote_sink;
  struct local_conn {
    std::weak_ptr<client_sink> sink;
    lease_listener_actor session;
  };

  std::uint64_t conn_id(const client_sink_ptr& sink, const lease_listener_actor& session);
  void send(const std::string& to, std::string payload);
  std::shared_ptr<remote_sink> remote(const std::string& from, std::uint64_t conn,
                                      const std::string& user, bool create);
  /// Another node's connection this node cannot serve (max_remote reached): a chat in it is
  /// answered `overloaded` (`chat_id` empty: nothing to answer).
  void refuse_remote(const std::string& from, std::uint64_t conn, const std::string& chat_id);
  void session_of_conn_lost_owner(std::uint64_t conn);
  void drop_remote(const std::string& from, std::uint64_t conn);

  options opt_;
  std::shared_ptr<storage::message_bus> bus_;
  gateway_api_ptr gateway_;
  std::mutex mutex_;
  std::uint64_t next_conn_ = 1;
  std::unordered_map<const client_sink*, std::uint64_t> ids_;
  std::unordered_map<std::uint64_t, local_conn> conns_;
  std::map<std::pair<std::string, std::uint64_t>, std::shared_ptr<remote_sink>> remotes_;
  // forwarded chats (conn, id) until the owner's `accepted` or `error` passes by; one answered
  // `overloaded` here at its timeout is kept (abandoned) so that a late refusal of the owner
  // does not reach the client a second time
  // (`late`: refusals still owed for earlier copies of a chat re-sent with the same id: each
  // is swallowed, never mistaken for the answer to the copy now waiting)
  enum class forward_state { waiting, answered, abandoned };
  struct forward_watch {
    forward_state state = forward_state::waiting;
    unsigned late = 0;
  };
  std::map<std::pair<std::uint64_t, std::string>, forward_watch> awaited_;
};

using cluster_router_ptr = std::shared_ptr<cluster_router>;

} // namespace xinyu::actors
