"""The reference model the benchmark and tests serve: a random forest on scikit-learn's bundled
breast-cancer data, published to a registry with its feature schema and reference histograms."""

from __future__ import annotations

from typing import Any

import numpy as np


def reference_data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    names = [str(n).replace(" ", "_") for n in data.feature_names]
    return np.asarray(data.data, dtype=np.float64), np.asarray(data.target), names


def reference_stats(x: np.ndarray, names: list[str], bins: int = 10) -> dict[str, Any]:
    """Quantile bins with open outer edges (null = -inf/+inf), as the manifest stores them."""
    stats: dict[str, Any] = {}
    for i, name in enumerate(names):
        inner = np.unique(np.quantile(x[:, i], np.linspace(0, 1, bins + 1)[1:-1]))
        edges = np.concatenate([[-np.inf], inner, [np.inf]])
        bucket = np.clip(np.searchsorted(edges, x[:, i], side="right") - 1, 0, len(edges) - 2)
        fractions = np.bincount(bucket, minlength=len(edges) - 1) / len(x)
        stats[name] = {
            "bin_edges": [None, *[float(e) for e in inner], None],
            "fractions": [float(f) for f in fractions],
        }
    return stats


def publish_reference_model(
    registry_url: str,
    name: str = "breast-cancer",
    *,
    n_estimators: int = 50,
    seed: int = 42,
    alias: str | None = "production",
    model: Any = None,
) -> str:
    """Fit (unless `model` is given), publish and optionally point `alias` at it; returns the version."""
    from mlfleet_registry import FeatureSpec, open_registry
    from sklearn.ensemble import RandomForestClassifier

    x, y, names = reference_data()
    if model is None:
        model = RandomForestClassifier(n_estimators=n_estimators, random_state=seed).fit(x, y)
    registry = open_registry(registry_url)
    manifest = registry.publish(
        name,
        model,
        metrics={"train_accuracy": float((model.predict(x) == y).mean())},
        params={"n_estimators": n_estimators, "seed": seed},
        feature_schema=[
            FeatureSpec(name=n, dtype="float64", min=float(x[:, i].min()), max=float(x[:, i].max()))
            for i, n in enumerate(names)
        ],
        reference_stats=reference_stats(x, names),
        data_fingerprint="sklearn-breast-cancer",
        task="classification",
        classes=[int(c) for c in np.unique(y)],
        code_version="reference",
        parent_version=None,
        created_by="mlfleet-serving",
        reason="reference model",
    )
    if alias:
        registry.set_alias(name, alias, manifest.version, actor="mlfleet-serving", reason="reference model")
    return str(manifest.version)
