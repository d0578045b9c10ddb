"""Data for the input-domain tests (trainer and serving): the breast-cancer table as CSV, whole and
narrowed to small tumours, so a model trained on the narrow one has a narrower input domain."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.datasets import load_breast_cancer

# Rows with mean radius up to this: 396 of 569, both classes present (87% benign).
NARROW_RADIUS = 15.0


def breast_cancer() -> pd.DataFrame:
    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    return frame


def write_tables(directory: Path) -> tuple[str, str]:
    """(whole, narrow) CSV paths."""
    frame = breast_cancer()
    whole, narrow = directory / "whole.csv", directory / "narrow.csv"
    frame.to_csv(whole, index=False)
    frame[frame["mean radius"] <= NARROW_RADIUS].to_csv(narrow, index=False)
    return str(whole), str(narrow)
