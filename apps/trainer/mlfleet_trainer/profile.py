"""What the registry records about the training data besides its input ranges (mlfleet_trainer.domain):
drift reference and fingerprint."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

REFERENCE_BINS = 10


def reference_stats(features: pd.DataFrame, bins: int = REFERENCE_BINS) -> dict[str, dict[str, Any]]:
    """Quantile-binned histogram per feature; outer edges open (None = -inf/+inf) for PSI at serving."""
    stats: dict[str, dict[str, Any]] = {}
    for column in features.columns:
        values = features[column].to_numpy(dtype=float)
        inner = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=len(inner) + 1)
        stats[str(column)] = {
            "bin_edges": [None, *(float(e) for e in inner), None],
            "fractions": [float(c) for c in counts / counts.sum()],
        }
    return stats


def fingerprint(frame: pd.DataFrame) -> str:
    """Content hash of the table (values, column names and order), stable across runs."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()}"
