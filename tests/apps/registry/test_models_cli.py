"""`mlfleet models ...` and `mlfleet train` through the real CLI app (exit codes and messages)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlfleet_registry import open_registry
from typer.testing import CliRunner

from mlfleet.cli import app


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with two demo versions (production -> v0002), trained by `mlfleet train`."""
    registry = tmp_path_factory.mktemp("cli") / "reg"
    config = registry.parent / "fast.yaml"
    config.write_text("model_name: demo\nparams: {n_estimators: 5}\n")
    for _ in range(2):
        result = CliRunner().invoke(app, ["train", "--registry", str(registry), "--config", str(config)])
        assert result.exit_code == 0, result.output
    return registry


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_list_show_and_verify(trained: Path) -> None:
    code, out = run("models", "list", "--registry", str(trained))
    assert code == 0 and "demo: 2 version(s), latest v0002; production=v0002" in out
    code, out = run("models", "show", "demo", "production", "--registry", str(trained))
    assert code == 0 and '"version": "v0002"' in out
    code, out = run("models", "verify", "--registry", str(trained))
    assert code == 0 and "verified" in out


def test_promote_conflict_and_rollback(tmp_path: Path, trained: Path) -> None:
    reg = str(tmp_path / "copy")
    code, out = run("models", "sync", reg, "--registry", str(trained))
    assert code == 0 and "2 version(s) copied" in out
    code, out = run(
        "models", "promote", "demo", "v0001", "--expected", "v0001", "--reason", "x", "--registry", reg
    )
    assert code == 1 and "points at v0002, not v0001" in out and "Traceback" not in out
    code, out = run(
        "models", "promote", "demo", "v0001", "--expected", "v0002", "--reason", "x", "--registry", reg
    )
    assert code == 0 and "production -> v0001" in out
    code, out = run("models", "rollback", "demo", "--reason", "oops", "--registry", reg)
    assert code == 0 and "production -> v0002 (rolled back)" in out
    code, out = run("models", "show", "demo", "v0099", "--registry", reg)
    assert code == 1 and "no version 'v0099'" in out


def test_delete_refuses_a_served_version_and_audits(tmp_path: Path, trained: Path) -> None:
    reg = str(tmp_path / "copy")
    assert run("models", "sync", reg, "--registry", str(trained))[0] == 0
    code, out = run("models", "delete", "demo", "v0002", "--reason", "x", "--registry", reg)
    assert code == 1 and "alias(es) production point at" in out and "Traceback" not in out
    code, out = run("models", "delete", "demo", "v0001", "--reason", "superseded", "--registry", reg)
    assert code == 0 and "deleted v0001" in out
    assert open_registry(reg).list_versions("demo") == ["v0002"]
    assert any(e["event"] == "delete" for e in open_registry(reg).audit_log())


def test_verify_names_a_tampered_file(tmp_path: Path, trained: Path) -> None:
    reg = str(tmp_path / "copy")
    assert run("models", "sync", reg, "--registry", str(trained))[0] == 0
    registry = open_registry(reg)
    digest = registry.manifest("demo", "v0001").files["model.skops"]
    (tmp_path / "copy" / "models" / "demo" / "blobs" / digest).write_bytes(b"evil")
    code, out = run("models", "verify", "--registry", reg)
    assert code == 1 and f"FAIL {reg}/models/demo/blobs/{digest} (model.skops of demo v0001)" in out


def test_usage_and_input_errors() -> None:
    assert run("models", "promote")[0] == 2
    code, out = run("models", "list", "--registry", "ftp://host/x")
    assert code == 1 and "unsupported registry URL 'ftp://host/x'" in out


def test_train_reports_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("estimator: Nope\n")
    code, out = run("train", "--registry", str(tmp_path / "r"), "--config", str(config))
    assert code == 1 and "unknown estimator 'Nope'" in out and "Traceback" not in out


def test_repair_and_verify_report_what_a_kill_left(tmp_path: Path, trained: Path) -> None:
    reg = str(tmp_path / "copy")
    assert run("models", "sync", reg, "--registry", str(trained))[0] == 0
    registry = open_registry(reg)
    register = next(k for k in registry.audit_keys() if registry._read_json(k)["event"] == "register")
    (tmp_path / "copy" / register).unlink()  # as if killed between the manifest and its event
    code, out = run("models", "verify", "--registry", reg)
    assert code == 1 and "FAIL demo v0001 has no register event (run `mlfleet models repair`)" in out
    code, out = run("models", "repair", "--registry", reg)
    assert code == 0 and "recorded the missing register event of demo v0001" in out
    assert run("models", "verify", "--registry", reg)[0] == 0
    code, out = run("models", "repair", "--registry", reg)
    assert code == 0 and "nothing to repair" in out


def test_sync_of_one_model_reports_a_corrupt_event(tmp_path: Path, trained: Path) -> None:
    src = tmp_path / "src"
    assert run("models", "sync", str(src), "--registry", str(trained))[0] == 0
    (src / "audit" / "20990101T000000.000000Z-bad.json").write_text("{not json")
    result = CliRunner().invoke(
        app, ["models", "sync", str(tmp_path / "dst"), "-m", "demo", "--registry", str(src)]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "conflict: audit event not copied:" in result.stderr and "is not valid JSON" in result.stderr
    assert open_registry(str(tmp_path / "dst")).list_versions("demo") == ["v0001", "v0002"]
