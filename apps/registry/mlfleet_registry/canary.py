"""Rolling a canary back: the one function every caller uses (the alert hook's `action: rollback`,
`mlfleet release`'s automatic rollback and `mlfleet release rollback`).

"Back" for a canary means: the canary alias onto the version the primary alias serves *now*, so
the canary's share of requests gets what production serves (replicas notice the alias move and
swap). Not the version production served when the candidate was gated: production may have moved
since, and that older version may even be deleted, which would leave the bad canary serving.
(`Registry.rollback`, behind `mlfleet models rollback`, is the other meaning: an alias back to its
own previous version, for undoing a promotion.)

The move is a compare-and-swap `set_alias` with event `rollback`: signed like every alias entry when
the registry has a signer, the target verified (signature, hashes) first, recorded with actor and
reason in the alias history and the audit log.
"""

from __future__ import annotations

from typing import Any

from mlfleet_registry.errors import NotFound
from mlfleet_registry.registry import ANY, Registry

# Audit reasons are read by people: a verdict or an alert's text is cut here, not stored whole.
MAX_REASON = 500


def rollback_canary(
    registry: Registry,
    model: str,
    *,
    canary: str,
    primary: str,
    actor: str,
    reason: str,
    expected: Any = ANY,
) -> str | None:
    """Move `canary` onto `primary`'s current version; that version, or None if nothing moved (no
    canary alias, or it already serves the primary's version: running it twice is harmless).

    `expected`: the version the caller believes the canary serves (a release's candidate); if the
    canary has been moved elsewhere since, AliasConflict and nothing moves. ANY (the alert hook):
    whatever the canary serves now (still compare-and-swap against what was read).
    NotFound if the primary alias is not set (there is nothing known-good to go back to)."""
    aliases = registry.aliases(model)
    good = aliases.get(primary)
    if good is None:
        known = ", ".join(aliases) or "none"
        raise NotFound(
            f"model {model!r} has no {primary!r} alias to roll the canary {canary!r} back to "
            f"(aliases: {known})"
        )
    current = aliases.get(canary)
    if current is None or current == good:
        return None
    registry.set_alias(
        model,
        canary,
        good,
        expected=current if expected is ANY else expected,
        actor=actor,
        reason=reason[:MAX_REASON],
        event="rollback",
    )
    return good
