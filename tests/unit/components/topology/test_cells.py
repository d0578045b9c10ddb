"""Cells (issue 13): `mlfleet:cells` validated with errors naming the stack file and key; a two-cell
stack builds the whole platform in every cell, names carry the cell, outputs are maps by cell, the
mocks answer for each cell's region, and one provider serves each (cloud, region)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
import yaml

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import preview_stack
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[4]
STACK = "staging-global"
BASE = yaml.safe_load((REPO / "stacks" / f"Pulumi.{STACK}.yaml").read_text())["config"]
CELLS = BASE["mlfleet:cells"]


def preview_error(tmp_path: Path, changes: dict) -> str:
    config = {**BASE, **changes}
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    with pytest.raises(PreviewError) as info:
        run_preview(REPO, "bad", project)
    return str(info.value)


def with_cell(index: int, **changes: object) -> list[dict]:
    cells = [dict(c) for c in CELLS]
    cells[index].update(changes)
    return cells


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"mlfleet:cells": with_cell(1, role="primary")}, ["mlfleet:cells", "2 cells with role primary"]),
        ({"mlfleet:cells": with_cell(1, name="use1")}, ["mlfleet:cells[1].name", "unique"]),
        ({"mlfleet:cells": with_cell(1, cloud="aws", region="us-east-1")}, ["mlfleet:cells[1].region"]),
        (
            {"mlfleet:cells": with_cell(1, networkCidr="10.10.128.0/17")},
            ["mlfleet:cells[1].networkCidr", "overlaps"],
        ),
        (
            {"mlfleet:cells": with_cell(1, networkCidr="10.300.0.0/16")},
            ["mlfleet:cells[1].networkCidr", "invalid"],
        ),
        ({"mlfleet:cells": with_cell(1, role="passive")}, ["mlfleet:cells.1.role"]),
        ({"mlfleet:cells": with_cell(0, name="US-East")}, ["mlfleet:cells.0.name"]),
        ({"mlfleet:cells": with_cell(1, cloud="kubernetes")}, ["mlfleet:cells.1.cloud"]),
        ({"mlfleet:cells": CELLS[:1]}, ["mlfleet:cells", "has one cell"]),
        ({"mlfleet:cloud": "aws"}, ["mlfleet:cloud", "together with mlfleet:cells", "pulumi config rm"]),
        ({"mlfleet:gcpProject": ""}, ["mlfleet:cells[1].gcpProject", "required for a gcp cell"]),
    ],
)
def test_bad_cells_name_the_stack_file_and_key(tmp_path: Path, changes: dict, expected: list[str]) -> None:
    message = preview_error(tmp_path, changes)
    for text in ["Pulumi.bad.yaml", *expected]:
        assert text in message, message


def test_a_stack_with_neither_cloud_nor_cells_is_an_error(tmp_path: Path) -> None:
    config = {k: v for k, v in BASE.items() if k != "mlfleet:cells"}
    (tmp_path / "Pulumi.bad.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    with pytest.raises(PreviewError, match=r"mlfleet:cloud.*is required"):
        run_preview(REPO, "bad", project)


def cell_of(resource: dict) -> str:
    name = resource["name"]
    for cell in ("use1", "euw4"):
        if f"-{STACK}-{cell}-" in f"{name}-" or name.startswith(f"{STACK}-{cell}"):
            return cell
    return ""


def test_every_cell_gets_the_whole_platform_named_after_the_cell() -> None:
    plan = preview_stack(STACK)
    components = Counter(
        (r["type"].split(":")[2], cell_of(r)) for r in plan.resources if r["type"].startswith("mlfleet:")
    )
    for block in ("EncryptionKey", "ModelBucket", "ContainerRegistry", "Identities", "TrainingCluster"):
        assert components[(block, "use1")] >= 1 and components[(block, "euw4")] >= 1, block
    for block in ("ServingService", "MonitoringStack"):
        assert components[(block, "use1")] == 1 and components[(block, "euw4")] == 1, block
    # Only the primary trains; the registry sync copies its versions into the other cells (a version
    # trained in euw4 would collide with use1's of the same number).
    assert components[("TrainingJob", "use1")] == 1 and components[("TrainingJob", "euw4")] == 0
    pushed = {r["name"] for r in plan.of_type("command:local:Command")}
    assert not [name for name in pushed if "euw4" in name and "trainer" in name], pushed
    unnamed = [r["name"] for r in plan.resources if r["type"].startswith("mlfleet:") and not cell_of(r)]
    # The global layer (the front door, above the cells) is the stack's, not a cell's.
    assert unnamed == ["mlfleet-staging-global-frontdoor"]


def test_outputs_are_maps_by_cell() -> None:
    outputs = preview_stack(STACK).outputs
    assert outputs["cells"] == {
        "use1": {"cloud": "aws", "region": "us-east-1", "role": "primary"},
        "euw4": {"cloud": "gcp", "region": "europe-west4", "role": "active"},
    }
    assert outputs["modelRegistryUrl"] == {
        "use1": "s3://mlfleet-staging-global-use1-models/models",
        "euw4": "gs://mlfleet-staging-global-euw4-models/models",
    }
    assert outputs["servingEndpoint"] == {
        "use1": "use1.serving.mlfleet.example.com",
        "euw4": "euw4.serving.mlfleet.example.com",
    }
    per_cell = {k: v for k, v in outputs.items() if not k.startswith(("frontDoor", "registrySync"))}
    assert outputs["trainingJob"].keys() == {"use1"}  # the primary's only
    assert all(set(value) == {"use1", "euw4"} for key, value in per_cell.items() if key != "trainingJob")
    assert outputs["frontDoorHostname"] == "serving.mlfleet.example.com"


def test_one_provider_per_cloud_region_and_each_cell_on_its_own() -> None:
    plan = preview_stack(STACK)
    providers = {
        r["name"]: r for r in plan.resources if r["type"] in ("pulumi:providers:aws", "pulumi:providers:gcp")
    }
    assert sorted(providers) == [
        "mlfleet-staging-global-aws-us-east-1",
        "mlfleet-staging-global-gcp-europe-west4",
    ]
    for resource in plan.custom():
        cell = cell_of(resource)
        if resource["type"].startswith(("aws:", "gcp:")) and cell:
            expected = {"use1": "aws-us-east-1", "euw4": "gcp-europe-west4"}[cell]
            assert f"-{expected}::" in resource["provider"], resource["name"]


def test_mocks_answer_in_each_cells_region() -> None:
    plan = preview_stack(STACK)
    aws_arns = [r["outputs"]["arn"] for r in plan.of_type("aws:kms/key:Key")]
    assert aws_arns and all(":us-east-1:" in arn for arn in aws_arns)
    [gke] = plan.of_type("gcp:container/cluster:Cluster")
    assert gke["outputs"]["location"] == "europe-west4"
    eks_subnets = [r["inputs"]["availabilityZone"] for r in plan.of_type("aws:ec2/subnet:Subnet")]
    assert eks_subnets and all(zone.startswith("us-east-1") for zone in eks_subnets)


def test_each_cell_has_its_network() -> None:
    plan = preview_stack(STACK)
    [vpc] = plan.of_type("aws:ec2/vpc:Vpc")
    assert vpc["inputs"]["cidrBlock"] == "10.10.0.0/16"
    [gke] = plan.of_type("gcp:container/cluster:Cluster")
    assert "mlfleet-staging-global-euw4" in gke["name"]
