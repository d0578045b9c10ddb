"""A `secure:` value nested in a structured key (what `pulumi config set --secret --path` writes):
like the CLI, the object keeps its shape, the value is never decrypted here, and the whole key
is secret (masked in plans)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from mlfleet.engine.plan import SECRET_MARKER
from mlfleet.engine.project import load_project, load_stack_config
from mlfleet.engine.secrets import secure_placeholder

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "engine_project"


def test_nested_secure_keeps_the_shape_and_makes_the_key_secret(tmp_path: Path) -> None:
    nested = {"receivers": {"pager": {"pagerduty": {"routingKey": {"secure": "v1:AAAAciphertext"}}}}, "n": 1}
    (tmp_path / "Pulumi.nested.yaml").write_text(
        yaml.safe_dump({"config": {"enginedemo:owner": "a", "other:settings": nested}})
    )
    project = dataclasses.replace(load_project(FIXTURE), stack_config_dir=tmp_path)
    config = load_stack_config(project, "nested")
    assert config.values["other:settings"] == {
        "receivers": {"pager": {"pagerduty": {"routingKey": secure_placeholder("v1:AAAAciphertext")}}},
        "n": 1,
    }
    assert "other:settings" in config.secret_keys
    assert config.masked()["other:settings"] == SECRET_MARKER
    assert "ciphertext" not in str(config.values)
