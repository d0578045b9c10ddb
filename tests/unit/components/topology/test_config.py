"""Bad stack files give one clean error naming the stack file, the key and the fix (via the engine)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[4]
BASE = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())["config"]


def preview_with(tmp_path: Path, changes: dict, remove: tuple[str, ...] = ()) -> str:
    config = {k: v for k, v in BASE.items() if k not in remove}
    config.update(changes)
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    with pytest.raises(PreviewError) as info:
        run_preview(REPO, "bad", project)
    return str(info.value)


@pytest.mark.parametrize(
    ("changes", "remove", "expected"),
    [
        (
            {"mlfleet:modelBucket": {"noncurrentVersionDays": -1}},
            (),
            ["mlfleet:modelBucket.noncurrentVersionDays", "greater than or equal to 1", "--path"],
        ),
        (
            {"mlfleet:modelBucket": {"noncurrentVersionDay": 3}},
            (),
            ["mlfleet:modelBucket.noncurrentVersionDay", "not a known setting"],
        ),
        ({"mlfleet:cloud": "ibm"}, (), ["mlfleet:cloud", "'aws', 'gcp', 'azure' or 'kubernetes'"]),
        ({}, ("mlfleet:region",), ["mlfleet:region", "is required when mlfleet:cloud is 'aws'"]),
        ({"mlfleet:cloud": "gcp"}, (), ["mlfleet:gcpProject", "pulumi config set mlfleet:gcpProject"]),
        ({"mlfleet:github": {"repository": "not a repo"}}, (), ["mlfleet:github.repository"]),
        # The serving edge's DNS zone (certificate validation, external-dns).
        ({}, ("mlfleet:dns",), ["mlfleet:dns", "is required on aws", "dns.zoneId"]),
        ({"mlfleet:dns": {"zone": "dev.mlfleet.example.com"}}, (), ["mlfleet:dns.zoneId", "required on aws"]),
        ({"mlfleet:dns": {"zone": "Not A Domain", "zoneId": "Z1"}}, (), ["mlfleet:dns.zone", "--path"]),
        (
            {"mlfleet:serving": {"hostname": "serving.example.org"}},
            (),
            ["mlfleet:serving.hostname", "outside the DNS zone", "dev.mlfleet.example.com"],
        ),
    ],
)
def test_bad_config_names_file_key_and_fix(
    tmp_path: Path, changes: dict, remove: tuple, expected: list
) -> None:
    message = preview_with(tmp_path, changes, remove)
    assert message.startswith("stack 'bad': stacks/Pulumi.bad.yaml: config key")
    assert "Fix: pulumi config set" in message
    assert "Traceback" not in message
    for fragment in expected:
        assert fragment in message
