// Tests for actors/cluster_router without Redis: a recording bus and gateway stand in for the
// other nodes. Malformed node messages are counted and dropped, the remote-connection and
// awaited-chat bounds hold, and a disowned connection's node is told to look for the new owner.
#include "actors/cluster_router.hpp"

#include "actors/atoms.hpp"
#include "core/support/metrics.hpp"
#include "storage/message_bus.hpp"
#include "tests/actors/test_sink.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <future>
#include <limits>

using namespace xinyu;
using namespace xinyu::actors;
using nlohmann::json;

namespace {

/// The bus: what this node sent, to whom.
class recording_bus final : public storage::message_bus {
public:
  struct sent {
    std::string to;
    json message;
  };
  explicit recording_bus(std::vector<sent>& out) : out_(out) {}
  bool send(const std::string& to, std::string payload) override {
    out_.push_back({to, json::parse(payload)});
    return true;
  }
  std::size_t queued() const override { return 0; }

private:
  std::vector<sent>& out_;
};

/// The gateway: which users' sessions got which sinks and commands.
class recording_gateway final : public gateway_api {
public:
  std::vector<std::pair<std::string, client_sink_ptr>> subscribed;
  std::vector<std::pair<std::string, client_sink_ptr>> detached;
  std::vector<std::string> commands; // "user:chat id"

  void attach(const std::string&, client_sink_ptr) override {}
  void detach(const std::string& user, client_sink_ptr sink) override {
    detached.emplace_back(user, std::move(sink));
  }
  void subscribe(const std::string& user, client_sink_ptr sink) override {
    subscribed.emplace_back(user, std::move(sink));
  }
  void mark_minor(const std::string&) override {}
  void command(const std::string& user, client_sink_ptr, core::client_command cmd) override {
    if (auto* chat = std::get_if<core::chat_command>(&cmd))
      commands.push_back(user + ":" + chat->id);
  }
  void care_report(core::care_report_query, client_sink_ptr) override {}
  void operator_attach(const std::string&, client_sink_ptr) override {}
  void operator_detach(client_sink_ptr) override {}
  void operator_command(client_sink_ptr, core::operator_command) override {}
};

struct node_fixture {
  std::vector<recording_bus::sent> sent;
  std::shared_ptr<recording_gateway> gateway = std::make_shared<recording_gateway>();
  std::shared_ptr<cluster_router> router;

  explicit node_fixture(std::size_t max_remote = 100, std::size_t max_awaited = 100,
                        unsigned deadline_ms = 0) {
    cluster_router::options o;
    o.forward_deadline_ms = deadline_ms;
    o.node = "node-a";
    o.max_remote = max_remote;
    o.max_awaited = max_awaited;
    o.retry_after_ms = 750;
    router = std::make_shared<cluster_router>(o);
    router->set_bus(std::make_unique<recording_bus>(sent));
    router->set_gateway(gateway);
  }
  ~node_fixture() { router->stop(); }
};

std::string chat_from(const std::string& node, std::uint64_t conn, const std::string& user,
                      const std::string& id) {
  return json{{"k", "x"},
              {"u", user},
              {"n", node},
              {"c", conn},
              {"cmd", {{"k", "chat"}, {"id", id}, {"text", "hello"}}}}
    .dump();
}

std::uint64_t counter(const std::string& name) {
  return core::metrics().get_counter(name, "").value();
}

} // namespace

TEST_CASE("cluster router: a node message that does not parse or lacks a field is counted and "
          "reaches nobody",
          "[cluster]") {
  node_fixture n;
  auto before = counter("xinyu_cluster_malformed_total");
  for (std::string bad :
       {"not json", "[1,2]", R"({"k":"x"})", R"({"k":5,"c":1})", R"({"k":"f","c":1})",
        R"({"k":"a","c":1,"u":"mei"})", R"({"k":"x","c":1,"u":"mei","n":"node-b"})",
        R"({"k":"x","c":1,"u":"mei","n":"node-b","cmd":{"k":"nope"}})",
        R"({"k":"zz","c":1,"u":"mei","n":"node-b"})", R"({"k":"a","c":-1,"u":"mei","n":"b"})"})
    n.router->on_receive(bad);
  CHECK(counter("xinyu_cluster_malformed_total") - before == 10);
  CHECK(n.gateway->subscribed.empty());
  CHECK(n.gateway->commands.empty());
  CHECK(n.sent.empty());
  // a well-formed one still gets through
  n.router->on_receive(chat_from("node-b", 1, "mei", "c1"));
  CHECK(n.gateway->commands == std::vector<std::string>{"mei:c1"});
}

