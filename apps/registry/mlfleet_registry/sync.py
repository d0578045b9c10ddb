"""Replicate one registry into another (another region or cloud).

Idempotent and resumable: every object is either content-addressed (blobs) or create-once
(manifests, tombstones, alias entries, audit events), so re-running copies only what is missing.

Per model, in this order, each item independent of the others' failures (a failure is reported in
`SyncReport.conflicts` and the rest carries on):
1. versions: blobs hash-checked at the source and read back at the destination, the manifest
   validated (schema, name and version matching its key), then created, then its audit events. A
   version tombstoned on either side is never copied, so a replica never resurrects a deleted version;
2. aliases, one by one: the missing entries in order, only when the source's current entry points at
   a version the replica has (history entries may name since-deleted versions);
3. tombstones: a version deleted at the source is deleted on the replica (tombstone copied, then
   manifest and unreferenced blobs removed), unless an alias on the replica still points at it;
4. the remaining audit events of the model; a corrupt one is reported and not copied.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlfleet_registry.artifacts import check_hash
from mlfleet_registry.errors import RegistryError, VersionExists
from mlfleet_registry.names import check_name, is_version, version_number
from mlfleet_registry.registry import ALIAS_EVENTS, Registry, parse_utc


@dataclass
class SyncReport:
    src: str
    dst: str
    models: list[str] = field(default_factory=list)
    versions_copied: list[str] = field(default_factory=list)  # "name/version"
    versions_already_present: int = 0
    blobs_copied: int = 0
    bytes_copied: int = 0
    alias_moves_copied: int = 0
    audit_events_copied: int = 0
    deletes_applied: list[str] = field(default_factory=list)  # "name/version"
    deleted_on_replica: list[str] = field(default_factory=list)  # kept deleted, not copied again
    conflicts: list[str] = field(default_factory=list)
    # How far the replica was behind before this run: age of the oldest version or alias move it lacked.
    lag_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.conflicts

    def summary(self) -> str:
        return (
            f"{len(self.versions_copied)} version(s) copied, "
            f"{self.versions_already_present} already present, "
            f"{len(self.deletes_applied)} delete(s) applied, "
            f"{self.blobs_copied} blob(s) / {self.bytes_copied} bytes, "
            f"{self.alias_moves_copied} alias move(s), "
            f"{self.audit_events_copied} audit event(s); replication lag before sync "
            f"{self.lag_seconds:.1f}s; {len(self.conflicts)} conflict(s)"
        )


def _age(stamp: Any, now: datetime) -> float:
    try:
        return max(0.0, (now - parse_utc(str(stamp))).total_seconds())
    except ValueError:
        return 0.0


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return a == b


def _copy_once(src: Registry, dst: Registry, key: str, data: bytes, report: SyncReport) -> bool:
    """Create `key` on dst with `data`; True if copied, False if already there (identical or, reported
    as a conflict, diverged: never overwritten)."""
    try:
        dst.store.create(key, data)
        return True
    except VersionExists:
        if not _same_json(dst.store.read(key), data):
            report.conflicts.append(f"{dst.url}/{key} differs from {src.url}/{key} (diverged replica)")
        return False


class _Sync:
    def __init__(self, src: Registry, dst: Registry, report: SyncReport) -> None:
        self.src, self.dst, self.report = src, dst, report
        self.now = datetime.now(UTC)
        self.dst_events = set(dst.audit_keys())
        self.events: dict[str, dict[str, Any]] = {}  # src key -> event (valid ones only)
        for key in src.audit_keys():
            try:
                event = src._read_json(key)
                if not all(isinstance(event.get(f), str) for f in ("id", "at", "event")):
                    raise RegistryError(f"{src.url}/{key} is not an audit event (no id/at/event)")
                if problem := src.signature_problem(event, f"{src.url}/{key}"):
                    raise RegistryError(problem)
            except RegistryError as exc:
                report.conflicts.append(f"audit event not copied: {exc}")
                continue
            self.events[key] = event

    def copy_events(self, wanted: Any) -> None:
        for key, event in self.events.items():
            if key not in self.dst_events and wanted(event):
                if _copy_once(self.src, self.dst, key, self.src.store.read(key), self.report):
                    self.report.audit_events_copied += 1
                self.dst_events.add(key)

    def model(self, name: str) -> None:
        src, dst = self.src, self.dst
        src_deleted = set(src.deleted_versions(name))
        dst_deleted = set(dst.deleted_versions(name))
        present = set(dst.list_versions(name))
        for version in src.list_versions(name):
            if version in present:
                self.report.versions_already_present += 1
            elif version in dst_deleted:
                self.report.deleted_on_replica.append(f"{name}/{version}")
            elif version not in src_deleted:  # a version being deleted at the source is not copied
                self._guarded(f"not replicating {name} {version}", self.version, name, version)
        for alias in src._alias_names(name):
            self._guarded(f"alias {alias!r} of {name} not replicated", self.alias, name, alias)
        for version in sorted(src_deleted - dst_deleted, key=version_number):  # after the aliases moved off
            self._guarded(f"deleting {name} {version} on the replica", self.tombstone, name, version)
        self.copy_events(lambda e: e.get("model") == name)

    def _guarded(self, what: str, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except RegistryError as exc:
            self.report.conflicts.append(f"{what}: {exc}")

    def tombstone(self, name: str, version: str) -> None:
        src, dst = self.src, self.dst
        key = src.tombstone_key(name, version)
        raw = src.store.read(key)
        tombstone = src._read_json(key)
        if tombstone.get("version") != version:
            raise RegistryError(f"{src.url}/{key} is not the tombstone of {version} (tampered)")
        pointing = dst._aliases_on(name, version)
        if pointing:
            raise RegistryError(f"alias(es) {', '.join(pointing)} on {dst.url} still point at it")
        _copy_once(src, dst, key, raw, self.report)
        dst.store.delete(dst.manifest_key(name, version))
        dst._remove_unused_blobs(name, dict(tombstone.get("files") or {}))
        self.report.deletes_applied.append(f"{name}/{version}")
        self.copy_events(lambda e: e.get("model") == name and e.get("version") == version)

    def version(self, name: str, version: str) -> None:
        src, dst = self.src, self.dst
        raw = src.store.read(src.manifest_key(name, version))
        manifest = src.manifest(name, version)  # validated: schema, name and version match the key
        src._require_signed(manifest, name, version)  # with verify keys: a bad signature is not copied
        for file_name, digest in manifest.files.items():
            key = src.blob_key(name, digest)
            data = src.store.read(key)
            check_hash(data, digest, f"{src.url}/{key} ({file_name} of {name} {version}) at the source")
            if dst.put_blob(name, data, digest):
                self.report.blobs_copied += 1
                self.report.bytes_copied += len(data)
        if _copy_once(src, dst, src.manifest_key(name, version), raw, self.report):
            self.report.versions_copied.append(f"{name}/{version}")
            self.report.lag_seconds = max(self.report.lag_seconds, _age(manifest.created_at, self.now))
        self.copy_events(
            lambda e: e.get("event") == "register" and e.get("model") == name and e.get("version") == version
        )

    def alias(self, name: str, alias: str) -> None:
        src, dst = self.src, self.dst
        have = set(dst._alias_entries(name, alias))
        keys = src._alias_entries(name, alias)
        missing = [k for k in keys if k not in have]
        if not missing:
            return
        entries = []
        for key in missing:
            entry = src._read_json(key)
            seq = int(key.rsplit("/", 1)[1][:-5])
            target = entry.get("version")
            if (
                entry.get("alias") != alias
                or entry.get("seq") != seq
                or not (target is None or is_version(target))
            ):
                raise RegistryError(f"{src.url}/{key} is not a well-formed entry of alias {alias} #{seq}")
            entries.append((key, seq, entry))
        target = entries[-1][2].get("version")
        if target is not None and target not in set(dst.list_versions(name)):
            raise RegistryError(f"it points at {target}, which {dst.url} does not have")
        for key, seq, entry in entries:
            if not _copy_once(src, dst, key, src.store.read(key), self.report):
                raise RegistryError(f"{dst.url}/{key} already exists with other content (diverged)")
            self.report.alias_moves_copied += 1
            self.report.lag_seconds = max(self.report.lag_seconds, _age(entry.get("at"), self.now))
            self.copy_events(
                lambda e, s=seq: (
                    e.get("model") == name
                    and e.get("alias") == alias
                    and e.get("event") in ALIAS_EVENTS
                    and e.get("seq") == s
                )
            )


def sync_registries(src: Registry, dst: Registry, *, names: list[str] | None = None) -> SyncReport:
    for name in names or []:
        check_name(name, "--model")
    report = SyncReport(src=src.url, dst=dst.url)
    if names is None:
        src.require_exists()
    sync = _Sync(src, dst, report)
    report.models = list(names) if names else src._model_names()
    for name in report.models:
        try:
            sync.model(name)
        except RegistryError as exc:
            report.conflicts.append(f"model {name}: {exc}")
    wanted = set(report.models)
    sync.copy_events(lambda e: names is None or e.get("model") in wanted)
    return report
