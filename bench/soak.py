"""Bounded soak run of xinyu (see bench/soak.sh): windows of load from xinyu-load against one
server, optional failure injection through /admin/chaos, invariants and percentiles per window."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=2)
    ap.add_argument("--window", type=int, default=15, help="seconds per window")
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--chaos", default='{"emotion":{"crash_rate":0.02,"delay_ms":5},'
                                       '"llm":{"fail_rate":0.02},"storage":{"fail_rate":0.05}}')
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="xinyu-soak-")
    # the load generator types faster than people: no per-user rate limit here
    cfg = {"offline": {"first_token_ms": 50, "tokens_per_s": 200}, "storage": {"path": tmp + "/data"},
           "log": {"turns": False}, "limits": {"chats_per_minute": 0},
           "transport": {"max_connections": 100000, "max_connections_per_ip": 100000,
                         "connections_per_second_per_ip": 0}}
    json.dump(cfg, open(tmp + "/config.json", "w"))
    out = open(tmp + "/server.out", "w")
    srv = subprocess.Popen([BUILD + "/apps/xinyu-server", "--config", tmp + "/config.json", "--port", "0"],
                           stdout=out, stderr=subprocess.DEVNULL)
    port = None
    for _ in range(200):
        text = open(tmp + "/server.out").read()
        if "listening" in text:
            port = int(text.strip().rsplit(":", 1)[1])
            break
        time.sleep(0.05)
    if port is None:
        sys.exit("server did not start")
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/chaos", data=a.chaos.encode(),
                                     method="POST")
        print("chaos:", urllib.request.urlopen(req).read().decode())
        windows = max(1, int(a.minutes * 60 / a.window))
        print("| window | turns | turns/s | error frames/finish error | unanswered | TTFT p50/p99 ms | total p99 ms | RSS MB |")
        print("| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
        unanswered = 0
        for w in range(windows):
            r = json.loads(subprocess.run(
                [BUILD + "/bench/xinyu-load", "--port", str(port), "--users", str(a.users),
                 "--duration", str(a.window), "--ramp-ms", "500", "--label", "soak",
                 "--timeout-ms", "20000"], capture_output=True, text=True).stdout.strip().splitlines()[-1])
            unanswered += r["timeouts"] + r["conn_failures"]
            t, d = r["ttft_ms"], r["total_ms"]
            print(f'| {w + 1} | {r["turns"]} | {r["turns_per_s"]:.0f} | {r["errors"]} | {r["timeouts"]} '
                  f'| {t["p50"]:.1f} / {t["p99"]:.1f} | {d["p99"]:.0f} | {rss_mb(srv.pid):.0f} |', flush=True)
        print(f"\ninvariant: every chat answered (done or error) -> {'OK' if unanswered == 0 else f'{unanswered} unanswered'}")
        sys.exit(0 if unanswered == 0 else 1)
    finally:
        srv.terminate()
        srv.wait(30)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
