"""The Alertmanager configuration the stacks hand kube-prometheus-stack passes the real
`amtool check-config` (receivers of every kind, the route tree, inhibit rules), and routes alerts
the way docs/components.md says (`amtool config routes test`)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import require_tool
from tests.unit.components.kubernetes.monitoring.test_alert_receivers import ALL_KINDS, rendered

pytestmark = pytest.mark.integration


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("amtool"), *args], capture_output=True, text=True, check=False)


def _write(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-dev", "azure-dev", "local"])
def test_each_stacks_config_is_valid(tmp_path: Path, stack: str) -> None:
    result = _amtool("check-config", _write(tmp_path, rendered(stack)[0]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_receiver_kind_is_valid_and_routed_by_severity(tmp_path: Path) -> None:
    path = _write(tmp_path, rendered("local", ALL_KINDS)[0])
    result = _amtool("check-config", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " - 5 receivers" in result.stdout  # null + the four

    def routes(*labels: str) -> set[str]:
        out = _amtool("config", "routes", "test", "--config.file", path, *labels)
        assert out.returncode == 0, out.stdout + out.stderr
        return set(out.stdout.strip().split(","))

    assert routes("alertname=MlfleetHighErrorRate", "severity=page") == {"oncall", "pager", "bot"}
    assert routes("alertname=MlfleetFeatureDrift", "severity=ticket", "action=retrain") == {
        "oncall",
        "chat",
        "bot",
    }
    assert routes("alertname=KubePodCrashLooping", "severity=warning") == {"oncall", "chat", "bot"}
    assert routes("alertname=Watchdog", "severity=none") == {"null"}
    assert routes("alertname=Something", "severity=info") == {"bot"}
