"""The few Prometheus HTTP API calls the analysis needs (instant queries), errors as one line."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from mlfleet.release.errors import ReleaseError

Sample = tuple[dict[str, str], float]


class Prometheus:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ReleaseError(f"Prometheus URL {url!r} is not http(s)://; e.g. http://127.0.0.1:9090")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """An instant query's vector as (labels, value) pairs (NaN kept: histogram_quantile of nothing)."""
        params = {"query": expr, **({"time": f"{at:.3f}"} if at is not None else {})}
        url = f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - http(s) checked
                answer: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as exc:
            raise ReleaseError(f"Prometheus refused {expr!r}: {exc.read().decode()[:300]}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ReleaseError(f"cannot reach Prometheus at {self.url}: {exc}") from None
        result = answer.get("data", {}).get("result", [])
        return [(dict(item["metric"]), float(item["value"][1])) for item in result]

    def scalar(self, expr: str, at: float | None = None) -> float | None:
        """The single value of `expr`, None when the vector is empty."""
        found = self.query(expr, at)
        return found[0][1] if found else None
