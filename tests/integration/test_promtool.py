"""The alert rules (single source) pass `promtool check rules` and their unit tests (every alert
fires on a bad series and stays silent on a healthy one)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.kubernetes.monitoring.rules import alerts, rule_files
from tests.support import REPO_ROOT, require_tool

pytestmark = pytest.mark.integration
# One promtool unit-test file per rules file (serving, gpu_cost).
RULE_TESTS = sorted((REPO_ROOT / "tests/unit/components/kubernetes/monitoring").glob("*_rules_test.yaml"))


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("promtool"), *map(str, args)], capture_output=True, text=True, check=False
    )


def test_rules_are_valid() -> None:
    result = _promtool("check", "rules", *rule_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_silent() -> None:
    fires: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check["exp_alerts"] else silent).add(check["alertname"])
    names = {alert["alert"] for alert in alerts()}
    assert names - fires == set(), "alerts never shown to fire"
    assert names - silent == set(), "alerts never shown to stay silent"
