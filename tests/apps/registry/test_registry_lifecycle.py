"""Race-free, crash-complete lifecycle and converging sync, on a local directory and on the S3, GCS
and Azure emulators: a delete and a promote of one version never both succeed; a kill at any step
of publish, promote or delete leaves a state the next operation or `repair` finishes; sync
replicates each alias and tombstone independently, propagates deletes, never resurrects a deleted
version and never copies what it cannot verify."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from mlfleet_registry import (
    ANY,
    Registry,
    RegistryError,
    StoreUnavailable,
    VersionDeleted,
    open_registry,
    sync_registries,
)
from mlfleet_registry import registry as registry_module

from .conftest import publish_kwargs
from .test_registry_contract import run_crashing


@pytest.fixture(autouse=True)
def quick_rechecks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry_module, "DELETE_RECHECKS", (0.05,))


@pytest.fixture(scope="module")
def other_model() -> Any:
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    features, target = load_iris(return_X_y=True)
    return DecisionTreeClassifier(random_state=0, max_depth=2).fit(features, target)


def intercept(registry: Registry, method: str, pattern: str, before: Callable[[], None]) -> None:
    """Run `before` once, just before the store's first `method` call on a key matching `pattern`."""
    original = getattr(registry.store, method)
    fired = {"done": False}

    def wrapper(key: str, *args: Any) -> Any:
        if not fired["done"] and re.search(pattern, key):
            fired["done"] = True
            before()
        return original(key, *args)

    setattr(registry.store, method, wrapper)


