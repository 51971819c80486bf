"""Cluster benchmark (issue 16): xinyu nodes in cluster mode (PostgreSQL + Redis) behind HAProxy,
against one mock LLM, everything on this machine's cores.

1. Scale: 1, 2 and 3 nodes behind config/haproxy-cluster.cfg, the same closed-loop load through
   the balancer (each simulated user sends the ?user= routing hint) against a zero-delay mock,
   so that the cores are the limit: turns/s, TTFT p50/p99 and the nodes' CPU per turn. The
   nodes share the cores, so the ratios say what a node costs, not what a second machine adds.
2. Forwarding: two nodes, the same users owned by node 2; the same load sent to node 2 (local)
   and to node 1 (every turn forwarded to node 2 through Redis), interleaved rounds.
3. Failover: three nodes behind HAProxy; N times, kill -9 the node that owns a user and time
   from the kill to that user's next `accepted` through the balancer, then restart the node.
Run through bench/cluster.sh (it builds first). Prints Markdown tables; --out writes the rows.
"""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare as C  # noqa: E402

ROOT = C.ROOT


def as_owner(args):
    """PostgreSQL refuses to run as root: its tools run as the postgres user then."""
    return (["runuser", "-u", "postgres", "--"] + args) if os.geteuid() == 0 else args


def pg_bin():
    versions = sorted(os.listdir("/usr/lib/postgresql"))
    return f"/usr/lib/postgresql/{versions[-1]}/bin/"


