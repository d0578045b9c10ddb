"""Population stability index of a sliding window of live rows against the manifest's reference
histograms. Requests only copy rows into a ring buffer; PSI is computed when /metrics is scraped."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

EPSILON = 1e-4  # floor for empty bins so that log(p/q) stays finite


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    p = np.maximum(np.asarray(actual, dtype=np.float64), EPSILON)
    q = np.maximum(np.asarray(expected, dtype=np.float64), EPSILON)
    return float(np.sum((p - q) * np.log(p / q)))


def _edges(raw: list[float | None]) -> np.ndarray:
    # Outer edges may be null in the manifest, meaning -inf / +inf.
    out = [float("nan") if v is None else float(v) for v in raw]
    if out and np.isnan(out[0]):
        out[0] = -np.inf
    if out and np.isnan(out[-1]):
        out[-1] = np.inf
    return np.asarray(out, dtype=np.float64)


class DriftWindow:
    def __init__(self, feature_names: list[str], reference_stats: dict[str, Any], window: int) -> None:
        self.features: list[tuple[int, str, np.ndarray, np.ndarray]] = []
        for index, name in enumerate(feature_names):
            stats = reference_stats.get(name)
            if not stats:
                continue
            edges = _edges(stats["bin_edges"])
            fractions = np.asarray(stats["fractions"], dtype=np.float64)
            if len(edges) == len(fractions) + 1 and len(fractions) > 0:
                self.features.append((index, name, edges, fractions))
        self.window = window
        self._buffer = np.zeros((window, len(feature_names)), dtype=np.float64)
        self._next = 0
        self._filled = 0
        self._lock = threading.Lock()

    def record(self, x: np.ndarray) -> None:
        if not self.features:
            return
        rows = x[-self.window :]
        n = rows.shape[0]
        with self._lock:
            start = self._next
            end = start + n
            if end <= self.window:
                self._buffer[start:end] = rows
            else:
                first = self.window - start
                self._buffer[start:] = rows[:first]
                self._buffer[: n - first] = rows[first:]
            self._next = end % self.window
            self._filled = min(self.window, self._filled + n)

    def scores(self, min_rows: int = 10) -> dict[str, float]:
        """PSI per feature over the current window (empty until `min_rows` rows have been seen)."""
        with self._lock:
            if self._filled < min_rows:
                return {}
            live = self._buffer[: self._filled].copy()
        out: dict[str, float] = {}
        for index, name, edges, fractions in self.features:
            column = live[:, index]
            # Bin i is [edges[i], edges[i+1]); values outside the outer edges fall in the outer bins.
            bins = np.clip(np.searchsorted(edges, column, side="right") - 1, 0, len(fractions) - 1)
            counts = np.bincount(bins, minlength=len(fractions)).astype(np.float64)
            out[name] = psi(fractions, counts / counts.sum())
        return out
