#!/usr/bin/env python3
"""Generate mlfleet/diff/data/replacements.json: the input properties whose change makes each provider
replace a resource, read from the providers' own sources, never typed in by hand.

Inputs (bare git mirrors, read with `git show <ref>:<path>`; the refs are in SOURCES below):
- pulumi-aws: terraform-provider-aws's resource schemas as indexed per release tag by
  lonegunmanb/terraform-provider-aws-index (one file per Go function/method, `index/internal/...`):
  SDKv2 `ForceNew: true` and plugin-framework `...planmodifier.RequiresReplace()`. Tokens and
  camelCase names are matched against the installed pulumi_aws SDK (the exact version in uv.lock).
- pulumi-gcp: hashicorp/terraform-provider-google-beta at the commit pulumi-gcp's `upstream`
  submodule points to (SDKv2 `ForceNew: true`), TF -> Pulumi tokens from pulumi-gcp's
  `provider/cmd/pulumi-resource-gcp/bridge-metadata.json`.
- pulumi-random, pulumi-tls: hashicorp/terraform-provider-{random,tls} at the commit the Pulumi tag's
  provider/go.mod requires (plugin framework `RequiresReplace()`), tokens from the Pulumi repos'
  bridge-metadata.json. For gcp, random and tls the generator stops with an error when the Terraform
  ref in SOURCES is not the one the Pulumi tag bridges (`check_upstream`).
- pulumi-kubernetes: pulumi-kubernetes `provider/pkg/provider/diff.go` (the `forceNew` table and the
  metadata/container/label-selector helpers), `helm_release.go` (a Release replaces on name/namespace).
- pulumi-azure-native: the provider replaces on a change of any parameter of the resource's URL path
  (`calculateDetailedDiff` in provider/pkg/provider/diff.go); the path is the import ID documented in
  every resource of the installed SDK (`pulumi import azure-native:... /subscriptions/{...}/...`).
  Plus the generator's hand-kept `forceNewMap` (provider/pkg/gen/replacement.go: e.g. an AgentPool's
  vmSize, a ManagedCluster's dnsPrefix and networkProfile.serviceCidr, a location), read from a copy
  of that file into mlfleet/diff/data/azure_native_force_new.json (`--azure-native-replacement FILE
  --azure-native-commit SHA`; the repository is too large to mirror here). And the create-only body
  properties of the Azure REST specs (`x-ms-mutability` without "update", resource level only, as the
  generator's properties.go decides), read from the definitions snapshotted in
  mlfleet/diff/data/azure_native_specs.json for the resource types listed there, at the API version the
  installed SDK names per resource (`--azure-specs DIR --azure-specs-commit SHA` re-snapshots them from
  a checkout of Azure/azure-rest-api-specs; too large to mirror here). Other types: not in the data.

Rerun: `.venv/bin/python scripts/gen_replacements.py` (add `--mirrors DIR` if the mirrors are not in
/work/.mirror; fetch them with `git clone --mirror https://github.com/<owner>/<repo>` into
DIR/<owner>+<repo>/repo). `--check` exits 1 when the committed data differs from a fresh run.
After bumping a provider in uv.lock: move the SOURCES ref to the matching tag/commit and rerun.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import posixpath
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "mlfleet" / "diff" / "data" / "replacements.json"


@dataclass(frozen=True)
class Source:
    repo: str  # owner/name
    ref: str  # tag or commit used
    note: str = ""
    pulumi_version: str | None = None  # the provider release these sources belong to, when known


# Where each provider's data comes from. `ref` is the tag/commit read; when the mirror has no ref
# matching the version pinned in uv.lock, the closest older one is used and the data says so.
SOURCES: dict[str, list[Source]] = {
    "pulumi-aws": [
        Source(
            "lonegunmanb/terraform-provider-aws-index",
            "v6.58.0",
            "terraform-provider-aws v6.58.0, the newest indexed release. pulumi-aws 7.51.1 bridges a "
            "newer one that could not be identified (pulumi-aws is too large to mirror, so its upstream "
            "submodule is unreadable): the SDK has resources v6.58.0 does not (aws:lambdamicrovms/"
            "microvm:Microvm, aws:cloudwatchomni/domain:Domain, aws:fis/safetyLeverState:SafetyLeverState)",
        )
    ],
    "pulumi-gcp": [
        Source("pulumi/pulumi-gcp", "v9.35.0", "newest tag in the mirror; uv.lock pins 10.2.0", "9.35.0"),
        Source(
            "hashicorp/terraform-provider-google-beta",
            "3dc173a397749158369ea839a2890d89f8c9c370",
            "v7.45.0, the `upstream` submodule of pulumi-gcp v9.35.0",
        ),
    ],
    # kubernetes, random and tls: uv.lock pins exactly these releases (the newest whose sources the
    # mirrors hold; pulumi-tls 5.4.0 and later bridge terraform-provider-tls 609226f53114, not mirrored).
    "pulumi-kubernetes": [
        Source("pulumi/pulumi-kubernetes", "v4.32.0", "the version uv.lock pins", "4.32.0")
    ],
    "pulumi-random": [
        Source("pulumi/pulumi-random", "v4.21.1", "the version uv.lock pins", "4.21.1"),
        Source(
            "hashicorp/terraform-provider-random",
            "v3.9.0",
            "the commit pulumi-random v4.21.1's provider/go.mod requires (f8d869dc98d9)",
        ),
    ],
    "pulumi-tls": [
        Source("pulumi/pulumi-tls", "v5.3.1", "the version uv.lock pins", "5.3.1"),
        Source(
            "hashicorp/terraform-provider-tls",
            "v4.2.1",
            "the commit pulumi-tls v5.3.1's provider/go.mod requires (857b38cda3fc)",
        ),
    ],
    "pulumi-azure-native": [],  # the installed SDK itself (exact version)
    "pulumi-command": [Source("pulumi/pulumi-command", "v1.2.1", "the version uv.lock pins", "1.2.1")],
}


# ---------------------------------------------------------------------------------------------------
# Git mirrors


class Mirror:
    def __init__(self, root: Path, source: Source) -> None:
        self.git_dir = root / source.repo.replace("/", "+") / "repo"
        if not self.git_dir.is_dir():
            raise SystemExit(f"error: mirror of {source.repo} not found at {self.git_dir} (see --mirrors)")
        self.ref = source.ref
        try:
            self.commit()
        except FileNotFoundError:
            raise SystemExit(
                f"error: {source.repo} has no {source.ref} in {self.git_dir}: update the mirror "
                f"(git --git-dir {self.git_dir} fetch --tags origin) or fix SOURCES in {Path(__file__).name}"
            ) from None

    def _git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "--git-dir", str(self.git_dir), *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise FileNotFoundError(done.stderr.strip())
        return done.stdout

    def commit(self, rev: str | None = None) -> str:
        return self._git("rev-parse", f"{rev or self.ref}^{{commit}}").strip()

    def submodule(self, path: str) -> str | None:
        """The commit a submodule (gitlink) at `path` points to, None when there is none."""
        entry = self._git("ls-tree", self.ref, "--", path).split()
        return entry[2] if entry[1:2] == ["commit"] else None

    def show(self, path: str) -> str:
        return self._git("show", f"{self.ref}:{path}")

    def ls(self, path: str) -> list[str]:
        return self._git("ls-tree", "-r", "--name-only", self.ref, "--", path).split()

    def grep(self, pattern: str, *paths: str) -> list[tuple[str, str]]:
        try:
            out = self._git("grep", "-n", "-E", pattern, self.ref, "--", *paths)
        except FileNotFoundError:
            return []
        hits = []
        for line in out.splitlines():
            _ref, path, _lineno, text = line.split(":", 3)
            hits.append((path, text))
        return hits


# ---------------------------------------------------------------------------------------------------
# A small reader for Go composite literals: enough to walk Terraform schema maps.

_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<str>"(?:[^"\\\n]|\\.)*"|`[^`]*`)|(?P<rune>'(?:[^'\\]|\\.)+')"""
    r"""|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(?P<num>\d[\w.]*)|(?P<op>\.\.\.|:=|[{}()\[\],:;&*+\-=<>!|.^%/~?])""",
    re.S,
)


@dataclass
class Group:
    """A bracketed group ({...}, (...) or [...]), its content split at top-level commas into items."""

    kind: str
    items: list[list[object]] = field(default_factory=list)

    def entries(self) -> Iterator[tuple[list[object], list[object]]]:
        """`key: value` items as (key elements, value elements)."""
        for item in self.items:
            for i, element in enumerate(item):
                if element == ":":
                    yield item[:i], item[i + 1 :]
                    break

    def get(self, key: str) -> list[object] | None:
        for k, v in self.entries():
            if k == [key]:
                return v
        return None


