"""A/B of the connection protocol: our server with the hardened httptools protocol (protocol.py)
against the very same server on uvicorn's plain httptools protocol (`serving_apps.py plain`).

Same app, same model, same settings; both pinned to CPU 0, wrk on CPU 1, 16 connections, the
single-row body (where the protocol's share of the cost is largest), interleaved rounds in
alternating order. The figure that matters is CPU time per request (user + system from /proc),
which hardly depends on the machine's other load; req/s is shown too.

    uv run --frozen python bench/serving_ab.py [--rounds 8] [--seconds 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from mlfleet_serving import process
from mlfleet_serving.reference_model import reference_data
from serving import HERE, cpu_seconds, loadavg, lua_script, publish, run_wrk, start_server, tools


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=4.0, help="per server and round")
    parser.add_argument("--rows", type=int, default=1)
    args = parser.parse_args()
    wrk, server_pin, client_pin = tools()
    work = Path(tempfile.mkdtemp(prefix="mlfleet-bench-ab-"))
    registry, key, keys_file = publish(work)
    x, _, _ = reference_data()
    script = lua_script(work / "body.lua", json.dumps({"instances": x[: args.rows].tolist()}).encode(), key)
    servers = {"ours": ["-m", "mlfleet_serving"], "plain": [str(HERE / "serving_apps.py"), "plain"]}
    procs, bases = {}, {}
    cpu_us: dict[str, list[float]] = {name: [] for name in servers}
    rps: dict[str, list[float]] = {name: [] for name in servers}
    load_before = loadavg()
    try:
        for name, argv in servers.items():
            port = process.free_port()
            procs[name] = start_server(argv, port, registry, keys_file, work / f"{name}.log", server_pin)
            bases[name] = f"http://127.0.0.1:{port}/predict"
        for name, proc in procs.items():
            process.wait_ready(proc, bases[name].replace("/predict", "/v2/health/ready"))
            run_wrk(wrk, bases[name], script, 3, 16, client_pin)  # warm-up
        for number in range(args.rounds):
            for name in list(servers)[:: 1 if number % 2 == 0 else -1]:
                before = cpu_seconds(procs[name].pid)
                result = run_wrk(wrk, bases[name], script, args.seconds, 16, client_pin)
                if result["non2xx"]:
                    raise SystemExit(f"{name}: {result['non2xx']:.0f} non-2xx responses")
                cpu_us[name].append(1e6 * (cpu_seconds(procs[name].pid) - before) / result["requests"])
                rps[name].append(result["rps"])
    finally:
        for proc in procs.values():
            process.stop(proc)
    print(
        f"{args.rows}-row POST /predict, {args.rounds} interleaved rounds of {args.seconds:g} s; "
        f"load average {load_before} before, {loadavg()} after"
    )
    for name in servers:
        values = " ".join(f"{v:.0f}" for v in cpu_us[name])
        print(
            f"{name:<6} CPU us/req median {statistics.median(cpu_us[name]):6.1f} (rounds: {values}); "
            f"req/s median {statistics.median(rps[name]):.0f}"
        )
    diff = [a - b for a, b in zip(cpu_us["ours"], cpu_us["plain"], strict=True)]
    rounds = " ".join(f"{d:+.0f}" for d in diff)
    print(f"ours - plain per round: median {statistics.median(diff):+.1f} us ({rounds})")


if __name__ == "__main__":
    main()
