"""gRPC serving benchmark: single-row ModelInfer on our server vs a gRPC floor, next to REST (our
POST /predict vs the HTTP floor of serving_apps.py) in the same run.

- ours: `python -m mlfleet_serving` as in production (API-key auth in metadata, validation, rate
  limit out of the way, metrics, access log on), its gRPC port (Open Inference Protocol v2).
- grpc floor: a minimal grpcio server (grpc.aio on uvloop, as ours) implementing ModelInfer from
  the same proto by returning a constant response: what gRPC itself costs here.
- REST: ours and the HTTP floor, with wrk, as bench/serving.py measures them.

Servers are pinned to CPU 0, clients to CPU 1. The gRPC client is a Python grpc.aio process
(`python bench/serving_grpc.py client ...`) with one channel (HTTP/2 connection) per connection
and one call in flight on each; wrk's equivalent is one request in flight per connection. Rounds
are interleaved and each figure is the median. Before measuring, our gRPC answers for the whole
dataset must equal scikit-learn's.

    uv run --frozen python bench/serving_grpc.py [--duration 10] [--rounds 3] [--connections 16] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from mlfleet_serving import process
from mlfleet_serving.grpc import grpc_predict_v2_pb2 as pb
from mlfleet_serving.grpc import grpc_predict_v2_pb2_grpc as pb_grpc
from mlfleet_serving.reference_model import reference_data

HERE = Path(__file__).resolve().parent
MODEL = "breast-cancer"


def infer_request(rows: np.ndarray) -> pb.ModelInferRequest:
    tensor = pb.ModelInferRequest.InferInputTensor(
        name="input-0",
        datatype="FP64",
        shape=list(rows.shape),
        contents=pb.InferTensorContents(fp64_contents=rows.reshape(-1).tolist()),
    )
    return pb.ModelInferRequest(model_name=MODEL, inputs=[tensor])


# The floor ----------------------------------------------------------------------------------------


class ConstantInference(pb_grpc.GRPCInferenceServiceServicer):
    def __init__(self) -> None:
        self.response = pb.ModelInferResponse(model_name=MODEL, model_version="v0001")
        out = self.response.outputs.add(name="predict", datatype="INT64", shape=[1])
        out.contents.int64_contents.append(0)

    async def ModelInfer(self, request: pb.ModelInferRequest, context: Any) -> pb.ModelInferResponse:
        return self.response

    async def ServerReady(self, request: pb.ServerReadyRequest, context: Any) -> pb.ServerReadyResponse:
        return pb.ServerReadyResponse(ready=True)


async def serve_floor(port: int) -> None:
    import grpc

    server = grpc.aio.server()
    pb_grpc.add_GRPCInferenceServiceServicer_to_server(ConstantInference(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


# The client ---------------------------------------------------------------------------------------


async def load(target: str, key: str, seconds: float, connections: int) -> dict[str, float]:
    import grpc

    request = infer_request(reference_data()[0][:1])
    metadata = (("authorization", f"Bearer {key}"),)
    # A local subchannel pool per channel: one HTTP/2 connection each (else channels share one).
    channels = [
        grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(connections)
    ]
    latencies: list[float] = []
    failed = 0
    deadline = time.perf_counter() + seconds

    async def worker(channel: grpc.aio.Channel) -> None:
        nonlocal failed
        call = pb_grpc.GRPCInferenceServiceStub(channel).ModelInfer
        while True:
            start = time.perf_counter()
            if start >= deadline:
                return
            try:
                await call(request, metadata=metadata, timeout=10)
            except grpc.RpcError:
                failed += 1
                continue
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in channels))
    elapsed = time.perf_counter() - began
    for channel in channels:
        await channel.close()
    ordered = sorted(latencies) or [0.0]
    return {
        "rps": len(latencies) / elapsed,
        "requests": float(len(latencies)),
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "non2xx": float(failed),
        "timeouts": 0.0,
    }


def run_client(target: str, key: str, seconds: float, connections: int, pin: list[str]) -> dict[str, float]:
    cmd = [*pin, sys.executable, str(Path(__file__)), "client", target, key, str(seconds), str(connections)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def loop_thread_seconds(pid: int) -> float:
    """User + system CPU time of a process's main thread: the event loop that runs uvicorn, the
    grpc.aio servicers and our code (grpc core's own threads are the rest of the process's CPU)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_grpc_predictions(target: str, key: str, model: Any) -> int:
    import grpc

    x, _, _ = reference_data()
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        got: list[int] = []
        for start in range(0, len(x), 64):
            answer = stub.ModelInfer(
                infer_request(x[start : start + 64]), metadata=(("x-api-key", key),), timeout=30
            )
            got.extend(answer.outputs[0].contents.int64_contents)
    mismatches = int(np.count_nonzero(np.asarray(got) != model.predict(x)))
    if mismatches:
        raise SystemExit(f"FAIL: {mismatches} of {len(x)} gRPC predictions differ from scikit-learn's")
    return len(x)


