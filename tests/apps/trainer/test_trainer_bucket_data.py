"""The trainer reads its data from a bucket URL (real S3 and GCS emulators on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest
from integration.emulators import Emulator, gcs_emulator, s3_emulator
from mlfleet_registry import open_registry
from mlfleet_trainer.config import DataConfig, TrainConfig
from mlfleet_trainer.run import train
from sklearn.datasets import load_breast_cancer

__all__ = ["gcs_emulator", "s3_emulator"]


def _upload_csv(url: str) -> None:
    frame = load_breast_cancer(as_frame=True).frame
    with fsspec.open(url, "wb") as handle:
        handle.write(frame.to_csv(index=False).encode())


@pytest.mark.integration
@pytest.mark.parametrize("emulator_fixture", ["s3_emulator", "gcs_emulator"])
def test_trains_from_a_csv_in_a_bucket(
    emulator_fixture: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator: Emulator = request.getfixturevalue(emulator_fixture)
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    source = emulator.new_url("data") + "/breast_cancer.csv"
    _upload_csv(source)
    registry = open_registry(str(tmp_path / "reg"))

    result = train(TrainConfig(data=DataConfig(source=source)), registry, say=lambda _: None)

    assert result.manifest.version == "v0001"
    assert len(result.manifest.feature_schema) == 30
    assert result.manifest.metrics["roc_auc"] > 0.95
    # the same rows as the bundled dataset give the same data fingerprint
    bundled = train(TrainConfig(), open_registry(str(tmp_path / "reg2")), say=lambda _: None)
    assert result.manifest.data_fingerprint == bundled.manifest.data_fingerprint
