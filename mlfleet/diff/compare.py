"""Comparing two plans by URN: resources created, deleted, updated or replaced, property by property.

Every value this module hands out is already a display string with secrets masked, so no renderer
can print a secret: a secret marker shows as `[secret]`, a value that changed from or to a secret
shows no values at all, and any config value that either side marks secret is never shown anywhere
(even where the other side carried it in plain text). Secret markers carry a fingerprint
(mlfleet/engine/secrets.py): two markers with different fingerprints are a "secret changed".

Besides inputs, the resource options the engine acts on decide what a change is: `ignoreChanges`
paths are not updates, a change under a `replaceOnChanges` path replaces, replacing or deleting a
`protect`ed resource is an error (as `pulumi preview` fails), and the resources whose inputs read a
replaced resource's outputs are replaced too (where that input is force-new) or "may change".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlfleet.diff import replacements
from mlfleet.diff.load import Plans
from mlfleet.diff.paths import overlaps, under
from mlfleet.engine.plan import is_secret_marker
from mlfleet.engine.secrets import contains_secret, fingerprint, mask_secrets
from mlfleet.engine.secrets import join_path as join

SECRET = "[secret]"
_IDENTIFIER_START = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*([.\[{]|$)")
# Resource options compared besides inputs (plan key -> how the diff names it).
OPTIONS = {
    "protect": "protect",
    "retainOnDelete": "retainOnDelete",
    "provider": "provider",
    "parent": "parent",
    "explicitDependencies": "dependsOn",
}
# Every Kubernetes object is replaced when its name or namespace changes (they are its identity in
# the API server); used only for a kubernetes type the generated replacement data does not list.
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
    note: str = "changed"  # for secret changes: changed | secret changed | now secret | no longer secret

    def to_dict(self) -> dict[str, Any]:
        out = {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new, "secret": self.secret}
        return out | ({"note": self.note} if self.secret else {})


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str  # create | delete | update | replace | may-change
    properties: list[PropertyChange] = field(default_factory=list)
    options: list[PropertyChange] = field(default_factory=list)
    replace_keys: list[str] = field(default_factory=list)
    inputs: list[PropertyChange] = field(default_factory=list)  # a created resource's inputs (masked)
    protected: bool = False  # deleting or replacing it fails, as in `pulumi preview`
    retain_on_delete: bool = False  # deleted from the stack, kept in the cloud
    delete_before_replace: bool = False
    caused_by: list[str] = field(default_factory=list)  # `input <- type name` of replaced resources read
    ignored: list[str] = field(default_factory=list)  # changed paths under `ignoreChanges`
    order: int = 0  # registration order in its plan, to keep the plan's order within a severity

    @property
    def error(self) -> str | None:
        if not self.protected or self.action not in ("delete", "replace"):
            return None
        verb = "deleted" if self.action == "delete" else "replaced"
        return (
            f"{self.type} {self.name} is protected and would be {verb}; `pulumi preview` fails here "
            "(set protect: false and deploy that first, or keep the resource)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "action": self.action,
            "properties": [p.to_dict() for p in self.properties],
            "options": [p.to_dict() for p in self.options],
            "replaceKeys": self.replace_keys,
            "inputs": [p.to_dict() for p in self.inputs],
            "protected": self.protected,
            "retainOnDelete": self.retain_on_delete,
            "deleteBeforeReplace": self.delete_before_replace,
            "causedBy": self.caused_by,
            "ignored": self.ignored,
            "error": self.error,
        }


ACTIONS = ("create", "update", "replace", "delete")
MAY_CHANGE = "may-change"


def severity(change: ResourceChange) -> int:
    """Comment order: protected deletes and replaces, replaces, deletes, creates, updates, may-change."""
    if change.error:
        return 0
    return {"replace": 1, "delete": 2, "create": 3, "update": 4}.get(change.action, 5)


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

    @property
    def errors(self) -> list[str]:
        return [r.error for r in self.resources if r.error]

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "status": self.status,
            "errors": self.errors,
            "counts": {action: self.count(action) for action in ACTIONS}
            | {"mayChange": self.count(MAY_CHANGE), "same": self.unchanged},
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
        return json.dumps(mask_secrets(value, SECRET), sort_keys=True, ensure_ascii=False)


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
        if any(contains_secret(v) for v in sides):
            for value in sides:
                out.update(_strings(value))
    return out


def _json_container(text: str) -> Any:
    if text[:1] not in ("{", "["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict | list) else None


Fingerprints = dict[str, str]  # property path -> secret fingerprint (a plan's `secretFingerprints`)


def diff_values(
    old: Any,
    new: Any,
    path: str,
    masker: _Masker,
    fingerprints: tuple[Fingerprints, Fingerprints] = ({}, {}),
) -> list[PropertyChange]:
    """Property-level changes between two values, with nested paths (`rules[0].a.b`);
    `fingerprints` are the two sides' secret fingerprints by path."""
    out: list[PropertyChange] = []
    _diff(old, new, path, _Sides(masker, *fingerprints), out)
    return out


