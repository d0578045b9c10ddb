"""Serving benchmark: our server vs the naive FastAPI baseline vs the HTTP floor, in one run.

Each server is pinned to CPU 0 with taskset, wrk to CPU 1, 16 connections, single-row and 64-row
POST /predict bodies. Ours runs as in production: API-key auth, validation, rate limiting (high
limit), metrics and the JSON access log on. Prints req/s, rows/s, p50, p99, RSS and ratios, after
checking that our predictions equal scikit-learn's on the whole dataset.

    uv run --frozen python bench/serving.py [--duration 20] [--quick]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
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
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)", text, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", text)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot parse wrk output:\n{text}")
    return {
        "rps": float(rps.group(1)),
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per wrk run (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server and body")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 s runs, no warm-up")
    args = parser.parse_args()
    duration, warmup = (1.0, 0.0) if args.quick else (args.duration, args.warmup)
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: run `make tools` (scripts/install-tools.sh installs it)")
    taskset = shutil.which("taskset")
    server_pin = [taskset, "-c", "0"] if taskset else []
    client_pin = [taskset, "-c", "1"] if taskset else []

    work = Path(tempfile.mkdtemp(prefix="mlfleet-bench-"))
    registry = str(work / "registry")
    publish_reference_model(registry, MODEL, n_estimators=50, seed=42)
    key = generate_api_key()
    keys_file = work / "keys"
    keys_file.write_text(hash_entry("bench", key) + "\n")
    x, _, _ = reference_data()
    bodies = {
        1: json.dumps({"instances": x[:1].tolist()}).encode(),
        64: json.dumps({"instances": x[:64].tolist()}).encode(),
    }
    servers = {
        "ours": ["-m", "mlfleet_serving"],
        "naive": [str(HERE / "serving_apps.py"), "naive", "--registry", registry, "--model", MODEL],
        "floor": [str(HERE / "serving_apps.py"), "floor", "--registry", registry, "--model", MODEL],
    }
    results: dict[tuple[str, int], dict[str, float]] = {}
    for name, cmd in servers.items():
        port = process.free_port()
        env = process.serving_env(
            registry,
            MODEL,
            port,
            keys_file,
            MLFLEET_RATE_LIMIT_PER_SECOND="1000000",
            MLFLEET_RATE_LIMIT_BURST="1000000",
        )
        argv = cmd if name == "ours" else [*cmd, "--port", str(port)]
        with (work / f"{name}.log").open("wb") as log:
            proc = process.start(argv, env, log, prefix=server_pin)
            try:
                base = f"http://127.0.0.1:{port}"
                process.wait_ready(proc, base + "/v2/health/ready")
                if name in ("ours", "naive"):
                    checked = check_predictions(base, key, registry)
                    print(f"{name}: {checked} predictions equal scikit-learn's")
                for rows, body in bodies.items():
                    script = lua_script(work / f"{rows}.lua", body, key)
                    if warmup:
                        run_wrk(wrk, base + "/predict", script, warmup, client_pin)
                    result = run_wrk(wrk, base + "/predict", script, duration, client_pin)
                    result["rows_s"] = result["rps"] * rows
                    result["rss_mib"] = process.rss_mib(proc.pid)
                    results[(name, rows)] = result
            finally:
                process.stop(proc)
    report(results, duration)


def report(results: dict[tuple[str, int], dict[str, float]], duration: float) -> None:
    print(f"\nwrk: {CONNECTIONS} connections, {duration:g} s per run; server on CPU 0, wrk on CPU 1")
    columns = ("req/s", 10), ("rows/s", 11), ("p50 ms", 9), ("p99 ms", 9), ("RSS MiB", 9), ("non-2xx", 9)
    print(f"{'server':<7}{'rows':>5}" + "".join(f"{name:>{width}}" for name, width in columns))
    for (name, rows), r in results.items():
        print(
            f"{name:<7}{rows:>5}{r['rps']:>10.0f}{r['rows_s']:>11.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
            f"{r['rss_mib']:>9.0f}{r['non2xx']:>9.0f}"
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
    failed = sum(r["non2xx"] for (name, _), r in results.items() if name == "ours")
    if failed:
        print(f"WARNING: our server answered {failed:.0f} non-2xx responses under load")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
