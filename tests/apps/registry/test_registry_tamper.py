"""Tamper evidence, on all four stores: alias entries and audit events are bound (sha256) to what they
record and alias entries are chained, so naive edits, deletions and reorderings are reported by
`verify` naming what is wrong where; with a signing key (Ed25519) even consistent forgeries are,
and `load`/`set_alias`/sync refuse what does not verify."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mlfleet_registry import IntegrityError, Registry, open_registry, sync_registries
from mlfleet_registry.artifacts import sha256_hex
from mlfleet_registry.signing import Signer, Verifier, generate_key
from typer.testing import CliRunner

from mlfleet.cli import app

from .conftest import publish_kwargs


def edit(registry: Registry, key: str, change: dict[str, Any]) -> None:
    """Rewrite a stored JSON object with valid JSON (what an attacker with write access can do)."""
    data = json.loads(registry.store.read(key))
    data.update(change)
    registry.store.write(key, json.dumps(data).encode())


def event_key(registry: Registry, **match: Any) -> str:
    return next(
        k for k in registry.audit_keys() if all(registry._read_json(k).get(f) == v for f, v in match.items())
    )


def promoted(registry: Registry, fitted_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    registry.publish("demo", fitted_model, **publish_kwargs(metrics={"accuracy": 0.5}))
    registry.set_alias("demo", "production", "v0001", actor="ci", reason="ship")
    registry.set_alias("demo", "production", "v0002", actor="ci", reason="ship")
    assert registry.verify() == []


ENTRY = "models/demo/aliases/production/{:08d}.json"


def test_edits_and_deletions_are_detected_without_keys(registry: Registry, fitted_model: Any) -> None:
    promoted(registry, fitted_model)
    manifest_key = registry.manifest_key("demo", "v0002")
    original = registry.store.read(manifest_key)
    edit(registry, manifest_key, {"metrics": {"accuracy": 0.99}})  # a better-looking model
    manifest_problem, alias_problem = registry.verify()
    assert manifest_problem.startswith("the manifest of demo v0002 (")
    assert manifest_problem.endswith("does not match its register event (edited after publish?)")
    assert alias_problem.endswith(
        "00000002.json is bound to another manifest than demo v0002's (entry or manifest edited)"
    )
    registry.store.write(manifest_key, original)
    assert registry.verify() == []
    promoted_bytes = json.loads(registry.store.read(ENTRY.format(2)))
    edit(registry, ENTRY.format(2), {"version": "v0001"})  # production silently back to v0001
    problems = registry.verify()
    assert any("is bound to another manifest than demo v0001's" in p for p in problems)
    assert any("aliases/production/00000002.json does not match its audit event" in p for p in problems)
    registry.store.write(ENTRY.format(2), json.dumps(promoted_bytes).encode())

    registry.store.delete(ENTRY.format(2))  # the latest move erased
    problems = registry.verify()
    assert any("the audit log records move #2 but the history has 1 entries" in p for p in problems)
    registry.store.delete(event_key(registry, event="register", version="v0001"))
    assert "demo v0001 has no register event (run `mlfleet models repair`)" in registry.verify()


def test_a_gap_and_a_broken_chain_are_detected(registry: Registry, fitted_model: Any) -> None:
    promoted(registry, fitted_model)
    registry.set_alias("demo", "production", "v0001", actor="ci", reason="back")
    registry.store.delete(ENTRY.format(2))
    problems = registry.verify()
    assert any(
        "history has a gap before" in p and p.endswith("00000003.json (entry deleted)") for p in problems
    )
    registry.store.write(
        ENTRY.format(2), registry.store.read(ENTRY.format(1)).replace(b'"seq": 1', b'"seq": 2')
    )
    problems = registry.verify()
    assert any("00000003.json does not chain to entry #2" in p for p in problems)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Signer, Verifier, Path]:
    path = tmp_path_factory.mktemp("keys") / "signing.pem"
    public, _ = generate_key(path)
    return Signer(path.read_bytes()), Verifier([("test", public.read_bytes())]), path


def signed(registry: Registry, keys: tuple[Signer, Verifier, Path]) -> Registry:
    return Registry(registry.store, signer=keys[0], verifier=keys[1])


def test_consistent_forgeries_fail_the_signatures(
    registry: Registry, fitted_model: Any, keys: tuple[Signer, Verifier, Path]
) -> None:
    reg = signed(registry, keys)
    promoted(reg, fitted_model)
    manifest_key = reg.manifest_key("demo", "v0002")
    edit(reg, manifest_key, {"metrics": {"accuracy": 0.99}})
    forged = reg.store.read(manifest_key)
    edit(reg, event_key(reg, event="register", version="v0002"), {"manifest_sha256": sha256_hex(forged)})
    edit(reg, ENTRY.format(2), {"manifest_sha256": sha256_hex(forged)})
    problems = reg.verify()
    assert any(
        p.startswith("the manifest of demo v0002") and "signature that does not verify" in p for p in problems
    )
    assert any(p.startswith("audit event") and "signature that does not verify" in p for p in problems)
    assert any(p.startswith("alias entry") and "signature that does not verify" in p for p in problems)
    with pytest.raises(
        IntegrityError, match="the manifest of demo v0002 has a signature that does not verify"
    ):
        reg.load("demo", "v0002")
    with pytest.raises(IntegrityError, match="refusing it"):
        reg.set_alias("demo", "staging", "v0002", actor="x", reason="x")
    report = sync_registries(reg, Registry(open_registry(reg.url + "-replica").store, verifier=keys[1]))
    assert any("not replicating demo v0002" in c and "does not verify" in c for c in report.conflicts)


def test_unsigned_versions_and_corrupt_blobs_are_not_promoted(
    registry: Registry, fitted_model: Any, keys: tuple[Signer, Verifier, Path]
) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())  # no key
    reg = signed(registry, keys)
    with pytest.raises(IntegrityError, match="the manifest of demo v0001 is not signed; refusing it"):
        reg.set_alias("demo", "production", "v0001", actor="x", reason="x")
    good = reg.publish("demo", fitted_model, **publish_kwargs(metrics={"accuracy": 0.5}))
    reg.store.write(reg.blob_key("demo", good.files["model.skops"]), b"garbage")
    with pytest.raises(IntegrityError, match="does not match the manifest"):
        reg.set_alias("demo", "production", "v0002", actor="x", reason="x")
    assert reg.aliases("demo") == {}
    assert any("the manifest of demo v0001" in p and "is not signed" in p for p in reg.verify())


def test_keys_from_the_environment_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted_model: Any
) -> None:
    key = tmp_path / "signing.pem"
    result = CliRunner().invoke(app, ["models", "keygen", str(key)])
    assert result.exit_code == 0 and "key id" in result.stdout
    assert CliRunner().invoke(app, ["models", "keygen", str(key)]).exit_code == 1  # never overwritten
    monkeypatch.setenv("MLFLEET_SIGNING_KEY", str(key))
    monkeypatch.setenv("MLFLEET_VERIFY_KEYS", f"{key}.pub")
    url = str(tmp_path / "reg")
    reg = open_registry(url)
    reg.publish("demo", fitted_model, **publish_kwargs())
    result = CliRunner().invoke(
        app, ["models", "promote", "demo", "v0001", "--reason", "x", "--registry", url]
    )
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["models", "verify", "--registry", url]).exit_code == 0
    edit(reg, reg.manifest_key("demo", "v0001"), {"reason": "edited"})
    result = CliRunner().invoke(app, ["models", "verify", "--registry", url])
    assert result.exit_code == 1 and "signature that does not verify" in result.stderr
