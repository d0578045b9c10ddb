"""The registry contract: identical tests on a local directory and on S3, GCS and Azure emulators."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mlfleet_registry import (
    AliasConflict,
    IntegrityError,
    NotFound,
    Registry,
    RegistryError,
    VersionExists,
    open_registry,
    sync_registries,
)

from tests.support import REPO_ROOT

from .conftest import publish_kwargs

CRASH_SCRIPT = Path(__file__).with_name("crash_during.py")


def run_crashing(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(CRASH_SCRIPT), *args], capture_output=True, text=True, cwd=REPO_ROOT
    )
    assert result.returncode == -signal.SIGKILL, result.stderr  # it really died mid-operation
    return result


def test_publish_list_load_round_trip(registry: Registry, fitted_model: Any) -> None:
    first = registry.publish("demo", fitted_model, **publish_kwargs())
    second = registry.publish("demo", fitted_model, **publish_kwargs(parent_version=first.version))
    assert registry.list_models() == ["demo"]
    assert registry.list_versions("demo") == ["v0001", "v0002"]
    manifest = registry.manifest("demo", "v0002")
    assert manifest == second
    assert manifest.parent_version == "v0001"
    assert manifest.format == "skops"
    assert set(manifest.files) == {"model.skops"}
    assert datetime.fromisoformat(manifest.created_at).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    loaded = registry.load("demo", "v0001")
    assert loaded.manifest == first
    iris = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    assert list(loaded.model.predict(iris)) == list(fitted_model.predict(iris))
    assert registry.verify() == []


def test_versions_are_immutable(registry: Registry, fitted_model: Any) -> None:
    manifest = registry.publish("demo", fitted_model, **publish_kwargs())
    key = registry.manifest_key("demo", manifest.version)
    with pytest.raises(VersionExists, match="already exists"):
        registry.store.create(key, b"{}")
    assert registry.manifest("demo", manifest.version) == manifest


def test_tampered_artifact_is_refused_and_verify_names_it(registry: Registry, fitted_model: Any) -> None:
    manifest = registry.publish("demo", fitted_model, **publish_kwargs())
    blob = registry.blob_key("demo", manifest.files["model.skops"])
    data = registry.store.read(blob)
    registry.store.write(blob, data[:-10] + b"tampered!!")
    with pytest.raises(IntegrityError, match=r"model\.skops of demo v0001.*does not match"):
        registry.load("demo", "v0001")
    problems = registry.verify()
    assert len(problems) == 1 and blob in problems[0]


def test_unknown_version_and_alias_are_clear_errors(registry: Registry, fitted_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    with pytest.raises(NotFound, match=r"no version 'v0009' \(versions: v0001\)"):
        registry.manifest("demo", "v0009")
    with pytest.raises(NotFound, match="no alias 'production'"):
        registry.resolve("demo", "production")
    with pytest.raises(RegistryError, match="invalid model name"):
        registry.list_versions("Bad Name")


def test_aliases_compare_and_swap_history_and_rollback(registry: Registry, fitted_model: Any) -> None:
    for _ in range(2):
        registry.publish("demo", fitted_model, **publish_kwargs())
    registry.set_alias("demo", "production", "v0001", expected=None, actor="alice", reason="first")
    with pytest.raises(AliasConflict, match="points at v0001, not nothing"):
        registry.set_alias("demo", "production", "v0002", expected=None, actor="bob", reason="stale")
    registry.set_alias("demo", "production", "v0002", expected="v0001", actor="bob", reason="better")
    assert registry.resolve("demo", "production") == "v0002"
    assert registry.rollback("demo", "production", actor="carol", reason="bad canary") == "v0001"
    assert registry.aliases("demo") == {"production": "v0001"}
    history = registry.alias_history("demo", "production")
    assert [(h["version"], h["previous"], h["actor"], h["event"]) for h in history] == [
        ("v0001", None, "alice", "promote"),
        ("v0002", "v0001", "bob", "promote"),
        ("v0001", "v0002", "carol", "rollback"),
    ]
    with pytest.raises(NotFound):
        registry.set_alias("demo", "production", "v0042", actor="x", reason="no such version")
    events = [(e["event"], e.get("version"), e["actor"]) for e in registry.audit_log()]
    assert events == [
        ("register", "v0001", "pytest"),
        ("register", "v0002", "pytest"),
        ("promote", "v0001", "alice"),
        ("promote", "v0002", "bob"),
        ("rollback", "v0001", "carol"),
    ]
    assert all(e["reason"] and e["at"] for e in registry.audit_log())


def test_two_concurrent_promotes_one_wins(registry: Registry, fitted_model: Any) -> None:
    for _ in range(3):
        registry.publish("demo", fitted_model, **publish_kwargs())
    registry.set_alias("demo", "production", "v0001", actor="ci", reason="start")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def promote(version: str) -> None:
        reg = open_registry(registry.url)  # its own client, as a second process would have
        barrier.wait()
        try:
            reg.set_alias("demo", "production", version, expected="v0001", actor=version, reason="race")
            outcomes[version] = "won"
        except AliasConflict as exc:
            outcomes[version] = str(exc)

    threads = [threading.Thread(target=promote, args=(v,)) for v in ("v0002", "v0003")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [v for v, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = ({"v0002", "v0003"} - set(winners)).pop()
    assert "someone else" in outcomes[loser] and "retry" in outcomes[loser]
    assert registry.resolve("demo", "production") == winners[0]
    assert len(registry.alias_history("demo", "production")) == 2


@pytest.mark.parametrize("point", ["torn-blob", "before-manifest"])
def test_crash_mid_publish_leaves_no_half_version(registry: Registry, fitted_model: Any, point: str) -> None:
    run_crashing("publish", registry.url, point)
    assert registry.list_versions("demo") == []
    assert registry.list_models() == []
    assert registry.verify() == []
    manifest = registry.publish("demo", fitted_model, **publish_kwargs())  # and the next publish works
    assert manifest.version == "v0001"
    assert registry.load("demo", "v0001").manifest == manifest


def test_sync_is_idempotent_and_resumes_after_a_kill(
    new_registry_url: Callable[[], str], fitted_model: Any
) -> None:
    src, dst = open_registry(new_registry_url()), open_registry(new_registry_url())
    for _ in range(3):
        src.publish("demo", fitted_model, **publish_kwargs())
    src.set_alias("demo", "production", "v0002", actor="ci", reason="go")
    src.set_alias("demo", "staging", "v0003", actor="ci", reason="try")

    run_crashing("sync", src.url, dst.url, "2")  # dies while creating the second manifest
    assert dst.list_versions("demo") == ["v0001"]
    assert dst.aliases("demo") == {}
    assert dst.verify() == []

    report = sync_registries(src, dst)
    assert report.ok, report.conflicts
    assert report.versions_copied == ["demo/v0002", "demo/v0003"]
    assert report.versions_already_present == 1
    assert report.alias_moves_copied == 2
    assert report.lag_seconds > 0
    assert dst.list_versions("demo") == src.list_versions("demo")
    assert dst.aliases("demo") == {"production": "v0002", "staging": "v0003"}
    assert dst.alias_history("demo", "production") == src.alias_history("demo", "production")
    assert dst.verify() == []
    assert dst.load("demo", "v0003").manifest == src.manifest("demo", "v0003")

    again = sync_registries(src, dst)
    assert (again.versions_copied, again.blobs_copied, again.alias_moves_copied) == ([], 0, 0)
    assert again.lag_seconds == 0


def test_sync_refuses_to_replicate_a_corrupt_source(
    new_registry_url: Callable[[], str], fitted_model: Any
) -> None:
    src, dst = open_registry(new_registry_url()), open_registry(new_registry_url())
    manifest = src.publish("demo", fitted_model, **publish_kwargs())
    src.store.write(src.blob_key("demo", manifest.files["model.skops"]), b"garbage")
    report = sync_registries(src, dst)
    assert not report.ok and "does not match" in report.conflicts[0]
    assert dst.list_versions("demo") == []


def test_audit_events_are_separate_immutable_objects(registry: Registry, fitted_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    keys = [k for k in registry.store.list("audit/")]
    assert len(keys) == 1
    event = json.loads(registry.store.read(keys[0]))
    with pytest.raises(VersionExists):
        registry.store.create(keys[0], b"{}")
    assert event["event"] == "register" and event["model"] == "demo"


def test_delete_removes_a_version_audits_it_and_never_reuses_its_id(
    registry: Registry, fitted_model: Any
) -> None:
    first = registry.publish("demo", fitted_model, **publish_kwargs())
    second = registry.publish("demo", fitted_model, **publish_kwargs())
    registry.set_alias("demo", "production", first.version, actor="ci", reason="ship")
    with pytest.raises(RegistryError, match=r"alias\(es\) production point at"):
        registry.delete_version("demo", first.version, actor="ci", reason="cleanup")

    registry.delete_version("demo", second.version, actor="alice", reason="bad data")

    assert registry.list_versions("demo") == [first.version]
    with pytest.raises(NotFound, match="versions: v0001"):
        registry.manifest("demo", second.version)
    assert not registry.store.exists(registry.blob_key("demo", second.files["model.skops"]))
    assert registry.store.exists(registry.blob_key("demo", first.files["model.skops"]))
    delete = [e for e in registry.audit_log() if e["event"] == "delete"]
    assert [(e["version"], e["actor"], e["reason"]) for e in delete] == [
        (second.version, "alice", "bad data")
    ]
    # The deleted id stays taken: the next version is v0003, not a second v0002.
    assert registry.publish("demo", fitted_model, **publish_kwargs()).version == "v0003"
    assert registry.verify() == []