# The run ------------------------------------------------------------------------------------------


def main() -> None:
    import serving  # bench/serving.py: wrk, pinning, the registry, CPU accounting

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=float, default=10.0, help="seconds of load per server (default 10)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds the duration is split into")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="smoke test: one 1 s round, no warm-up")
    args = parser.parse_args()
    duration, warmup, rounds = (1.0, 0.0, 1) if args.quick else (args.duration, 2.0, args.rounds)
    per_run = max(1.0, round(duration / rounds))
    connections = args.connections
    wrk, server_pin, client_pin = serving.tools()
    work = Path(tempfile.mkdtemp(prefix="mlfleet-bench-grpc-"))
    registry, key, keys_file = serving.publish(work)
    from mlfleet_registry import open_registry

    reg = open_registry(registry)
    model = reg.load(MODEL, reg.resolve(MODEL, "production")).model
    x, _, _ = reference_data()
    script = serving.lua_script(
        work / "predict-1.lua", json.dumps({"instances": x[:1].tolist()}).encode(), key
    )
    rest_port, grpc_port, floor_port, grpc_floor_port = (process.free_port() for _ in range(4))
    env = process.serving_env(
        registry,
        MODEL,
        rest_port,
        keys_file,
        MLFLEET_GRPC_PORT=str(grpc_port),
        MLFLEET_RATE_LIMIT_PER_SECOND="1000000",
        MLFLEET_RATE_LIMIT_BURST="1000000",
    )
    logs = {name: (work / f"{name}.log").open("wb") for name in ("ours", "floor", "grpc-floor")}
    procs = {
        "ours": process.start(["-m", "mlfleet_serving"], env, logs["ours"], prefix=server_pin),
        "floor": process.start(
            [
                str(HERE / "serving_apps.py"),
                "floor",
                "--registry",
                registry,
                "--model",
                MODEL,
                "--port",
                str(floor_port),
            ],
            env,
            logs["floor"],
            prefix=server_pin,
        ),
        "grpc-floor": process.start(
            [str(Path(__file__)), "floor", str(grpc_floor_port)], env, logs["grpc-floor"], prefix=server_pin
        ),
    }
    # (measured case, process, how): REST with wrk, gRPC with the client.
    cases = {
        "ours REST": ("ours", f"http://127.0.0.1:{rest_port}/predict"),
        "floor REST": ("floor", f"http://127.0.0.1:{floor_port}/predict"),
        "ours gRPC": ("ours", f"127.0.0.1:{grpc_port}"),
        "floor gRPC": ("grpc-floor", f"127.0.0.1:{grpc_floor_port}"),
    }
    runs: dict[str, list[dict[str, float]]] = {}
    load_before = serving.loadavg()
    try:
        process.wait_ready(procs["ours"], f"http://127.0.0.1:{rest_port}/v2/health/ready", timeout=120)
        process.wait_ready(procs["floor"], f"http://127.0.0.1:{floor_port}/v2/health/ready", timeout=120)
        _wait_grpc(f"127.0.0.1:{grpc_floor_port}")
        checked = check_grpc_predictions(cases["ours gRPC"][1], key, model)
        print(f"ours gRPC: {checked} predictions equal scikit-learn's", flush=True)
        names = list(cases)
        for number in range(rounds):
            for name in names[number % len(names) :] + names[: number % len(names)]:
                proc_name, target = cases[name]

                def measure(seconds: float, target: str = target, name: str = name) -> dict[str, float]:
                    if name.endswith("REST"):
                        return serving.run_wrk(wrk, target, script, seconds, connections, client_pin)
                    return run_client(target, key, seconds, connections, client_pin)

                if warmup and number == 0:
                    measure(warmup)
                pid = procs[proc_name].pid
                cpu, loop_cpu = serving.cpu_seconds(pid), loop_thread_seconds(pid)
                result = measure(per_run)
                result["cpu_s"] = serving.cpu_seconds(pid) - cpu
                result["loop_s"] = loop_thread_seconds(pid) - loop_cpu
                result["rss_mib"] = serving.rss_mib(procs[proc_name].pid)
                runs.setdefault(name, []).append(result)
            print(f"round {number + 1}/{rounds} done (load average {serving.loadavg()})", flush=True)
    finally:
        for proc in procs.values():
            process.stop(proc)
        for log in logs.values():
            log.close()
    summaries = {}
    for name, values in runs.items():
        summaries[name] = serving.summarize(values, 1)
        requests = sum(v["requests"] for v in values)
        summaries[name]["loop_us"] = 1e6 * sum(v["loop_s"] for v in values) / requests if requests else 0.0
    report(
        summaries,
        connections,
        per_run,
        rounds,
        load_before,
    )


