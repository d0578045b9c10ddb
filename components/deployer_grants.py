"""The deployer's grants from a per-cloud type table: what managing a set of resource types needs.

Each cloud keeps its table (components/{gcp,azure}/deployer_permissions.py: Pulumi type token ->
permissions); AWS merges statements per scope in components/aws/deployer_permissions.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping


def union(
    table: Mapping[str, tuple[str, ...]],
    baseline: tuple[str, ...],
    cluster_access: tuple[str, ...],
    types: Iterable[str] | None = None,
    read: Callable[[str], bool] | None = None,
) -> list[str]:
    """Sorted permissions for `types` (default: every row, plus cluster access). Kubernetes types need
    cluster access; types without a row add nothing (the permission test names them). With `read`,
    only the permissions it accepts (the drift reader's role)."""
    wanted = set(table) | {"kubernetes:"} if types is None else set(types)
    out = set(baseline)
    for token in wanted:
        if token.startswith("kubernetes:"):
            out.update(cluster_access)
        out.update(table.get(token, ()))
    return sorted(p for p in out if read is None or read(p))
