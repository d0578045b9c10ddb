"""The Azure 5xx alert's PromQL and the managed Prometheus scrape job, taken from the azure-dev plan,
pass real `promtool` checks: the scrape config is a valid Prometheus config, the rule is a valid
alerting rule, and `promtool test rules` shows it fires above the 5xx share and stays silent below."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from mlfleet.engine.harness import preview_stack
from tests.support import require_tool

pytestmark = pytest.mark.integration


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("promtool"), *map(str, args)], capture_output=True, text=True, check=False
    )


def _rule() -> dict:
    (group,) = preview_stack("azure-dev").of_type("azure-native:alertsmanagement:PrometheusRuleGroup")
    (rule,) = group["inputs"]["rules"]
    return rule


def test_scrape_config_is_a_valid_prometheus_config(tmp_path: Path) -> None:
    config_map = preview_stack("azure-dev").named("mlfleet-azure-dev-gpu-ama-metrics-prometheus-config")
    config = yaml.safe_load(config_map["inputs"]["data"]["prometheus-config"])
    # Debian's promtool is built without Kubernetes service discovery ("field kubernetes_sd_configs
    # not found"): the unit tests assert that block; here it becomes a static target so the rest of
    # the job (names, interval, relabelling) is checked by the real parser.
    for job in config["scrape_configs"]:
        assert job.pop("kubernetes_sd_configs")
        job["static_configs"] = [{"targets": ["127.0.0.1:10254"]}]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    result = _promtool("check", "config", "--syntax-only", path)
    assert result.returncode == 0, result.stdout + result.stderr


def _series(errors_per_minute: int, ok_per_minute: int) -> list[dict[str, str]]:
    metric = "nginx_ingress_controller_requests"
    return [
        {"series": f'{metric}{{status="503",ingress="serving"}}', "values": f"0+{errors_per_minute}x20"},
        {"series": f'{metric}{{status="200",ingress="serving"}}', "values": f"0+{ok_per_minute}x20"},
    ]


def test_rule_is_valid_and_fires_only_above_the_threshold(tmp_path: Path) -> None:
    rule = _rule()
    rules = tmp_path / "rules.yml"
    rules.write_text(
        yaml.safe_dump(
            {"groups": [{"name": "azure", "rules": [{"alert": rule["alert"], "expr": rule["expression"]}]}]}
        )
    )
    checked = _promtool("check", "rules", rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # 10 of 100 requests a minute fail (10% > 5%): fires; 1 of 100 (1%): silent.
    tests = tmp_path / "tests.yml"
    tests.write_text(
        yaml.safe_dump(
            {
                "rule_files": [str(rules)],
                "evaluation_interval": "1m",
                "tests": [
                    {
                        "interval": "1m",
                        "input_series": _series(10, 90),
                        "alert_rule_test": [
                            {
                                "eval_time": "10m",
                                "alertname": rule["alert"],
                                "exp_alerts": [{"exp_labels": {}}],
                            }
                        ],
                    },
                    {
                        "interval": "1m",
                        "input_series": _series(1, 99),
                        "alert_rule_test": [
                            {"eval_time": "10m", "alertname": rule["alert"], "exp_alerts": []}
                        ],
                    },
                ],
            }
        )
    )
    result = _promtool("test", "rules", tests)
    assert result.returncode == 0, result.stdout + result.stderr
