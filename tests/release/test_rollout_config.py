"""Canary and shadow from stack config reach the serving pods as the server's own variables; bad
values name the stack file and key; the prod trainer moves `candidate`, not `production`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from mlfleet_serving.settings import ServingSettings

from mlfleet.engine.errors import PreviewError
from mlfleet.engine.harness import Plan, preview_stack
from mlfleet.engine.preview import run_preview
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[2]
LOCAL = yaml.safe_load((REPO / "stacks" / "Pulumi.local.yaml").read_text())["config"]


def _preview(tmp_path: Path, serving: dict[str, Any]) -> dict[str, Any]:
    config = {**LOCAL, "mlfleet:serving": {**LOCAL.get("mlfleet:serving", {}), **serving}}
    (tmp_path / "Pulumi.rollout.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO), stack_config_dir=tmp_path)
    return run_preview(REPO, "rollout", project)


def _env(plan: Plan | dict[str, Any], name_part: str, kind: str) -> dict[str, str]:
    resources = plan.resources if isinstance(plan, Plan) else plan["resources"]
    (found,) = [r for r in resources if r["type"].endswith(f":{kind}") and name_part in r["name"]]
    spec = found["inputs"]["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
    (container,) = template["spec"]["containers"]
    return {e["name"]: e.get("value") for e in container["env"]}


def test_canary_and_shadow_reach_the_pods_as_the_servers_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _preview(
        tmp_path, {"canary": {"alias": "candidate", "weight": 0.25}, "shadow": {"alias": "challenger"}}
    )
    env = _env(plan, "-serving", "Deployment")
    assert env["MLFLEET_CANARY_ALIAS"] == "candidate"
    assert env["MLFLEET_CANARY_WEIGHT"] == "0.25"
    assert env["MLFLEET_SHADOW_ALIAS"] == "challenger"
    # The server itself reads them back from its environment (the names are its own, not a copy).
    for name, value in env.items():
        if name.startswith(("MLFLEET_CANARY", "MLFLEET_SHADOW")):
            monkeypatch.setenv(name, value)
    settings = ServingSettings(registry="r", model="m")
    assert (settings.canary_alias, settings.canary_weight, settings.shadow_alias) == (
        "candidate",
        0.25,
        "challenger",
    )


def test_no_rollout_by_default() -> None:
    env = _env(preview_stack("local"), "-serving", "Deployment")
    assert not [k for k in env if k.startswith(("MLFLEET_CANARY", "MLFLEET_SHADOW"))]


@pytest.mark.parametrize(
    ("serving", "expected"),
    [
        ({"canary": {"alias": "candidate", "weight": 1.5}}, "mlfleet:serving.canary.weight"),
        ({"canary": {"alias": "candidate"}}, "mlfleet:serving.canary.weight"),
        ({"canary": {"alias": "v0003", "weight": 0.1}}, "mlfleet:serving.canary.alias"),
        ({"canary": {"alias": "production", "weight": 0.1}}, "the alias the service already serves"),
        ({"shadow": {"alias": "x", "wieght": 1}}, "mlfleet:serving.shadow.wieght"),
        ({"canaryAnalysis": {"maxErrorRateRatio": 0.5}}, "mlfleet:serving.canaryAnalysis.maxErrorRateRatio"),
    ],
)
def test_bad_rollout_config_names_the_stack_file_and_key(
    tmp_path: Path, serving: dict[str, Any], expected: str
) -> None:
    with pytest.raises(PreviewError) as info:
        _preview(tmp_path, serving)
    message = str(info.value)
    assert "stacks/Pulumi.rollout.yaml" in message
    assert expected in message
    assert "Traceback" not in message


def test_prod_trainer_moves_candidate_and_dev_keeps_production() -> None:
    prod = _env(preview_stack("prod"), "-train", "CronJob")
    assert prod["MLFLEET_PROMOTE_TO"] == "candidate"
    dev_plan = preview_stack("dev")
    kinds = {r["type"].rsplit(":", 1)[1] for r in dev_plan.resources if "-train" in r["name"]}
    dev = _env(dev_plan, "-train", "CronJob" if "CronJob" in kinds else "Job")
    assert "MLFLEET_PROMOTE_TO" not in dev  # the trainer's default: production


def test_promote_to_from_the_environment_overrides_the_trainer_config() -> None:
    from mlfleet_trainer.config import load_effective_config
    from mlfleet_trainer.errors import TrainerError

    assert load_effective_config(None, {}).promote_to == "production"
    assert load_effective_config(None, {"MLFLEET_PROMOTE_TO": "candidate"}).promote_to == "candidate"
    assert load_effective_config(None, {"MLFLEET_PROMOTE_TO": "none"}).promote_to is None
    with pytest.raises(TrainerError, match="MLFLEET_PROMOTE_TO"):
        load_effective_config(None, {"MLFLEET_PROMOTE_TO": "v0001"})