def _wait_grpc(target: str, timeout: float = 60.0) -> None:
    import grpc

    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=timeout)


def report(
    results: dict[str, dict[str, float]], connections: int, per_run: float, rounds: int, load: str
) -> None:
    import serving

    print(
        f"\n1-row requests, {connections} connections, {rounds} round(s) of {per_run:g} s (medians); "
        f"servers on CPU 0, clients on CPU 1; load average {load} before, {serving.loadavg()} after"
    )
    # `loop us/req`: the main thread's share of `CPU us/req` (the rest is grpc core's threads).
    head = f"{'case':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU us/req':>11}{'loop us/req':>12}"
    print(f"{head}{'failed':>7}")
    for name, r in results.items():
        print(
            f"{name:<12}{r['rps']:>9.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['cpu_us']:>11.0f}"
            f"{r['loop_us']:>12.0f}{r['non2xx']:>7.0f}"
        )
    grpc_, rest = results["ours gRPC"], results["ours REST"]
    print(
        f"\nours / floor: gRPC x{grpc_['rps'] / results['floor gRPC']['rps']:.2f}, "
        f"REST x{rest['rps'] / results['floor REST']['rps']:.2f}"
    )
    ratio = grpc_["rps"] / rest["rps"]
    print(
        f"{'gRPC 1-row req/s vs REST (ours)':<44}{ratio:>9.2f}  target >= 1.0     "
        + ("met" if ratio >= 1 else "MISSED")
    )
    cpu = grpc_["cpu_us"] / rest["cpu_us"] if rest["cpu_us"] else 0.0
    print(f"{'gRPC CPU us/req vs REST (ours)':<44}{cpu:>9.2f}  (lower is cheaper)")
    sys.stdout.flush()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "floor":
        import uvloop

        uvloop.run(serve_floor(int(sys.argv[2])))
    elif len(sys.argv) > 1 and sys.argv[1] == "client":
        target, key, seconds, conns = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(asyncio.run(load(target, key, seconds, conns))))
    else:
        main()