def parse_go(text: str) -> Group:
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        tokens.append(match.group())
    pos = 0

    def group(kind: str, closer: str) -> Group:
        nonlocal pos
        node = Group(kind)
        item: list[object] = []
        while pos < len(tokens):
            tok = tokens[pos]
            pos += 1
            if tok == closer:
                break
            if tok in "{([" and len(tok) == 1:
                item.append(group(tok, {"{": "}", "(": ")", "[": "]"}[tok]))
            elif tok in (",", ";"):
                node.items.append(item)
                item = []
            else:
                item.append(tok)
        if item:
            node.items.append(item)
        return node

    return group("file", "\0")


def groups_in(elements: list[object]) -> Iterator[Group]:
    for element in elements:
        if isinstance(element, Group):
            yield element


def walk_groups(node: Group) -> Iterator[Group]:
    yield node
    for item in node.items:
        for child in groups_in(item):
            yield from walk_groups(child)


def first_braces(elements: list[object]) -> Group | None:
    return next((g for g in groups_in(elements) if g.kind == "{"), None)


# ---------------------------------------------------------------------------------------------------
# Terraform schemas -> force-new attribute paths (TF names)

_ACRONYM_PLURALS = {
    "IDs": "Ids",
    "ARNs": "Arns",
    "IPv4": "Ipv4",
    "IPv6": "Ipv6",
    "ACLs": "Acls",
    "URLs": "Urls",
}


def attr_constant(name: str) -> str:
    """terraform-provider-aws `names.AttrCIDRBlock` -> "cidr_block" (names/attr_consts_gen.go spells
    each constant as the CamelCase of its value)."""
    word = name.split(".", 1)[1].removeprefix("Attr")
    for acronym, plain in _ACRONYM_PLURALS.items():
        word = word.replace(acronym, plain)
    word = re.sub(r"([A-Z])(ID|ARN)$", r"\1_\2", word)  # VPCID -> VPC_ID
    word = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", word)
    word = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", word)
    return word.lower()


def key_name(key: list[object]) -> str | None:
    if len(key) != 1 or not isinstance(key[0], str):
        return None
    tok = key[0]
    if tok.startswith('"'):
        return str(json.loads(tok))
    if tok.startswith("names.Attr"):
        return attr_constant(tok)
    if re.match(r"attr[A-Z]\w*$", tok):  # a service's own constant: attrRestAPIID = "rest_api_id"
        return attr_constant("names.A" + tok[1:])
    return None


def is_schema_map(node: Group) -> bool:
    entries = list(node.entries())
    return node.kind == "{" and bool(entries) and all(key_name(k) is not None for k, _ in entries)


Resolver = Callable[[str], Group | None]  # Go identifier (function or var) -> its parsed source


@dataclass
class TfSchema:
    force_new: set[tuple[str, ...]] = field(default_factory=set)
    attributes: set[tuple[str, ...]] = field(default_factory=set)
    unresolved: set[str] = field(default_factory=set)


def _resolve_value(value: list[object], resolve: Resolver, out: TfSchema) -> Group | None:
    """The braces holding an attribute's definition: inline, or in a same-package helper function/var."""
    braces = first_braces(value)
    if braces is not None:
        return braces
    # `helper()`, `someVar`, or a local one passed through a library call: `maps.Clone(queueSchema)`
    idents = [
        v for v in value if isinstance(v, str) and re.match(r"[A-Za-z_]", v) and v not in ("func", "map")
    ]
    for args in groups_in(value):
        if args.kind == "(":
            idents += [str(a[0]) for a in args.items if len(a) == 1 and re.match(r"[A-Za-z_]", str(a[0]))]
    source = next((found for name in idents if (found := resolve(name)) is not None), None)
    if source is None:
        out.unresolved.update(idents)
        return None
    return next(
        (g for g in walk_groups(source) if g.kind == "{" and (is_schema_map(g) or _is_attribute(g))), None
    )


def _is_attribute(node: Group) -> bool:
    keys = {k[0] for k, _ in node.entries() if len(k) == 1}
    return bool(
        keys & {"Type", "Required", "Optional", "Computed", "ForceNew", "PlanModifiers", "NestedObject"}
    )


# plugin-framework plan modifiers that replace on any change of a set value:
# stringplanmodifier.RequiresReplace(), ...RequiresReplaceIfConfigured(), and
# terraform-provider-random's mapplanmodifiers.RequiresReplaceIfValuesNotNull().
FRAMEWORK_REPLACE = r"\.RequiresReplace(IfConfigured|IfValuesNotNull)?$"


def _forces_new(body: Group) -> bool:
    force = body.get("ForceNew")
    if force == ["true"]:
        return True
    modifiers = body.get("PlanModifiers")
    if modifiers:
        for g in groups_in(modifiers):
            for item in g.items:
                # framework: stringplanmodifier.RequiresReplace(), listplanmodifier.RequiresReplace(), ...
                # (RequiresReplaceIf(func) is conditional on the provider's own logic: not counted)
                if item and isinstance(item[0], str) and re.search(FRAMEWORK_REPLACE, item[0]):
                    return True
    return False


def walk_schema_map(node: Group, prefix: tuple[str, ...], resolve: Resolver, out: TfSchema) -> None:
    for key, value in node.entries():
        name = key_name(key)
        if name is None:
            continue
        path = (*prefix, name)
        out.attributes.add(path)
        body = _resolve_value(value, resolve, out)
        if body is None:
            continue
        if is_schema_map(body):  # a helper returned a whole map: merge (rare)
            walk_schema_map(body, prefix, resolve, out)
            continue
        if _forces_new(body):
            out.force_new.add(path)
        for child in _nested_maps(body, resolve, out):
            walk_schema_map(child, path, resolve, out)


def _nested_maps(body: Group, resolve: Resolver, out: TfSchema) -> Iterator[Group]:
    elem = body.get("Elem")
    if elem is not None:  # SDKv2: Elem: &schema.Resource{Schema: map...}
        resource = _resolve_value(elem, resolve, out)
        if resource is not None:
            if is_schema_map(resource):
                yield resource
            else:
                inner = resource.get("Schema")
                if inner is not None:
                    found = _resolve_value(inner, resolve, out)
                    if found is not None and is_schema_map(found):
                        yield found
    nested = body.get("NestedObject")  # framework: NestedObject: schema.NestedBlockObject{Attributes, Blocks}
    if nested is not None:
        obj = first_braces(nested)
        if obj is not None:
            yield from _framework_maps(obj, resolve, out)
    yield from _framework_maps(body, resolve, out)  # SingleNestedAttribute/Block: Attributes/Blocks inline


def _framework_maps(node: Group, resolve: Resolver, out: TfSchema) -> Iterator[Group]:
    for key in ("Attributes", "Blocks"):
        value = node.get(key)
        if value is not None:
            found = _resolve_value(value, resolve, out)
            if found is not None and is_schema_map(found):
                yield found


def _schema_maps(value: list[object], resolve: Resolver, out: TfSchema) -> list[Group]:
    """The schema map(s) of a `Schema:` value: a literal, `SchemaFunc: func() ... { return map... }`, a
    local var or helper, or `tpgresource.MergeSchemas(a, b, ...)` of any of those."""
    braces = first_braces(value)
    if braces is not None:
        return [next((g for g in walk_groups(braces) if is_schema_map(g)), braces)] if braces.items else []
    call = next((g for g in groups_in(value) if g.kind == "("), None)
    if call is not None and len(call.items) > 1:
        return [m for arg in call.items for m in _schema_maps(arg, resolve, out)]
    found = _resolve_value(value, resolve, out)
    if found is None:
        return []
    return [found] if is_schema_map(found) else [g for g in walk_groups(found) if is_schema_map(g)][:1]


def read_tf_resource(source: Group, resolve: Resolver) -> TfSchema:
    """Force-new paths of one resource: `source` is its SDKv2 factory function or framework Schema method."""
    out = TfSchema()
    for node in walk_groups(source):
        if node.kind != "{":
            continue
        schema = node.get("SchemaFunc") or node.get("Schema")
        if schema is not None and node.get("Type") is None:  # &schema.Resource{Schema: ...}
            for found in _schema_maps(schema, resolve, out):
                walk_schema_map(found, (), resolve, out)
            return out
        if (
            node.get("Attributes") is not None or node.get("Blocks") is not None
        ):  # framework schema.Schema{...}
            for found in _framework_maps(node, resolve, out):
                walk_schema_map(found, (), resolve, out)
            return out
    # `resp.Schema = passwordSchemaV3()`: the schema is built by a helper
    flat = [e for item in source.items for e in item]
    for node in walk_groups(source):
        flat += [e for item in node.items for e in item]
    for i, e in enumerate(flat[:-2]):
        call = flat[i + 2]
        if e == "=" and isinstance(flat[i + 1], str) and isinstance(call, Group) and call.kind == "(":
            helper = resolve(str(flat[i + 1]))
            if helper is not None:
                return read_tf_resource(helper, resolve)
    return out


