"""Comparing two plans by URN: resources created, deleted, updated or replaced, property by property.

Every value this module hands out is already a display string with secrets masked, so no renderer
can print a secret: a secret marker shows as `[secret]`, a value that changed from or to a secret
shows no values at all, and any config value that either side marks secret is never shown anywhere
(even where the other side carried it in plain text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlfleet.diff.load import Plans
from mlfleet.engine.plan import is_secret_marker

SECRET = "[secret]"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Resource options compared besides inputs (plan key -> how the diff names it).
OPTIONS = {
    "protect": "protect",
    "retainOnDelete": "retainOnDelete",
    "provider": "provider",
    "parent": "parent",
    "explicitDependencies": "dependsOn",
}
# Well-known input properties whose change makes the provider replace the resource (create the new
# one, delete the old). An approximation from the providers' docs: the real provider decides.
REPLACE_ON_CHANGES: dict[str, frozenset[str]] = {
    "aws:s3/bucket:Bucket": frozenset({"bucket", "bucketPrefix", "objectLockEnabled"}),
    "aws:sqs/queue:Queue": frozenset({"name", "namePrefix", "fifoQueue"}),
    "aws:ecr/repository:Repository": frozenset({"name"}),
    "aws:iam/role:Role": frozenset({"name", "namePrefix"}),
    "aws:kms/key:Key": frozenset({"customerMasterKeySpec", "keyUsage", "multiRegion"}),
    "aws:eks/cluster:Cluster": frozenset({"name"}),
    "aws:eks/nodeGroup:NodeGroup": frozenset(
        {"clusterName", "nodeGroupName", "amiType", "capacityType", "diskSize", "instanceTypes", "subnetIds"}
    ),
    "gcp:storage/bucket:Bucket": frozenset({"name", "location", "project"}),
    "gcp:container/cluster:Cluster": frozenset({"name", "location", "project"}),
    "gcp:serviceaccount/account:Account": frozenset({"accountId", "project"}),
    "azure-native:resources:ResourceGroup": frozenset({"resourceGroupName", "location"}),
    "azure-native:storage:StorageAccount": frozenset({"accountName", "resourceGroupName", "location"}),
    "random:index/randomPassword:RandomPassword": frozenset(
        {"length", "special", "upper", "lower", "numeric", "minSpecial", "overrideSpecial", "keepers"}
    ),
}
KUBERNETES_REPLACE_PATHS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class PropertyChange:
    """One changed value. `kind` is add, remove or change; `old`/`new` are masked display strings
    (None where the side has no value, or where the value is hidden because it is secret)."""

    path: str
    kind: str
    old: str | None = None
    new: str | None = None
    secret: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new, "secret": self.secret}


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str  # create | delete | update | replace
    properties: list[PropertyChange] = field(default_factory=list)
    options: list[PropertyChange] = field(default_factory=list)
    replace_keys: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "properties": [p.to_dict() for p in self.properties],
            "options": [p.to_dict() for p in self.options],
            "replaceKeys": self.replace_keys,
        }


ACTIONS = ("create", "update", "replace", "delete")


@dataclass
class StackDiff:
    stack: str
    status: str  # changed | unchanged | added (only in head) | removed (only in base)
    resources: list[ResourceChange] = field(default_factory=list)
    outputs: list[PropertyChange] = field(default_factory=list)
    config: list[PropertyChange] = field(default_factory=list)
    unchanged: int = 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.resources if r.action == action)

    @property
    def has_changes(self) -> bool:
        return bool(self.resources or self.outputs or self.config)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "status": self.status,
            "counts": {action: self.count(action) for action in ACTIONS} | {"same": self.unchanged},
            "resources": [r.to_dict() for r in self.resources],
            "outputs": [o.to_dict() for o in self.outputs],
            "config": [c.to_dict() for c in self.config],
        }


class _Masker:
    """Turns values into display strings; hides secret markers and every known secret value."""

    def __init__(self, secret_values: Iterable[str]) -> None:
        values = set(secret_values)
        self.exact = values
        self.substrings = [v for v in values if len(v) >= 4]

    def leaks(self, value: Any) -> bool:
        return any(self._leaky(s) for s in _strings(value))

    def _leaky(self, text: str) -> bool:
        return text in self.exact or any(s in text for s in self.substrings)

    def show(self, value: Any) -> str:
        if self.leaks(value):
            return SECRET
        return json.dumps(_mask(value), sort_keys=True, ensure_ascii=False)


def _mask(value: Any) -> Any:
    if is_secret_marker(value):
        return SECRET
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and not is_secret_marker(value):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, dict):
        yield json.dumps(value)


def secret_config_values(base: dict[str, Any] | None, head: dict[str, Any] | None) -> set[str]:
    """Plain values of config keys that the other side marks secret: they must never be shown."""
    out: set[str] = set()
    base_config = (base or {}).get("config") or {}
    head_config = (head or {}).get("config") or {}
    for key in set(base_config) | set(head_config):
        sides = [base_config.get(key), head_config.get(key)]
        if any(is_secret_marker(v) or _contains_secret(v) for v in sides):
            for value in sides:
                out.update(_strings(value))
    return out


def _contains_secret(value: Any) -> bool:
    if is_secret_marker(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return False


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not path or _IDENTIFIER.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _json_container(text: str) -> Any:
    if text[:1] not in ("{", "["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None


def diff_values(old: Any, new: Any, path: str, masker: _Masker) -> list[PropertyChange]:
    """Property-level changes between two values, with nested paths (`rules[0].a.b`)."""
    out: list[PropertyChange] = []
    _diff(old, new, path, masker, out)
    return out


def _diff(old: Any, new: Any, path: str, masker: _Masker, out: list[PropertyChange]) -> None:
    if is_secret_marker(old) and is_secret_marker(new):
        return  # a secret has no value in a plan: two markers are all we can compare
    if is_secret_marker(old) or is_secret_marker(new):
        # Changed from or to a secret: say so, show nothing.
        out.append(PropertyChange(path, "change", secret=True))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            child = join(path, key)
            if key not in old:
                out.append(PropertyChange(child, "add", new=masker.show(new[key])))
            elif key not in new:
                out.append(PropertyChange(child, "remove", old=masker.show(old[key])))
            else:
                _diff(old[key], new[key], child, masker, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            child = join(path, index)
            if index >= len(old):
                out.append(PropertyChange(child, "add", new=masker.show(new[index])))
            elif index >= len(new):
                out.append(PropertyChange(child, "remove", old=masker.show(old[index])))
            else:
                _diff(old[index], new[index], child, masker, out)
        return
    if type(old) is type(new) and old == new:  # strict: 1 and True are different values
        return
    if masker.leaks(old) or masker.leaks(new):
        # A value that either side's config calls secret: say it changed, show nothing.
        out.append(PropertyChange(path, "change", secret=True))
        return
    if isinstance(old, str) and isinstance(new, str):
        # JSON documents in strings (IAM and lifecycle policies): diff inside them.
        old_doc, new_doc = _json_container(old), _json_container(new)
        if old_doc is not None and new_doc is not None:
            _diff(old_doc, new_doc, f"{path}{{json}}", masker, out)
            return
    out.append(PropertyChange(path, "change", old=masker.show(old), new=masker.show(new)))


def _replace_keys(resource_type: str, changes: list[PropertyChange]) -> list[str]:
    keys = REPLACE_ON_CHANGES.get(resource_type, frozenset())
    hits: set[str] = set()
    for change in changes:
        top = re.split(r"[.\[{]", change.path, maxsplit=1)[0]
        if top in keys:
            hits.add(top)
        if resource_type.startswith("kubernetes:"):
            for prefix in KUBERNETES_REPLACE_PATHS:
                if change.path == prefix or change.path.startswith(prefix + "."):
                    hits.add(prefix)
    return sorted(hits)


def _moved(value: Any, moves: dict[str, str]) -> Any:
    """A base `parent` or `dependsOn` value with the URNs of moved (aliased) resources replaced by
    their head URNs."""
    if isinstance(value, list):
        return [moves.get(v, v) if isinstance(v, str) else v for v in value]
    return moves.get(value, value) if isinstance(value, str) else value


def _same_provider(before: Any, after: Any, moves: dict[str, str]) -> bool:
    """Provider references are `<urn>::<id>`. A provider that moved along an alias is the same
    provider (the engine keeps its id and diffs nothing: pulumi/pulumi step_generator.go,
    providerChanged, "observed an aliased provider"), so its references are unchanged."""
    if not isinstance(before, str) or not isinstance(after, str):
        return False
    old_urn = before.rsplit("::", 1)[0]
    return old_urn in moves and moves[old_urn] == after.rsplit("::", 1)[0]


def compare_resource(
    old: dict[str, Any], new: dict[str, Any], masker: _Masker, moves: dict[str, str] | None = None
) -> ResourceChange | None:
    """Changes between a base and a head resource; `moves` maps base URNs of aliased resources to
    their head URNs (parents, providers and dependencies that only moved are no change)."""
    moves = moves or {}
    properties = diff_values(old.get("inputs") or {}, new.get("inputs") or {}, "", masker)
    options: list[PropertyChange] = []
    for key, label in OPTIONS.items():
        before, after = _moved(old.get(key), moves), new.get(key)
        if key == "provider" and _same_provider(old.get(key), after, moves):
            continue
        if key == "parent" and old.get("urn") != new.get("urn"):
            continue  # the parent is part of the URN, and the alias that moved it covers it
        if before != after:
            options.append(PropertyChange(label, "change", old=masker.show(before), new=masker.show(after)))
    if not properties and not options:
        return None
    replace = _replace_keys(new.get("type", ""), properties)
    return ResourceChange(
        urn=new["urn"],
        type=str(new.get("type", "")),
        name=str(new.get("name", "")),
        action="replace" if replace else "update",
        properties=properties,
        options=options,
        replace_keys=replace,
    )


def compare_plans(base: dict[str, Any] | None, head: dict[str, Any] | None, stack: str) -> StackDiff:
    """The diff of one stack; `base` or `head` is None for a stack that exists on one side only."""
    masker = _Masker(secret_config_values(base, head))
    status = "added" if base is None else "removed" if head is None else "changed"
    base_resources = {r["urn"]: r for r in (base or {}).get("resources", [])}
    head_resources = {r["urn"]: r for r in (head or {}).get("resources", [])}
    # As the engine does: a head resource with an alias naming a base URN that the head no longer
    # has is that resource, moved (renamed or reparented), not a delete and a create.
    moves: dict[str, str] = {}
    for urn, resource in head_resources.items():
        if urn in base_resources:
            continue
        for alias in resource.get("aliases") or []:
            if alias in base_resources and alias not in head_resources and alias not in moves:
                moves[alias] = urn
                break
    moved_from = {head_urn: base_urn for base_urn, head_urn in moves.items()}
    diff = StackDiff(stack, status)
    for urn, resource in head_resources.items():
        previous = base_resources.get(urn) or base_resources.get(moved_from.get(urn, ""))
        if previous is None:
            diff.resources.append(_whole(resource, "create"))
            continue
        change = compare_resource(previous, resource, masker, moves)
        if change is None:
            diff.unchanged += 1
        else:
            diff.resources.append(change)
    for urn, resource in base_resources.items():
        if urn not in head_resources and urn not in moves:
            diff.resources.append(_whole(resource, "delete"))
    diff.outputs = diff_values((base or {}).get("outputs", {}), (head or {}).get("outputs", {}), "", masker)
    diff.config = diff_values(*_without_empty_defaults(base, head), "", masker)
    if status == "changed" and not diff.has_changes:
        diff.status = "unchanged"
    return diff


def _without_empty_defaults(
    base: dict[str, Any] | None, head: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both configs without keys one side lacks and the other has empty ([], {}, ""): a key the
    project newly declares with an empty default (plans record defaults) is no change to a stack."""
    old, new = dict((base or {}).get("config", {})), dict((head or {}).get("config", {}))
    for key in set(old) ^ set(new):
        side = old if key in old else new
        if side[key] in ([], {}, ""):
            del side[key]
    return old, new


def _whole(resource: dict[str, Any], action: str) -> ResourceChange:
    kind, name = str(resource.get("type", "")), str(resource.get("name", ""))
    return ResourceChange(resource["urn"], kind, name, action)


def compare_all(base: Plans, head: Plans) -> list[StackDiff]:
    """One StackDiff per stack on either side, sorted by stack name."""
    return [compare_plans(base.get(s), head.get(s), s) for s in sorted(set(base) | set(head))]
