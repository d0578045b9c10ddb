"""What the drill measures and what the config makes one expect, and the table it prints.

Expected, from the stack's `mlfleet:frontDoor` (docs/multi-cloud.md): detection = interval x
failureThreshold; a DNS door (Route 53, Traffic Manager) adds the TTL before every client has left the
failed cell. haproxy has no TTL, so the measured RTO compares with the detection; the DNS figure is
printed beside it. All figures in real seconds: a quick drill's measured durations are multiplied
back by its scale (process start-up, which the drill does not scale, is added unscaled)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Scenario:
    name: str
    fault: str
    expected_detection: float  # real seconds
    expected_failover: float | None  # + TTL for DNS doors; None: no failover expected
    detection: float | None = None  # real seconds; None: not detected
    rto: float | None = None  # fault -> last failed request (0: none failed)
    failed: int = 0
    requests: int = 0
    failback: float | None = None  # restore -> the primary back in rotation
    failed_in_failback: int = 0
    # What the failed requests got, "<cell or ->:<status, 0 = no answer>" -> count.
    failures: dict[str, int] = field(default_factory=dict)
    failback_failures: dict[str, int] = field(default_factory=dict)
    outcome: str = ""


@dataclass
class Report:
    stack: str
    provider: str
    mode: str
    interval: float
    failure_threshold: int
    ttl: int
    timing: str
    scale: float
    scenarios: list[Scenario] = field(default_factory=list)
    rpo: float | None = None  # publish in the primary -> the secondary serves it (real seconds)
    sync_lag: float | None = None  # publish -> the alias in the secondary's registry
    pickup: float | None = None  # -> the secondary replica serves it
    expected_rpo: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.detection is not None for s in self.scenarios) and self.rpo is not None

    def render(self) -> str:
        head = (
            f"failover drill: stack {self.stack}, front door {self.provider} {self.mode}, "
            f"interval {self.interval:g} s x threshold {self.failure_threshold}, TTL {self.ttl} s "
            f"({self.timing})"
        )
        rows = [
            (
                "scenario",
                "expected detection",
                "measured detection",
                "expected failover (+TTL)",
                "measured RTO",
                "failed/requests",
                "failback",
                "outcome",
            ),
        ]
        for s in self.scenarios:
            rows.append(
                (
                    s.name,
                    _s(s.expected_detection),
                    _s(s.detection),
                    _s(s.expected_failover),
                    _s(s.rto),
                    f"{s.failed}/{s.requests}"
                    + (f" (+{s.failed_in_failback} in failback)" if s.failed_in_failback else ""),
                    _s(s.failback),
                    s.outcome,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [head, ""]
        for i, row in enumerate(rows):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if i == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.append(
            f"RPO (model published in the primary -> served by the secondary): {_s(self.rpo)} = sync lag "
            f"{_s(self.sync_lag)} + pickup {_s(self.pickup)} (expected at most {_s(self.expected_rpo)}: "
            "sync period + serving poll, plus the model load)"
        )
        for s in self.scenarios:
            for when, failures in (("", s.failures), (" in failback", s.failback_failures)):
                if failures:
                    kinds = ", ".join(f"{k} x{n}" for k, n in sorted(failures.items()))
                    lines.append(f"{s.name}: failed requests{when} by cell:status (0 = no answer): {kinds}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"
