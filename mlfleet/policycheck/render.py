"""Print results as text (mandatory first), JSON, or SARIF 2.1.0 for code-scanning UIs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from mlfleet.policycheck.results import RuleInfo, StackResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_SCORES = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def text(results: Iterable[StackResult]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(f"== stack {result.stack}")
        for v in result.violations:
            lines.append(f"[{v.enforcement.upper()}] {v.severity:<8} {v.rule}")
            lines.append(f"    resource: {v.urn or '(stack)'}")
            lines.append(f"    problem:  {v.message}")
            lines.append(f"    fix:      {v.remediation}")
        lines.append(summary_line(result))
    return "\n".join(lines)


def summary_line(result: StackResult) -> str:
    verdict = "FAIL" if result.mandatory else "ok"
    return (
        f"{verdict:<4} {result.stack}: {result.resources} resources, {len(result.mandatory)} mandatory, "
        f"{len(result.advisory)} advisory violations; policy time {result.seconds:.3f} s"
    )


def as_json(results: Iterable[StackResult]) -> str:
    return json.dumps({"stacks": [r.to_dict() for r in results]}, indent=2, sort_keys=True) + "\n"


def sarif(results: Iterable[StackResult], rules: Mapping[str, RuleInfo]) -> str:
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        for v in result.violations:
            sarif_results.append(
                {
                    "ruleId": v.rule,
                    "level": "error" if v.mandatory else "warning",
                    "message": {"text": f"{v.message} Fix: {v.remediation}"},
                    "locations": [
                        {
                            "physicalLocation": {"artifactLocation": {"uri": result.source or "Pulumi.yaml"}},
                            "logicalLocations": [
                                {"fullyQualifiedName": v.urn or result.stack, "kind": "resource"}
                            ],
                        }
                    ],
                    "properties": {"stack": result.stack, "severity": v.severity},
                }
            )
    driver_rules = [
        {
            "id": r.id,
            "shortDescription": {"text": r.description},
            "help": {"text": r.remediation},
            "helpUri": r.url,
            "defaultConfiguration": {"level": "error" if r.enforcement == "mandatory" else "warning"},
            "properties": {"tags": list(r.tags), "security-severity": SARIF_SCORES.get(r.severity, "0.0")},
        }
        for r in rules.values()
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlfleet-policies",
                        "informationUri": "https://www.pulumi.com/docs/iac/crossguard/",
                        "rules": driver_rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
