"""Each kind of bad data is caught and explained in the validation report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlfleet_trainer.config import DataConfig, TrainConfig
from mlfleet_trainer.errors import DataValidationError
from mlfleet_trainer.run import train


def good_frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    frame["target"] = (frame["a"] + rng.normal(scale=1.0, size=200) > 0).astype(int)
    return frame


def with_missing(f: pd.DataFrame) -> pd.DataFrame:
    f.loc[:4, "b"] = np.nan
    return f


def with_infinite(f: pd.DataFrame) -> pd.DataFrame:
    f.loc[:2, "c"] = np.inf
    return f


def with_text(f: pd.DataFrame) -> pd.DataFrame:
    f["city"] = "paris"
    return f


def single_class(f: pd.DataFrame) -> pd.DataFrame:
    f["target"] = 1
    return f


def imbalanced(f: pd.DataFrame) -> pd.DataFrame:
    f["target"] = 0
    f.loc[:3, "target"] = 1
    return f


def leaky(f: pd.DataFrame) -> pd.DataFrame:
    f["label_copy"] = f["target"] * 2.0
    return f


def tiny(f: pd.DataFrame) -> pd.DataFrame:
    return f.head(5)


CASES: list[tuple[Callable[[pd.DataFrame], pd.DataFrame], str]] = [
    (with_missing, r"column 'b' has 5 missing value\(s\)"),
    (with_infinite, r"column 'c' has 3 infinite value\(s\)"),
    (with_text, r"non-numeric feature columns \['city'\]"),
    (single_class, "has a single class"),
    (imbalanced, r"class 1 is 2.0% of rows"),
    (leaky, r"possible target leakage: column 'label_copy'"),
    (tiny, "only 5 rows; need at least 20"),
]


@pytest.mark.parametrize(("mutate", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_data_fails_with_its_report(
    tmp_path: Path, mutate: Callable[[pd.DataFrame], pd.DataFrame], expected: str
) -> None:
    data = tmp_path / "data.csv"
    mutate(good_frame()).to_csv(data, index=False)
    config = TrainConfig(
        model_name="bad", params={"n_estimators": 5}, data=DataConfig(source=str(data)), promote_to=None
    )
    registry = str(tmp_path / "reg")
    with pytest.raises(DataValidationError, match=expected) as caught:
        train(config, registry, say=lambda _: None)
    assert "result: FAILED" in str(caught.value)
    assert not (tmp_path / "reg" / "models").exists()  # nothing was published


def test_good_data_passes(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    good_frame().to_csv(data, index=False)
    config = TrainConfig(model_name="good", params={"n_estimators": 5}, data=DataConfig(source=str(data)))
    result = train(config, str(tmp_path / "reg"), say=lambda _: None)
    assert "result: ok" in result.validation and result.manifest.version == "v0001"