# ---------------------------------------------------------------------------------------------------
# TF names -> Pulumi names, checked against the installed SDK


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _plurals(name: str) -> list[str]:
    """Pulumi names a TF attribute may have: itself, the bridge's plural for lists, and the renames
    pulumi-aws makes of references (`rest_api_id` -> `restApi`); only one the SDK declares is used."""
    forms = [name]
    if name.endswith("y") and not name.endswith(("ay", "ey", "oy", "uy")):
        forms.append(name[:-1] + "ies")
    forms += [name + "s", name + "es"]
    forms += [name.removesuffix(suffix) for suffix in ("_id", "_arn", "_name") if name.endswith(suffix)]
    if name.endswith("_name"):
        forms.append("name")  # the resource's own name, autonamed in Pulumi: alarm_name -> name
    return forms


_GETTER = re.compile(r'@pulumi\.getter(?:\(name="(?P<wire>[^"]+)"\))?\s+def (?P<py>\w+)\(')


class SdkNames:
    """The wire names a Pulumi Python SDK module declares (resource args/state and nested input types)."""

    def __init__(self, package: str) -> None:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.submodule_search_locations is None:
            raise SystemExit(
                f"error: {package} is not installed (run: .tools/uv/uv sync --frozen --all-packages)"
            )
        self.root = Path(next(iter(spec.submodule_search_locations)))
        self.tokens: dict[str, Path] = {}
        for path in self.root.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for token in re.findall(r"super\(\w+, __self__\)\.__init__\(\s*'([^']+)'", text):
                if ":" in token and not token.startswith("pulumi:providers"):
                    self.tokens[token] = path
        self._cache: dict[Path, set[str]] = {}

    def names(self, path: Path) -> set[str]:
        if path not in self._cache:
            found: set[str] = set()
            for m in _GETTER.finditer(path.read_text(encoding="utf-8")):
                found.add(m.group("wire") or m.group("py"))
            self._cache[path] = found
        return self._cache[path]

    def property_path(self, token: str, tf_path: tuple[str, ...]) -> tuple[str, bool]:
        """camelCase path and whether every level was found in the SDK."""
        resource = self.tokens[token]
        nested = (
            self.names(resource.parent / "_inputs.py") if (resource.parent / "_inputs.py").exists() else set()
        )
        out, verified = [], True
        for level, tf_name in enumerate(tf_path):
            known = self.names(resource) if level == 0 else nested
            by_letters = {k.lower(): k for k in known}
            for form in _plurals(tf_name):
                if camel(form) in known:
                    out.append(camel(form))
                    break
                if form.replace("_", "") in by_letters:  # vpcid (names.AttrVPCID) -> vpcId
                    out.append(by_letters[form.replace("_", "")])
                    break
            else:
                out.append(camel(tf_name))
                verified = False
        return ".".join(out), verified


# ---------------------------------------------------------------------------------------------------
# Providers


@dataclass
class ProviderData:
    types: dict[str, list[str]] = field(default_factory=dict)
    covered: set[str] = field(default_factory=set)
    sources: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    change_above_replaces: bool = True


def _record(mirror: Mirror, source: Source, paths: list[str]) -> dict[str, str]:
    return {
        "repo": source.repo,
        "ref": source.ref,
        "commit": mirror.commit(),
        "paths": ", ".join(paths),
        "note": source.note,
    }


# A Go pseudo-version ends in the commit's first 12 hex digits: v1.2.1-0.20260130152455-857b38cda3fc
_PSEUDO_VERSION = re.compile(r"-(?:0\.)?\d{14}-(?P<commit>[0-9a-f]{12})$")


def upstream_pin(pulumi: Mirror, tf_repo: str) -> str:
    """The Terraform provider commit (or tag) a Pulumi release bridges: its `upstream` submodule
    (pulumi-gcp) or the pseudo-version its provider/go.mod requires (pulumi-random, pulumi-tls)."""
    link = pulumi.submodule("upstream")
    if link is not None:
        return link
    name = tf_repo.split("/")[1]
    m = re.search(rf"/{re.escape(name)} (v\S+)", pulumi.show("provider/go.mod"))
    if m is None:
        raise SystemExit(
            f"error: {pulumi.git_dir} {pulumi.ref}: neither an upstream submodule nor {name} in go.mod"
        )
    pseudo = _PSEUDO_VERSION.search(m.group(1))
    return pseudo.group("commit") if pseudo else m.group(1)


def check_upstream(pulumi: Mirror, upstream: Mirror, tf_repo: str) -> None:
    """Read the Terraform provider at exactly the commit the Pulumi release bridges, nothing near it."""
    pin, read = upstream_pin(pulumi, tf_repo), upstream.commit()
    pinned = pin if re.fullmatch(r"[0-9a-f]{7,40}", pin) else upstream.commit(pin)
    if not read.startswith(pinned):
        raise SystemExit(
            f"error: SOURCES in {Path(__file__).name} reads {tf_repo} at {upstream.ref} ({read[:12]}), but "
            f"{pulumi.ref} bridges {pin}: point SOURCES at that commit (fetch it into the mirror first)"
        )


def _bridged(
    data: ProviderData,
    sdk: SdkNames,
    token_of: dict[str, str],
    schemas: Iterator[tuple[str, TfSchema]],
) -> None:
    unverified: list[str] = []
    unread: list[str] = []
    for tf_type, schema in schemas:
        token = token_of.get(tf_type)
        if token is None or token not in sdk.tokens:
            continue
        if not schema.attributes:  # the schema could not be read: unknown, not "nothing replaces"
            unread.append(token)
            continue
        data.covered.add(token)
        paths = set()
        for tf_path in schema.force_new:
            path, ok = sdk.property_path(token, tf_path)
            if tf_path[0] in ("id",):
                continue
            paths.add(path)
            if not ok:
                unverified.append(f"{token} {path}")
        if paths:
            data.types[token] = sorted(paths)
    if unread:
        left_out = ", ".join(unread)
        data.notes.append(f"{len(unread)} resources whose schema could not be read are left out: {left_out}")
    if unverified:
        data.notes.append(
            f"{len(unverified)} force-new paths whose camelCase name is not declared by the SDK (kept as "
            "camelCase of the TF name; often computed-only or renamed): e.g. "
            + ", ".join(sorted(unverified)[:5])
        )


def _bridge_tokens(mirror: Mirror, path: str) -> dict[str, str]:
    """TF type -> Pulumi token from bridge-metadata.json (`auto-aliasing`, or the older `renames`)."""
    meta = json.loads(mirror.show(path))
    tokens = {
        tf: info["current"]
        for tf, info in meta.get("auto-aliasing", {}).get("resources", {}).items()
        if "current" in info
    }
    tokens.update({tf: token for token, tf in meta.get("renames", {}).get("resources", {}).items()})
    return tokens


def gen_aws(mirrors: Path) -> ProviderData:
    (source,) = SOURCES["pulumi-aws"]
    mirror = Mirror(mirrors, source)
    sdk = SdkNames("pulumi_aws")
    index = json.loads(mirror.show("index/terraform-provider-aws-index.json"))
    data = ProviderData(
        sources=[
            _record(mirror, source, ["index/terraform-provider-aws-index.json", "index/internal/service/*"])
        ]
    )
    token_of = _aws_tokens(index, sdk)
    files = set(mirror.ls("index/internal"))
    lower = {f.lower(): f for f in files}

    def schemas() -> Iterator[tuple[str, TfSchema]]:
        for service in index["services"]:
            package = service["package_path"].split("terraform-provider-aws/", 1)[1]
            directory = f"index/{package}"

            def resolve(name: str, directory: str = directory) -> Group | None:
                if "." in name:
                    return None  # another package's helper (tags, framework.IDAttribute): not force-new
                for kind in ("func", "var"):
                    path = f"{directory}/{kind}.{name}.goindex"
                    if path in files:
                        return parse_go(mirror.show(path))
                return None

            crud = service.get("resource_crud_methods", {})
            for tf_type, info in service.get("aws_sdk_resources", {}).items():
                # The index's factory_function is not always the real name (resourceVpc for resourceVPC);
                # the Read method's name is: resourceVPCRead -> resourceVPC.
                methods = crud.get(tf_type, {})
                factory = info["factory_function"]
                unprefixed = re.sub(rf"^resource{service['service_name']}", "resource", factory, flags=re.I)
                names = [methods.get("read_method", "").removesuffix("Read"), factory, unprefixed]
                path = next(
                    (lower[p] for n in names if (p := f"{directory}/func.{n}.goindex".lower()) in lower), None
                )
                if path is not None:
                    yield tf_type, read_tf_resource(parse_go(mirror.show(path)), resolve)
            for tf_type, info in service.get("aws_framework_resources", {}).items():
                struct = info.get("struct_type") or info.get("factory_function", "")
                path = f"{directory}/method.{struct}.Schema.goindex"
                if path not in files:
                    continue
                yield tf_type, read_tf_resource(parse_go(mirror.show(path)), resolve)

    _bridged(data, sdk, token_of, schemas())
    # terraform-provider-aws v6 injects a top-level `region` argument into every resource with region
    # override enabled and replaces the resource when it changes (internal/provider/sdkv2
    # forceNewIfRegionChanges, framework resourceForceNewIfRegionChanges; not when it goes from unset
    # to the provider's region or back). pulumi-aws exposes exactly those as a `region` input.
    regional = sorted(t for t in data.covered if "region" in sdk.names(sdk.tokens[t]))
    for token in regional:
        data.types[token] = sorted({*data.types.get(token, []), "region"})
    data.notes.append(
        f"{len(regional)} resources replace on a change of the injected `region` argument "
        "(except unset <-> the provider's region, which the data cannot tell apart)"
    )
    return data


