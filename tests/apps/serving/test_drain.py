"""SIGTERM under keep-alive load loses no request: the real server on 127.0.0.1, 32 keep-alive
connections sending as fast as they are answered (the server is saturated, so requests wait unread
in socket buffers when the signal arrives)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

from mlfleet_serving import process

from tests.apps.serving.conftest import KEY, VALID_ROW, server_env

CONNECTIONS = 32
BODY = json.dumps({"instances": [VALID_ROW]}).encode()
REQUEST = (
    f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
    f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
).encode() + BODY


class Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.ok_after_signal = 0
        self.closed_by_response = 0  # connections ended by a `Connection: close` answer
        self.closed_idle = 0  # connections the server closed between requests (none in flight)
        self.lost: list[str] = []  # a request was sent and no complete response came back
        self.signalled = False


async def _one_connection(port: int, tally: Tally, stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while not stop.is_set():
            writer.write(REQUEST)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
                await reader.readexactly(int(headers["content-length"]))
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                tally.lost.append(f"{type(exc).__name__}: {exc}")
                return
            if not lines[0].startswith("HTTP/1.1 200 "):
                tally.lost.append(lines[0])
                return
            tally.ok += 1
            if tally.signalled:
                tally.ok_after_signal += 1
            if headers.get("connection", "").lower() == "close":
                tally.closed_by_response += 1
                return
    finally:
        writer.close()


async def _load(port: int, proc: process.subprocess.Popen[bytes], tally: Tally) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_one_connection(port, tally, stop)) for _ in range(CONNECTIONS)]
    deadline = time.monotonic() + 20
    while tally.ok < 2000 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    tally.signalled = True
    proc.send_signal(signal.SIGTERM)
    done, pending = await asyncio.wait(tasks, timeout=20)
    stop.set()
    for task in pending:
        task.cancel()
    for task in done:
        task.result()
    assert not pending, f"{len(pending)} connections still open 20 s after SIGTERM"


def test_sigterm_under_keep_alive_load_loses_no_request(own_registry: str, tmp_path: Path) -> None:
    port, env = server_env(own_registry, tmp_path)
    log_path = tmp_path / "server.log"
    tally = Tally()
    with log_path.open("wb") as log:
        proc = process.start(["-m", "mlfleet_serving"], env, log)
        try:
            process.wait_ready(proc, f"http://127.0.0.1:{port}/v2/health/ready")
            asyncio.run(_load(port, proc, tally))
            assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
        finally:
            process.stop(proc)
    assert tally.lost == [], f"{len(tally.lost)} requests lost, e.g. {tally.lost[:3]}"
    # Every connection was still in use at the signal and ended with an answered request.
    assert tally.closed_by_response == CONNECTIONS, vars(tally)
    assert tally.ok_after_signal >= CONNECTIONS
    assert "Application shutdown complete" in log_path.read_text()