def start_postgres(tmp):
    d = os.path.join(tmp, "pg")
    os.makedirs(d)
    if os.geteuid() == 0:
        shutil.chown(d, "postgres", "postgres")
    subprocess.run(as_owner([pg_bin() + "initdb", "-D", d + "/data", "-U", "xinyu", "-A", "trust",
                             "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    # fsync stays on: the benchmark measures commits as production makes them
    subprocess.run(as_owner([pg_bin() + "pg_ctl", "-D", d + "/data", "-w", "-l", d + "/log", "-o",
                             f"-k {d} -h '' -c max_connections=300", "start"]),
                   check=True, capture_output=True)

    def stop():
        subprocess.run(as_owner([pg_bin() + "pg_ctl", "-D", d + "/data", "-m", "immediate",
                                 "stop"]), capture_output=True)
    return f"host={d} user=xinyu dbname=postgres", stop


def start_redis(tmp):
    sock = os.path.join(tmp, "redis.sock")
    p = C.Proc(["redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
                "--appendonly", "no", "--dir", tmp], tmp=tmp, name="redis")
    deadline = time.time() + 10
    while not os.path.exists(sock):
        if time.time() > deadline:
            raise RuntimeError("redis-server did not start")
        time.sleep(0.05)
    return p, "unix:" + sock


class Node:
    """One xinyu node on a fixed port (so that it can be restarted where HAProxy expects it)."""

    def __init__(self, tmp, llm_port, redis, conninfo, node_id, lease_ms):
        self.tmp, self.node_id, self.port = tmp, node_id, C.free_port()
        cfg = {"llm": {"provider": "openai", "max_streams": 4000, "pool_per_endpoint": 4000,
                       "endpoints": [{"name": "mock", "base_url": f"http://127.0.0.1:{llm_port}/v1",
                                      "model": "mock"}]},
               "session": {"keep_turns": 4}, "log": {"turns": False},
               "limits": {"chats_per_minute": 0},
               "transport": {"max_connections": 100000, "max_connections_per_ip": 100000,
                             "connections_per_second_per_ip": 0},
               "storage": {"backend": "postgres", "postgres": conninfo,
                           "path": os.path.join(tmp, "data-" + node_id)},
               "cluster": {"redis": redis, "node_id": node_id, "lease_ms": lease_ms}}
        self.config = os.path.join(tmp, f"{node_id}.json")
        json.dump(cfg, open(self.config, "w"))
        self.start()

    def start(self):
        self.proc = C.Proc([os.path.join(C.BUILD, "apps/xinyu-server"), "--config", self.config,
                            "--port", str(self.port)], tmp=self.tmp, name=self.node_id)
        C.wait_line(self.proc.out, r"listening on http://127.0.0.1:(\d+)")

    def kill9(self):
        os.kill(self.proc.p.pid, signal.SIGKILL)
        self.proc.p.wait()

    def pid(self):
        return self.proc.p.pid


def start_lb(tmp, nodes):
    port = C.free_port()
    env = dict(os.environ, XINYU_LB_BIND=f"127.0.0.1:{port}")
    for i in range(3):  # the shipped file names three servers; unused ones point at node 1
        env[f"XINYU_NODE{i + 1}"] = f"127.0.0.1:{nodes[min(i, len(nodes) - 1)].port}"
    p = C.Proc(["haproxy", "-db", "-f", os.path.join(ROOT, "config/haproxy-cluster.cfg")],
               env=env, tmp=tmp, name=f"haproxy{len(nodes)}")
    import urllib.request
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1).status == 200:
                return p, port
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("HAProxy did not get ready: " + open(p.err).read()[-2000:])


def metric(port, name):
    import urllib.request
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


# an everyday message: the load generator's default (work stress, repeated) is escalated to the
# crisis path by the conversation risk, whose canned reply would hide the LLM's TTFT
TEXT = "今天下班早，想和你聊聊周末去哪里走走"


def cluster_load(nodes, port, users, duration, label, hint=True):
    pids = [n.pid() for n in nodes]
    c0 = sum(C.cpu_seconds(p) for p in pids)
    r = C.load(port, users, duration, label,
               extra=(["--route-hint"] if hint else []) + ["--text", TEXT])
    r["cpu_s"] = sum(C.cpu_seconds(p) for p in pids) - c0
    return r


def scale(tmp, llm_port, redis, conninfo, args):
    rows = []
    for n in (1, 2, 3):
        nodes = [Node(tmp, llm_port, redis, conninfo, f"s{n}-{i}", args.lease_ms)
                 for i in range(n)]
        lb, lb_port = start_lb(tmp, nodes)
        cluster_load(nodes, lb_port, args.users, 3, f"warm{n}")  # sessions loaded, leases taken
        r = cluster_load(nodes, lb_port, args.users, args.duration, f"warm{n}")
        r["nodes"] = n
        rows.append(r)
        lb.stop()
        for node in nodes:
            node.proc.stop()
    return rows


def forwarding(tmp, llm_port, redis, conninfo, args):
    a = Node(tmp, llm_port, redis, conninfo, "fw-1", args.lease_ms)
    b = Node(tmp, llm_port, redis, conninfo, "fw-2", args.lease_ms)
    cluster_load([a, b], b.port, args.users, 3, "fw", hint=False)  # node 2 owns these users
    out = {"local": [], "forwarded": []}
    for rnd in range(args.rounds):
        order = [("local", b), ("forwarded", a)] if rnd % 2 == 0 else [("forwarded", a),
                                                                        ("local", b)]
        for kind, node in order:
            out[kind].append(cluster_load([a, b], node.port, args.users, args.duration, "fw",
                                          hint=False))
    out["forwarded_total"] = metric(a.port, "xinyu_cluster_forwarded_total")
    a.proc.stop()
    b.proc.stop()
    return out


def owner_of(nodes, user_label):
    """The node that answers the user without forwarding (one history request to each)."""
    for n in nodes:
        before = metric(n.port, "xinyu_cluster_forwarded_total")
        C.load(n.port, 1, 0, user_label, extra=["--turns", "1"])
        if metric(n.port, "xinyu_cluster_forwarded_total") == before:
            return n
    return None


def failover(tmp, llm_port, redis, conninfo, args):
    nodes = [Node(tmp, llm_port, redis, conninfo, f"fo-{i}", args.lease_ms) for i in range(3)]
    lb, lb_port = start_lb(tmp, nodes)
    times, attempts = [], []
    for k in range(args.kills):
        label = f"fo{k}"
        C.load(lb_port, 1, 0, label, extra=["--turns", "1", "--route-hint"])  # the user exists
        victim = owner_of(nodes, label)
        if victim is None:
            continue
        t0 = time.time()
        victim.kill9()
        tries = 0
        while time.time() - t0 < 60:
            tries += 1
            r = C.load(lb_port, 1, 0, label, extra=["--turns", "1", "--route-hint",
                                                    "--timeout-ms", "3000"])
            if r["turns"] >= 1 and r["errors"] == 0:
                break
            time.sleep(0.05)
        times.append((time.time() - t0) * 1000)
        attempts.append(tries)
        victim.start()
        time.sleep(1.5)  # HAProxy sees it ready again (rise 2 x 500 ms)
    lb.stop()
    for n in nodes:
        n.proc.stop()
    return times, attempts


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--lease-ms", type=int, default=2000)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="xinyu-cluster-bench-")
    if os.geteuid() == 0:
        os.chmod(tmp, 0o755)
    conninfo, stop_pg = start_postgres(tmp)
    redis, redis_addr = start_redis(tmp)
    mock, llm_port = C.start_mock(tmp, 100, 20)
    fast, fast_port = C.start_mock(tmp, 0, 0)
    try:
        rows = scale(tmp, fast_port, redis_addr, conninfo, args)
        fw = forwarding(tmp, llm_port, redis_addr, conninfo, args)
        times, attempts = failover(tmp, llm_port, redis_addr, conninfo, args)
    finally:
        fast.stop()
        mock.stop()
        redis.stop()
        stop_pg()
    print(f"\n### Scale ({args.users} users through HAProxy, zero-delay mock LLM)\n")
    print("| nodes | turns/s | TTFT p50 / p99 ms | nodes' CPU per turn | turns/s vs 1 node |")
    print("| ---: | ---: | --- | ---: | ---: |")
    base = rows[0]["turns_per_s"]
    for r in rows:
        print(f"| {r['nodes']} | {r['turns_per_s']:.0f} | {r['ttft_ms']['p50']:.0f} / "
              f"{r['ttft_ms']['p99']:.0f} | {1000 * r['cpu_s'] / max(1, r['turns']):.2f} ms | "
              f"{r['turns_per_s'] / base:.2f}x |")
    print(f"\n### A forwarded turn against a local one (2 nodes, {args.rounds} rounds each, "
          f"mock 100 ms TTFT + 30 x 20 ms)\n")
    print("| path | TTFT p50 / p99 ms | total p50 ms | turns/s |")
    print("| --- | --- | ---: | ---: |")
    for kind in ("local", "forwarded"):
        rs = fw[kind]
        p50 = sum(r["ttft_ms"]["p50"] for r in rs) / len(rs)
        p99 = sum(r["ttft_ms"]["p99"] for r in rs) / len(rs)
        tot = sum(r["total_ms"]["p50"] for r in rs) / len(rs)
        tps = sum(r["turns_per_s"] for r in rs) / len(rs)
        print(f"| {kind} | {p50:.1f} / {p99:.1f} | {tot:.0f} | {tps:.0f} |")
    print(f"\n### Failover (kill -9 of the owner, {len(times)} kills, lease {args.lease_ms} ms)\n")
    print(f"from the kill to the user's next accepted turn through HAProxy: p50 "
          f"{pct(times, 50):.0f} ms, p99 {pct(times, 99):.0f} ms, max {max(times):.0f} ms "
          f"(attempts per failover p50 {pct(attempts, 50)})")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        json.dump({"scale": rows, "forwarding": fw, "failover_ms": times,
                   "lease_ms": args.lease_ms}, open(os.path.join(args.out, "cluster.json"), "w"),
                  indent=1)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