def _aws_tokens(index: dict, sdk: SdkNames) -> dict[str, str]:
    """terraform-provider-aws type -> pulumi-aws token. pulumi-aws names most resources by the TF name
    without `aws_` and the service prefix, camelCased (provider/resources.go); matched on letters only."""
    by_letters: dict[str, list[str]] = {}
    for token in sdk.tokens:
        module, name = token.split(":")[1].split("/")
        for candidate in (name, module + name):
            by_letters.setdefault(candidate.lower(), []).append(token)
    out = {}
    for service in index["services"]:
        for group in ("aws_sdk_resources", "aws_framework_resources"):
            for tf_type in service.get(group, {}):
                letters = tf_type.removeprefix("aws_").replace("_", "")
                tokens = by_letters.get(letters, [])
                # Prefer a token whose module is the TF service (aws_eks_cluster -> aws:eks/cluster).
                exact = [
                    t for t in tokens if letters == (t.split(":")[1].split("/")[0] + t.split(":")[2]).lower()
                ]
                same_service = [t for t in tokens if t.split(":")[1].split("/")[0] == service["service_name"]]
                choice = exact or same_service or tokens
                if len(choice) == 1:
                    out[tf_type] = choice[0]
    # A Pulumi module named differently from the TF prefix (aws_prometheus_* -> aws:amp/*, aws_osis_*
    # -> aws:opensearchingest/*): the rest of the name, when exactly one unclaimed token carries it.
    claimed = set(out.values())
    by_name: dict[str, list[str]] = {}
    for token in sdk.tokens:
        by_name.setdefault(token.split(":")[2].lower(), []).append(token)
    for service in index["services"]:
        for group in ("aws_sdk_resources", "aws_framework_resources"):
            for tf_type in service.get(group, {}):
                if tf_type in out or tf_type.count("_") < 2:
                    continue
                rest = tf_type.split("_", 2)[2].replace("_", "")
                tokens = [t for t in by_name.get(rest, []) if t not in claimed]
                if len(tokens) == 1:
                    out[tf_type] = tokens[0]
                    claimed.add(tokens[0])
    out.update(AWS_TOKEN_OVERRIDES)
    return out


# pulumi-aws names that the letter match above cannot find (pulumi/pulumi-aws provider/resources.go).
AWS_TOKEN_OVERRIDES = {
    "aws_s3_bucket_replication_configuration": "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
}


def gen_gcp(mirrors: Path) -> ProviderData:
    pulumi_src, upstream_src = SOURCES["pulumi-gcp"]
    pulumi, upstream = Mirror(mirrors, pulumi_src), Mirror(mirrors, upstream_src)
    check_upstream(pulumi, upstream, upstream_src.repo)
    meta_path = "provider/cmd/pulumi-resource-gcp/bridge-metadata.json"
    token_of = _bridge_tokens(pulumi, meta_path)
    data = ProviderData(
        sources=[_record(pulumi, pulumi_src, [meta_path]), _record(upstream, upstream_src, ["google-beta/"])]
    )
    sdk = SdkNames("pulumi_gcp")
    functions = _go_index(upstream, "google-beta")
    registrations = upstream.grep(r'^\s+Name: +"google_', "google-beta/services")

    def resolve(name: str) -> Group | None:
        short = name.rsplit(".", 1)[-1]
        path = functions.get(short)
        if path is None:
            return None
        return _go_decl(upstream, path, short)

    def schemas() -> Iterator[tuple[str, TfSchema]]:
        seen: set[tuple[str, str]] = set()
        for path, line in registrations:
            tf_type = json.loads(line.split(":", 1)[1].strip().rstrip(","))
            if (path, tf_type) in seen or tf_type not in token_of:
                continue
            seen.add((path, tf_type))
            block = _registration(upstream, path, tf_type)
            if block is None:
                continue
            kind, schema_expr = block
            if kind == "registry.SchemaTypeResource":
                call = [e for e in schema_expr if isinstance(e, str)]
                if call:
                    source = resolve(call[0])
                    if source is not None:
                        yield tf_type, read_tf_resource(source, resolve)
            elif kind == "registry.SchemaTypeIAMResource":
                yield tf_type, _gcp_iam(schema_expr, resolve)

    _bridged(data, sdk, token_of, schemas())
    return data


def _go_index(mirror: Mirror, root: str) -> dict[str, str]:
    """Top-level Go func and var names -> file, for a tree."""
    out: dict[str, str] = {}
    for path, text in mirror.grep(r"^(func|var) [A-Za-z_]", root):
        if path.endswith("_test.go"):
            continue
        m = re.match(r"(?:func|var) ([A-Za-z_][A-Za-z0-9_]*)", text)
        if m:
            out.setdefault(m.group(1), path)
    return out


_FILES: dict[tuple[str, str], str] = {}


def _file(mirror: Mirror, path: str) -> str:
    key = (str(mirror.git_dir), path)
    if key not in _FILES:
        _FILES[key] = mirror.show(path)
    return _FILES[key]


def _go_decl(mirror: Mirror, path: str, name: str) -> Group | None:
    text = _file(mirror, path)
    m = re.search(rf"^(?:func|var) {re.escape(name)}\b", text, re.M)
    if m is None:
        return None
    end = re.search(r"^\}", text[m.start() :], re.M)
    return parse_go(text[m.start() : m.start() + (end.end() if end else len(text))])


def _registration(mirror: Mirror, path: str, tf_type: str) -> tuple[str, list[object]] | None:
    text = _file(mirror, path)
    for m in re.finditer(r"registry\.Schema\{", text):
        body = parse_go(text[m.end() - 1 : m.end() + 2000])
        block = first_braces(body.items[0]) if body.items else None
        if block is None or block.get("Name") != [json.dumps(tf_type)]:
            continue
        kind, schema = block.get("Type"), block.get("Schema")
        if kind and schema:
            return str(kind[0]), schema
    return None


def _gcp_iam(schema_expr: list[object], resolve: Resolver) -> TfSchema:
    """`tpgiamresource.ResourceIamMember(ParentSchema, ...)`, possibly inside a wrapper function: read
    ResourceIamMember's own schema (google-beta/tpgiamresource/resource_iam_member.go) with its
    parentSpecificSchema parameter bound to the argument."""
    call: tuple[str, Group] | None = None
    for _ in range(3):  # unwrap ProjectIamMemberResource() -> tpgiamresource.ResourceIamMember(...)
        flat = _flatten(schema_expr)
        for i, e in enumerate(flat[:-1]):
            if isinstance(e, str) and re.search(r"(^|\.)ResourceIam(Member|Binding|Policy)$", e):
                nxt = flat[i + 1]
                if isinstance(nxt, Group) and nxt.kind == "(":
                    call = (e.rsplit(".", 1)[-1], nxt)
                    break
        if call is not None:
            break
        name = next((e for e in schema_expr if isinstance(e, str)), "")
        wrapper = resolve(name)
        if wrapper is None:
            break
        schema_expr = [wrapper]
    out = TfSchema()
    if call is None or not call[1].items:
        return out
    func_name, args = call
    source = resolve(func_name)
    if source is None:
        out.unresolved.add(func_name)
        return out
    params = next((g for g in groups_in(_flatten([source])) if g.kind == "("), None)
    param = str(params.items[0][0]) if params and params.items else ""
    parent = args.items[0]

    return read_tf_resource(source, lambda n: _bind(n, param, parent, resolve))


def _bind(name: str, param: str, value: list[object], resolve: Resolver) -> Group | None:
    if name != param:
        return resolve(name)
    ident = next((e for e in value if isinstance(e, str)), None)
    return resolve(ident) if ident else None


def _flatten(elements: list[object]) -> list[object]:
    flat: list[object] = []
    for e in elements:
        flat.append(e)
        if isinstance(e, Group):
            for item in e.items:
                flat.extend(_flatten(item))
    return flat


