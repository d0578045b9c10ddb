"""The registry: immutable versions, compare-and-swap aliases with history, an append-only audit log.

Layout under the registry root (see docs/registry.md):
    models/<name>/blobs/<sha256>                        artifact bytes, content-addressed
    models/<name>/versions/<version>/manifest.json      written last, create-if-absent
    models/<name>/aliases/<alias>/<seq:08d>.json        one immutable entry per alias move
    models/<name>/versions/<version>/deleted.json       tombstone: the version is deleted or being deleted
    audit/<utc timestamp>-<id>.json                     one immutable object per event

Every name, version and alias argument is checked against mlfleet_registry.names before any I/O.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlfleet_registry.artifacts import MODEL_FILE, check_hash, dump_model, load_model, sha256_hex
from mlfleet_registry.errors import (
    AliasConflict,
    IntegrityError,
    NotFound,
    RegistryError,
    StoreUnavailable,
    VersionDeleted,
    VersionExists,
)
from mlfleet_registry.manifest import FeatureSpec, Manifest
from mlfleet_registry.names import (
    check_alias,
    check_name,
    check_ref,
    check_version,
    format_version,
    is_version,
    version_number,
)
from mlfleet_registry.signing import ObjectSigner, Verifier
from mlfleet_registry.store import ObjectStore

MAX_RACE_RETRIES = 20
# A delete that finds an alias on its version after writing the tombstone re-checks this often
# (a racing promote sees the tombstone and moves the alias back by itself).
DELETE_RECHECKS = (0.2, 0.4, 0.8)
ALIAS_EVENTS = ("promote", "rollback", "revert")


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
    return version_number(version)


def _check_expected(expected: Any) -> None:
    if expected is not ANY and expected is not None:
        check_version(expected, "expected version")


@dataclass(frozen=True)
class LoadedModel:
    manifest: Manifest
    model: Any


class Registry:
    def __init__(
        self, store: ObjectStore, signer: ObjectSigner | None = None, verifier: Verifier | None = None
    ) -> None:
        """`signer` signs every manifest, alias entry, tombstone and audit event written; with a
        `verifier`, unsigned or badly signed objects are refused by load/set_alias, reported by verify."""
        self.store = store
        self.signer = signer
        self.verifier = verifier

    def _signed(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.signer is not None:
            obj["signature"] = self.signer.sign(obj)
        return obj

    def signature_problem(self, obj: dict[str, Any], where: str) -> str | None:
        """What is wrong with `obj`'s signature, if a verifier is configured (else None)."""
        if self.verifier is None:
            return None
        problem = self.verifier.problem(obj)
        return f"{where} {problem}" if problem else None

    def _sha_of(self, key: str) -> str | None:
        try:
            return sha256_hex(self.store.read(key))
        except NotFound:
            return None

    @property
    def url(self) -> str:
        return self.store.url

    # ---- keys -------------------------------------------------------------------------------
    @staticmethod
    def manifest_key(name: str, version: str) -> str:
        return f"models/{check_name(name)}/versions/{check_version(version)}/manifest.json"

    @staticmethod
    def tombstone_key(name: str, version: str) -> str:
        return f"models/{check_name(name)}/versions/{check_version(version)}/deleted.json"

    @staticmethod
    def blob_key(name: str, digest: str) -> str:
        if not (len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise RegistryError(f"invalid blob digest {digest[:80]!r}: expected 64 lowercase hex characters")
        return f"models/{check_name(name)}/blobs/{digest}"

    @staticmethod
    def alias_prefix(name: str, alias: str) -> str:
        return f"models/{check_name(name)}/aliases/{check_alias(alias)}/"

    # ---- existence --------------------------------------------------------------------------
    def require_exists(self) -> None:
        """StoreUnavailable unless there is a registry at this URL: the bucket (or directory) exists
        and holds at least one model or audit event. `list` and `verify` call this, so a typo in the
        URL is an error instead of an empty 'ok'."""
        self.store.check_exists()
        if not self.store.list("models/") and not self.store.list("audit/"):
            raise StoreUnavailable(
                f"no registry at {self.url}: nothing is stored under it (no models, no audit log); check "
                "the URL (a registry is created by its first publish, e.g. `mlfleet train`)"
            )

    # ---- reading ----------------------------------------------------------------------------
    def list_models(self) -> list[str]:
        names = {key.split("/")[1] for key in self.store.list("models/") if key.endswith("/manifest.json")}
        return sorted(n for n in names if _valid(check_name, n))

    def _model_names(self) -> list[str]:
        """Every well-formed model name with any object (versions, tombstones, aliases)."""
        names = {key.split("/")[1] for key in self.store.list("models/") if key.count("/") >= 2}
        return sorted(n for n in names if _valid(check_name, n))

    def list_versions(self, name: str) -> list[str]:
        """Visible versions (those with a manifest), oldest first."""
        return self._versions_with(name, ("manifest.json",))

    def deleted_versions(self, name: str) -> list[str]:
        """Versions with a tombstone (deleted, or being deleted), oldest first."""
        return self._versions_with(name, ("deleted.json",))

    def _allocated_versions(self, name: str) -> list[str]:
        """Every version id ever taken: visible ones and deleted ones (their tombstones)."""
        return self._versions_with(name, ("manifest.json", "deleted.json"))

    def _versions_with(self, name: str, files: tuple[str, ...]) -> list[str]:
        ids = {
            parts[3]
            for parts in (key.split("/") for key in self.store.list(f"models/{check_name(name)}/versions/"))
            if len(parts) == 5 and parts[4] in files and is_version(parts[3])
        }
        return sorted(ids, key=version_key)

    def manifest(self, name: str, version: str) -> Manifest:
        key = self.manifest_key(name, version)
        try:
            raw = self.store.read(key)
        except NotFound as exc:
            known = ", ".join(self.list_versions(name)) or "none"
            if known == "none":
                self.store.check_exists()  # a missing bucket or directory says so
            if self.store.exists(self.tombstone_key(name, version)):
                raise VersionDeleted(
                    f"model {name!r} version {version!r} was deleted (versions: {known})"
                ) from None
            raise NotFound(f"model {name!r} has no version {version!r} (versions: {known})") from exc
        try:
            manifest = Manifest.model_validate_json(raw)
        except ValueError as exc:
            first = str(exc).splitlines()[0]
            raise RegistryError(f"{self.url}/{key} is not a valid manifest: {first}") from None
        if (manifest.name, manifest.version) != (name, version):
            raise RegistryError(
                f"{self.url}/{key} is the manifest of {manifest.name} {manifest.version}, not "
                f"{name} {version} (moved or tampered)"
            )
        return manifest

    def tombstone(self, name: str, version: str) -> dict[str, Any] | None:
        try:
            return self._read_json(self.tombstone_key(name, version))
        except NotFound:
            return None

    def _alias_entries(self, name: str, alias: str) -> list[str]:
        prefix = self.alias_prefix(name, alias)
        return [k for k in self.store.list(prefix) if k.endswith(".json") and k[len(prefix) : -5].isdigit()]

    def _read_json(self, key: str) -> dict[str, Any]:
        raw = self.store.read(key)
        try:
            data = json.loads(raw)
        except ValueError:
            raise RegistryError(f"{self.url}/{key} is not valid JSON (corrupt or tampered)") from None
        if not isinstance(data, dict):
            raise RegistryError(f"{self.url}/{key} is not a JSON object (corrupt or tampered)")
        return data

    def _current_alias(self, name: str, alias: str) -> tuple[int, dict[str, Any] | None]:
        entries = self._alias_entries(name, alias)
        if not entries:
            return 0, None
        last = entries[-1]
        return int(last.rsplit("/", 1)[1].removesuffix(".json")), self._read_json(last)

    def _alias_names(self, name: str) -> list[str]:
        keys = self.store.list(f"models/{check_name(name)}/aliases/")
        return sorted(
            {k.split("/")[3] for k in keys if k.count("/") == 4 and _valid(check_alias, k.split("/")[3])}
        )

    def aliases(self, name: str) -> dict[str, str]:
        """alias -> version, for every alias currently set (a cleared alias is left out)."""
        check_name(name)
        latest: dict[str, str] = {}
        for key in self.store.list(f"models/{name}/aliases/"):
            parts = key.split("/")
            if len(parts) == 5 and _valid(check_alias, parts[3]) and parts[4].removesuffix(".json").isdigit():
                latest[parts[3]] = key  # keys are sorted, so the last one per alias is the current entry
        current = {alias: self._read_json(key).get("version") for alias, key in sorted(latest.items())}
        return {alias: str(version) for alias, version in current.items() if version is not None}

    def resolve(self, name: str, alias: str) -> str:
        check_name(name)
        check_alias(alias)
        _, entry = self._current_alias(name, alias)
        if entry is None or entry.get("version") is None:
            known = ", ".join(self.aliases(name)) or "none"
            state = "no alias" if entry is None else "a cleared alias"
            raise NotFound(f"model {name!r} has {state} {alias!r} (aliases: {known})")
        return check_version(entry["version"], f"version in alias entry of {name} {alias}")

    def resolve_ref(self, name: str, ref: str) -> str:
        """A version id as is, otherwise an alias resolved to its version."""
        check_name(name)
        return ref if is_version(check_ref(ref)) else self.resolve(name, ref)

    def alias_history(self, name: str, alias: str) -> list[dict[str, Any]]:
        check_name(name)
        return [self._read_json(key) for key in self._alias_entries(name, alias)]

    def load(self, name: str, version: str) -> LoadedModel:
        """Verify the manifest's signature (with a verifier) and every file's sha256 first;
        deserialize only when all match."""
        manifest = self.manifest(name, version)
        self._require_signed(manifest, name, version)
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

    def _require_signed(self, manifest: Manifest, name: str, version: str) -> None:
        where = f"the manifest of {name} {version}"
        if problem := self.signature_problem(manifest.model_dump(mode="json"), where):
            raise IntegrityError(f"{problem}; refusing it")

    def check_version(self, name: str, version: str) -> Manifest:
        """The manifest, after checking its signature (with a verifier) and every file's sha256
        (without deserialising): IntegrityError/NotFound naming what is wrong."""
        manifest = self.manifest(name, version)
        self._require_signed(manifest, name, version)
        for file_name, digest in manifest.files.items():
            key = self.blob_key(name, digest)
            try:
                data = self.store.read(key)
            except NotFound as exc:
                raise NotFound(f"{self.url}/{key} ({file_name} of {name} {version}) is missing") from exc
            check_hash(data, digest, f"{self.url}/{key} ({file_name} of {name} {version})")
        return manifest

    def audit_keys(self) -> list[str]:
        return [key for key in self.store.list("audit/") if key.endswith(".json") and key.count("/") == 1]

    def audit_log(self) -> list[dict[str, Any]]:
        return [self._read_json(key) for key in self.audit_keys()]

    def _audit_events(self, problems: list[str] | None = None) -> list[dict[str, Any]]:
        """Every readable audit event; unreadable ones are added to `problems` (not raised)."""
        events = []
        for key in self.audit_keys():
            try:
                events.append({**self._read_json(key), "_key": key})
            except RegistryError as exc:
                if problems is not None:
                    problems.append(str(exc))
        return events

    # ---- writing ----------------------------------------------------------------------------
    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one audit event as its own immutable object (no read-modify-write of a shared log)."""
        at = utc_now()
        entry = self._signed({"id": uuid.uuid4().hex, "at": at, "event": event, **fields})
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
        """Files first (written, read back, verified), then the manifest, created exactly once, then
        its `register` event (a kill before the event is finished by `repair`)."""
        check_name(name)
        if parent_version is not None:
            check_version(parent_version, "parent version")
        data = dump_model(model)
        digest = sha256_hex(data)
        self.put_blob(name, data, digest)
        for _ in range(MAX_RACE_RETRIES):
            existing = self._allocated_versions(name)  # a deleted version's id is never reused
            version = format_version((version_key(existing[-1]) + 1) if existing else 1)
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
            if self.signer is not None:
                manifest = manifest.model_copy(
                    update={"signature": self.signer.sign(manifest.model_dump(mode="json"))}
                )
            raw = manifest.to_json()
            try:
                self.store.create(self.manifest_key(name, version), raw)
            except VersionExists:
                continue  # another publisher took this number; take the next one
            # A concurrent delete of another version with the same artifact may have removed the
            # blob after we wrote it: it re-checks after deleting, and so do we after creating.
            self.put_blob(name, data, digest)
            self._record_register(manifest, raw)
            return manifest
        raise RegistryError(f"could not allocate a version for {name!r} after {MAX_RACE_RETRIES} attempts")

    def _record_register(self, manifest: Manifest, raw: bytes, **extra: Any) -> None:
        self.record(
            "register",
            model=manifest.name,
            version=manifest.version,
            manifest_sha256=sha256_hex(raw),
            actor=manifest.created_by,
            reason=manifest.reason,
            gate=manifest.gate,
            **extra,
        )

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
        verify: bool = True,
    ) -> None:
        """Compare-and-swap: `expected` is the version the caller believes the alias points at
        (None: the alias must not exist yet; ANY: no expectation). With `verify` (default) the
        version is checked first like `verify` does (signature, every file's sha256): an alias is
        never moved onto a version that would fail to load.

        Race with delete: the version must be visible and not tombstoned before the move, and the
        tombstone is checked again after the alias entry is created; if a delete got there first,
        the move is undone (a `revert` entry back to the previous version) and VersionDeleted raised.
        """
        check_name(name)
        check_alias(alias)
        check_version(version)
        _check_expected(expected)
        if verify:
            self.check_version(name, version)  # NotFound/VersionDeleted unless visible; IntegrityError
        else:
            self.manifest(name, version)
        self._refuse_tombstoned(name, version)
        for _ in range(MAX_RACE_RETRIES):
            seq, entry = self._current_alias(name, alias)
            current = None if entry is None or entry.get("version") is None else str(entry["version"])
            if expected is not ANY and expected != current:
                raise AliasConflict(
                    f"alias {alias!r} of model {name!r} points at {current or 'nothing'}, not "
                    f"{expected or 'nothing'}: someone else moved it. Check `mlfleet models show {name}` "
                    "and retry with the new --expected."
                )
            try:
                subject = self._create_alias_entry(
                    name, alias, seq + 1, version, current, actor, reason, event
                )
            except VersionExists:
                if expected is ANY:
                    continue
                raise AliasConflict(
                    f"alias {alias!r} of model {name!r} was moved by someone else while moving it to "
                    f"{version}; the other move won. Check `mlfleet models show {name}` and retry."
                ) from None
            self._record_alias_event(name, alias, seq + 1, event, version, current, actor, reason, subject)
            tombstone = self.tombstone(name, version)
            if tombstone is not None:  # a delete of this version won the race: undo our move
                undone = self._revert(name, alias, seq + 1, version, current, actor)
                raise VersionDeleted(
                    f"{alias} of {name} not moved to {version}: {version} is being deleted (by "
                    f"{tombstone.get('actor', '?')} at {tombstone.get('at', '?')}); "
                    + (
                        "the alias was moved back to " + (current or "unset")
                        if undone
                        else "someone else has moved the alias since"
                    )
                )
            return
        raise AliasConflict(f"alias {alias!r} of model {name!r} is moving too often; retry later")

    def _refuse_tombstoned(self, name: str, version: str) -> None:
        tombstone = self.tombstone(name, version)
        if tombstone is not None:
            raise VersionDeleted(
                f"{name} {version} is being deleted (by {tombstone.get('actor', '?')} at "
                f"{tombstone.get('at', '?')}); it cannot be promoted"
            )

    def _create_alias_entry(
        self,
        name: str,
        alias: str,
        seq: int,
        version: str | None,
        previous: str | None,
        actor: str,
        reason: str,
        event: str,
    ) -> str:
        """Create entry `seq` (VersionExists if taken). It is bound to the manifest it points at and
        chained to the entry before it (sha256 of their stored bytes). Returns its own sha256."""
        prefix = self.alias_prefix(name, alias)
        record = self._signed(
            {
                "alias": alias,
                "version": version,
                "previous": previous,
                "seq": seq,
                "at": utc_now(),
                "actor": actor,
                "reason": reason,
                "event": event,
                "manifest_sha256": None
                if version is None
                else self._sha_of(self.manifest_key(name, version)),
                "prev_sha256": None if seq == 1 else self._sha_of(f"{prefix}{seq - 1:08d}.json"),
            }
        )
        data = json.dumps(record).encode()
        self.store.create(f"{prefix}{seq:08d}.json", data)
        return sha256_hex(data)

    def _record_alias_event(
        self,
        name: str,
        alias: str,
        seq: int,
        event: str,
        version: str | None,
        previous: str | None,
        actor: str,
        reason: str,
        subject_sha256: str | None,
        **extra: Any,
    ) -> None:
        self.record(
            event,
            model=name,
            alias=alias,
            seq=seq,
            version=version,
            previous=previous,
            actor=actor,
            reason=reason,
            subject_sha256=subject_sha256,
            **extra,
        )

    def _revert(self, name: str, alias: str, seq: int, bad: str, to: str | None, actor: str) -> bool:
        """Move `alias` from `bad` (entry `seq`) back to `to` (None clears it); False if someone else
        moved it after entry `seq` (then it no longer points at our move)."""
        if to is not None and (
            self.tombstone(name, to) is not None or not self.store.exists(self.manifest_key(name, to))
        ):
            to = None  # never revert onto a deleted version: clear the alias instead
        reason = f"{bad} is deleted or being deleted"
        try:
            subject = self._create_alias_entry(name, alias, seq + 1, to, bad, actor, reason, "revert")
        except VersionExists:
            return False
        self._record_alias_event(name, alias, seq + 1, "revert", to, bad, actor, reason, subject)
        return True

    def rollback(self, name: str, alias: str, *, actor: str, reason: str) -> str:
        """Move the alias back to the version it pointed at before its latest move."""
        check_name(name)
        check_alias(alias)
        _, entry = self._current_alias(name, alias)
        if entry is None or entry.get("version") is None:
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
        """Delete a version no alias points at.

        Steps: tombstone (create-if-absent; from then on no promote of it can succeed, and its id is
        never reused), re-check the aliases (a promote that created its alias entry before the
        tombstone is seen here, and the delete stops), remove the manifest (the version disappears),
        remove blobs no other version uses, record the `delete` event. Every step is idempotent, so
        an interrupted delete is finished by running it again (or by `mlfleet models repair`).
        """
        check_name(name)
        check_version(version)
        tombstone = self.tombstone(name, version)
        manifest: Manifest | None = None
        if self.store.exists(self.manifest_key(name, version)):
            manifest = self.manifest(name, version)
        elif tombstone is None:
            self.manifest(name, version)  # raises NotFound naming the known versions
        if manifest is not None:
            if tombstone is None:
                self._refuse_if_aliased(name, version, retired=False)
                tombstone = self._signed(
                    {
                        "version": version,
                        "at": utc_now(),
                        "actor": actor,
                        "reason": reason,
                        "files": manifest.files,
                    }
                )
                try:
                    self.store.create(self.tombstone_key(name, version), json.dumps(tombstone).encode())
                except VersionExists:
                    tombstone = self.tombstone(name, version) or tombstone  # a concurrent delete
            for pause in (0.0, *DELETE_RECHECKS):
                time.sleep(pause)
                if not self._aliases_on(name, version):
                    break
            else:
                self._refuse_if_aliased(name, version, retired=True)
            self.store.delete(self.manifest_key(name, version))
        self._finish_delete(name, version, tombstone or {}, manifest, actor, reason)

    def _aliases_on(self, name: str, version: str) -> list[str]:
        return sorted(alias for alias, target in self.aliases(name).items() if target == version)

    def _refuse_if_aliased(self, name: str, version: str, *, retired: bool) -> None:
        pointing = self._aliases_on(name, version)
        if not pointing:
            return
        which = ", ".join(pointing)
        if retired:
            raise RegistryError(
                f"{name} {version} not deleted: alias(es) {which} were moved to it while it was being "
                f"deleted. It is marked deleted (it cannot be promoted again) but still present; move "
                f"{which} elsewhere and run the delete again to finish it"
            )
        raise RegistryError(
            f"{name} {version} is what alias(es) {which} point at; move them first "
            f"(`mlfleet models promote` or `rollback`), then delete it"
        )

    def _finish_delete(
        self,
        name: str,
        version: str,
        tombstone: dict[str, Any],
        manifest: Manifest | None,
        actor: str,
        reason: str,
    ) -> None:
        self._remove_unused_blobs(
            name, dict(manifest.files if manifest is not None else tombstone.get("files") or {})
        )
        if manifest is not None or version not in _EventIndex(self._audit_events(), name).deleted:
            subject = self._sha_of(self.tombstone_key(name, version))
            self.record(
                "delete", model=name, version=version, actor=actor, reason=reason, subject_sha256=subject
            )

    def _remove_unused_blobs(self, name: str, files: dict[str, str]) -> None:
        """Remove the blobs of `files` that no visible version references (a deleted version's)."""
        still_used = self._digests_in_use(name)
        for digest in files.values():
            if digest in still_used or not _valid_digest(digest):
                continue
            key = self.blob_key(name, digest)
            try:
                data: bytes | None = self.store.read(key)
            except NotFound:
                data = None
            self.store.delete(key)
            # A publish of the same bytes may have created its manifest meanwhile: put them back.
            if data is not None and digest in self._digests_in_use(name):
                self.put_blob(name, data, digest)

    def _digests_in_use(self, name: str) -> set[str]:
        used: set[str] = set()
        for v in self.list_versions(name):
            try:
                used.update(self.manifest(name, v).files.values())
            except (NotFound, VersionDeleted):
                continue
        return used

    # ---- checking and repairing -------------------------------------------------------------
    def verify(self, name: str | None = None) -> list[str]:
        """Every problem found, each naming what is wrong where; empty when all is well."""
        self.require_exists()
        problems: list[str] = []
        events = self._audit_events(problems)
        models = [check_name(name)] if name else self._model_names()
        for event in events:
            if name is None or event.get("model") == name:
                body = {k: v for k, v in event.items() if k != "_key"}
                if problem := self.signature_problem(body, f"audit event {self.url}/{event['_key']}"):
                    problems.append(problem)
        for model in models:
            problems += self._verify_model(model, events)
        return problems

    def _verify_model(self, model: str, events: list[dict[str, Any]]) -> list[str]:
        problems: list[str] = []
        versions = self.list_versions(model)
        deleted = set(self.deleted_versions(model))
        index = _EventIndex(events, model)
        for version in versions:
            try:
                manifest = self.manifest(model, version)
            except RegistryError as exc:
                problems.append(str(exc))
                continue
            raw_sha = self._sha_of(self.manifest_key(model, version))
            where = f"the manifest of {model} {version} ({self.url}/{self.manifest_key(model, version)})"
            if problem := self.signature_problem(manifest.model_dump(mode="json"), where):
                problems.append(problem)
            bound = index.register_sha.get(version)
            if bound is not None and bound != raw_sha:
                problems.append(f"{where} does not match its register event (edited after publish?)")
            for file_name, digest in manifest.files.items():
                try:
                    key = self.blob_key(model, digest)
                    data = self.store.read(key)
                except NotFound:
                    problems.append(f"{self.url}/{key} ({file_name} of {model} {version}) is missing")
                    continue
                except RegistryError as exc:
                    problems.append(f"{file_name} of {model} {version}: {exc}")
                    continue
                actual = sha256_hex(data)
                if actual != digest:
                    problems.append(
                        f"{self.url}/{key} ({file_name} of {model} {version}): sha256 {actual} "
                        f"!= manifest {digest}"
                    )
            if version not in index.registered:
                problems.append(f"{model} {version} has no register event (run `mlfleet models repair`)")
            if version in deleted:
                problems.append(
                    f"{model} {version} is being deleted but still present (an interrupted or raced delete: "
                    "run `mlfleet models repair` or the delete again)"
                )
        for version in sorted(deleted - set(versions) - index.deleted, key=version_key):
            problems.append(
                f"{model} {version} was deleted but has no delete event (run `mlfleet models repair`)"
            )
        for alias in self._alias_names(model):
            problems += self._verify_alias(model, alias, set(versions), deleted, events)
        return problems

    def _verify_alias(
        self, model: str, alias: str, versions: set[str], deleted: set[str], events: list[dict[str, Any]]
    ) -> list[str]:
        problems: list[str] = []
        index = _EventIndex(events, model)
        current: str | None = None
        previous_sha: str | None = None
        keys = self._alias_entries(model, alias)
        for number, key in enumerate(keys, start=1):
            seq = int(key.rsplit("/", 1)[1][:-5])
            if seq != number:
                problems.append(
                    f"alias {alias!r} of {model}: history has a gap before {self.url}/{key} (entry deleted)"
                )
            try:
                raw = self.store.read(key)
                entry = self._read_json(key)
            except RegistryError as exc:
                problems.append(str(exc))
                previous_sha = None
                continue
            where = f"alias entry {self.url}/{key}"
            if entry.get("seq", seq) != seq or entry.get("alias", alias) != alias:
                problems.append(
                    f"{where} says alias {entry.get('alias')!r} seq {entry.get('seq')} (moved or tampered)"
                )
            if "prev_sha256" in entry and seq > 1 and entry["prev_sha256"] != previous_sha:
                problems.append(
                    f"{where} does not chain to entry #{seq - 1} (an earlier entry was edited or removed)"
                )
            current = entry.get("version")
            target_sha = None if current is None else self._sha_of(self.manifest_key(model, str(current)))
            if entry.get("manifest_sha256") and target_sha and entry["manifest_sha256"] != target_sha:
                problems.append(
                    f"{where} is bound to another manifest than {model} {current}'s "
                    "(entry or manifest edited)"
                )
            if problem := self.signature_problem(entry, where):
                problems.append(problem)
            previous_sha = sha256_hex(raw)
            subject = index.move_subject.get((alias, seq))
            if subject is not None and subject != previous_sha:
                problems.append(f"{where} does not match its audit event (entry or event edited)")
            if not index.has_move(alias, seq, entry):
                problems.append(
                    f"alias move {self.url}/{key} has no audit event (run `mlfleet models repair`)"
                )
        recorded = max((int(seq) for (a, seq) in index.move_subject if a == alias and seq), default=0)
        if recorded > len(keys):
            problems.append(
                f"alias {alias!r} of {model}: the audit log records move #{recorded} but the history has "
                f"{len(keys)} entries (entries deleted)"
            )
        if current is not None and current not in versions:
            state = "deleted" if current in deleted else "missing"
            problems.append(
                f"alias {alias!r} of {model} points at {state} version {current} "
                "(run `mlfleet models repair`)"
            )
        return problems

    def repair(self, name: str | None = None, *, actor: str = "mlfleet-repair") -> list[str]:
        """Finish what a killed operation left: record missing register/alias/delete events, move an
        alias off a deleted version, finish interrupted deletes. Returns what was done. Idempotent."""
        self.require_exists()
        done: list[str] = []
        events = self._audit_events()
        for model in [check_name(name)] if name else self._model_names():
            done += self._repair_model(model, events, actor)
        return done

    def _repair_model(self, model: str, events: list[dict[str, Any]], actor: str) -> list[str]:
        done: list[str] = []
        index = _EventIndex(events, model)
        for version in self.list_versions(model):
            if version in index.registered:
                continue
            try:
                raw = self.store.read(self.manifest_key(model, version))
                manifest = self.manifest(model, version)
            except (NotFound, VersionDeleted):
                continue
            self._record_register(manifest, raw, recovered_by=actor)
            done.append(f"recorded the missing register event of {model} {version}")
        for alias in self._alias_names(model):
            done += self._repair_alias(model, alias, events, actor)
        aliased = self.aliases(model)
        for version in self.deleted_versions(model):
            tombstone = self.tombstone(model, version) or {}
            present = self.store.exists(self.manifest_key(model, version))
            if present and version in aliased.values():
                done.append(
                    f"left {model} {version}: marked deleted but alias(es) "
                    f"{', '.join(a for a, v in aliased.items() if v == version)} point at it; "
                    "move them and repair again"
                )
                continue
            if not present and version in index.deleted and not self._leftover_blobs(model, tombstone):
                continue
            self.delete_version(
                model,
                version,
                actor=str(tombstone.get("actor", actor)),
                reason=str(tombstone.get("reason", "finished by repair")),
            )
            done.append(f"finished the interrupted delete of {model} {version}")
        return done

    def _leftover_blobs(self, model: str, tombstone: dict[str, Any]) -> bool:
        in_use = self._digests_in_use(model)
        return any(
            _valid_digest(d) and d not in in_use and self.store.exists(self.blob_key(model, d))
            for d in (tombstone.get("files") or {}).values()
        )

    def _repair_alias(self, model: str, alias: str, events: list[dict[str, Any]], actor: str) -> list[str]:
        done: list[str] = []
        index = _EventIndex(events, model)
        entry: dict[str, Any] | None = None
        seq = 0
        for key in self._alias_entries(model, alias):
            try:
                entry = self._read_json(key)
            except RegistryError:
                continue
            seq = int(key.rsplit("/", 1)[1][:-5])
            if index.has_move(alias, seq, entry):
                continue
            event = str(entry.get("event", "promote"))
            self._record_alias_event(
                model,
                alias,
                seq,
                event if event in ALIAS_EVENTS else "promote",
                entry.get("version"),
                entry.get("previous"),
                str(entry.get("actor", actor)),
                str(entry.get("reason", "")),
                self._sha_of(key),
                recovered_by=actor,
            )
            done.append(f"recorded the missing {event} event of {model} {alias} #{seq}")
        if entry is not None and entry.get("version") is not None:
            version = str(entry["version"])
            if self.tombstone(model, version) is not None or not self.store.exists(
                self.manifest_key(model, version)
            ):
                previous = entry.get("previous")
                if self._revert(
                    model, alias, seq, version, None if previous is None else str(previous), actor
                ):
                    now = self.aliases(model).get(alias)
                    done.append(f"moved {model} {alias} off deleted version {version} (now {now or 'unset'})")
        return done


class _EventIndex:
    """What the audit log records for one model: registered and deleted versions, alias moves."""

    def __init__(self, events: list[dict[str, Any]], model: str) -> None:
        mine = [e for e in events if e.get("model") == model]
        self.registered = {e.get("version") for e in mine if e.get("event") == "register"}
        self.register_sha = {
            e.get("version"): e.get("manifest_sha256") for e in mine if e.get("event") == "register"
        }
        self.deleted = {e.get("version") for e in mine if e.get("event") == "delete"}
        moves = [e for e in mine if e.get("event") in ALIAS_EVENTS]
        self.moves = {(e.get("alias"), e.get("seq")) for e in moves}
        self.move_subject = {
            (e.get("alias"), e.get("seq")): e.get("subject_sha256") for e in moves if "seq" in e
        }
        # events written before alias moves carried their seq
        self.legacy = {(e.get("alias"), e.get("version"), e.get("previous")) for e in moves if "seq" not in e}

    def has_move(self, alias: str, seq: int, entry: dict[str, Any]) -> bool:
        return (alias, seq) in self.moves or (
            alias,
            entry.get("version"),
            entry.get("previous"),
        ) in self.legacy


def _valid(check: Any, value: str) -> bool:
    try:
        check(value)
    except RegistryError:
        return False
    return True


def _valid_digest(digest: object) -> bool:
    return isinstance(digest, str) and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)


def _library_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {pkg: version(pkg) for pkg in ("scikit-learn", "skops", "numpy")}
