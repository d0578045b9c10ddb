"""The registry: immutable versions, compare-and-swap aliases with history, an append-only audit log.

Layout under the registry root (see docs/registry.md):
    models/<name>/blobs/<sha256>                        artifact bytes, content-addressed
    models/<name>/versions/<version>/manifest.json      written last, create-if-absent
    models/<name>/aliases/<alias>/<seq:08d>.json        one immutable entry per alias move
    audit/<utc timestamp>-<id>.json                     one immutable object per event
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlfleet_registry.artifacts import MODEL_FILE, check_hash, dump_model, load_model, sha256_hex
from mlfleet_registry.errors import AliasConflict, NotFound, RegistryError, VersionExists
from mlfleet_registry.manifest import FeatureSpec, Manifest
from mlfleet_registry.store import ObjectStore

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
VERSION_RE = re.compile(r"^v(\d{4,})$")
MAX_RACE_RETRIES = 20


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()
"""`expected=ANY` moves an alias unconditionally (still serialised through create-if-absent)."""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def version_key(version: str) -> int:
    match = VERSION_RE.match(version)
    return int(match.group(1)) if match else -1


def check_name(value: str, what: str) -> None:
    if not NAME_RE.match(value):
        raise RegistryError(
            f"invalid {what} {value!r}: use 1-63 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )


@dataclass(frozen=True)
class LoadedModel:
    manifest: Manifest
    model: Any


class Registry:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    @property
    def url(self) -> str:
        return self.store.url

    # ---- keys -------------------------------------------------------------------------------
    @staticmethod
    def manifest_key(name: str, version: str) -> str:
        return f"models/{name}/versions/{version}/manifest.json"

    @staticmethod
    def tombstone_key(name: str, version: str) -> str:
        return f"models/{name}/versions/{version}/deleted.json"

    @staticmethod
    def blob_key(name: str, digest: str) -> str:
        return f"models/{name}/blobs/{digest}"

    @staticmethod
    def alias_prefix(name: str, alias: str) -> str:
        return f"models/{name}/aliases/{alias}/"

    # ---- reading ----------------------------------------------------------------------------
    def list_models(self) -> list[str]:
        names = {key.split("/")[1] for key in self.store.list("models/") if key.endswith("/manifest.json")}
        return sorted(names)

    def list_versions(self, name: str) -> list[str]:
        """Visible versions (those with a manifest), oldest first."""
        check_name(name, "model name")
        versions = [
            key.split("/")[3]
            for key in self.store.list(f"models/{name}/versions/")
            if key.endswith("/manifest.json")
        ]
        return sorted(versions, key=version_key)

    def _allocated_versions(self, name: str) -> list[str]:
        """Every version id ever taken: visible ones and deleted ones (their tombstones)."""
        keys = self.store.list(f"models/{name}/versions/")
        ids = {k.split("/")[3] for k in keys if k.endswith(("/manifest.json", "/deleted.json"))}
        return sorted(ids, key=version_key)

    def manifest(self, name: str, version: str) -> Manifest:
        check_name(name, "model name")
        key = self.manifest_key(name, version)
        try:
            raw = self.store.read(key)
        except NotFound as exc:
            known = ", ".join(self.list_versions(name)) or "none"
            raise NotFound(f"model {name!r} has no version {version!r} (versions: {known})") from exc
        try:
            return Manifest.model_validate_json(raw)
        except ValueError as exc:
            raise RegistryError(f"{self.url}/{key} is not a valid manifest: {exc}") from exc

    def _alias_entries(self, name: str, alias: str) -> list[str]:
        return [k for k in self.store.list(self.alias_prefix(name, alias)) if k.endswith(".json")]

    def _read_json(self, key: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.store.read(key))
        return data

    def _current_alias(self, name: str, alias: str) -> tuple[int, dict[str, Any] | None]:
        entries = self._alias_entries(name, alias)
        if not entries:
            return 0, None
        last = entries[-1]
        return int(last.rsplit("/", 1)[1].removesuffix(".json")), self._read_json(last)

    def aliases(self, name: str) -> dict[str, str]:
        check_name(name, "model name")
        latest: dict[str, str] = {}
        for key in self.store.list(f"models/{name}/aliases/"):
            alias = key.split("/")[3]
            latest[alias] = key  # keys are sorted, so the last one per alias is the current entry
        return {alias: str(self._read_json(key)["version"]) for alias, key in sorted(latest.items())}

    def resolve(self, name: str, alias: str) -> str:
        check_name(name, "model name")
        _, entry = self._current_alias(name, alias)
        if entry is None:
            known = ", ".join(self.aliases(name)) or "none"
            raise NotFound(f"model {name!r} has no alias {alias!r} (aliases: {known})")
        return str(entry["version"])

    def resolve_ref(self, name: str, ref: str) -> str:
        """A version id as is, otherwise an alias resolved to its version."""
        return ref if VERSION_RE.match(ref) else self.resolve(name, ref)

    def alias_history(self, name: str, alias: str) -> list[dict[str, Any]]:
        check_name(name, "model name")
        return [self._read_json(key) for key in self._alias_entries(name, alias)]

    def load(self, name: str, version: str) -> LoadedModel:
        """Verify every file's sha256 first; deserialize only when all match."""
        manifest = self.manifest(name, version)
        contents: dict[str, bytes] = {}
        for file_name, digest in manifest.files.items():
            where = f"{self.url}/{self.blob_key(name, digest)} ({file_name} of {name} {version})"
            try:
                data = self.store.read(self.blob_key(name, digest))
            except NotFound as exc:
                raise NotFound(f"{where} is missing; run `mlfleet models verify`") from exc
            check_hash(data, digest, where)
            contents[file_name] = data
        model = load_model(contents[MODEL_FILE], f"{MODEL_FILE} of {name} {version}")
        return LoadedModel(manifest=manifest, model=model)

    def audit_log(self) -> list[dict[str, Any]]:
        return [self._read_json(key) for key in self.store.list("audit/") if key.endswith(".json")]

    # ---- writing ----------------------------------------------------------------------------
    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one audit event as its own immutable object (no read-modify-write of a shared log)."""
        at = utc_now()
        entry = {"id": uuid.uuid4().hex, "at": at, "event": event, **fields}
        stamp = at.replace("-", "").replace(":", "")
        self.store.create(f"audit/{stamp}-{entry['id'][:12]}.json", json.dumps(entry, indent=2).encode())
        return entry

    def put_blob(self, name: str, data: bytes, digest: str) -> bool:
        """Store content-addressed bytes and read them back to verify; False if already present."""
        key = self.blob_key(name, digest)
        if self.store.exists(key) and sha256_hex(self.store.read(key)) == digest:
            return False
        self.store.write(key, data)  # same key => same bytes, so overwriting a torn copy is safe
        check_hash(self.store.read(key), digest, f"{self.url}/{key} (just written)")
        return True

    def publish(
        self,
        name: str,
        model: Any,
        *,
        metrics: dict[str, float],
        params: dict[str, Any],
        feature_schema: list[FeatureSpec],
        reference_stats: dict[str, Any],
        data_fingerprint: str,
        task: str,
        classes: list[Any] | None,
        code_version: str,
        parent_version: str | None,
        created_by: str,
        reason: str,
        gate: dict[str, Any] | None = None,
    ) -> Manifest:
        """Files first (written, read back, verified), then the manifest, created exactly once."""
        check_name(name, "model name")
        data = dump_model(model)
        digest = sha256_hex(data)
        self.put_blob(name, data, digest)
        for _ in range(MAX_RACE_RETRIES):
            existing = self._allocated_versions(name)  # a deleted version's id is never reused
            version = f"v{(version_key(existing[-1]) + 1) if existing else 1:04d}"
            manifest = Manifest.model_validate(
                {
                    "name": name,
                    "version": version,
                    "created_at": utc_now(),
                    "files": {MODEL_FILE: digest},
                    "task": task,
                    "classes": classes,
                    "metrics": metrics,
                    "params": params,
                    "data_fingerprint": data_fingerprint,
                    "feature_schema": [
                        f.model_dump() if isinstance(f, FeatureSpec) else f for f in feature_schema
                    ],
                    "reference_stats": reference_stats,
                    "code_version": code_version,
                    "parent_version": parent_version,
                    "created_by": created_by,
                    "reason": reason,
                    "gate": gate,
                    "library_versions": _library_versions(),
                }
            )
            try:
                self.store.create(self.manifest_key(name, version), manifest.to_json())
            except VersionExists:
                continue  # another publisher took this number; take the next one
            self.record("register", model=name, version=version, actor=created_by, reason=reason, gate=gate)
            return manifest
        raise RegistryError(f"could not allocate a version for {name!r} after {MAX_RACE_RETRIES} attempts")

    def set_alias(
        self,
        name: str,
        alias: str,
        version: str,
        *,
        expected: Any = ANY,
        actor: str,
        reason: str,
        event: str = "promote",
    ) -> None:
        """Compare-and-swap: `expected` is the version the caller believes the alias points at
        (None: the alias must not exist yet; ANY: no expectation)."""
        check_name(name, "model name")
        check_name(alias, "alias")
        self.manifest(name, version)  # NotFound unless the version is visible
        for _ in range(MAX_RACE_RETRIES):
            seq, entry = self._current_alias(name, alias)
            current = None if entry is None else str(entry["version"])
            if expected is not ANY and expected != current:
                raise AliasConflict(
                    f"alias {alias!r} of model {name!r} points at {current or 'nothing'}, not "
                    f"{expected or 'nothing'}: someone else moved it. Check `mlfleet models show {name}` "
                    "and retry with the new --expected."
                )
            record = {
                "alias": alias,
                "version": version,
                "previous": current,
                "seq": seq + 1,
                "at": utc_now(),
                "actor": actor,
                "reason": reason,
                "event": event,
            }
            try:
                self.store.create(
                    f"{self.alias_prefix(name, alias)}{seq + 1:08d}.json", json.dumps(record).encode()
                )
            except VersionExists:
                if expected is ANY:
                    continue
                raise AliasConflict(
                    f"alias {alias!r} of model {name!r} was moved by someone else while moving it to "
                    f"{version}; the other move won. Check `mlfleet models show {name}` and retry."
                ) from None
            self.record(
                event, model=name, alias=alias, version=version, previous=current, actor=actor, reason=reason
            )
            return
        raise AliasConflict(f"alias {alias!r} of model {name!r} is moving too often; retry later")

    def rollback(self, name: str, alias: str, *, actor: str, reason: str) -> str:
        """Move the alias back to the version it pointed at before its latest move."""
        _, entry = self._current_alias(name, alias)
        if entry is None:
            raise NotFound(f"model {name!r} has no alias {alias!r} to roll back")
        previous = entry.get("previous")
        if previous is None:
            raise RegistryError(
                f"alias {alias!r} of model {name!r} has no previous version (it was first set to "
                f"{entry['version']}); promote a version explicitly instead"
            )
        self.set_alias(
            name,
            alias,
            str(previous),
            expected=entry["version"],
            actor=actor,
            reason=reason,
            event="rollback",
        )
        return str(previous)

    def delete_version(self, name: str, version: str, *, actor: str, reason: str) -> None:
        """Delete a version no alias points at: tombstone (so its id is never reused), then the
        manifest (the version disappears here), then blobs no other version uses, then the audit
        event. An interrupted delete leaves the version visible and whole; running it again
        finishes it. Deletes are not synced: `sync` copies, it never removes."""
        check_name(name, "model name")
        manifest = self.manifest(name, version)  # NotFound names the known versions
        pointing = sorted(alias for alias, target in self.aliases(name).items() if target == version)
        if pointing:
            raise RegistryError(
                f"{name} {version} is what alias(es) {', '.join(pointing)} point at; move them first "
                f"(`mlfleet models promote` or `rollback`), then delete it"
            )
        tombstone = {"version": version, "at": utc_now(), "actor": actor, "reason": reason}
        try:
            self.store.create(self.tombstone_key(name, version), json.dumps(tombstone).encode())
        except VersionExists:
            pass  # an earlier delete of this version was interrupted: finish it
        self.store.delete(self.manifest_key(name, version))
        still_used = {d for v in self.list_versions(name) for d in self.manifest(name, v).files.values()}
        for digest in manifest.files.values():
            if digest not in still_used:
                self.store.delete(self.blob_key(name, digest))
        self.record("delete", model=name, version=version, actor=actor, reason=reason)

    # ---- checking ---------------------------------------------------------------------------
    def verify(self, name: str | None = None) -> list[str]:
        """Every problem found (hash mismatches name the file); empty when all is well."""
        problems: list[str] = []
        for model in [name] if name else self.list_models():
            versions = self.list_versions(model)
            for version in versions:
                try:
                    manifest = self.manifest(model, version)
                except RegistryError as exc:
                    problems.append(str(exc))
                    continue
                for file_name, digest in manifest.files.items():
                    key = self.blob_key(model, digest)
                    try:
                        data = self.store.read(key)
                    except NotFound:
                        problems.append(f"{self.url}/{key} ({file_name} of {model} {version}) is missing")
                        continue
                    actual = sha256_hex(data)
                    if actual != digest:
                        problems.append(
                            f"{self.url}/{key} ({file_name} of {model} {version}): sha256 {actual} "
                            f"!= manifest {digest}"
                        )
            for alias, version in self.aliases(model).items():
                if version not in versions:
                    problems.append(f"alias {alias!r} of {model} points at missing version {version}")
        return problems


def _library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {pkg: version(pkg) for pkg in ("scikit-learn", "skops", "numpy")}
