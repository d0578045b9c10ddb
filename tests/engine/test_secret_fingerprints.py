"""A rotated `secure:` value (a new ciphertext) changes the fingerprints in the plan, where the key
is and where the program used it; the same ciphertext gives the same plan; no value is written."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mlfleet.engine.plan import dumps
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "engine_project"
CIPHERTEXT = "AAABAMBwK8ZlQ0ciphertextmustnotleak1234=="


def plan_with(tmp_path: Path, ciphertext: str, run: str) -> dict:
    stacks = tmp_path / run
    stacks.mkdir()
    source = (FIXTURE / "stacks" / "Pulumi.ok.yaml").read_text()
    (stacks / "Pulumi.ok.yaml").write_text(source.replace(CIPHERTEXT, ciphertext))
    project = dataclasses.replace(load_project(FIXTURE), stack_config_dir=stacks)
    return run_preview(FIXTURE, "ok", project)


def test_rotation_changes_fingerprints_and_reveals_nothing(tmp_path: Path) -> None:
    first = plan_with(tmp_path, CIPHERTEXT, "first")
    again = plan_with(tmp_path, CIPHERTEXT, "again")
    rotated = plan_with(tmp_path, CIPHERTEXT.replace("1234", "9876"), "rotated")
    config = first["secretFingerprints"]["config"]
    assert set(config) == {"enginedemo:dbPassword"}
    assert first["secretFingerprints"] == again["secretFingerprints"]
    assert rotated["secretFingerprints"]["config"] != config
    assert (
        rotated["secretFingerprints"]["outputs"]["configSecret"]
        != first["secretFingerprints"]["outputs"]["configSecret"]
    )
    for plan in (first, rotated):
        text = dumps(plan)
        assert "ciphertextmustnotleak" not in text
