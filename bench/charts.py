"""PNG charts of a benchmark run (gnuplot from Debian): TTFT p50/p99 and turns/s against
connections, one line per server (xinyu, the bare relay, the seed's design: whichever the
run measured). Reads the rows bench/compare.py writes as JSON.

  /usr/bin/python3 bench/charts.py ROWS.json OUT_DIR

Writes OUT_DIR/ttft.png and OUT_DIR/throughput.png; exits non-zero when gnuplot fails or
there is nothing to draw. Never reads anything but the rows file.
"""
import json
import os
import subprocess
import sys
import tempfile

# the paced-LLM loads: their scenario names carry the connection count
SCENARIO_PREFIX = "LLM 100ms+20ms/token, "
COLOURS = {"xinyu": "#1b7f5b", "relay": "#555555", "seed": "#c0392b"}
TITLES = {"xinyu": "xinyu", "relay": "bare relay (the floor)", "seed": "the seed's design"}


def series(rows):
    """{server: [(connections, ttft p50, ttft p99, turns/s)]} sorted by connections."""
    out = {}
    for r in rows:
        scenario = r.get("scenario", "")
        if not scenario.startswith(SCENARIO_PREFIX) or "ttft_ms" not in r:
            continue
        users = int(scenario[len(SCENARIO_PREFIX):].split()[0])
        out.setdefault(r["server"], []).append(
            (users, r["ttft_ms"]["p50"], r["ttft_ms"]["p99"], r["turns_per_s"]))
    for points in out.values():
        points.sort()
    return out


def plot(data, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for server, points in data.items():
            path = os.path.join(tmp, f"{server}.dat")
            with open(path, "w") as f:
                for p in points:
                    f.write(" ".join(str(v) for v in p) + "\n")
            files[server] = path

        def lines(columns):
            parts = []
            for server, path in files.items():
                colour = COLOURS.get(server, "#2c3e50")
                title = TITLES.get(server, server)
                for col, label, dash in columns:
                    name = f"{title} {label}".strip()
                    parts.append(f"'{path}' using 1:{col} with linespoints lw 2 pt 7 dt {dash} "
                                 f"lc rgb '{colour}' title \"{name}\"")
            return ", \\\n  ".join(parts)

        script = f"""
set terminal pngcairo size 900,520 font 'sans,11'
set logscale x
set xlabel 'connections (one turn in flight each)'
set grid
set key top left
set output '{os.path.join(out_dir, "ttft.png")}'
set title 'Time to first token (mock LLM: 100 ms to first token, 20 ms per token)'
set ylabel 'TTFT (ms, log scale)'
set logscale y
plot {lines([(2, "p50", 1), (3, "p99", 2)])}
set output '{os.path.join(out_dir, "throughput.png")}'
set title 'Turns per second'
set ylabel 'turns/s'
unset logscale y
set yrange [0:*]
plot {lines([(4, "", 1)])}
"""
        run = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if run.returncode != 0:
            sys.exit(f"charts: gnuplot failed: {run.stderr.strip()}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = json.load(open(sys.argv[1]))
    data = series(rows)
    if not data:
        sys.exit("charts: no paced-LLM rows in the file; nothing to draw")
    plot(data, sys.argv[2])
    print(f"charts: wrote {sys.argv[2]}/ttft.png and throughput.png "
          f"({', '.join(sorted(data))})")


if __name__ == "__main__":
    main()
