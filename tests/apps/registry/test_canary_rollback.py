"""`rollback_canary`, the one canary rollback (alert hook, `mlfleet release`), on a real local registry,
unsigned and signed: the canary alias onto what production serves now, compare-and-swap, recorded
as a `rollback` with actor and reason; a second run moves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mlfleet_registry import (
    AliasConflict,
    IntegrityError,
    NotFound,
    Registry,
    open_registry,
    rollback_canary,
)
from mlfleet_registry.canary import MAX_REASON
from mlfleet_registry.signing import Signer, Verifier, generate_key

from .conftest import publish_kwargs


@pytest.fixture(params=["unsigned", "signed"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    plain = open_registry(str(tmp_path / "registry"))
    if request.param == "unsigned":
        return plain
    key = tmp_path / "signing.pem"
    public, _ = generate_key(key)
    return Registry(plain.store, Signer(key.read_bytes()), Verifier([("test", public.read_bytes())]))


def _canary_on_bad(registry: Registry, fitted_model: Any) -> tuple[str, str]:
    good = registry.publish("demo", fitted_model, **publish_kwargs()).version
    bad = registry.publish("demo", fitted_model, **publish_kwargs(parent_version=good)).version
    registry.set_alias("demo", "production", good, actor="ci", reason="ship")
    registry.set_alias("demo", "candidate", bad, actor="ci", reason="canary")
    return good, bad


def test_the_canary_goes_to_production_recorded_and_twice_is_harmless(
    registry: Registry, fitted_model: Any
) -> None:
    good, bad = _canary_on_bad(registry, fitted_model)
    moved = rollback_canary(
        registry, "demo", canary="candidate", primary="production", actor="hook", reason="alert X"
    )
    assert moved == good
    assert registry.aliases("demo") == {"production": good, "candidate": good}
    entry = registry.alias_history("demo", "candidate")[-1]
    assert (entry["version"], entry["previous"], entry["event"], entry["actor"], entry["reason"]) == (
        good,
        bad,
        "rollback",
        "hook",
        "alert X",
    )
    assert ("signature" in entry) == (registry.signer is not None)
    event = registry.audit_log()[-1]
    assert (event["event"], event["alias"], event["version"], event["previous"]) == (
        "rollback",
        "candidate",
        good,
        bad,
    )
    assert registry.verify() == []  # signed registries: every entry and event verifies
    again = rollback_canary(
        registry, "demo", canary="candidate", primary="production", actor="hook", reason="repeat"
    )
    assert again is None
    assert len(registry.alias_history("demo", "candidate")) == 2


def test_production_moved_since_the_gate_the_canary_follows_it(registry: Registry, fitted_model: Any) -> None:
    """The version production served when the candidate was gated is deleted meanwhile: going back
    to it would fail and leave the bad canary serving; production's current version is the target."""
    old, bad = _canary_on_bad(registry, fitted_model)
    newer = registry.publish("demo", fitted_model, **publish_kwargs(parent_version=old)).version
    registry.set_alias("demo", "production", newer, expected=old, actor="ci", reason="hotfix")
    registry.delete_version("demo", old, actor="ci", reason="superseded")
    moved = rollback_canary(
        registry,
        "demo",
        canary="candidate",
        primary="production",
        actor="release",
        reason="x" * (MAX_REASON + 100),
        expected=bad,
    )
    assert moved == newer
    assert registry.aliases("demo")["candidate"] == newer
    assert registry.alias_history("demo", "candidate")[-1]["reason"] == "x" * MAX_REASON


def test_a_canary_moved_by_someone_else_is_left_alone(registry: Registry, fitted_model: Any) -> None:
    good, bad = _canary_on_bad(registry, fitted_model)
    other = registry.publish("demo", fitted_model, **publish_kwargs(parent_version=good)).version
    registry.set_alias("demo", "candidate", other, actor="someone", reason="next canary")
    with pytest.raises(AliasConflict, match=f"points at {other}, not {bad}"):
        rollback_canary(
            registry, "demo", canary="candidate", primary="production", actor="r", reason="r", expected=bad
        )
    assert registry.aliases("demo")["candidate"] == other


def test_without_production_or_canary(registry: Registry, fitted_model: Any) -> None:
    version = registry.publish("demo", fitted_model, **publish_kwargs()).version
    registry.set_alias("demo", "candidate", version, actor="ci", reason="canary")
    with pytest.raises(NotFound, match="no 'production' alias to roll the canary 'candidate' back to"):
        rollback_canary(registry, "demo", canary="candidate", primary="production", actor="r", reason="r")
    registry.set_alias("demo", "production", version, actor="ci", reason="ship")
    unset = rollback_canary(registry, "demo", canary="canary", primary="production", actor="r", reason="r")
    assert unset is None


def test_a_signed_registry_refuses_to_roll_back_onto_an_unsigned_version(
    tmp_path: Path, fitted_model: Any
) -> None:
    """Signing keys arrived after production was published unsigned: the rollback is refused (the
    replicas would refuse to load it too) and the canary does not move."""
    plain = open_registry(str(tmp_path / "registry"))
    good, bad = _canary_on_bad(plain, fitted_model)
    key = tmp_path / "signing.pem"
    public, _ = generate_key(key)
    signed = Registry(plain.store, Signer(key.read_bytes()), Verifier([("test", public.read_bytes())]))
    with pytest.raises(IntegrityError, match=f"the manifest of demo {good} is not signed; refusing it"):
        rollback_canary(signed, "demo", canary="candidate", primary="production", actor="r", reason="r")
    assert signed.aliases("demo")["candidate"] == bad
