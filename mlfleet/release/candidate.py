"""The release's first steps: a version that passed the gate against production, under `candidate`.

Either a fresh training run (the trainer's own gate, `promote_to` forced to the candidate alias) or a
version already in the registry: then its manifest's recorded gate must have passed against the
version production points at now (a version gated against an older production is re-trained, not
released on an outdated verdict)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlfleet.release.errors import GateRefused, ReleaseError

Say = Callable[[str], None]


@dataclass(frozen=True)
class Candidate:
    model: str
    version: str
    production: str  # the version production pointed at when the candidate was gated


def train_candidate(
    registry: Any, config_path: str | None, model: str | None, alias: str, say: Say
) -> Candidate:
    """A training run that moves `alias`; `model` overrides the config's model_name as the stacks'
    MLFLEET_MODEL does (the release trains the model the stack serves)."""
    from mlfleet_registry import RegistryError
    from mlfleet_trainer.config import TrainConfig, load_effective_config
    from mlfleet_trainer.errors import GateRejected, NotPromoted, TrainerError
    from mlfleet_trainer.run import train
    from pydantic import ValidationError

    try:
        loaded = load_effective_config(config_path)
        overrides = {"promote_to": alias, **({"model_name": model} if model else {})}
        config = TrainConfig.model_validate({**loaded.model_dump(), **overrides})
        result = train(config, registry, say)
    except (GateRejected, NotPromoted) as exc:
        raise GateRefused(str(exc)) from None
    except ValidationError as exc:
        raise ReleaseError(f"model name {model!r}: {exc.errors()[0]['msg']}") from None
    except (TrainerError, RegistryError) as exc:
        raise ReleaseError(f"training failed: {exc}") from None
    gate = result.gate
    production = gate.get("incumbent_version")
    if not production:
        raise ReleaseError(
            f"{config.model_name} has no {config.gate.against} version to canary against: promote the "
            f"first version directly (mlfleet models promote {config.model_name} {result.manifest.version})"
        )
    return Candidate(config.model_name, result.manifest.version, str(production))


def take_candidate(
    registry: Any, model: str, ref: str, alias: str, production_alias: str, who: str
) -> Candidate:
    """An already-registered version: verified (signature, hashes), its gate checked, then `alias`."""
    from mlfleet_registry import RegistryError

    try:
        version = registry.resolve_ref(model, ref)
        manifest = registry.check_version(model, version)
        production = registry.resolve(model, production_alias)
    except RegistryError as exc:
        raise ReleaseError(str(exc)) from None
    gate = manifest.gate or {}
    if not gate.get("passed"):
        raise GateRefused(
            f"{model} {version} has no passed gate in its manifest ({gate.get('reason', 'never gated')}); "
            "release a version the trainer registered, or train one with `mlfleet release start --train`"
        )
    judged = gate.get("incumbent_version")
    if judged != production:
        raise GateRefused(
            f"{model} {version} was gated against {judged or 'no production'}, but {production_alias} is "
            f"{production} now: retrain (`mlfleet release start --train`) so the gate judges it"
        )
    if version == production:
        raise ReleaseError(f"{model} {version} is already {production_alias}: nothing to release")
    try:
        registry.set_alias(model, alias, version, actor=who, reason=f"release: canary of {version}")
    except RegistryError as exc:
        raise ReleaseError(str(exc)) from None
    return Candidate(model, version, production)