def gen_framework_provider(mirrors: Path, package: str, prefix: str) -> ProviderData:
    """terraform-provider-random / -tls: plugin-framework resources in internal/provider/resource_*.go."""
    pulumi_src, upstream_src = SOURCES[package]
    pulumi, upstream = Mirror(mirrors, pulumi_src), Mirror(mirrors, upstream_src)
    check_upstream(pulumi, upstream, upstream_src.repo)
    name = package.removeprefix("pulumi-")
    meta_path = f"provider/cmd/pulumi-resource-{name}/bridge-metadata.json"
    token_of = _bridge_tokens(pulumi, meta_path)
    data = ProviderData(
        sources=[
            _record(pulumi, pulumi_src, [meta_path]),
            _record(upstream, upstream_src, ["internal/provider/"]),
        ]
    )
    sdk = SdkNames(f"pulumi_{name}")

    def schemas() -> Iterator[tuple[str, TfSchema]]:
        for path in upstream.ls("internal/provider"):
            if not re.search(r"/resource_[a-z0-9_]+\.go$", path) or path.endswith("_test.go"):
                continue
            text = upstream.show(path)
            tf_type = f"{prefix}_" + re.search(r"resource_([a-z0-9_]+)\.go$", path).group(1)  # type: ignore[union-attr]
            m = re.search(r"^func \([a-z]+ \*?\w+\) Schema\(", text, re.M)
            if m is None:
                continue
            end = re.search(r"^\}", text[m.start() :], re.M)
            source = parse_go(text[m.start() : m.start() + (end.end() if end else len(text))])
            helpers = {n: path for n in re.findall(r"^func ([A-Za-z_]\w*)\(", text, re.M)}

            def resolve(ident: str, text: str = text, helpers: dict[str, str] = helpers) -> Group | None:
                if ident not in helpers:
                    return None
                start = re.search(rf"^func {re.escape(ident)}\(", text, re.M)
                assert start is not None
                stop = re.search(r"^\}", text[start.start() :], re.M)
                return parse_go(text[start.start() : start.start() + (stop.end() if stop else len(text))])

            yield tf_type, read_tf_resource(source, resolve)

    _bridged(data, sdk, token_of, schemas())
    return data


def gen_kubernetes(mirrors: Path) -> dict:
    (source,) = SOURCES["pulumi-kubernetes"]
    mirror = Mirror(mirrors, source)
    diff_go = mirror.show("provider/pkg/provider/diff.go")
    helm_go = mirror.show("provider/pkg/provider/helm_release.go")
    kinds = _k8s_force_new(parse_go(diff_go))
    metadata = kinds.pop("*metadata*")
    m = re.search(r"forceNewFields := \[\]string\{([^}]*)\}", helm_go)
    if m is None:
        raise SystemExit(
            "error: helm_release.go: forceNewFields not found (the source changed: update the generator)"
        )
    helm = sorted(_k8s_path(json.loads(s)) for s in re.findall(r'"[^"]*"', m.group(1)))
    return {
        "source": _record(
            mirror, source, ["provider/pkg/provider/diff.go", "provider/pkg/provider/helm_release.go"]
        ),
        "everyKind": metadata,
        "kinds": kinds,
        "tokens": {"kubernetes:helm.sh/v3:Release": helm},
        "assumes": "provider defaults enableConfigMapMutable=false, enableSecretMutable=false (provider.go)",
    }


def _k8s_path(path: str) -> str:
    return path.lstrip(".").replace("[*]", "")


def _k8s_force_new(file: Group) -> dict[str, list[str]]:
    """Evaluate diff.go's tables: `var x = properties{...}` / append(...) / helper calls, the `forceNew`
    group -> version -> kind map and the Secret/ConfigMap special cases in forceNewProperties."""
    decls: dict[str, list[object]] = {}
    funcs: dict[str, Group] = {}
    for segment in _declarations(file):
        head = segment[0]
        if head == "var" and len(segment) > 3 and segment[2] == "=":
            decls[str(segment[1])] = segment[3:]
        elif head == "func":
            rest = segment[2:] if isinstance(segment[1], Group) else segment[1:]  # skip a method receiver
            body = next((g for g in groups_in(rest[2:]) if g.kind == "{"), None)
            if body is not None:
                funcs[str(rest[0])] = body

    def strings(elements: list[object], env: dict[str, str]) -> list[str]:
        """Value of a `properties` expression as a list of paths."""
        out: list[str] = []
        idx = 0
        while idx < len(elements):
            e = elements[idx]
            nxt = elements[idx + 1] if idx + 1 < len(elements) else None
            if isinstance(e, str) and e.startswith('"'):
                out.append(json.loads(e))
                idx += 1
                continue
            if e == "append" and isinstance(nxt, Group):
                for arg in nxt.items:
                    out += strings(arg, env)
                idx += 2
                continue
            if isinstance(e, str) and e in funcs and isinstance(nxt, Group) and nxt.kind == "(":
                # The helpers take `prefix string` or `prefixes ...string` and return
                # properties{prefix + ".x", ...}.
                for arg in nxt.items:
                    for value in strings(arg, env):
                        out += _returned(funcs[e], {**env, "prefix": value})
                idx += 2
                continue
            if isinstance(e, Group) and e.kind == "{":
                for it in e.items:
                    out += _concat(it, env)
                idx += 1
                continue
            if isinstance(e, str) and e in decls and e not in ("forceNew", "core"):
                out += strings(decls[e], env)
            idx += 1
        return out

    def _returned(body: Group, env: dict[str, str]) -> list[str]:
        found: list[str] = []
        for g in walk_groups(body):
            if g.kind == "{" and any("+" in it for it in g.items):
                for it in g.items:
                    found += _concat(it, env)
        return found

    def _concat(item: list[object], env: dict[str, str]) -> list[str]:
        parts = []
        for e in item:
            if isinstance(e, str) and e.startswith('"'):
                parts.append(json.loads(e))
            elif isinstance(e, str) and e in env:
                parts.append(env[e])
            elif e == "+":
                continue
            elif isinstance(e, str) and e in decls:
                return strings(decls[e], env)
            else:
                return []
        return ["".join(parts)] if parts else []

    def versions(elements: list[object]) -> dict[str, dict[str, list[str]]]:
        table = first_braces(elements)
        out: dict[str, dict[str, list[str]]] = {}
        if table is None:
            return out
        for vkey, vval in table.entries():
            kinds_group = first_braces(vval)
            if kinds_group is None:
                continue
            out[json.loads(str(vkey[0]))] = {
                json.loads(str(k[0])): sorted({_k8s_path(p) for p in strings(v, {})})
                for k, v in kinds_group.entries()
            }
        return out

    tokens: dict[str, list[str]] = {}
    groups = first_braces(decls["forceNew"])
    assert groups is not None, "diff.go: forceNew table not found"
    for gkey, gval in groups.entries():
        group = json.loads(str(gkey[0]))
        table = versions(decls[str(gval[0])]) if len(gval) == 1 and str(gval[0]) in decls else versions(gval)
        for version, kinds in table.items():
            pulumi_group = "core" if group in ("", "core") else group
            for kind, paths in kinds.items():
                tokens[f"kubernetes:{pulumi_group}/{version}:{kind}"] = paths
    # forceNewProperties: a Secret (group core) replaces on type/stringData/data, a ConfigMap on
    # binaryData/data, with the provider's default settings.
    special = funcs.get("forceNewProperties")
    assert special is not None, "diff.go: forceNewProperties not found"
    secret = _k8s_special(diff_text_of(special), "IsSecret")
    config_map = _k8s_special(diff_text_of(special), "IsConfigMap")
    tokens["kubernetes:core/v1:Secret"] = sorted(
        set(tokens.get("kubernetes:core/v1:Secret", [])) | set(secret)
    )
    tokens["kubernetes:core/v1:ConfigMap"] = sorted(
        set(tokens.get("kubernetes:core/v1:ConfigMap", [])) | set(config_map)
    )
    metadata = sorted(
        _k8s_path(p) for p in strings(["metadataForceNewProperties", Group("(", [['".metadata"']])], {})
    )
    tokens["*metadata*"] = metadata
    return tokens


def _declarations(file: Group) -> Iterator[list[object]]:
    """A Go file's top level cut into declarations (var/func/type/const/import): Go statements are
    separated by newlines, which the tokenizer drops."""
    flat = [e for item in file.items for e in item]
    current: list[object] = []
    for e in flat:
        if e in ("var", "func", "type", "const", "import", "package") and current:
            yield current
            current = []
        current.append(e)
    if current:
        yield current


def diff_text_of(node: Group) -> list[object]:
    flat: list[object] = []
    for item in node.items:
        for e in item:
            flat.append(e)
            if isinstance(e, Group):
                flat.extend(diff_text_of(e))
    return flat


