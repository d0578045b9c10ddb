"""Steady load through the front door, like a user's: authenticated POST /predict with one valid row,
a few concurrent clients at a modest rate, every request recorded with its time, status and the
cell that answered (haproxy's X-Mlfleet-Cell header). Failed = anything but 200, or no answer."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any

CLIENTS = 4
PAUSE_SECONDS = 0.05  # per client between requests: ~60-80 requests/s in all on an idle machine
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Result:
    at: float  # time.monotonic() when the answer (or the error) came
    ok: bool
    status: int  # 0: no HTTP answer
    cell: str
    version: str


@dataclass
class Load:
    url: str
    api_key: str
    row: list[float]
    results: list[Result] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._run()), daemon=True, name="drill-load"
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_SECONDS + 5)

    async def _run(self) -> None:
        import httpx

        headers = {"X-API-Key": self.api_key}
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=TIMEOUT_SECONDS) as client:
            await asyncio.gather(*(self._client(client) for _ in range(CLIENTS)))

    async def _client(self, client: Any) -> None:
        import httpx

        body = {"instances": [self.row]}
        while not self._stop.is_set():
            try:
                response = await client.post("/predict", json=body)
                version = response.json().get("version", "") if response.status_code == 200 else ""
                self.results.append(
                    Result(
                        time.monotonic(),
                        response.status_code == 200,
                        response.status_code,
                        response.headers.get("x-mlfleet-cell", ""),
                        str(version),
                    )
                )
            except (httpx.HTTPError, ValueError):
                self.results.append(Result(time.monotonic(), False, 0, "", ""))
            await asyncio.sleep(PAUSE_SECONDS)

    def between(self, start: float, end: float) -> list[Result]:
        return [r for r in list(self.results) if start <= r.at < end]
