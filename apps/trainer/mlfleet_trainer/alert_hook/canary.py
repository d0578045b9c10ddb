"""Rolling a failing canary back: the canary alias is moved to the version the primary alias serves,
so the canary's share of requests gets the known-good model (the serving replicas notice the alias
move and swap). The registry records it as a `rollback` event with actor and reason.

One function for every caller (the alert hook here; `mlfleet release` can call the same).
"""

from __future__ import annotations

from mlfleet_registry import Registry


def rollback_canary(
    registry: Registry, model: str, canary: str, primary: str, *, actor: str, reason: str
) -> str | None:
    """The version the canary alias now points at, or None if there was nothing to roll back (no
    canary alias, or it already serves the primary's version)."""
    aliases = registry.aliases(model)
    good = aliases.get(primary)
    if good is None:
        raise ValueError(f"model {model!r} has no {primary!r} alias to roll the canary {canary!r} back to")
    current = aliases.get(canary)
    if current is None or current == good:
        return None
    registry.set_alias(model, canary, good, expected=current, actor=actor, reason=reason, event="rollback")
    return good