def _k8s_special(flat: list[object], predicate: str) -> list[str]:
    """The `properties{...}` appended in the branch guarded by clients.<predicate>(obj)."""
    for i, e in enumerate(flat):
        if e == f"clients.{predicate}":
            for later in flat[i:]:
                if (
                    isinstance(later, Group)
                    and later.kind == "{"
                    and later.items
                    and all(len(it) == 1 and str(it[0]).startswith('"') for it in later.items)
                ):
                    return [_k8s_path(json.loads(str(it[0]))) for it in later.items]
    raise SystemExit(
        f"error: diff.go: the {predicate} branch of forceNewProperties not found (update the generator)"
    )


AZURE_FORCE_NEW = Path(__file__).resolve().parent.parent / "mlfleet/diff/data/azure_native_force_new.json"
AZURE_REPLACEMENT_GO = "provider/pkg/gen/replacement.go"
_GO_COMMENT = re.compile(r"//[^\n]*")
_GO_MODULE = re.compile(r'"(\w+)":\s*\{(.*?)\n\t\},', re.DOTALL)
_GO_STRING_SET = re.compile(r'"(\w+)":\s*codegen\.NewStringSet\((.*?)\)', re.DOTALL)
_ARGS_CLASS = re.compile(r"^class (\w+Args):\n(.*?)(?=^class |\Z)", re.DOTALL | re.MULTILINE)
_TYPED_GETTER = re.compile(
    r'@pulumi\.getter(?:\(name="(?P<wire>[^"]+)"\))?\s+def (?P<py>\w+)\(self\) -> (?P<ann>[^\n]+):'
)


def read_force_new_map(go: str) -> dict[str, dict[str, dict[str, list[str]]]]:
    """`forceNewMap` and `noForceNewMap` of pulumi-azure-native's provider/pkg/gen/replacement.go:
    {var: {ModuleName: {Resource: [property, ...]}}}. Comments are dropped first (they quote names)."""
    text = _GO_COMMENT.sub("", go)
    out: dict[str, dict[str, dict[str, list[str]]]] = {}
    for var in ("forceNewMap", "noForceNewMap"):
        start = text.find(f"var {var} = ")
        if start < 0:
            raise SystemExit(f"error: {AZURE_REPLACEMENT_GO}: `var {var}` not found (update the generator)")
        end = text.find("\n}\n", start)
        block = text[text.index("{", start) + 1 : end if end >= 0 else len(text)] + "\n"
        out[var] = {
            module: {
                resource: sorted(re.findall(r'"([^"]+)"', names))
                for resource, names in _GO_STRING_SET.findall(body)
            }
            for module, body in _GO_MODULE.findall(block)
        }
    return out


def write_azure_force_new(go_file: Path, commit: str) -> None:
    """Snapshot a copy of replacement.go (read at `commit`) as data the generator reads offline."""
    maps = read_force_new_map(go_file.read_text(encoding="utf-8"))
    snapshot = {
        "source": {
            "repo": "pulumi/pulumi-azure-native",
            "path": AZURE_REPLACEMENT_GO,
            "commit": commit,
        },
        **maps,
    }
    AZURE_FORCE_NEW.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _args_graph(files: list[Path]) -> dict[str, dict[str, str | None]]:
    """Args class -> {wire name: the Args class it holds (lists and maps looked through) or None}."""
    graph: dict[str, dict[str, str | None]] = {}
    for path in files:
        for name, body in _ARGS_CLASS.findall(path.read_text(encoding="utf-8")):
            graph[name] = {
                (m.group("wire") or m.group("py")): next(
                    iter(re.findall(r"'(\w+Args)'", m.group("ann"))), None
                )
                for m in _TYPED_GETTER.finditer(body)
            }
    return graph


def _paths_to(graph: dict[str, dict[str, str | None]], root: str, wanted: str, depth: int = 3) -> list[str]:
    """The input paths (camelCase, dotted) from `root` whose last name is `wanted`, at the shallowest
    level that has one, `depth` levels deep at most. forceNewMap names a property, not a path: the
    provider's generator checks the name in the resource's own body and in the types it generates
    during that resource's pass (properties.go forceNew), and a type shared with another resource
    takes the flags of whichever pass generated it first (replacement.go's own comment on
    nodePublicIPTags). The shallowest match is the one the entry is meant for (a ManagedCluster's
    `location`, not its identity's delegated resources' `location`; a CDN Profile's `name` is
    `sku.name`, as the comment above it says)."""
    frontier: list[tuple[str, str]] = [("", root)]
    for _ in range(depth):
        found: list[str] = []
        later: list[tuple[str, str]] = []
        for prefix, cls in frontier:
            for name, inner in graph.get(cls, {}).items():
                path = f"{prefix}{name}"
                if name == wanted:
                    found.append(path)
                elif inner is not None:
                    later.append((path + ".", inner))
        if found:
            return found
        frontier = later
    return []


def _azure_force_new(sdk: SdkNames, data: ProviderData) -> dict[str, list[str]]:
    """forceNewMap's properties as input paths per token (from the snapshot), noting what the
    installed SDK does not have."""
    if not AZURE_FORCE_NEW.exists():
        data.notes.append(f"forceNewMap not read: {AZURE_FORCE_NEW.name} is missing")
        return {}
    snapshot = json.loads(AZURE_FORCE_NEW.read_text(encoding="utf-8"))
    source = snapshot["source"]
    data.sources.append(
        {
            "repo": source["repo"],
            "ref": source["commit"],
            "commit": source["commit"],
            "paths": f"{source['path']} forceNewMap (via mlfleet/diff/data/{AZURE_FORCE_NEW.name})",
            "note": "a copy of the file at that commit (the search index's); pulumi-azure-native is too "
            f"large to mirror here, so whether the v{importlib.metadata.version('pulumi-azure-native')} "
            "tag has the same map was not checked",
        }
    )
    out: dict[str, list[str]] = {}
    missing: list[str] = []
    for module, resources in snapshot["forceNewMap"].items():
        for resource, names in resources.items():
            token = f"azure-native:{module.lower()}:{resource}"
            if token not in sdk.tokens or not names:
                if names:
                    missing.append(token)
                continue
            path = sdk.tokens[token]
            inputs = path.parent / "_inputs.py"
            graph = _args_graph([path, *([inputs] if inputs.exists() else [])])
            for name in names:
                paths = _paths_to(graph, f"{resource}Args", name)
                out.setdefault(token, []).extend(paths)
                if not paths:
                    missing.append(f"{token} {name}")
    if missing:
        data.notes.append(
            "forceNewMap entries the installed SDK does not declare: " + ", ".join(sorted(missing))
        )
    return out


# ---------------------------------------------------------------------------------------------------
# azure-native: create-only body properties from the Azure REST API specs
#
# pulumi-azure-native's generator marks a resource's body property ForceNew when its `x-ms-mutability`
# has "create" but not "update" (provider/pkg/gen/properties.go forceNew/propChangeForcesRecreate),
# but only at the resource's own level: the body definition's properties, those of `allOf` parents and
# of `x-ms-client-flatten` containers (genProperties with isType=false). Below that (isType=true) it
# records ForceNewSetOnReferencedType, which provider/pkg/provider/diff.go does not read: a create-only
# property of a nested object (a StorageAccount's encryption.services.blob.keyType) is an update.
# A `$ref` with sibling keys takes the target with the siblings' extensions laid over it and readOnly
# OR'ed (provider/pkg/openapi ResolveSchema); read-only properties are no inputs; a later definition's
# property replaces an earlier one of the same name (propertyBag.merge: own properties, then allOf).

AZURE_SPECS = ROOT / "mlfleet" / "diff" / "data" / "azure_native_specs.json"
_API_VERSION_DOC = re.compile(r"Uses Azure REST API version ([0-9A-Za-z-]+?)\.?\s")
_KEPT_SCHEMA_KEYS = (
    "$ref",
    "allOf",
    "readOnly",
    "x-ms-client-flatten",
    "x-ms-client-name",
    "x-ms-mutability",
)


