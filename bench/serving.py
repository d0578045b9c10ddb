"""Serving benchmark: our server vs the HTTP floor, the naive FastAPI baseline and MLServer, in one run.

Each server is pinned to CPU 0 with taskset (MLServer with its inference worker process), wrk to
CPU 1. Cases: single-row bodies at 16 connections, 64- and 512-row bodies at 16 and 64 connections.
Ours runs as in production: API-key auth, validation, rate limiting (high limit), metrics and the
JSON access log on; ours, the naive server and the floor answer POST /predict, MLServer (installed
into its own environment by bench/mlserver_env.py, serving the same scikit-learn model from a
joblib file) the Open Inference Protocol's /v2/models/{name}/infer with the same rows. Before
measuring, ours, naive and MLServer must return scikit-learn's predictions on the whole dataset.

The servers run side by side and are measured in interleaved rounds (each round runs every server
once per case, in rotating order); the table shows each figure's median over the rounds, so that a
burst of other load on the machine hits all of them alike instead of one. It also shows each
server's CPU time per request (from /proc, user + system, children included), which depends far
less on how loaded the machine is than req/s does, and the load average before and after.

    uv run --frozen python bench/serving.py [--duration 20] [--rounds 3] [--quick] [--no-mlserver]
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
# (rows per request, connections): the single-row case, then large bodies at two concurrencies.
CASES = ((1, 16), (64, 16), (64, 64), (512, 16), (512, 64))
SERVERS = ("ours", "floor", "naive", "mlserver")


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


def run_wrk(
    wrk: str, url: str, script: Path, seconds: float, connections: int, pin: list[str]
) -> dict[str, float]:
    cmd = [
        *pin,
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
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


def v2_body(rows: np.ndarray) -> dict[str, Any]:
    return {
        "inputs": [{"name": "input-0", "shape": list(rows.shape), "datatype": "FP64", "data": rows.tolist()}]
    }


def check_predictions(base: str, key: str, model: Any, v2: bool) -> int:
    """A server's answers for every dataset row (in 64-row batches) must equal scikit-learn's."""
    x, _, _ = reference_data()
    expected = model.predict(x)
    got = []
    for start in range(0, len(x), 64):
        rows = x[start : start + 64]
        if v2:
            got.extend(post(f"{base}/v2/models/{MODEL}/infer", v2_body(rows), key)["outputs"][0]["data"])
        else:
            got.extend(post(base + "/predict", {"instances": rows.tolist()}, key)["predictions"])
    mismatches = int(np.count_nonzero(np.asarray(got) != expected))
    if mismatches:
        raise SystemExit(f"FAIL: {mismatches} of {len(x)} predictions differ from scikit-learn's")
    return len(x)


def tree(pid: int) -> list[int]:
    """A process and its descendants (MLServer scores in a child process)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids.extend(tree(int(child)))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live descendants so far."""
    total = 0
    for each in tree(pid):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    return sum(process.rss_mib(each) for each in tree(pid))


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
        MLFLEET_GRPC_PORT=str(process.free_port()),  # not the default 8081, which may be taken
    )
    with log_path.open("wb") as log:
        return process.start(argv, env, log, prefix=pin)


def start_mlserver(
    work: Path, registry: str, port: int, log_path: Path, pin: list[str]
) -> subprocess.Popen[bytes]:
    import mlserver_env  # bench/ is on sys.path when this file runs as a script
    from mlfleet_registry import open_registry

    exe = mlserver_env.ensure_env()
    reg = open_registry(registry)
    version = str(reg.resolve(MODEL, "production"))
    repository = mlserver_env.model_repository(work, MODEL, version, reg.load(MODEL, version).model)
    cmd, env = mlserver_env.command_and_env(exe, repository, port, process.free_port(), process.free_port())
    with log_path.open("wb") as log:
        return subprocess.Popen([*pin, *cmd], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds of load per server and case (default 20)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds the duration is split into")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per server and case")
    parser.add_argument("--quick", action="store_true", help="smoke test: one 1 s round, no warm-up")
    parser.add_argument("--no-mlserver", action="store_true", help="leave MLServer out (no install)")
    args = parser.parse_args()
    duration, warmup, rounds = (1.0, 0.0, 1) if args.quick else (args.duration, args.warmup, args.rounds)
    per_run = max(1.0, round(duration / rounds))
    wrk, server_pin, client_pin = tools()
    work = Path(tempfile.mkdtemp(prefix="mlfleet-bench-"))
    registry, key, keys_file = publish(work)
    from mlfleet_registry import open_registry

    reg = open_registry(registry)
    model = reg.load(MODEL, reg.resolve(MODEL, "production")).model
    x, _, _ = reference_data()
    names = [n for n in SERVERS if not (args.no_mlserver and n == "mlserver")]
    scripts: dict[tuple[str, int], Path] = {}
    for rows in sorted({rows for rows, _ in CASES}):
        scripts[("predict", rows)] = lua_script(
            work / f"predict-{rows}.lua", json.dumps({"instances": x[:rows].tolist()}).encode(), key
        )
        scripts[("v2", rows)] = lua_script(
            work / f"v2-{rows}.lua", json.dumps(v2_body(x[:rows])).encode(), key
        )
    commands = {
        "ours": ["-m", "mlfleet_serving"],
        "naive": [str(HERE / "serving_apps.py"), "naive", "--registry", registry, "--model", MODEL],
        "floor": [str(HERE / "serving_apps.py"), "floor", "--registry", registry, "--model", MODEL],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    bases: dict[str, str] = {}
    runs: dict[tuple[str, int, int], list[dict[str, float]]] = {}
    load_before = loadavg()
    try:
        for name in names:
            port = process.free_port()
            log_path = work / f"{name}.log"
            if name == "mlserver":
                procs[name] = start_mlserver(work, registry, port, log_path, server_pin)
            else:
                cmd = commands[name]
                argv = cmd if name == "ours" else [*cmd, "--port", str(port)]
                procs[name] = start_server(argv, port, registry, keys_file, log_path, server_pin)
            bases[name] = f"http://127.0.0.1:{port}"
        for name, proc in procs.items():
            process.wait_ready(proc, bases[name] + "/v2/health/ready", timeout=120)
            if name != "floor":
                checked = check_predictions(bases[name], key, model, v2=name == "mlserver")
                print(f"{name}: {checked} predictions equal scikit-learn's", flush=True)
        for number in range(rounds):
            order = names[number % len(names) :] + names[: number % len(names)]
            for rows, connections in CASES:
                for name in order:
                    kind = "v2" if name == "mlserver" else "predict"
                    url = bases[name] + (f"/v2/models/{MODEL}/infer" if kind == "v2" else "/predict")
                    script = scripts[(kind, rows)]
                    if warmup and number == 0:
                        run_wrk(wrk, url, script, warmup, connections, client_pin)
                    cpu = cpu_seconds(procs[name].pid)
                    result = run_wrk(wrk, url, script, per_run, connections, client_pin)
                    result["cpu_s"] = cpu_seconds(procs[name].pid) - cpu
                    result["rss_mib"] = rss_mib(procs[name].pid)
                    runs.setdefault((name, rows, connections), []).append(result)
            print(f"round {number + 1}/{rounds} done (load average {loadavg()})", flush=True)
    except BaseException:
        print(f"server logs kept in {work}", file=sys.stderr)
        raise
    finally:
        for proc in procs.values():
            process.stop(proc)
    shutil.rmtree(work, ignore_errors=True)  # registry, keys, wrk scripts, logs, MLServer's model
    results = {key_: summarize(values, key_[1]) for key_, values in runs.items()}
    report(results, names, per_run, rounds, load_before, loadavg())


def summarize(values: list[dict[str, float]], rows: int) -> dict[str, float]:
    """Median over the rounds; CPU per request over all of them; failures summed."""
    out = {k: float(statistics.median(v[k] for v in values)) for k in ("rps", "p50_ms", "p99_ms")}
    out["rows_s"] = out["rps"] * rows
    requests = sum(v["requests"] for v in values)
    out["cpu_us"] = 1e6 * sum(v["cpu_s"] for v in values) / requests if requests else 0.0
    out["rss_mib"] = max(v["rss_mib"] for v in values)
    out["non2xx"] = sum(v["non2xx"] + v["timeouts"] for v in values)
    return out


Results = dict[tuple[str, int, int], dict[str, float]]


def ratio(a: float, b: float) -> float:
    """a / b; NaN when b is 0 (a server that answered nothing within a round)."""
    return a / b if b else float("nan")


def report(
    results: Results, names: list[str], per_run: float, rounds: int, load_before: str, load_after: str
) -> None:
    print(
        f"\nwrk: {rounds} round(s) of {per_run:g} s per server and case (medians); server on CPU 0, "
        f"wrk on CPU 1; load average {load_before} before, {load_after} after"
    )
    columns = (
        ("req/s", 9),
        ("rows/s", 10),
        ("p50 ms", 9),
        ("p99 ms", 9),
        ("CPU us/req", 11),
        ("RSS MiB", 8),
        ("failed", 7),
    )
    print(f"{'server':<9}{'rows':>5}{'conns':>6}" + "".join(f"{name:>{width}}" for name, width in columns))
    for rows, connections in CASES:
        for name in names:
            r = results[(name, rows, connections)]
            print(
                f"{name:<9}{rows:>5}{connections:>6}{r['rps']:>9.0f}{r['rows_s']:>10.0f}{r['p50_ms']:>9.2f}"
                f"{r['p99_ms']:>9.2f}{r['cpu_us']:>11.0f}{r['rss_mib']:>8.0f}{r['non2xx']:>7.0f}"
            )
    print(
        "\nratios (ours / other): rows/s; by CPU (other's CPU per request / ours: the rows/s ratio a "
        "saturated pinned core gives, and the figure to compare when other load shares the cores); "
        "p99 (lower is better for ours)"
    )
    for rows, connections in CASES:
        ours = results[("ours", rows, connections)]
        parts = []
        for name in names[1:]:
            other = results[(name, rows, connections)]
            rate, p99 = ratio(ours["rows_s"], other["rows_s"]), ratio(ours["p99_ms"], other["p99_ms"])
            cpu = ratio(other["cpu_us"], ours["cpu_us"])
            parts.append(f"{name} x{rate:.2f} (by CPU x{cpu:.2f}, p99 x{p99:.2f})")
        print(f"{rows:>4} rows, {connections:>2} conns: " + ", ".join(parts))
    print()
    for label, value, target, ok, by_cpu in checks(results, names):
        note = "" if by_cpu is None else f"  (by CPU {by_cpu:.2f})"
        print(f"{label:<44}{value:>9.2f}  target {target:<10} {'met' if ok else 'MISSED'}{note}")
    failed = sum(r["non2xx"] for (name, _, _), r in results.items() if name == "ours")
    if failed:
        print(f"WARNING: our server answered {failed:.0f} non-2xx responses (or timed out) under load")
    sys.stdout.flush()


def checks(results: Results, names: list[str]) -> list[tuple[str, float, str, bool, float | None]]:
    """The targets of issue 14: (what, value, target, met, the same ratio by CPU per request)."""

    def by_cpu(other: dict[str, float], ours: dict[str, float]) -> float:
        return ratio(other["cpu_us"], ours["cpu_us"])

    ours1, floor1 = results[("ours", 1, 16)], results[("floor", 1, 16)]
    out: list[tuple[str, float, str, bool, float | None]] = [
        (
            "1-row req/s vs floor",
            ours1["rps"] / floor1["rps"],
            ">= 0.9",
            ours1["rps"] >= 0.9 * floor1["rps"],
            by_cpu(floor1, ours1),
        )
    ]
    if "mlserver" in names:
        ml1 = results[("mlserver", 1, 16)]
        out.append(
            (
                "1-row req/s vs MLServer",
                ours1["rps"] / ml1["rps"],
                ">= 20",
                ours1["rps"] >= 20 * ml1["rps"],
                by_cpu(ml1, ours1),
            )
        )
    for connections in (16, 64):
        ours, floor = results[("ours", 512, connections)], results[("floor", 512, connections)]
        share = ratio(ours["rows_s"], floor["rows_s"])
        label = f"512-row rows/s vs floor, {connections} conns"
        out.append((label, share, ">= 0.6", share >= 0.6, by_cpu(floor, ours)))
        if "mlserver" in names:
            ml = results[("mlserver", 512, connections)]
            out.append(
                (
                    f"512-row p99 ms ours (MLServer {ml['p99_ms']:.0f}), {connections} conns",
                    ours["p99_ms"],
                    "<= MLServer",
                    ours["p99_ms"] <= ml["p99_ms"],
                    None,
                )
            )
    return out


if __name__ == "__main__":
    main()