TEST_CASE("cluster router: past max_remote another node's connection is refused and its chat "
          "answered overloaded, never left waiting",
          "[cluster]") {
  node_fixture n{2};
  auto before = counter("xinyu_cluster_remote_refused_total");
  n.router->on_receive(chat_from("node-b", 1, "mei", "c1"));
  n.router->on_receive(chat_from("node-b", 2, "mei", "c2"));
  n.router->on_receive(chat_from("node-c", 1, "bo", "c3")); // the third connection
  CHECK(n.gateway->commands == std::vector<std::string>{"mei:c1", "mei:c2"});
  CHECK(counter("xinyu_cluster_remote_refused_total") - before == 1);
  CHECK(core::metrics().get_gauge("xinyu_cluster_remote_connections", "").value() == 2);
  REQUIRE(n.sent.size() == 1);
  CHECK(n.sent[0].to == "node-c");
  CHECK(n.sent[0].message["k"] == "f");
  CHECK(n.sent[0].message["c"] == 1);
  auto frame = json::parse(n.sent[0].message["f"].get<std::string>());
  CHECK(frame["type"] == "error");
  CHECK(frame["code"] == "overloaded");
  CHECK(frame["id"] == "c3");
  CHECK(frame["retry_after_ms"] == 750);
  // a connection already served is not refused; once one leaves, the next one is served
  n.router->on_receive(chat_from("node-b", 1, "mei", "c4"));
  n.router->on_receive(json{{"k", "d"}, {"u", "mei"}, {"n", "node-b"}, {"c", 2}}.dump());
  n.router->on_receive(chat_from("node-c", 1, "bo", "c5"));
  CHECK(n.gateway->commands.back() == "bo:c5");
  CHECK(counter("xinyu_cluster_remote_refused_total") - before == 1);
}

TEST_CASE("cluster router: forwarded chats are watched up to max_awaited; an owner's accepted "
          "marks one answered",
          "[cluster]") {
  node_fixture n{100, 2};
  auto conn = std::make_shared<test::test_sink>();
  lease_listener_actor no_session;
  auto chat = [&](const std::string& id) {
    core::chat_command c;
    c.id = id;
    c.text = "hi";
    n.router->proxy_command("node-b", "mei", conn, c, no_session);
  };
  chat("f1");
  chat("f2");
  chat("f3"); // over the bound: not watched
  auto& awaited = core::metrics().get_gauge("xinyu_cluster_forwards_awaited", "");
  CHECK(awaited.value() == 2);
  REQUIRE(n.sent.size() == 3);
  auto conn_id = n.sent[0].message["c"].get<std::uint64_t>();
  // the owner's accepted for f1 comes back
  n.router->on_receive(
    json{{"k", "f"}, {"c", conn_id}, {"f", R"({"type":"accepted","id":"f1","turn":1})"}}.dump());
  CHECK(n.router->forward_answered(conn, "f1"));
  CHECK_FALSE(n.router->forward_answered(conn, "f2")); // no answer: the session says overloaded
  CHECK(n.router->forward_answered(conn, "f3"));       // never watched: nothing to say
  CHECK(conn->of("accepted", "f1").size() == 1);       // the accepted frame reached the connection
  // the owner's late refusal of f2 does not reach the client a second time
  CHECK(awaited.value() == 1);
  n.router->on_receive(
    json{{"k", "f"}, {"c", conn_id}, {"f", R"({"type":"error","code":"overloaded","id":"f2"})"}}
      .dump());
  CHECK(conn->of("error", "f2").empty());
  CHECK(awaited.value() == 0);
}

TEST_CASE("cluster router: a forwarded chat that reaches the owner after its deadline is refused, "
          "not run",
          "[cluster]") {
  node_fixture n;
  auto before = counter("xinyu_cluster_forwards_late_total");
  auto late = json::parse(chat_from("node-b", 3, "mei", "late"));
  late["dl"] = 1; // long past
  n.router->on_receive(late.dump());
  CHECK(n.gateway->commands.empty());
  CHECK(counter("xinyu_cluster_forwards_late_total") - before == 1);
  REQUIRE(n.sent.size() == 1);
  CHECK(n.sent[0].to == "node-b");
  auto frame = json::parse(n.sent[0].message["f"].get<std::string>());
  CHECK(frame["code"] == "overloaded");
  CHECK(frame["id"] == "late");
  auto in_time = json::parse(chat_from("node-b", 3, "mei", "in-time"));
  in_time["dl"] = std::numeric_limits<std::int64_t>::max();
  n.router->on_receive(in_time.dump());
  CHECK(n.gateway->commands == std::vector<std::string>{"mei:in-time"});
  // and the forwarding side stamps its chats when it has a deadline
  node_fixture sender{100, 100, 2500};
  core::chat_command c;
  c.id = "s1";
  c.text = "hi";
  sender.router->proxy_command("node-b", "mei", std::make_shared<test::test_sink>(), c, {});
  REQUIRE(sender.sent.size() == 1);
  CHECK(sender.sent[0].message.contains("dl"));
}

