"""Rule metadata and the two rule shapes (resource, stack) the pack is made of.

Every rule is a pulumi_policy policy plus `RuleMeta`: id, severity, frameworks, remediation and
which world it assumes. Resource rules see inputs *after* the provider's Check (provider
defaults applied; a missing property means the provider default); stack rules see outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

Assumes = Literal["inputs", "outputs"]
FRAMEWORKS = ("cis", "pci-dss", "hipaa", "gdpr", "iso27001")
DOCS_URL = "https://github.com/example-org/mlfleet/blob/main/policies/README.md#"


@dataclass(frozen=True)
class RuleMeta:
    id: str
    description: str
    severity: Severity
    remediation: str
    frameworks: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    # "inputs": post-Check resource inputs (provider defaults); "outputs": stack outputs.
    assumes: Assumes = "inputs"

    def __post_init__(self) -> None:
        unknown = set(self.frameworks) - set(FRAMEWORKS)
        if unknown:
            raise ValueError(f"rule {self.id}: unknown frameworks {sorted(unknown)}; use {FRAMEWORKS}")

    @property
    def default_enforcement(self) -> EnforcementLevel:
        """Mandatory for critical and high, advisory otherwise; a stack's pack config overrides it."""
        if self.severity in (Severity.CRITICAL, Severity.HIGH):
            return EnforcementLevel.MANDATORY
        return EnforcementLevel.ADVISORY

    def policy_kwargs(self) -> dict[str, Any]:
        return {
            "name": self.id,
            "description": self.description,
            "enforcement_level": self.default_enforcement,
            "severity": self.severity,
            "framework": PolicyComplianceFramework(name=self.frameworks[0]) if self.frameworks else None,
            "tags": [*self.topics, *(f"framework:{f}" for f in self.frameworks), f"assumes:{self.assumes}"],
            "remediation_steps": self.remediation,
            "url": DOCS_URL + self.id,
        }


@dataclass(frozen=True)
class Resource:
    """What a resource rule looks at: the resource, its (post-Check) inputs, its provider, config."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)


ResourceCheck = Callable[[Resource], Iterable[str]]
StackCheck = Callable[[list[PolicyResource], Mapping[str, Any]], Iterable[tuple[str, str | None]]]


@dataclass(frozen=True)
class Rule:
    meta: RuleMeta
    policy: Policy
    resource_types: tuple[str, ...] = ()  # empty: a stack rule, or a rule over every type

    @property
    def is_stack_rule(self) -> bool:
        return isinstance(self.policy, StackValidationPolicy)


def resource_rule(meta: RuleMeta, types: Iterable[str] | None, check: ResourceCheck) -> Rule:
    """A rule over single resources of `types` (None: every type); `check` yields messages."""
    wanted = frozenset(types) if types is not None else None

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if wanted is not None and args.resource_type not in wanted:
            return
        provider = args.provider
        resource = Resource(
            type=args.resource_type,
            name=args.name,
            urn=args.urn,
            props=args.props,
            provider_props=provider.props if provider is not None else {},
            config=args.get_config() or {},
        )
        for message in check(resource):
            report(message, None)

    policy = ResourceValidationPolicy(validate=validate, **meta.policy_kwargs())
    return Rule(meta, policy, tuple(sorted(wanted or ())))


def stack_rule(meta: RuleMeta, check: StackCheck) -> Rule:
    """A rule over the whole stack (outputs); `check` yields (message, urn or None)."""

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message, urn in check(list(args.resources), args.get_config() or {}):
            report(message, urn)

    return Rule(meta, StackValidationPolicy(validate=validate, **meta.policy_kwargs()))
