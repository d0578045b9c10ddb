"""The GPU-idle cost alert end to end: the recording rules generated from the repository's price
table for a stack's GPU pools, with rules/gpu_cost.yaml, under `promtool test rules`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.kubernetes.monitoring.gpu_cost import GpuIdleCost, gpu_node_prices, price_rules
from components.kubernetes.monitoring.rules import RULES_DIR
from components.pricing.table import default_table
from tests.support import require_tool

pytestmark = pytest.mark.integration
MINUTES = 26 * 60  # a day of history and two hours more


def _node(name: str, pool: str, instance_type: str) -> dict:
    labels = (
        f'node="{name}",label_mlfleet_io_pool="{pool}",'
        f'label_node_kubernetes_io_instance_type="{instance_type}"'
    )
    return {"series": f"kube_node_labels{{{labels}}}", "values": f"1+0x{MINUTES}"}


def _annotations(spent: float) -> dict[str, str]:
    """The alert's annotations for pool gpu (g5.xlarge) after `spent` USD, from the rules file."""
    (group,) = yaml.safe_load((RULES_DIR / "gpu_cost.yaml").read_text())["groups"]
    (alert,) = [rule for rule in group["rules"] if rule.get("alert") == "MlfleetGpuIdleCost"]
    out = {k: v.replace("{{ $labels.pools }}", "gpu") for k, v in alert["annotations"].items()}
    out["summary"] = f"Idle g5.xlarge GPU nodes (pool gpu) cost ${spent:.2f} in 24 hours"
    return out


def _promtool_passes(tmp_path: Path, budget: float, utilisation: float, expected: list[dict]) -> None:
    """After 26 hours of two g5.xlarge GPU nodes at `utilisation` percent, exactly `expected` fire."""
    prices = gpu_node_prices("aws", "us-east-1", {"gpu": "g5.xlarge"}, spot=True)
    generated = tmp_path / "prices.yaml"
    generated.write_text(yaml.safe_dump({"groups": [price_rules(GpuIdleCost(prices, budget))]}))
    series = [
        _node("gpu-1", "gpu", "g5.xlarge"),
        _node("gpu-2", "gpu", "g5.xlarge"),
        _node("cpu-1", "cpu", "m6i.2xlarge"),
        {"series": 'DCGM_FI_DEV_GPU_UTIL{Hostname="gpu-1",gpu="0"}', "values": f"{utilisation}+0x{MINUTES}"},
    ]
    check = {"eval_time": "26h", "alertname": "MlfleetGpuIdleCost", "exp_alerts": expected}
    case = {"interval": "1m", "input_series": series, "alert_rule_test": [check]}
    test_file = tmp_path / "test.yaml"
    rule_files = [str(RULES_DIR / "gpu_cost.yaml"), str(generated)]
    test_file.write_text(
        yaml.safe_dump({"rule_files": rule_files, "evaluation_interval": "1m", "tests": [case]})
    )
    result = subprocess.run(
        [require_tool("promtool"), "test", "rules", str(test_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _spent() -> float:
    """Two spot nodes at the table's g5.xlarge price (spot, else on-demand) over the 1441 one-minute
    steps of the subquery."""
    table = default_table()
    price = table.hourly("aws", "us-east-1", "g5.xlarge", "spot") or table.hourly(
        "aws", "us-east-1", "g5.xlarge"
    )
    assert price is not None, "the table has no g5.xlarge price"
    return 2 * price.usd * 1441 / 60


def test_idle_gpus_over_the_budget_fire_with_the_tables_price(tmp_path: Path) -> None:
    labels = {"severity": "ticket", "instance_type": "g5.xlarge", "pools": "gpu"}
    expected = [{"exp_labels": labels, "exp_annotations": _annotations(_spent())}]
    _promtool_passes(tmp_path, budget=_spent() - 1, utilisation=0, expected=expected)


def test_idle_gpus_under_the_budget_stay_silent(tmp_path: Path) -> None:
    _promtool_passes(tmp_path, budget=_spent() + 1, utilisation=0, expected=[])


def test_busy_gpus_stay_silent_whatever_the_budget(tmp_path: Path) -> None:
    _promtool_passes(tmp_path, budget=0.01, utilisation=90, expected=[])
