"""Side-by-side benchmark: the bare relay (the floor, bench/bare_relay.cpp), xinyu and the seed's
FastAPI design, same mock LLM, same loads, one run.

For each server: 100/1000/5000 concurrent users (--users) against a mock LLM at 100 ms to the first token
and 20 ms per token (30 tokens); a zero-delay LLM run (throughput and CPU per turn); and an
idle-connection hold (authenticated connections, RSS per connection; not for the relay). Prints
a Markdown table with CPU per turn, writes the rows and PNG charts to --out (docs/bench).
Run through bench/compare.sh (it builds first). Everything stays on 127.0.0.1.
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
SEED_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))
TICK = os.sysconf("SC_CLK_TCK")


def wait_line(proc_out_path, pattern, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            m = re.search(pattern, open(proc_out_path).read())
            if m:
                return m
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {pattern} in {proc_out_path}")


def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK  # utime + stime


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Proc:
    def __init__(self, args, cwd=None, env=None, tmp=None, name="p"):
        self.out = os.path.join(tmp, name + ".out")
        self.err = os.path.join(tmp, name + ".err")
        self.p = subprocess.Popen(args, cwd=cwd, env=env, stdout=open(self.out, "w"),
                                  stderr=open(self.err, "w"), start_new_session=True)

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_mock(tmp, ttft, token):
    m = Proc([os.path.join(BUILD, "bench/mock-llm"), "--port", "0", "--ttft-ms", str(ttft),
              "--token-ms", str(token), "--tokens", "30"], tmp=tmp, name=f"mock{ttft}")
    port = int(wait_line(m.out, r"listening on http://127.0.0.1:(\d+)").group(1))
    return m, port


def merged(base, extra):
    """base with extra's keys laid over it, recursively (config overrides)."""
    out = dict(base)
    for k, v in extra.items():
        out[k] = merged(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def start_xinyu(tmp, llm_port, tag, binary=None, overrides=None):
    data = os.path.join(tmp, "data-" + tag)
    shutil.rmtree(data, ignore_errors=True)
    cfg = {"llm": {"provider": "openai", "max_streams": 4000, "pool_per_endpoint": 4000,
                   "endpoints": [{"name": "mock", "base_url": f"http://127.0.0.1:{llm_port}/v1",
                                  "model": "mock"}]},
           "session": {"keep_turns": 4}, "storage": {"path": data}, "log": {"turns": False},
           # the build's models by path: "auto" looks beside the binary, and a --baseline copied
           # elsewhere would otherwise run on the rules and the lexicon alone (less CPU, less RSS)
           "emotion": {"model": os.path.join(BUILD, "models", "emotion.bin")},
           "safety": {"model": os.path.join(BUILD, "models", "safety.bin")},
           "limits": {"chats_per_minute": 0},  # the load generator types faster than people
           # and every simulated user comes from 127.0.0.1
           "transport": {"max_connections": 100000, "max_connections_per_ip": 100000,
                         "connections_per_second_per_ip": 0}}
    cfg = merged(cfg, overrides or {})
    path = os.path.join(tmp, f"xinyu-{tag}.json")
    json.dump(cfg, open(path, "w"))
    p = Proc([binary or os.path.join(BUILD, "apps/xinyu-server"), "--config", path, "--port", "0"],
             tmp=tmp, name="xinyu-" + tag)
    port = int(wait_line(p.out, r"listening on http://127.0.0.1:(\d+)").group(1))
    return p, port


def start_relay(tmp, llm_port, tag):
    """The floor (bench/bare_relay.cpp): WebSocket in, the endpoint's SSE out, nothing else."""
    p = Proc([os.path.join(BUILD, "bench/bare-relay"), "--port", "0", "--upstream-port",
              str(llm_port)], tmp=tmp, name="relay-" + tag)
    port = int(wait_line(p.out, r"listening on http://127.0.0.1:(\d+)").group(1))
    return p, port


def start_seed(tmp, llm_port, tag):
    port = free_port()
    env = dict(os.environ, LLM_URL=f"http://127.0.0.1:{llm_port}/v1/chat/completions",
               PEER_DB=os.path.join(tmp, f"seed-{tag}.db"))
    p = Proc(["/usr/bin/python3", "-m", "uvicorn", "seed_fastapi:app", "--host", "127.0.0.1",
              "--port", str(port), "--log-level", "warning"], cwd=SEED_DIR, env=env, tmp=tmp,
             name="seed-" + tag)
    deadline = time.time() + 30
    import socket
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("seed did not start: " + open(p.err).read()[-2000:])


def load(port, users, duration, label, ramp_ms=2000, extra=()):
    args = [os.path.join(BUILD, "bench/xinyu-load"), "--port", str(port), "--users", str(users),
            "--duration", str(duration), "--ramp-ms", str(ramp_ms), "--label", label,
            "--timeout-ms", "30000", *extra]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measured(server_pid, fn):
    """Runs fn (a load) and adds the server's CPU over it, its RSS at the end and its peak."""
    c0, t0 = cpu_seconds(server_pid), time.time()
    peak, done = [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(server_pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        r = fn()
    finally:
        done.set()
        sampler.join()
    r["cpu_s"] = cpu_seconds(server_pid) - c0
    r["cpu_pct"] = 100 * r["cpu_s"] / max(0.001, time.time() - t0)
    r["rss_mb"] = rss_kb(server_pid) / 1024
    r["rss_peak_mb"] = max(peak[0], rss_kb(server_pid)) / 1024
    return r


def idle_hold(port, pid, n, seconds, label):
    base = rss_kb(pid)
    args = [os.path.join(BUILD, "bench/xinyu-load"), "--port", str(port), "--users", str(n),
            "--idle", str(seconds), "--ramp-ms", str(min(20000, n * 2)), "--label", label]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    # sample RSS while everything is connected: from the end of the ramp to the end of the hold
    peak = base
    t_end = time.time() + min(20, n * 0.002) + seconds
    while p.poll() is None and time.time() < t_end:
        peak = max(peak, rss_kb(pid))
        time.sleep(0.2)
    out = p.communicate()[0]
    r = json.loads(out.strip().splitlines()[-1])
    r["rss_base_mb"] = base / 1024
    r["rss_held_mb"] = peak / 1024
    r["kb_per_conn"] = (peak - base) / max(1, r["connected"])
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", default="100,1000,5000")
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--idle-xinyu", type=int, default=19000)
    ap.add_argument("--idle-seed", type=int, default=2000)
    ap.add_argument("--servers", default="relay,xinyu,seed",
                    help="relay = the bare relay (the floor), xinyu, seed = the seed's design, "
                         "baseline = another xinyu-server binary (--baseline)")
    ap.add_argument("--baseline", default="",
                    help="an older xinyu-server binary to measure beside this one (server 'baseline')")
    ap.add_argument("--baseline-config", default="{}",
                    help="JSON laid over the baseline's config (e.g. another scheduler setting)")
    ap.add_argument("--realistic", default="",
                    help="connection counts for the realistic scenario (each user chats every "
                         "--every-ms on average, open loop), e.g. 100,1000,5000,10000,19000; "
                         "'' = not run")
    ap.add_argument("--every-ms", type=int, default=20000)
    ap.add_argument("--no-zero", action="store_true", help="skip the zero-delay LLM run")
    ap.add_argument("--realistic-duration", type=int, default=40)
    ap.add_argument("--api", action="store_true",
                    help="load through the OpenAI-compatible SSE endpoint (POST "
                         "/v1/chat/completions, stream) instead of WebSocket: xinyu and "
                         "baseline only; no realistic or idle runs")
    ap.add_argument("--out", default="docs/bench",
                    help="where the rows (compare.json) and the PNG charts go; '' = nowhere")
    a = ap.parse_args()
    servers = a.servers.split(",")
    via = ("--api",) if a.api else ()
    # rows through the API are not comparable with WebSocket rows (a connection per turn)
    api_tag = " (OpenAI API, a connection per turn)" if a.api else ""
    if a.api:
        dropped = [s for s in servers if s not in ("xinyu", "baseline")]
        if dropped:
            print(f"--api: only xinyu and baseline speak it; skipping {','.join(dropped)}",
                  file=sys.stderr)
        servers = [s for s in servers if s in ("xinyu", "baseline")]
        a.realistic, a.idle_xinyu = "", 0
        if a.out == "docs/bench":
            a.out = ""  # the repository's rows and charts are the WebSocket runs
    if "seed" in servers and not os.path.exists(os.path.join(SEED_DIR, "seed_fastapi.py")):
        print(f"seed peer not found at {SEED_DIR}; running xinyu only", file=sys.stderr)
        servers = ["xinyu"]
    tmp = tempfile.mkdtemp(prefix="xinyu-compare-")
    rows = []
    mock, mport = start_mock(tmp, 100, 20)
    zero, zport = start_mock(tmp, 0, 0)
    try:
        for name in servers:
            start = {"xinyu": start_xinyu, "seed": start_seed, "relay": start_relay,
                     "baseline": lambda tmp, port, tag: start_xinyu(
                         tmp, port, tag + "-baseline", a.baseline or None,
                         json.loads(a.baseline_config))}[name]
            srv, port = start(tmp, mport, "paced")
            try:
                for u in [int(x) for x in a.users.split(",") if x]:
                    r = measured(srv.p.pid, lambda: load(port, u, a.duration, f"{name}-{u}",
                                                              extra=via))
                    r.update(server=name, scenario=f"LLM 100ms+20ms/token, {u} users" + api_tag)
                    rows.append(r)
                    print(json.dumps(r), file=sys.stderr)
            finally:
                srv.stop()
            for n in [int(x) for x in a.realistic.split(",") if x]:
                if name == "seed":
                    continue  # the seed's design saturates at ~200 turns/s: not a fair ask
                srv, port = start(tmp, mport, f"open{n}")  # fresh: RSS is this load's alone
                try:
                    r = measured(srv.p.pid, lambda: load(
                        port, n, a.realistic_duration, f"{name}-open-{n}",
                        ramp_ms=min(15000, max(2000, n)), extra=("--every-ms", str(a.every_ms))))
                finally:
                    srv.stop()
                r.update(server=name,
                         scenario=f"{n} connected, a chat every {a.every_ms / 1000:g} s each")
                rows.append(r)
                print(json.dumps(r), file=sys.stderr)
            if not a.no_zero:
                srv, port = start(tmp, zport, "zero")
                try:
                    r = measured(srv.p.pid, lambda: load(port, 100, a.duration, f"{name}-zero",
                                                              extra=via))
                    r.update(server=name, scenario="zero-delay LLM, 100 users" + api_tag)
                    rows.append(r)
                    print(json.dumps(r), file=sys.stderr)
                finally:
                    srv.stop()
            if name == "relay":
                continue  # the floor holds connections as Beast does; nothing to learn here
            if (a.idle_seed if name == "seed" else a.idle_xinyu) == 0:
                continue  # --idle-xinyu 0 / --idle-seed 0: no idle hold
            srv, port = start(tmp, mport, "idle")
            try:
                n = a.idle_seed if name == "seed" else a.idle_xinyu
                r = idle_hold(port, srv.p.pid, n, 10, f"{name}-idle")
                r.update(server=name, scenario=f"idle hold, {n} connections")
                rows.append(r)
                print(json.dumps(r), file=sys.stderr)
            finally:
                srv.stop()
    finally:
        mock.stop()
        zero.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print("\n| server | scenario | turns | errors | turns/s | TTFT p50/p95/p99 ms | total p50/p95/p99 ms | server CPU | CPU per turn | RSS MB (peak) |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |")
    for r in rows:
        if "kb_per_conn" in r:
            print(f'| {r["server"]} | {r["scenario"]} | – | {r["conn_failures"]} failed | – | – | – | – | – '
                  f'| {r["rss_base_mb"]:.0f} → {r["rss_held_mb"]:.0f} ({r["kb_per_conn"]:.1f} KB/conn, {r["connected"]} held) |')
            continue
        t, d = r["ttft_ms"], r["total_ms"]
        print(f'| {r["server"]} | {r["scenario"]} | {r["turns"]} | {r["errors"] + r["timeouts"]} '
              f'| {r["turns_per_s"]:.0f} | {t["p50"]:.1f} / {t["p95"]:.1f} / {t["p99"]:.1f} '
              f'| {d["p50"]:.0f} / {d["p95"]:.0f} / {d["p99"]:.0f} | {r["cpu_pct"]:.0f} % '
              f'| {1000 * r["cpu_s"] / max(1, r["turns"]):.2f} ms | {r.get("rss_peak_mb", r["rss_mb"]):.0f} |')
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, "compare.json"), "w") as f:
            json.dump(rows, f, indent=1)
        subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "charts.py"),
                        os.path.join(a.out, "compare.json"), a.out], check=True)
    # CPU per turn of every server against the relay's, scenario by scenario (one run)
    for scen in dict.fromkeys(r["scenario"] for r in rows if "kb_per_conn" not in r):
        by = {r["server"]: r for r in rows if r["scenario"] == scen and r.get("turns", 0) > 0}
        if "relay" in by:
            floor = by["relay"]["cpu_s"] / by["relay"]["turns"]
            parts = [f'{k} {by[k]["cpu_s"] / by[k]["turns"] / max(1e-9, floor):.2f}x'
                     for k in by if k != "relay"]
            print(f'CPU per turn against the relay, {scen}: ' + ", ".join(parts))
    z = {r["server"]: r for r in rows if r["scenario"].startswith("zero")}
    if "xinyu" in z and "relay" in z and z["relay"]["turns"] > 0 and z["xinyu"]["turns"] > 0:
        per = {k: z[k]["cpu_s"] / z[k]["turns"] for k in ("xinyu", "relay")}
        print(f'\nzero-delay CPU per turn xinyu/relay: {per["xinyu"] / max(1e-9, per["relay"]):.2f}x '
              f'({1000 * per["xinyu"]:.2f} ms vs {1000 * per["relay"]:.2f} ms)')
    if "xinyu" in z and "seed" in z and z["seed"]["turns_per_s"] > 0:
        print(f'\nzero-delay throughput ratio xinyu/seed: {z["xinyu"]["turns_per_s"] / z["seed"]["turns_per_s"]:.1f}x; '
              f'CPU per turn: xinyu {1000 * z["xinyu"]["cpu_s"] / max(1, z["xinyu"]["turns"]):.2f} ms, '
              f'seed {1000 * z["seed"]["cpu_s"] / max(1, z["seed"]["turns"]):.2f} ms')


if __name__ == "__main__":
    main()