def three_versions(registry: Registry, fitted_model: Any, other_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    registry.publish("demo", other_model, **publish_kwargs())
    registry.publish("demo", fitted_model, **publish_kwargs())
    registry.set_alias("demo", "production", "v0001", expected=None, actor="ci", reason="ship")


def test_a_promote_that_lands_after_the_tombstone_is_undone(
    registry: Registry, fitted_model: Any, other_model: Any
) -> None:
    three_versions(registry, fitted_model, other_model)
    deleter = open_registry(registry.url)
    # The delete runs entirely between the promote's checks and its alias write.
    intercept(
        registry,
        "create",
        r"aliases/production/",
        lambda: deleter.delete_version("demo", "v0002", actor="alice", reason="bad"),
    )
    with pytest.raises(
        VersionDeleted, match=r"production of demo not moved to v0002: v0002 is being deleted"
    ):
        registry.set_alias("demo", "production", "v0002", expected="v0001", actor="bob", reason="go")
    assert registry.aliases("demo") == {"production": "v0001"}
    assert registry.list_versions("demo") == ["v0001", "v0003"]
    moves = [(h["event"], h["version"]) for h in registry.alias_history("demo", "production")]
    assert moves == [("promote", "v0001"), ("promote", "v0002"), ("revert", "v0001")]
    assert registry.verify() == []


def test_a_delete_that_finds_a_winning_promote_stops(
    registry: Registry, fitted_model: Any, other_model: Any
) -> None:
    three_versions(registry, fitted_model, other_model)
    promoter = open_registry(registry.url)
    # The promote runs entirely between the delete's alias check and its tombstone.
    intercept(
        registry,
        "create",
        r"v0002/deleted\.json$",
        lambda: promoter.set_alias("demo", "production", "v0002", expected="v0001", actor="bob", reason="go"),
    )
    with pytest.raises(RegistryError, match=r"v0002 not deleted: alias\(es\) production were moved to it"):
        registry.delete_version("demo", "v0002", actor="alice", reason="bad")
    assert registry.resolve("demo", "production") == "v0002"
    assert registry.load("demo", "v0002").manifest.version == "v0002"  # still whole and served
    assert registry.verify() == ["demo v0002 is being deleted but still present (an interrupted or raced "
                                 "delete: run `mlfleet models repair` or the delete again)"]  # fmt: skip
    with pytest.raises(VersionDeleted, match=r"v0002 is being deleted .* cannot be promoted"):
        registry.set_alias("demo", "staging", "v0002", actor="x", reason="x")
    registry.set_alias("demo", "production", "v0003", expected="v0002", actor="bob", reason="next")
    registry.delete_version("demo", "v0002", actor="alice", reason="bad")  # finishes it
    assert registry.list_versions("demo") == ["v0001", "v0003"] and registry.verify() == []


def test_concurrent_delete_and_promote_never_both_succeed(
    registry: Registry, fitted_model: Any, other_model: Any
) -> None:
    three_versions(registry, fitted_model, other_model)
    rounds = 4
    for _ in range(rounds):
        registry.publish("demo", other_model, **publish_kwargs())
    for target in registry.list_versions("demo")[3:]:
        outcome = race(registry.url, target)
        assert not (outcome["delete"] and outcome["promote"]), outcome
        current = registry.resolve("demo", "production")
        assert (current == target) == outcome["promote"]
        assert (target not in registry.list_versions("demo")) == outcome["delete"]
        assert current in registry.list_versions("demo")  # the alias never rests on a deleted version
        if current == target:  # reset for the next round, finishing a delete that lost
            registry.set_alias("demo", "production", "v0001", actor="ci", reason="reset")
        if target in registry.deleted_versions("demo"):
            registry.delete_version("demo", target, actor="alice", reason="finish")
    assert registry.verify() == []


def race(url: str, target: str) -> dict[str, bool]:
    """Delete `target` and promote production to it at the same moment, each with its own client."""
    barrier = threading.Barrier(2)
    outcome: dict[str, bool] = {}

    def attempt(what: str, action: Callable[[Registry], None]) -> None:
        reg = open_registry(url)
        barrier.wait()
        try:
            action(reg)
            outcome[what] = True
        except RegistryError:
            outcome[what] = False

    threads = [
        threading.Thread(
            target=attempt,
            args=("delete", lambda r: r.delete_version("demo", target, actor="a", reason="race")),
        ),
        threading.Thread(
            target=attempt,
            args=(
                "promote",
                lambda r: r.set_alias("demo", "production", target, expected=ANY, actor="b", reason="race"),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


# ---- kills at each step ------------------------------------------------------------------------


def kill(registry: Registry, method: str, pattern: str, *operation: str) -> None:
    run_crashing("step", registry.url, method, pattern, *operation)


def repaired(registry: Registry, expect: list[str]) -> None:
    assert registry.repair() == expect
    assert registry.verify() == []
    assert registry.repair() == []  # idempotent


def test_kill_after_the_manifest_before_the_register_event(registry: Registry) -> None:
    kill(registry, "create", r"^audit/", "publish", "demo")
    assert registry.list_versions("demo") == ["v0001"]
    assert registry.verify() == ["demo v0001 has no register event (run `mlfleet models repair`)"]
    repaired(registry, ["recorded the missing register event of demo v0001"])
    (event,) = registry.audit_log()
    assert (event["event"], event["version"], event["recovered_by"]) == (
        "register",
        "v0001",
        "mlfleet-repair",
    )


def test_kill_after_the_alias_entry_before_the_promote_event(registry: Registry, fitted_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    kill(registry, "create", r"^audit/", "promote", "demo", "production", "v0001")
    assert registry.aliases("demo") == {"production": "v0001"}
    (problem,) = registry.verify()
    assert problem.endswith(
        "aliases/production/00000001.json has no audit event (run `mlfleet models repair`)"
    )
    repaired(registry, ["recorded the missing promote event of demo production #1"])


def test_kill_before_a_racing_promote_undid_itself(
    registry: Registry, fitted_model: Any, other_model: Any
) -> None:
    three_versions(registry, fitted_model, other_model)
    tombstone = {"version": "v0002", "at": "2026-01-01T00:00:00.000000Z", "actor": "alice", "reason": "bad"}
    tombstone["files"] = registry.manifest("demo", "v0002").files  # type: ignore[assignment]
    registry.store.create(registry.tombstone_key("demo", "v0002"), json.dumps(tombstone).encode())
    # the promote passed its checks before the tombstone, wrote its entry, saw the tombstone, died undoing
    kill(
        registry,
        "create",
        r"aliases/production/00000003",
        "promote-prechecked",
        "demo",
        "production",
        "v0002",
    )
    assert registry.resolve("demo", "production") == "v0002"
    repaired(
        registry,
        [
            "moved demo production off deleted version v0002 (now v0001)",
            "finished the interrupted delete of demo v0002",
        ],
    )
    assert registry.aliases("demo") == {"production": "v0001"}
    assert registry.list_versions("demo") == ["v0001", "v0003"]


@pytest.mark.parametrize(
    ("method", "pattern", "visible"),
    [
        ("delete", r"versions/v0002/manifest\.json$", True),  # after the tombstone
        ("delete", r"/blobs/", False),  # after the manifest is gone
        ("create", r"^audit/", False),  # after the blobs, before the event
    ],
)
def test_an_interrupted_delete_is_finished_by_running_it_again(
    registry: Registry, fitted_model: Any, other_model: Any, method: str, pattern: str, visible: bool
) -> None:
    three_versions(registry, fitted_model, other_model)
    blob = registry.blob_key("demo", registry.manifest("demo", "v0002").files["model.skops"])
    kill(registry, method, pattern, "delete", "demo", "v0002")
    assert ("v0002" in registry.list_versions("demo")) == visible
    assert registry.verify() != []
    registry.delete_version("demo", "v0002", actor="alice", reason="again")  # no "does not exist"
    assert registry.list_versions("demo") == ["v0001", "v0003"]
    assert not registry.store.exists(blob)
    assert [e["version"] for e in registry.audit_log() if e["event"] == "delete"] == ["v0002"]
    assert registry.verify() == [] and registry.repair() == []


def test_repair_finishes_an_interrupted_delete(
    registry: Registry, fitted_model: Any, other_model: Any
) -> None:
    three_versions(registry, fitted_model, other_model)
    kill(registry, "delete", r"versions/v0002/manifest\.json$", "delete", "demo", "v0002")
    repaired(registry, ["finished the interrupted delete of demo v0002"])
    assert registry.list_versions("demo") == ["v0001", "v0003"]


# ---- sync --------------------------------------------------------------------------------------


@pytest.fixture
def pair(new_registry_url: Callable[[], str]) -> tuple[Registry, Registry]:
    return open_registry(new_registry_url()), open_registry(new_registry_url())


def test_each_alias_replicates_independently_and_a_bad_version_is_reported(
    pair: tuple[Registry, Registry], fitted_model: Any, other_model: Any
) -> None:
    src, dst = pair
    three_versions(src, fitted_model, other_model)
    src.set_alias("demo", "canary", "v0002", actor="ci", reason="try")  # 'canary' sorts before the others
    src.set_alias("demo", "staging", "v0003", actor="ci", reason="try")
    src.store.write(src.blob_key("demo", src.manifest("demo", "v0002").files["model.skops"]), b"garbage")
    report = sync_registries(src, dst)
    assert dst.list_versions("demo") == ["v0001", "v0003"]
    assert dst.aliases("demo") == {"production": "v0001", "staging": "v0003"}
    assert any(
        c.startswith("not replicating demo v0002:") and "does not match" in c for c in report.conflicts
    )
    assert any(
        c.startswith("alias 'canary' of demo not replicated: it points at v0002") for c in report.conflicts
    )
    assert dst.verify() == []


def test_injected_failures_do_not_stop_the_others_and_a_rerun_converges(
    pair: tuple[Registry, Registry], fitted_model: Any, other_model: Any
) -> None:
    src, dst = pair
    three_versions(src, fitted_model, other_model)
    src.set_alias("demo", "canary", "v0002", actor="ci", reason="try")
    src.set_alias("demo", "staging", "v0003", actor="ci", reason="try")
    sync_registries(src, dst)
    src.set_alias("demo", "canary", "v0003", actor="ci", reason="next")
    src.set_alias("demo", "staging", "v0001", actor="ci", reason="back")
    src.set_alias("demo", "production", "v0003", actor="ci", reason="ship")
    src.delete_version("demo", "v0002", actor="alice", reason="bad")
    original = dst.store.create

    def failing(key: str, data: bytes) -> None:
        if "/aliases/canary/" in key or key.endswith("v0002/deleted.json"):
            raise StoreUnavailable(f"cannot create {key}: injected failure")
        original(key, data)

    dst.store.create = failing  # type: ignore[method-assign]
    report = sync_registries(src, dst)
    assert len(report.conflicts) == 2, report.conflicts
    assert dst.aliases("demo") == {"canary": "v0002", "production": "v0003", "staging": "v0001"}
    dst.store.create = original  # type: ignore[method-assign]
    again = sync_registries(src, dst)
    assert again.ok, again.conflicts
    assert again.deletes_applied == ["demo/v0002"]
    assert (
        dst.aliases("demo")
        == src.aliases("demo")
        == {"canary": "v0003", "production": "v0003", "staging": "v0001"}
    )
    assert dst.list_versions("demo") == src.list_versions("demo") == ["v0001", "v0003"]
    assert sorted(dst.audit_keys()) == sorted(src.audit_keys())
    assert dst.verify() == []
    assert sync_registries(src, dst).alias_moves_copied == 0


def test_deletes_propagate_and_a_replica_never_resurrects(
    pair: tuple[Registry, Registry], fitted_model: Any, other_model: Any
) -> None:
    src, dst = pair
    three_versions(src, fitted_model, other_model)
    assert sync_registries(src, dst).ok
    blob = src.blob_key("demo", src.manifest("demo", "v0002").files["model.skops"])
    src.delete_version("demo", "v0002", actor="alice", reason="bad")
    report = sync_registries(src, dst)
    assert report.ok and report.deletes_applied == ["demo/v0002"]
    assert dst.list_versions("demo") == ["v0001", "v0003"] and not dst.store.exists(blob)
    assert dst.deleted_versions("demo") == ["v0002"]
    dst.delete_version("demo", "v0003", actor="bob", reason="only here")
    report = sync_registries(src, dst)
    assert report.deleted_on_replica == ["demo/v0003"] and report.versions_copied == []
    assert dst.list_versions("demo") == ["v0001"]
    assert dst.verify() == []
    # a fresh replica of a registry with a deletion: the history is copied, the version is not
    fresh = open_registry(dst.url + "-fresh")
    assert sync_registries(src, fresh).ok
    assert fresh.list_versions("demo") == ["v0001", "v0003"] and fresh.deleted_versions("demo") == ["v0002"]


def test_corrupt_or_mismatched_objects_are_reported_not_copied(
    pair: tuple[Registry, Registry], fitted_model: Any
) -> None:
    src, dst = pair
    src.publish("demo", fitted_model, **publish_kwargs())
    src.publish("demo", fitted_model, **publish_kwargs())
    src.store.create("audit/20990101T000000.000000Z-corrupt.json", b"{not json")
    moved = json.loads(src.store.read(src.manifest_key("demo", "v0001")))
    src.store.write(src.manifest_key("demo", "v0002"), json.dumps(moved).encode())  # v0001's, at v0002
    report = sync_registries(src, dst, names=["demo"])  # --model used to crash on the corrupt event
    assert any("audit event not copied" in c and "not valid JSON" in c for c in report.conflicts)
    assert any(
        c.startswith("not replicating demo v0002") and "manifest of demo v0001" in c for c in report.conflicts
    )
    assert dst.list_versions("demo") == ["v0001"]
    assert "audit/20990101T000000.000000Z-corrupt.json" not in dst.audit_keys()
    assert dst.verify() == []
