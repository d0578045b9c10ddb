"""What a policy run found, independent of how it is printed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "unspecified": 4}


@dataclass(frozen=True)
class Violation:
    rule: str
    severity: str  # critical | high | medium | low | unspecified
    enforcement: str  # mandatory | advisory
    urn: str
    message: str
    remediation: str

    @property
    def mandatory(self) -> bool:
        return self.enforcement == "mandatory"

    def sort_key(self) -> tuple[int, int, str, str]:
        return (0 if self.mandatory else 1, SEVERITY_ORDER.get(self.severity, 9), self.rule, self.urn)


@dataclass
class StackResult:
    stack: str
    resources: int
    seconds: float
    source: str  # the stack file or plan path, for SARIF locations
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.mandatory]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if not v.mandatory]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": self.resources,
            "policySeconds": round(self.seconds, 4),
            "mandatory": len(self.mandatory),
            "advisory": len(self.advisory),
            "violations": [asdict(v) for v in self.violations],
        }


@dataclass(frozen=True)
class RuleInfo:
    id: str
    description: str
    severity: str
    enforcement: str
    remediation: str
    tags: tuple[str, ...]
    url: str
