"""Replicate one registry into another (another region or cloud).

Idempotent and resumable: every object is either content-addressed (blobs) or create-once
(manifests, alias entries, audit events), so re-running copies only what is missing. Order per
model is blobs -> manifests -> alias entries, so a replica never shows a version whose files are
absent, nor an alias pointing at a version it lacks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mlfleet_registry.artifacts import check_hash
from mlfleet_registry.errors import IntegrityError, NotFound, VersionExists
from mlfleet_registry.registry import Registry, parse_utc


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
            f"{self.blobs_copied} blob(s) / {self.bytes_copied} bytes, "
            f"{self.alias_moves_copied} alias move(s), "
            f"{self.audit_events_copied} audit event(s); replication lag before sync "
            f"{self.lag_seconds:.1f}s; {len(self.conflicts)} conflict(s)"
        )


def _age(stamp: str, now: datetime) -> float:
    return max(0.0, (now - parse_utc(stamp)).total_seconds())


def _copy_once(src: Registry, dst: Registry, key: str, report: SyncReport) -> bool:
    """Create `key` on dst with src's bytes; True if copied, False if already identical."""
    data = src.store.read(key)
    try:
        dst.store.create(key, data)
        return True
    except VersionExists:
        if json.loads(dst.store.read(key)) != json.loads(data):
            report.conflicts.append(f"{dst.url}/{key} differs from {src.url}/{key} (diverged replica)")
        return False


def sync_registries(src: Registry, dst: Registry, *, names: list[str] | None = None) -> SyncReport:
    report = SyncReport(src=src.url, dst=dst.url)
    now = datetime.now(UTC)
    report.models = names or src.list_models()
    for name in report.models:
        present = set(dst.list_versions(name))
        for version in src.list_versions(name):
            if version in present:
                report.versions_already_present += 1
                continue
            manifest = src.manifest(name, version)
            try:
                for file_name, digest in manifest.files.items():
                    key = src.blob_key(name, digest)
                    data = src.store.read(key)
                    check_hash(
                        data, digest, f"{src.url}/{key} ({file_name} of {name} {version}) at the source"
                    )
                    if dst.put_blob(name, data, digest):
                        report.blobs_copied += 1
                        report.bytes_copied += len(data)
            except (IntegrityError, NotFound) as exc:
                report.conflicts.append(f"not replicating {name} {version}: {exc}")
                continue
            if _copy_once(src, dst, src.manifest_key(name, version), report):
                report.versions_copied.append(f"{name}/{version}")
                report.lag_seconds = max(report.lag_seconds, _age(manifest.created_at, now))
        have = set(dst.store.list(f"models/{name}/aliases/"))
        replicated = set(dst.list_versions(name))
        for key in src.store.list(f"models/{name}/aliases/"):
            if key in have:
                continue
            entry = json.loads(src.store.read(key))
            if entry["version"] not in replicated:
                report.conflicts.append(f"alias move {key} skipped: {entry['version']} is not on {dst.url}")
                break  # later moves of this alias must wait for this one (history stays gap-free)
            if _copy_once(src, dst, key, report):
                report.alias_moves_copied += 1
                report.lag_seconds = max(report.lag_seconds, _age(entry["at"], now))
    dst_events = set(dst.store.list("audit/"))
    for key in src.store.list("audit/"):
        if key not in dst_events and (names is None or json.loads(src.store.read(key)).get("model") in names):
            if _copy_once(src, dst, key, report):
                report.audit_events_copied += 1
    return report
