"""Per-principal token-bucket rate limiting (in process: each replica limits on its own)."""

from __future__ import annotations

import math
import time

from mlfleet_serving.errors import ApiError


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int, max_principals: int = 100_000) -> None:
        self.rate = rate_per_second
        self.burst = float(burst)
        self.max_principals = max_principals
        self._buckets: dict[str, list[float]] = {}  # principal -> [tokens, last refill time]

    def check(self, principal: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(principal)
        if bucket is None:
            if len(self._buckets) >= self.max_principals:
                self._buckets.clear()  # bounded memory; a reset only ever grants, never denies
            bucket = self._buckets[principal] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens < 1.0:
            bucket[0] = tokens
            # Whole seconds, rounded up (Retry-After has no fractions): the header, the message and
            # the details say the same, and a token is back by then.
            wait = max(1, math.ceil((1.0 - tokens) / self.rate))
            raise ApiError(
                429,
                "rate_limited",
                f"rate limit of {self.rate:g} requests/s (burst {self.burst:g}) exceeded for this key; "
                f"retry after {wait} s",
                {"retry_after_seconds": wait},
            )
        bucket[0] = tokens - 1.0
