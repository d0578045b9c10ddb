"""The drill's model versions, made by the real code: the trainer trains and publishes v0001 once
(scikit-learn's bundled breast-cancer data, the trainer's default config) and promotes it; later
versions re-publish that trained model through the registry's `publish` (signed, hash-checked), so
each publish costs a second, not a training run. A broken version is a published one whose signed
manifest is then altered in the store (as corruption or tampering would), and promoted without the
registry's pre-check, as a faulty promotion would."""

from __future__ import annotations

import json
from typing import Any

ACTOR = "mlfleet-drill"


def train_first(registry_url: str) -> tuple[str, str]:
    """Train, publish and promote to production; (model name, version)."""
    from mlfleet_trainer.config import load_effective_config
    from mlfleet_trainer.run import train

    config = load_effective_config(None, environ={})
    result = train(config, registry_url, say=lambda _line: None)
    return result.manifest.name, str(result.manifest.version)


def publish_copy(registry_url: str, model: str, reason: str) -> str:
    """Publish the production model again as a new signed version (not promoted); its version."""
    from mlfleet_registry import open_registry

    reg = open_registry(registry_url)
    current = reg.resolve(model, "production")
    loaded = reg.load(model, current)
    m = loaded.manifest
    manifest = reg.publish(
        model,
        loaded.model,
        metrics=dict(m.metrics),
        params=dict(m.params),
        feature_schema=list(m.feature_schema),
        reference_stats=dict(m.reference_stats or {}),
        data_fingerprint=m.data_fingerprint,
        task=str(m.task),
        classes=m.classes,
        code_version=m.code_version,
        parent_version=current,
        created_by=ACTOR,
        reason=reason,
    )
    return str(manifest.version)


def promote(registry_url: str, model: str, version: str, *, verify: bool = True) -> None:
    from mlfleet_registry import ANY, open_registry

    reg = open_registry(registry_url)
    reg.set_alias(model, "production", version, expected=ANY, actor=ACTOR, reason="drill", verify=verify)


def break_version(registry_url: str, model: str, version: str) -> None:
    """Alter the stored manifest after signing: its signature no longer matches."""
    from mlfleet_registry import open_registry

    reg = open_registry(registry_url)
    key = reg.manifest_key(model, version)
    raw: dict[str, Any] = json.loads(reg.store.read(key))
    raw["reason"] = "altered after signing (drill)"
    reg.store.write(key, json.dumps(raw).encode())


def rollback(registry_url: str, model: str) -> str:
    from mlfleet_registry import open_registry

    return open_registry(registry_url).rollback(
        model, "production", actor=ACTOR, reason="drill: broken version"
    )


def sample_row(registry_url: str, model: str) -> list[float]:
    """One row inside every feature's range (what the served schema accepts)."""
    from mlfleet_registry import open_registry

    reg = open_registry(registry_url)
    schema = reg.manifest(model, reg.resolve(model, "production")).feature_schema
    return [(float(f.min) + float(f.max)) / 2 for f in schema]  # type: ignore[arg-type]