@dataclass(frozen=True)
class _Sides:
    masker: _Masker
    old: Fingerprints
    new: Fingerprints


def _secret_change(old: Any, new: Any, path: str, sides: _Sides) -> str | None:
    """How a value changed where either side is a secret marker (None: the same value). Only
    fingerprints are compared; where a plan has none (older plans), two markers compare equal."""
    before = sides.old.get(path) if is_secret_marker(old) else fingerprint(old)
    after = sides.new.get(path) if is_secret_marker(new) else fingerprint(new)
    if is_secret_marker(old) and is_secret_marker(new):
        return "secret changed" if before and after and before != after else None
    if before == after:
        return None  # the same value, now (or no longer) secret: the engine sees no change either
    return "now secret" if is_secret_marker(new) else "no longer secret"


def _diff(old: Any, new: Any, path: str, sides: _Sides, out: list[PropertyChange]) -> None:
    masker = sides.masker
    if is_secret_marker(old) or is_secret_marker(new):
        note = _secret_change(old, new, path, sides)
        if note is not None:  # say it changed, show nothing
            out.append(PropertyChange(path, "change", secret=True, note=note))
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            child = join(path, key)
            if key not in old:
                out.append(PropertyChange(child, "add", new=masker.show(new[key])))
            elif key not in new:
                out.append(PropertyChange(child, "remove", old=masker.show(old[key])))
            else:
                _diff(old[key], new[key], child, sides, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            child = join(path, index)
            if index >= len(old):
                out.append(PropertyChange(child, "add", new=masker.show(new[index])))
            elif index >= len(new):
                out.append(PropertyChange(child, "remove", old=masker.show(old[index])))
            else:
                _diff(old[index], new[index], child, sides, out)
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
            _diff(old_doc, new_doc, f"{path}{{json}}", sides, out)
            return
    out.append(PropertyChange(path, "change", old=masker.show(old), new=masker.show(new)))


def replace_reasons(resource_type: str, changed_paths: Sequence[str]) -> list[str]:
    """The force-new paths of `resource_type` that `changed_paths` (this module's path format) hit,
    from the providers' own data (mlfleet/diff/replacements.py)."""
    if replacements.replace_paths(resource_type) is None and resource_type.startswith("kubernetes:"):
        return sorted({p for p in KUBERNETES_REPLACE_PATHS for path in changed_paths if overlaps(path, p)})
    # A top-level input that is not an identifier is printed bare (`foo-bar`); its path syntax is
    # then not the data's: judge it by the input name alone.
    readable = [path if _IDENTIFIER_START.match(path) else f"[{json.dumps(path)}]" for path in changed_paths]
    return replacements.replace_reasons(resource_type, readable)


def _replace_keys(resource: dict[str, Any], changes: list[PropertyChange]) -> list[str]:
    """Why the engine would replace: the provider's force-new paths, then the resource's own
    `replaceOnChanges` paths (a change under one, or one under a changed path, replaces)."""
    paths = [c.path for c in changes]
    hits = replace_reasons(str(resource.get("type", "")), paths)
    for pattern in resource.get("replaceOnChanges") or []:
        if pattern not in hits and any(overlaps(path, pattern) for path in paths):
            hits.append(f"{pattern} (replaceOnChanges)")
    return hits


def _not_ignored(
    resource: dict[str, Any], changes: list[PropertyChange]
) -> tuple[list[PropertyChange], list[str]]:
    """Changes outside the resource's `ignoreChanges` paths, and the ignored paths (the engine keeps
    the old value there, so they are no update)."""
    patterns = resource.get("ignoreChanges") or []
    kept = [c for c in changes if not any(under(c.path, p) for p in patterns)]
    return kept, [c.path for c in changes if c not in kept]


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
    fingerprints = (old.get("secretFingerprints") or {}, new.get("secretFingerprints") or {})
    changed = diff_values(old.get("inputs") or {}, new.get("inputs") or {}, "", masker, fingerprints)
    properties, ignored = _not_ignored(new, changed)
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
    replace = _replace_keys(new, properties)
    return ResourceChange(
        urn=new["urn"],
        type=str(new.get("type", "")),
        name=str(new.get("name", "")),
        action="replace" if replace else "update",
        properties=properties,
        options=options,
        replace_keys=replace,
        # The engine checks the protect flag in the state (the base): `pulumi preview` fails on it
        # (pulumi docs, concepts/options/protect: "you must first set protect: false and run pulumi up").
        protected=bool(old.get("protect")),
        delete_before_replace=bool(new.get("deleteBeforeReplace")),
        ignored=ignored,
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
    changes: dict[str, ResourceChange] = {}
    for order, (urn, resource) in enumerate(head_resources.items()):
        previous = base_resources.get(urn) or base_resources.get(moved_from.get(urn, ""))
        if previous is None:
            changes[urn] = _whole(resource, "create", masker)
        elif (change := compare_resource(previous, resource, masker, moves)) is not None:
            changes[urn] = change
        if urn in changes:
            changes[urn].order = order
    _cascade(head_resources, changes)
    for order, (urn, resource) in enumerate(base_resources.items()):
        if urn not in head_resources and urn not in moves:
            changes[urn] = _whole(resource, "delete", masker)
            changes[urn].order = len(head_resources) + order
    # By severity; within one, what the change itself does before what follows from it (cascade).
    diff.resources = sorted(changes.values(), key=lambda c: (severity(c), bool(c.caused_by), c.order))
    diff.unchanged = len(head_resources) - sum(1 for c in diff.resources if c.action != "delete")
    diff.outputs = diff_values(
        (base or {}).get("outputs", {}),
        (head or {}).get("outputs", {}),
        "",
        masker,
        _fingerprints(base, head, "outputs"),
    )
    diff.config = diff_values(
        *_without_empty_defaults(base, head), "", masker, _fingerprints(base, head, "config")
    )
    if status == "changed" and not diff.has_changes:
        diff.status = "unchanged"
    return diff


def _fingerprints(
    base: dict[str, Any] | None, head: dict[str, Any] | None, part: str
) -> tuple[Fingerprints, Fingerprints]:
    def of(plan: dict[str, Any] | None) -> Fingerprints:
        return dict(((plan or {}).get("secretFingerprints") or {}).get(part) or {})

    return of(base), of(head)


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


def _whole(resource: dict[str, Any], action: str, masker: _Masker) -> ResourceChange:
    kind, name = str(resource.get("type", "")), str(resource.get("name", ""))
    inputs = diff_values({}, resource.get("inputs") or {}, "", masker) if action == "create" else []
    return ResourceChange(
        resource["urn"],
        kind,
        name,
        action,
        inputs=inputs,
        protected=action == "delete" and bool(resource.get("protect")),
        retain_on_delete=action == "delete" and bool(resource.get("retainOnDelete")),
    )


# Output strings shorter than this are too common to say where a reader uses them ("true", "80").
_MIN_OUTPUT_CHARS = 8


def _output_strings(head: dict[str, dict[str, Any]], urn: str) -> set[str]:
    """The string values among a resource's outputs (an id, ARN, name, image reference) that are long
    enough to say where a reader uses them."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= _MIN_OUTPUT_CHARS:
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk((head.get(urn) or {}).get("outputs"))
    return found


def _paths_reading(value: Any, outputs: set[str], path: str) -> list[str]:
    """Where inside one input the source's outputs appear: the leaves holding one of them. Pulumi
    records dependencies per top-level property (`spec`), but an unknown output reaches the provider
    only at the leaf that reads it (a Deployment's `spec.template...image`, not `spec.selector`), and
    that leaf decides a replacement. Empty when no output is found (the caller then takes the whole
    property, erring towards a replacement)."""
    if isinstance(value, str):
        # Either way round: a reader may embed an output (an ARN in a policy document) or take a
        # part of it (the image reference out of a push command's output line).
        long_enough = len(value) >= _MIN_OUTPUT_CHARS
        hit = any(output in value or (long_enough and value in output) for output in outputs)
        return [path] if hit else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _paths_reading(v, outputs, join(path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _paths_reading(v, outputs, join(path, i))]
    return []


def _cascade(head: dict[str, dict[str, Any]], changes: dict[str, ResourceChange]) -> None:
    """A replaced or newly created resource has new outputs (a new id, ARN, name): every existing
    resource whose input reads them (the head plan's `propertyDependencies`) changes too, as it
    does in `pulumi preview`, where those outputs are unknown. Mocked outputs never change, so
    this is inferred: where that input is force-new for the reader's type, the reader is replaced
    and the cascade goes on through it; otherwise it "may change" (an update, or nothing if the
    output it reads keeps its value) and the cascade stops there. (A resource renamed without an
    alias is a delete and a create: its readers are readers of a created resource.)"""
    order = {urn: index for index, urn in enumerate(head)}
    readers: dict[str, list[tuple[str, str]]] = {}
    for urn, resource in head.items():
        for prop, deps in (resource.get("propertyDependencies") or {}).items():
            for dep in deps:
                readers.setdefault(dep, []).append((urn, prop))
    queue = [urn for urn, c in changes.items() if c.action in ("replace", "create")]
    while queue:
        source = changes[queue.pop(0)]
        outputs = _output_strings(head, source.urn)  # once per source, not per reader
        for urn, prop in readers.get(source.urn, []):
            change = changes.get(urn)
            if change is not None and change.action == "create":
                continue
            reader = head[urn]
            if change is None:
                change = changes[urn] = ResourceChange(
                    urn, str(reader.get("type", "")), str(reader.get("name", "")), MAY_CHANGE
                )
                change.protected = bool(reader.get("protect"))
                change.order = order[urn]
            how = "new" if source.action == "create" else "replaced"
            cause = f"{prop} <- {source.type} {source.name} ({how})"
            if cause not in change.caused_by:
                change.caused_by.append(cause)
            if change.action == "replace":
                continue
            paths = _paths_reading(reader.get("inputs", {}).get(prop), outputs, prop)
            forced = replace_reasons(change.type, paths or [prop]) + [
                f"{p} (replaceOnChanges)" for p in reader.get("replaceOnChanges") or [] if overlaps(prop, p)
            ]
            if forced:
                change.action = "replace"
                change.replace_keys = sorted({*change.replace_keys, *forced})
                change.delete_before_replace = bool(reader.get("deleteBeforeReplace"))
                queue.append(urn)


def compare_all(base: Plans, head: Plans) -> list[StackDiff]:
    """One StackDiff per stack on either side, sorted by stack name."""
    return [compare_plans(base.get(s), head.get(s), s) for s in sorted(set(base) | set(head))]