class AzureSpecs:
    """Swagger documents by their path in Azure/azure-rest-api-specs (`specification/...`)."""

    def __init__(self, documents: dict[str, dict]) -> None:
        self.documents = documents
        self.missing: set[str] = set()  # `doc#/definitions/Name` refs not in the documents

    def _target(self, doc: str, ref: str) -> tuple[str, str]:
        file, _, pointer = ref.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), file)) if file else doc
        return target, pointer.removeprefix("/definitions/")

    def resolve(self, doc: str, schema: dict) -> tuple[str, dict]:
        """The schema a `$ref` points at, with the referring schema's extensions laid over it."""
        ref = schema.get("$ref")
        if not ref:
            return doc, schema
        target, name = self._target(doc, ref)
        found = self.documents.get(target, {}).get("definitions", {}).get(name)
        if found is None:
            self.missing.add(f"{target}#/definitions/{name}")
            found = {}
        merged = dict(found)
        merged.update({k: v for k, v in schema.items() if k.startswith("x-")})
        merged["readOnly"] = bool(found.get("readOnly") or schema.get("readOnly"))
        merged.pop("$ref", None)
        return target, merged

    def body_properties(self, doc: str, schema: dict) -> dict[str, bool]:
        """The resource-level input properties of a body schema (SDK name -> force-new)."""
        out: dict[str, bool] = {}
        for name in sorted(schema.get("properties", {})):
            prop = schema["properties"][name]
            flatten = prop.get("x-ms-client-flatten") is True
            if name == "etag" or (prop.get("readOnly") and not flatten):  # no input either way
                continue
            where, resolved = self.resolve(doc, prop)
            if flatten and "additionalProperties" not in resolved:
                out.update(self.body_properties(where, resolved))
                continue
            if resolved.get("readOnly"):
                continue
            mutability = resolved.get("x-ms-mutability")
            client = resolved.get("x-ms-client-name")
            sdk = client[:1].lower() + client[1:] if isinstance(client, str) and client else name
            out[sdk] = mutability is not None and "create" in mutability and "update" not in mutability
        for parent in schema.get("allOf", []):
            out.update(self.body_properties(*self.resolve(doc, parent)))
        return out

    def trimmed(self, roots: list[tuple[str, str]]) -> dict[str, dict]:
        """The definitions `body_properties` reads from `roots` (doc, definition), cut to the keys it
        reads: whole where it walks their properties (bodies, allOf parents, flattened containers),
        a stub of their own keys where a property only refers to them."""
        out: dict[str, dict] = {}
        walked: set[tuple[str, str]] = set()

        def cut(schema: dict) -> dict:
            entry = {k: schema[k] for k in _KEPT_SCHEMA_KEYS if k in schema}
            if "additionalProperties" in schema:
                entry["additionalProperties"] = bool(schema["additionalProperties"])
            return entry

        def prop(doc: str, schema: dict) -> dict:
            """A property's kept keys; what it refers to is kept too. A flattened inline schema's own
            properties are resource-level (a BlobServiceProperties' `properties`), so they are kept whole."""
            flatten = schema.get("x-ms-client-flatten") is True
            if schema.get("$ref"):
                keep(*self._target(doc, schema["$ref"]), whole=flatten)
            if not flatten:
                return cut(schema)
            for parent in schema.get("allOf", []):  # a flattened inline schema's parents
                keep(*self._target(doc, parent["$ref"]), whole=True)
            entry = cut(schema)
            if "properties" in schema and not schema.get("$ref"):
                entry["properties"] = {n: prop(doc, p) for n, p in schema["properties"].items()}
            return entry

        def keep(doc: str, name: str, whole: bool) -> None:
            found = self.documents.get(doc, {}).get("definitions", {}).get(name)
            if found is None or (doc, name) in walked:
                return
            defs = out.setdefault(doc, {})
            entry = defs.setdefault(name, cut(found))
            if not whole:
                return
            walked.add((doc, name))
            props = found.get("properties")
            if props is not None:
                entry["properties"] = {n: prop(doc, p) for n, p in props.items()}
            for parent in found.get("allOf", []):
                if parent.get("$ref"):
                    keep(*self._target(doc, parent["$ref"]), whole=True)

        for doc, name in roots:
            keep(doc, name, whole=True)
        return out


