"""The same four checks for every rule: metadata, compliant passes, non-compliant fails, enforcement."""

from __future__ import annotations

from mlfleet.policycheck.analyzer import PolicyPackProcess
from tests.policies.harness import Case, plan

SEVERE = {"critical", "high"}


def violations(pack: PolicyPackProcess, case: Case, resources: list, config: dict | None = None) -> list:
    result = pack.check(plan(*resources), config if config is not None else case.config)
    return [v for v in result.violations if v.rule == case.rule]


def run_battery(pack: PolicyPackProcess, case: Case) -> None:
    info = pack.rules[case.rule]
    assert info.description and info.remediation and info.url
    assert info.severity in {"critical", "high", "medium", "low"}
    assert info.enforcement == ("mandatory" if info.severity in SEVERE else "advisory")
    assert any(t.startswith("assumes:") for t in info.tags)

    assert violations(pack, case, case.good) == [], f"{case.rule} flagged the compliant fixture"
    found = violations(pack, case, case.bad)
    assert found, f"{case.rule} missed the non-compliant fixture"
    assert any(case.message in v.message for v in found), [v.message for v in found]
    assert all(v.enforcement == info.enforcement and v.remediation == info.remediation for v in found)
    for resources, message in case.variants:
        messages = [v.message for v in violations(pack, case, resources)]
        assert any(message in m for m in messages), f"{case.rule}: expected {message!r}, got {messages}"

    assert violations(pack, case, case.bad, {**case.config, case.rule: "disabled"}) == []
    flipped = "advisory" if info.enforcement == "mandatory" else "mandatory"
    assert {v.enforcement for v in violations(pack, case, case.bad, {**case.config, case.rule: flipped})} == {
        flipped
    }
