"""The alert rules, loaded from the YAML files promtool also checks (one source of truth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RULES_DIR = Path(__file__).parent / "rules"


def rule_files() -> list[Path]:
    return sorted(RULES_DIR.glob("*.yaml"))


def rule_groups() -> list[dict[str, Any]]:
    """Every rule group of every file, in file order: the PrometheusRule spec's `groups`."""
    groups: list[dict[str, Any]] = []
    for path in rule_files():
        groups += yaml.safe_load(path.read_text())["groups"]
    return groups


def alerts() -> list[dict[str, Any]]:
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]