TEST_CASE("cluster router: a session that lost its user disowns other nodes' connections; their "
          "node hears 'moved' and its session asks for the lease again",
          "[cluster]") {
  // the owner side: node a serves node b's connection 7 of user mei
  node_fixture owner;
  owner.router->on_receive(chat_from("node-b", 7, "mei", "c1"));
  REQUIRE(owner.gateway->subscribed.size() == 1);
  auto remote = owner.gateway->subscribed[0].second;
  auto local = std::make_shared<test::test_sink>();
  auto released = owner.router->disown("mei", {local, remote});
  REQUIRE(released.size() == 1);
  CHECK(released[0] == remote);
  CHECK(core::metrics().get_gauge("xinyu_cluster_remote_connections", "").value() == 0);
  REQUIRE(owner.sent.size() == 1);
  CHECK(owner.sent[0].to == "node-b");
  CHECK(owner.sent[0].message["k"] == "m");
  CHECK(owner.sent[0].message["c"] == 7);
  remote->deliver(std::make_shared<const std::string>(R"({"type":"token"})"));
  CHECK(owner.sent.size() == 1); // a late frame of the session never goes out on a disowned sink

  // the connection's side: its session gets (lease_atom, 0)
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  std::promise<std::uint64_t> heard;
  auto session = sys.spawn([&heard]() -> lease_listener_actor::behavior_type {
    return {[&heard](lease_atom, std::uint64_t epoch) { heard.set_value(epoch); }};
  });
  node_fixture conn_node;
  auto conn = std::make_shared<test::test_sink>();
  core::chat_command c;
  c.id = "x1";
  c.text = "hi";
  conn_node.router->proxy_command("node-a", "mei", conn, c, session);
  auto id = conn_node.sent[0].message["c"].get<std::uint64_t>();
  conn_node.router->on_receive(json{{"k", "m"}, {"u", "mei"}, {"n", "node-a"}, {"c", id}}.dump());
  auto f = heard.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds{10}) == std::future_status::ready);
  CHECK(f.get() == 0);
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

TEST_CASE("cluster router: each forwarded chat is answered once: a late refusal of a copy the "
          "node answered is swallowed, also after a re-send with the same id; an owner gone "
          "answers it here and the timeout says nothing more",
          "[cluster]") {
  node_fixture n;
  auto conn = std::make_shared<test::test_sink>();
  auto chat = [&](const std::string& id) {
    core::chat_command c;
    c.id = id;
    c.text = "hi";
    n.router->proxy_command("node-b", "mei", conn, c, {});
  };
  auto from_owner = [&](std::uint64_t c, const std::string& frame) {
    n.router->on_receive(json{{"k", "f"}, {"c", c}, {"f", frame}}.dump());
  };
  chat("x");
  auto conn_id = n.sent[0].message["c"].get<std::uint64_t>();
  CHECK_FALSE(n.router->forward_answered(conn, "x")); // timeout: the session answers overloaded
  chat("x");                                          // the client re-sends with the same id
  from_owner(conn_id, R"({"type":"error","code":"overloaded","id":"x"})"); // first copy, late
  CHECK(conn->of("error", "x").empty());
  from_owner(conn_id, R"({"type":"accepted","id":"x","turn":3})"); // the second copy runs
  CHECK(conn->of("accepted", "x").size() == 1);
  CHECK(n.router->forward_answered(conn, "x"));
  CHECK(core::metrics().get_gauge("xinyu_cluster_forwards_awaited", "").value() == 0);

  // the owner node is gone: the chat is answered here once, and its timeout stays silent
  chat("y");
  n.router->on_undelivered("node-b", n.sent.back().message.dump());
  CHECK(conn->of("error", "y").size() == 1);
  CHECK(n.router->forward_answered(conn, "y"));
}

TEST_CASE("cluster router: a connection is local, another node's, or let go of", "[cluster]") {
  node_fixture n;
  auto local = std::make_shared<test::test_sink>();
  CHECK(cluster_router::kind_of(local) == cluster_router::sink_kind::local);
  n.router->on_receive(chat_from("node-b", 4, "mei", "c1"));
  auto remote = n.gateway->subscribed.at(0).second;
  CHECK(cluster_router::kind_of(remote) == cluster_router::sink_kind::remote);
  n.router->disown("mei", {remote});
  CHECK(cluster_router::kind_of(remote) == cluster_router::sink_kind::released);
  // a second disown of the same connection tells its node nothing more
  auto told = n.sent.size();
  CHECK(n.router->disown("mei", {remote}).size() == 1);
  CHECK(n.sent.size() == told);
}
