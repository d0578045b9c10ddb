"""What every building block needs to know about the stack it is part of: naming and tagging."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

Cloud = Literal["aws", "gcp", "azure", "kubernetes"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure", "kubernetes")


@dataclass(frozen=True)
class PlatformContext:
    """Stack-wide facts: names derive from `<project>-<stack>-<block>`, tags from the owner fields."""

    project: str
    stack: str
    environment: str
    owner: str
    cost_center: str
    stack_file: str = ""
    # The cell this context names resources for, in stacks with more than one cell ("" otherwise:
    # a single-cell stack's names carry no cell).
    cell: str = ""

    @property
    def prefix(self) -> str:
        return f"{self.project}-{self.stack}-{self.cell}" if self.cell else f"{self.project}-{self.stack}"

    @property
    def is_production(self) -> bool:
        return self.environment == "prod"

    def name(self, block: str, *parts: str) -> str:
        """The deterministic logical/physical name of a block's resource."""
        return "-".join([self.prefix, block, *[p for p in parts if p]])

    def tags(self) -> dict[str, str]:
        """Tags (AWS, Azure) and labels (GCP, Kubernetes) put on everything that takes them."""
        return {
            "environment": self.environment,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "managed-by": "mlfleet",
        } | ({"mlfleet-cell": self.cell} if self.cell else {})

    def labels(self) -> dict[str, str]:
        """GCP labels: lowercase letters, digits, '-' and '_' only, at most 63 characters."""
        return {k: label_value(v) for k, v in self.tags().items()}


def label_value(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]


def short_hash(value: str, length: int = 6) -> str:
    """A deterministic suffix for names a cloud forces to be short (never random)."""
    return hashlib.sha256(value.encode()).hexdigest()[:length]


def compact_name(name: str, max_length: int, alphanumeric: bool = False) -> str:
    """Fit `name` into a cloud's limits deterministically (e.g. Azure storage accounts: 3-24, a-z0-9).

    When it must be shortened, a hash of the full name keeps two long names from colliding.
    """
    cleaned = name.lower()
    cleaned = re.sub(r"[^a-z0-9]", "", cleaned) if alphanumeric else re.sub(r"[^a-z0-9-]", "-", cleaned)
    if len(cleaned) <= max_length:
        return cleaned
    suffix = short_hash(name)
    keep = max_length - len(suffix) - (0 if alphanumeric else 1)
    return cleaned[:keep].rstrip("-") + ("" if alphanumeric else "-") + suffix
