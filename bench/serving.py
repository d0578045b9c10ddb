"""Serving benchmark: our server vs the naive FastAPI baseline vs the HTTP floor, in one run.

Each server is pinned to CPU 0 with taskset, wrk to CPU 1, 16 connections, single-row and 64-row
POST /predict bodies. Ours runs as in production: API-key auth, validation, rate limiting (high
limit), metrics and the JSON access log on. Prints req/s, rows/s, p50, p99, RSS and ratios, after
checking that our predictions equal scikit-learn's on the whole dataset.

The three servers run side by side and are measured in interleaved rounds (each round runs every
server once per body, in rotating order); the table shows each figure's median over the rounds, so
that a burst of other load on the machine hits all three alike instead of one. It also shows the
server's CPU time per request (from /proc, user + system), which depends far less on how loaded the
machine is than req/s does, and the load average before and after.

    uv run --frozen python bench/serving.py [--duration 20] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from mlfleet_serving import process
from mlfleet_serving.auth import generate_api_key, hash_entry
from mlfleet_serving.reference_model import publish_reference_model, reference_data

HERE = Path(__file__).resolve().parent
MODEL = "breast-cancer"
CONNECTIONS = 16


def parse_wrk(text: str) -> dict[str, float]:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)", text, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", text)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot parse wrk output:\n{text}")
    return {
        "rps": float(rps.group(1)),
        "requests": float(total.group(1)) if total else 0.0,
        "p50_ms": ms(*p50.groups()),
        "p99_ms": ms(*p99.groups()),
        "non2xx": float(bad.group(1)) if bad else 0.0,
        "timeouts": float(errors.group(1)) if errors else 0.0,
    }


def lua_script(path: Path, body: bytes, key: str) -> Path:
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["X-API-Key"] = "{key}"\n'
    )
    return path


def run_wrk(wrk: str, url: str, script: Path, seconds: float, pin: list[str]) -> dict[str, float]:
    cmd = [
        *pin,
        wrk,
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def post(url: str, body: dict[str, Any], key: str) -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "X-API-Key": key}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def check_predictions(base: str, key: str, registry: str) -> int:
    """Our answers for every dataset row (in 64-row batches) must equal scikit-learn's."""
    from mlfleet_registry import open_registry

    reg = open_registry(registry)
    model = reg.load(MODEL, reg.resolve(MODEL, "production")).model
    x, _, _ = reference_data()
    expected = model.predict(x)
    got = []
    for start in range(0, len(x), 64):
        got.extend(post(base + "/predict", {"instances": x[start : start + 64].tolist()}, key)["predictions"])
    mismatches = int(np.count_nonzero(np.asarray(got) != expected))
    if mismatches:
        raise SystemExit(f"FAIL: {mismatches} of {len(x)} predictions differ from scikit-learn's")
    return len(x)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def tools() -> tuple[str, list[str], list[str]]:
    """wrk, and the taskset prefixes pinning the server to CPU 0 and wrk to CPU 1."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run `make tools` (scripts/install-tools.sh installs it)")
    taskset = shutil.which("taskset")
    return wrk, [taskset, "-c", "0"] if taskset else [], [taskset, "-c", "1"] if taskset else []


def publish(work: Path) -> tuple[str, str, Path]:
    """The reference model in a fresh registry under `work`, and an API key with its key file."""
    registry = str(work / "registry")
    publish_reference_model(registry, MODEL, n_estimators=50, seed=42)
    key = generate_api_key()
    keys_file = work / "keys"
    keys_file.write_text(hash_entry("bench", key) + "\n")
    return registry, key, keys_file


def start_server(
    argv: list[str], port: int, registry: str, keys_file: Path, log_path: Path, pin: list[str]
) -> subprocess.Popen[bytes]:
    """A server process on `port` (our settings from MLFLEET_*, rate limit out of the way)."""
    env = process.serving_env(
        registry,
        MODEL,
        port,
        keys_file,
        MLFLEET_RATE_LIMIT_PER_SECOND="1000000",
        MLFLEET_RATE_LIMIT_BURST="1000000",
    )
    with log_path.open("wb") as log:
        return process.start(argv, env, log, prefix=pin)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds of load per server and body (default 20)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds the duration is split into")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server and body")
    parser.add_argument("--quick", action="store_true", help="smoke test: one 1 s round, no warm-up")
    args = parser.parse_args()
    duration, warmup, rounds = (1.0, 0.0, 1) if args.quick else (args.duration, args.warmup, args.rounds)
    per_run = max(1.0, round(duration / rounds))
    wrk, server_pin, client_pin = tools()
    work = Path(tempfile.mkdtemp(prefix="mlfleet-bench-"))
    registry, key, keys_file = publish(work)
    x, _, _ = reference_data()
    bodies = {
        1: json.dumps({"instances": x[:1].tolist()}).encode(),
        64: json.dumps({"instances": x[:64].tolist()}).encode(),
    }
    scripts = {rows: lua_script(work / f"{rows}.lua", body, key) for rows, body in bodies.items()}
    servers = {
        "ours": ["-m", "mlfleet_serving"],
        "naive": [str(HERE / "serving_apps.py"), "naive", "--registry", registry, "--model", MODEL],
        "floor": [str(HERE / "serving_apps.py"), "floor", "--registry", registry, "--model", MODEL],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    bases: dict[str, str] = {}
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    load_before = loadavg()
    try:
        for name, cmd in servers.items():
            port = process.free_port()
            argv = cmd if name == "ours" else [*cmd, "--port", str(port)]
            procs[name] = start_server(argv, port, registry, keys_file, work / f"{name}.log", server_pin)
            bases[name] = f"http://127.0.0.1:{port}"
        for name, proc in procs.items():
            process.wait_ready(proc, bases[name] + "/v2/health/ready")
            if name in ("ours", "naive"):
                checked = check_predictions(bases[name], key, registry)
                print(f"{name}: {checked} predictions equal scikit-learn's")
        names = list(servers)
        for number in range(rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            for rows, script in scripts.items():
                for name in order:
                    url = bases[name] + "/predict"
                    if warmup and number == 0:
                        run_wrk(wrk, url, script, warmup, client_pin)
                    cpu = cpu_seconds(procs[name].pid)
                    result = run_wrk(wrk, url, script, per_run, client_pin)
                    result["cpu_s"] = cpu_seconds(procs[name].pid) - cpu
                    result["rss_mib"] = process.rss_mib(procs[name].pid)
                    runs.setdefault((name, rows), []).append(result)
            print(f"round {number + 1}/{rounds} done (load average {loadavg()})", flush=True)
    finally:
        for proc in procs.values():
            process.stop(proc)
    results = {key_: summarize(values, key_[1]) for key_, values in runs.items()}
    report(results, per_run, rounds, load_before, loadavg())


def summarize(values: list[dict[str, float]], rows: int) -> dict[str, float]:
    """Median over the rounds; CPU per request over all of them; failures summed."""
    out = {k: float(statistics.median(v[k] for v in values)) for k in ("rps", "p50_ms", "p99_ms")}
    out["rows_s"] = out["rps"] * rows
    requests = sum(v["requests"] for v in values)
    out["cpu_us"] = 1e6 * sum(v["cpu_s"] for v in values) / requests if requests else 0.0
    out["rss_mib"] = max(v["rss_mib"] for v in values)
    out["non2xx"] = sum(v["non2xx"] for v in values)
    return out


def report(
    results: dict[tuple[str, int], dict[str, float]],
    per_run: float,
    rounds: int,
    load_before: str,
    load_after: str,
) -> None:
    print(
        f"\nwrk: {CONNECTIONS} connections, {rounds} round(s) of {per_run:g} s per server and body "
        f"(medians); server on CPU 0, wrk on CPU 1; load average {load_before} before, {load_after} after"
    )
    columns = (
        ("req/s", 10),
        ("rows/s", 11),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("CPU us/req", 12),
        ("RSS MiB", 9),
        ("non-2xx", 9),
    )
    print(f"{'server':<7}{'rows':>5}" + "".join(f"{name:>{width}}" for name, width in columns))
    for name in ("ours", "naive", "floor"):
        for rows in (1, 64):
            r = results[(name, rows)]
            print(
                f"{name:<7}{rows:>5}{r['rps']:>10.0f}{r['rows_s']:>11.0f}{r['p50_ms']:>9.2f}"
                f"{r['p99_ms']:>9.2f}{r['cpu_us']:>12.0f}{r['rss_mib']:>9.0f}{r['non2xx']:>9.0f}"
            )
    ours1, naive1, floor1 = results[("ours", 1)], results[("naive", 1)], results[("floor", 1)]
    ours64, naive64 = results[("ours", 64)], results[("naive", 64)]
    checks = [
        (
            "single-row req/s vs floor",
            ours1["rps"] / floor1["rps"],
            ">= 0.60",
            ours1["rps"] >= 0.6 * floor1["rps"],
        ),
        (
            "single-row req/s vs naive",
            ours1["rps"] / naive1["rps"],
            ">= 5",
            ours1["rps"] >= 5 * naive1["rps"],
        ),
        ("single-row p99 ms", ours1["p99_ms"], "<= 15", ours1["p99_ms"] <= 15),
        (
            "64-row rows/s vs naive",
            ours64["rows_s"] / naive64["rows_s"],
            ">= 5",
            ours64["rows_s"] >= 5 * naive64["rows_s"],
        ),
    ]
    print()
    for label, value, target, ok in checks:
        print(f"{label:<28}{value:>8.2f}  target {target:<8} {'met' if ok else 'MISSED'}")
    # CPU time per request hardly depends on how busy the machine is: the efficiency behind req/s.
    for rows in (1, 64):
        ours, floor, naive = (results[(name, rows)]["cpu_us"] for name in ("ours", "floor", "naive"))
        if ours:
            print(
                f"{rows}-row CPU per request: ours {ours:.0f} us = {ours / floor:.2f}x the floor's, "
                f"1/{naive / ours:.1f} of naive's"
            )
    failed = sum(r["non2xx"] for (name, _), r in results.items() if name == "ours")
    if failed:
        print(f"WARNING: our server answered {failed:.0f} non-2xx responses under load")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
