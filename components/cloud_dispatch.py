"""Pick a block's per-cloud implementation, with a clear error for a cloud the block does not support."""

from __future__ import annotations

from typing import TypeVar

from components.errors import ComponentArgumentError

T = TypeVar("T")


def require_cloud(component: str, cloud: str, supported: tuple[str, ...]) -> None:
    """Raise a ComponentArgumentError naming the supported clouds when `cloud` is not one of them."""
    if cloud not in supported:
        raise ComponentArgumentError(
            component,
            "target.cloud",
            f"is '{cloud}', which this block does not support",
            f"deploy it on one of {', '.join(supported)} (set mlfleet:cloud accordingly)",
        )


def require_positive(component: str, argument: str, value: int, fix: str) -> None:
    """Day counts and sizes must be whole numbers of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ComponentArgumentError(component, argument, f"must be a whole number >= 1 (got {value!r})", fix)


def require_same_cloud(component: str, argument: str, value: object, expected: type[T], cloud: str) -> T:
    """Blocks wired together must come from the same cloud (e.g. the bucket's key)."""
    if not isinstance(value, expected):
        raise ComponentArgumentError(
            component,
            argument,
            f"is a {type(value).__name__}, not a {expected.__name__}",
            f"pass the {argument} created for the same {cloud} target",
        )
    return value