def _sdk_api_version(path: Path) -> str | None:
    found = _API_VERSION_DOC.search(path.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def write_azure_specs(specs_dir: Path, commit: str) -> None:
    """Re-read the documents AZURE_SPECS names from a checkout of Azure/azure-rest-api-specs at
    `commit` and snapshot the definitions the generator reads (the repository is too large to mirror)."""
    manifest = json.loads(AZURE_SPECS.read_text(encoding="utf-8"))
    documents: dict[str, dict] = {}
    for path in sorted(specs_dir.rglob("*.json")):
        rel = path.relative_to(specs_dir).as_posix()
        if rel.startswith("specification/"):
            documents[rel] = json.loads(path.read_text(encoding="utf-8"))
    specs = AzureSpecs(documents)
    roots = [(r["spec"], r["body"]) for r in manifest["resources"].values()]
    for doc, _ in roots:
        if doc not in documents:
            raise SystemExit(
                f"error: {specs_dir}/{doc} not found (the spec of a resource in {AZURE_SPECS.name})"
            )
    manifest["documents"] = {
        doc: {"commit": commit, "definitions": dict(sorted(defs.items()))}
        for doc, defs in sorted(specs.trimmed(roots).items())
    }
    AZURE_SPECS.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _azure_create_only(
    sdk: SdkNames, data: ProviderData, path_params: Callable[[str], set[str]]
) -> dict[str, list[str]]:
    """Create-only body properties per token, for the resources whose specs AZURE_SPECS holds (at the
    API version the installed SDK was generated from: each resource's docstring names it). The body's
    inputs must be the SDK's inputs less the path parameters: a spec of the same API version but from
    another specs commit than the provider's (a property added, or made read-only) fails here."""
    if not AZURE_SPECS.exists():
        data.notes.append(f"create-only (x-ms-mutability) properties not read: {AZURE_SPECS.name} is missing")
        return {}
    manifest = json.loads(AZURE_SPECS.read_text(encoding="utf-8"))
    documents = manifest["documents"]
    specs = AzureSpecs({doc: {"definitions": d["definitions"]} for doc, d in documents.items()})
    out: dict[str, list[str]] = {}
    mismatched: list[str] = []
    for token, resource in sorted(manifest["resources"].items()):
        path = sdk.tokens.get(token)
        if path is None:
            raise SystemExit(
                f"error: {AZURE_SPECS.name}: {token} is not in the installed pulumi_azure_native"
            )
        version = _sdk_api_version(path)
        if version != resource["apiVersion"]:
            raise SystemExit(
                f"error: {AZURE_SPECS.name}: {token} is generated from API version {version} in "
                f"pulumi-azure-native {importlib.metadata.version('pulumi-azure-native')}, the spec read "
                f"is {resource['apiVersion']} ({resource['spec']}): read that version's spec "
                "(see docs/pr-diffs.md, 'Where replacements come from')"
            )
        body = specs.resolve(resource["spec"], {"$ref": f"#/definitions/{resource['body']}"})
        properties = specs.body_properties(*body)
        resource_args = _args_graph([path])
        name = token.rsplit(":", 1)[1]
        # <Resource>InitArgs where a type of the module already takes <Resource>Args (monitor.ActionGroup)
        args = resource_args.get(f"{name}InitArgs", resource_args.get(f"{name}Args", {}))
        inputs = set(args) - path_params(token)
        by_letters = {name.lower(): name for name in inputs}
        declared = {name: name if name in inputs else by_letters.get(name.lower()) for name in properties}
        unknown = sorted(name for name, sdk_name in declared.items() if sdk_name is None)
        missing = sorted(inputs - {n for n in declared.values() if n})
        if unknown or missing:
            mismatched.append(
                f"{token} ({resource['spec']} at {documents[resource['spec']]['commit'][:8]}): only in the "
                f"spec {unknown or '-'}, only in the SDK {missing or '-'}"
            )
        out[token] = sorted(str(declared[n]) for n, force in properties.items() if force)
    if mismatched:
        raise SystemExit(
            f"error: {AZURE_SPECS.name}: bodies that are not the installed SDK's inputs (read the spec at "
            "the provider's specs commit):\n  " + "\n  ".join(mismatched)
        )
    for doc, entry in sorted(documents.items()):
        data.sources.append(
            {
                "repo": "Azure/azure-rest-api-specs",
                "ref": entry["commit"],
                "commit": entry["commit"],
                "paths": f"{doc} (via mlfleet/diff/data/{AZURE_SPECS.name})",
                "note": "x-ms-mutability of the resource-level body properties",
            }
        )
    read = sorted(manifest["resources"])
    data.notes.append(
        f"create-only (x-ms-mutability) body properties read for {len(read)} resource types: "
        + ", ".join(t.removeprefix("azure-native:") for t in read)
        + "; for every other type they are not in the data"
    )
    if specs.missing:
        by_doc: dict[str, list[str]] = {}
        for ref in sorted(specs.missing):
            doc, _, name = ref.partition("#/definitions/")
            by_doc.setdefault(doc, []).append(name)
        data.notes.append(
            "definitions a resource-level property refers to that were not read (a definition's own "
            "x-ms-mutability would apply to that property; not checked): "
            + "; ".join(f"{doc}: {', '.join(names)}" for doc, names in by_doc.items())
        )
    return {token: names for token, names in out.items() if names}


def gen_azure_native() -> ProviderData:
    """Path parameters of each resource's ARM URL. The provider replaces on any change of one
    (provider/pkg/provider/diff.go calculateDetailedDiff: "All the parameters that are part of the
    resource path cause a replacement"). The SDK's `get_<resource>` invoke is generated from the GET on
    that same path: its arguments are the path parameters (plus the odd query parameter such as
    `expand`, which is no resource input and drops out of the intersection with the resource's inputs)."""
    sdk = SdkNames("pulumi_azure_native")
    data = ProviderData(change_above_replaces=False)
    data.sources.append(
        {
            "repo": "pulumi/pulumi-azure-native",
            "ref": "installed SDK pulumi_azure_native " + importlib.metadata.version("pulumi-azure-native"),
            "paths": "<module>/get_<resource>.py invoke arguments (the ARM path) intersected with the "
            "resource's inputs",
            "note": "path parameters",
        }
    )
    invokes: dict[str, set[str]] = {}
    for path in sdk.root.rglob("get_*.py"):
        text = path.read_text(encoding="utf-8")
        for token in set(re.findall(r"invoke(?:_output)?\('(azure-native:[^']+)'", text)):
            invokes[token] = set(re.findall(r"__args__\['([A-Za-z0-9_]+)'\]", text))

    def path_params(token: str) -> set[str]:
        module, name = token.split(":")[1:]
        return invokes.get(f"azure-native:{module}:get{name}", set()) & sdk.names(sdk.tokens[token])

    force_new = _azure_force_new(sdk, data)
    for token, names in _azure_create_only(sdk, data, path_params).items():
        force_new.setdefault(token, []).extend(names)
    for token in sdk.tokens:
        if not token.startswith("azure-native:"):
            continue
        data.covered.add(token)
        params = path_params(token)
        if params or token in force_new:
            data.types[token] = sorted(params | set(force_new.get(token, [])))
    data.notes.append(
        "a change above a force-new path does not replace: the provider compares replace keys exactly "
        "(calculateObjectDiff marks ADD/DELETE of a key as replace only when that key itself is force-new)"
    )
    return data


# ---------------------------------------------------------------------------------------------------


# Token prefix (`aws:ec2/vpc:Vpc` -> aws) -> the Python package (as in uv.lock) whose provider decides.
PACKAGE_OF_PREFIX = {
    "aws": "pulumi-aws",
    "gcp": "pulumi-gcp",
    "azure-native": "pulumi-azure-native",
    "kubernetes": "pulumi-kubernetes",
    "random": "pulumi-random",
    "tls": "pulumi-tls",
    "command": "pulumi-command",
}


def gen_command(mirrors: Path) -> ProviderData:
    """pulumi-command (a pulumi-go-provider `infer` provider): an input tagged
    `provider:"replaceOnChanges"` replaces; any other change is an Update, which reruns `update` (or
    `create` when there is none) (provider/pkg/provider/local/commandController.go). A resource is a
    type with a `Create` method; its `<Type>Inputs` struct carries its own tags and may embed
    `common.ResourceInputs` (`triggers`)."""
    (source,) = SOURCES["pulumi-command"]
    mirror = Mirror(mirrors, source)
    common = "provider/pkg/provider/common/inputs.go"
    data = ProviderData(sources=[_record(mirror, source, [common, "provider/pkg/provider/{local,remote}/"])])
    tag = re.compile(r'`pulumi:"(\w+)[^`]*provider:"[^"]*replaceOnChanges')
    shared = tag.findall(mirror.show(common))
    for module in ("local", "remote"):
        files = [f for f in mirror.ls(f"provider/pkg/provider/{module}") if not f.endswith("_test.go")]
        text = "\n".join(mirror.show(f) for f in files if f.endswith(".go"))
        for resource in sorted(set(re.findall(r"^func \(\w+ \*(\w+)\) Create\(", text, re.M))):
            body = re.search(rf"^type {resource}Inputs struct \{{(.*?)^\}}", text, re.M | re.S)
            fields = body.group(1) if body else ""
            paths = sorted({*tag.findall(fields), *(shared if "common.ResourceInputs" in fields else [])})
            token = f"command:{module}:{resource}"
            if paths:
                data.types[token] = paths
            else:
                data.covered.add(token)
    return data


def generate(mirrors: Path) -> dict:
    providers: dict[str, dict] = {}
    types: dict[str, list[str]] = {}
    covered: dict[str, list[str]] = {}
    generators: dict[str, Callable[[], ProviderData]] = {
        "pulumi-aws": lambda: gen_aws(mirrors),
        "pulumi-gcp": lambda: gen_gcp(mirrors),
        "pulumi-random": lambda: gen_framework_provider(mirrors, "pulumi-random", "random"),
        "pulumi-tls": lambda: gen_framework_provider(mirrors, "pulumi-tls", "tls"),
        "pulumi-azure-native": gen_azure_native,
        "pulumi-command": lambda: gen_command(mirrors),
    }
    for package, run in generators.items():
        print(f"{package} ...", file=sys.stderr)
        data = run()
        providers[package] = {
            "version": importlib.metadata.version(package),
            "sourceVersion": _source_version(package),
            "generatedFrom": data.sources,
            "typesCovered": len(data.covered | set(data.types)),
            "typesWithReplacePaths": len(data.types),
            "changeAboveReplaces": data.change_above_replaces,
            "notes": data.notes,
        }
        types.update({token: _outermost(paths) for token, paths in data.types.items()})
        covered[package] = sorted(data.covered - set(data.types))
    kubernetes = gen_kubernetes(mirrors)
    providers["pulumi-kubernetes"] = {
        "version": importlib.metadata.version("pulumi-kubernetes"),
        "sourceVersion": _source_version("pulumi-kubernetes"),
        "generatedFrom": [kubernetes["source"]],
        "changeAboveReplaces": True,
        "notes": [kubernetes["assumes"]],
    }
    return {
        "format": "mlfleet.replacements",
        "version": 1,
        "generated": datetime.date.today().isoformat(),
        "generator": "scripts/gen_replacements.py",
        "providers": providers,
        # Every kubernetes:<group>/<version>:<Kind> replaces on `everyKind`; the kinds listed replace on
        # their own full list (a Release is no Kubernetes object: its name/namespace, not metadata's).
        "kubernetes": {
            "everyKind": kubernetes["everyKind"],
            "kinds": {k: _outermost([*v, *kubernetes["everyKind"]]) for k, v in kubernetes["kinds"].items()}
            | kubernetes["tokens"],
        },
        "packages": PACKAGE_OF_PREFIX,
        "types": dict(sorted(types.items())),
        "noReplacePaths": covered,
    }


def _source_version(package: str) -> str | None:
    """The provider release whose sources were read: the installed SDK itself for azure-native, the
    Pulumi tag for the others, None when unknown (pulumi-aws: its upstream pin could not be read)."""
    if package == "pulumi-azure-native":
        # The path parameters come from the installed SDK, but forceNewMap from a copy whose release
        # could not be checked (write_azure_force_new): unknown as a whole.
        return None if AZURE_FORCE_NEW.exists() else importlib.metadata.version(package)
    return next((s.pulumi_version for s in SOURCES[package] if s.pulumi_version), None)


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths below another force-new path: a change there hits the outer one anyway."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(outer + ".") for outer in kept):
            kept.append(path)
    return kept


def dump(data: dict) -> str:
    """Compact, one line per type, so a regeneration reads as a reviewable diff."""
    lines = []
    for key, value in data.items():
        if key == "types":
            rows = ",\n".join(f"  {json.dumps(t)}: {json.dumps(p)}" for t, p in value.items())
            lines.append(f'"types": {{\n{rows}\n}}')
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, indent=1, sort_keys=True)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--mirrors", type=Path, default=Path("/work/.mirror"), help="directory of owner+repo/repo git mirrors"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--check", action="store_true", help="fail if --out differs from a fresh run (ignoring the date)"
    )
    parser.add_argument(
        "--azure-native-replacement",
        type=Path,
        help=f"a copy of pulumi-azure-native's {AZURE_REPLACEMENT_GO}: snapshot its forceNewMap first",
    )
    parser.add_argument("--azure-native-commit", help="the commit that copy was read at (with the above)")
    parser.add_argument(
        "--azure-specs",
        type=Path,
        help="a checkout of Azure/azure-rest-api-specs: re-snapshot the definitions "
        f"{AZURE_SPECS.name} holds",
    )
    parser.add_argument("--azure-specs-commit", help="the commit of that checkout (with the above)")
    args = parser.parse_args()
    if args.azure_specs:
        if not args.azure_specs_commit:
            parser.error("--azure-specs needs --azure-specs-commit (the checkout's commit)")
        write_azure_specs(args.azure_specs, args.azure_specs_commit)
    if args.azure_native_replacement:
        if not args.azure_native_commit:
            parser.error("--azure-native-replacement needs --azure-native-commit (the copy's commit)")
        write_azure_force_new(args.azure_native_replacement, args.azure_native_commit)
    data = generate(args.mirrors)
    text = dump(data)
    if args.check:
        old = json.loads(args.out.read_text(encoding="utf-8"))
        old["generated"] = data["generated"]
        if old != data:
            print(f"error: {args.out} is stale: run scripts/gen_replacements.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.out} ({len(text) // 1024} KiB, {len(data['types'])} types with replace paths)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
