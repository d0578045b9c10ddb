"""Loading training data: the bundled demo dataset, or CSV/Parquet from a path or bucket URL."""

from __future__ import annotations

import io

import pandas as pd

from mlfleet_trainer.config import DataConfig
from mlfleet_trainer.errors import TrainerError


def load_frame(config: DataConfig, what: str = "training data") -> pd.DataFrame:
    """The whole table, target column included; `what` names the table in errors."""
    if config.source == "sklearn:breast_cancer":
        from sklearn.datasets import load_breast_cancer

        bunch = load_breast_cancer(as_frame=True)  # bundled with scikit-learn: no download
        frame: pd.DataFrame = bunch.frame.rename(columns={"target": config.target})
        return frame
    if config.source.startswith("sklearn:"):
        raise TrainerError(
            f"unknown bundled dataset {config.source!r}; the bundled one is sklearn:breast_cancer"
        )
    from mlfleet_registry import RegistryError
    from mlfleet_registry.store import read_url

    source = config.source
    try:
        raw = read_url(source)
    except RegistryError as exc:
        raise TrainerError(f"cannot read {what} {source}: {exc}") from exc
    try:
        if source.endswith((".parquet", ".pq")):
            return pd.read_parquet(io.BytesIO(raw))
        if source.endswith((".csv", ".csv.gz")):
            return pd.read_csv(io.BytesIO(raw), compression="infer" if source.endswith(".gz") else None)
    except Exception as exc:
        raise TrainerError(f"{what} {source} could not be parsed: {exc}") from exc
    raise TrainerError(f"{what} {source}: unsupported file type; use .csv, .csv.gz or .parquet")


def split_target(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.Series]:
    if target not in frame.columns:
        raise TrainerError(
            f"target column {target!r} not in the data (columns: {', '.join(map(str, frame.columns[:20]))}); "
            "set data.target in the config"
        )
    return frame.drop(columns=[target]), frame[target]
