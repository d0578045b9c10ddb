"""Dockerfile lint, the `mlfleet serve` command's errors, the demo and the benchmark smoke run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mlfleet_serving.demo import run_demo
from typer.testing import CliRunner

from mlfleet.cli import app
from tests.conftest import REPO_ROOT, require_tool


def test_dockerfile_is_hadolint_clean_and_non_root() -> None:
    dockerfile = REPO_ROOT / "apps" / "serving" / "Dockerfile"
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = dockerfile.read_text()
    assert text.count("FROM ") >= 2 and "USER 10001" in text and "HEALTHCHECK" in text


def test_serve_without_registry_is_a_clean_error(monkeypatch) -> None:
    for name in ("MLFLEET_REGISTRY", "MLFLEET_MODEL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "registry" in result.output and "MLFLEET_REGISTRY" in result.output
    assert "Traceback" not in result.output


def test_serve_rejects_bad_option_values_cleanly(monkeypatch) -> None:
    monkeypatch.setenv("MLFLEET_CANARY_WEIGHT", "2")
    result = CliRunner().invoke(app, ["serve", "--registry", "/tmp/r", "--model", "m"])
    assert result.exit_code == 2 and "canary_weight" in result.output and "Traceback" not in result.output


def test_print_key_hash_prints_key_and_matching_hash_line() -> None:
    from mlfleet_serving.auth import hash_entry

    result = CliRunner().invoke(app, ["serve", "--print-key-hash", "ci"])
    assert result.exit_code == 0
    key = result.output.split("store nowhere else): ")[1].split()[0]
    assert hash_entry("ci", key) in result.output


def test_demo_serves_real_predictions(own_registry: str, capsys) -> None:
    run_demo(own_registry, "breast-cancer")
    out = capsys.readouterr().out
    assert "POST /predict with 5 rows -> [" in out
    assert 'mlfleet_requests_total{model="breast-cancer",route="/predict",status="200"' in out
    assert out.rstrip().endswith("server stopped")


def test_benchmark_quick_mode_runs_the_servers_and_cases() -> None:
    """Without MLServer: installing it (a separate environment from PyPI) is the benchmark's job,
    not the test suite's."""
    require_tool("wrk")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "serving.py"), "--quick", "--no-mlserver"],
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "ours: 569 predictions equal scikit-learn's" in result.stdout
    for label in ("1-row req/s vs floor", "512-row rows/s vs floor, 64 conns", "512 rows, 64 conns: floor x"):
        assert label in result.stdout
