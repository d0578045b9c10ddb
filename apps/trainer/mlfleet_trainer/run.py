"""One training run: load -> validate -> train -> evaluate -> gate -> publish -> (promote)."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlfleet_registry import AliasConflict, Manifest, Registry, VersionDeleted, open_registry

from mlfleet_trainer.config import TrainConfig
from mlfleet_trainer.errors import DataValidationError, GateRejected, NotPromoted, TrainerError

if TYPE_CHECKING:  # the heavy imports stay lazy (the CLI answers --help without pandas)
    import numpy as np
    import pandas as pd
    from mlfleet_registry import FeatureSpec

    from mlfleet_trainer.gate import Candidate

# How often a promotion re-gates against a production that moved while this run trained.
MAX_REGATES = 3

Say = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(say: Say, what: str) -> Iterator[None]:
    """Progress output: announce a step, then report how long it took."""
    say(f"[trainer] {what} ...")
    started = time.perf_counter()
    yield
    say(f"[trainer] {what}: done in {time.perf_counter() - started:.1f}s")


@dataclass
class TrainResult:
    manifest: Manifest
    gate: dict[str, Any]
    promoted_to: str | None
    validation: str


def code_version() -> str:
    if value := os.environ.get("MLFLEET_CODE_VERSION"):
        return value
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def actor() -> str:
    return os.environ.get("MLFLEET_ACTOR") or f"{getpass.getuser()}@{socket.gethostname()}"


def train(config: TrainConfig, registry: Registry | str | None = None, say: Say = _stderr) -> TrainResult:
    """Raises TrainerError (incl. DataValidationError, GateRejected) with a printable message."""
    import numpy as np
    from sklearn.model_selection import GridSearchCV, train_test_split

    from mlfleet_trainer.data import load_frame, split_target
    from mlfleet_trainer.domain import input_domain
    from mlfleet_trainer.estimators import build_pipeline, validate_search
    from mlfleet_trainer.evaluation import evaluate
    from mlfleet_trainer.gate import Candidate, run_gate
    from mlfleet_trainer.profile import fingerprint, reference_stats
    from mlfleet_trainer.validation import validate

    reg = registry if isinstance(registry, Registry) else open_registry(registry)
    pipeline = build_pipeline(config.estimator, config.task, dict(config.params), config.seed)
    if config.search:
        validate_search(pipeline, config.search.param_grid, config.estimator)
    promote_from = check_registry(reg, config)  # before any data is read
    with step(say, f"loading {config.data.source}"):
        frame = load_frame(config.data)
        features, target = split_target(frame, config.data.target)
    report = validate(features, target, config.task, config.validation)
    say(report.render())
    if not report.ok:
        raise DataValidationError(report.render())
    schema, domain = input_domain(features, config.domain, config.data.source)
    reference_source, reference = gate_reference(config, features, schema, say)  # fails before training

    stratify = target if config.task == "classification" else None
    x_train, x_test, y_train, y_test = train_test_split(
        features,
        target,
        test_size=config.data.test_size,
        random_state=config.data.split_seed,
        stratify=stratify,
    )
    np.random.seed(config.seed)
    params: dict[str, Any] = dict(config.params)
    if config.search:
        grid = {f"model__{k}": v for k, v in config.search.param_grid.items()}
        search = GridSearchCV(pipeline, grid, cv=config.search.cv, n_jobs=1)
        with step(
            say,
            f"cross-validated search over {len(search.param_grid)} parameter(s), {config.search.cv} folds",
        ):
            try:
                search.fit(x_train, y_train)
            except ValueError as exc:
                raise TrainerError(f"search failed (check search.param_grid): {exc}") from exc
        model = search.best_estimator_
        params.update({k.removeprefix("model__"): v for k, v in search.best_params_.items()})
        say(f"[trainer] best parameters: {search.best_params_}")
    else:
        with step(say, f"fitting {config.estimator} on {len(x_train)} rows"):
            model = pipeline.fit(x_train, y_train)

    metrics = evaluate(model, x_test, y_test, config.task)
    say("[trainer] holdout metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
    candidate = Candidate(
        metrics,
        (x_test, y_test),
        schema,
        reference,
        reference_source,
        fingerprint(frame),
        holdout_record(config),
    )
    gate = run_gate(reg, config.model_name, config.gate, candidate, config.task)
    say(f"[trainer] gate {'passed' if gate['passed'] else 'REJECTED'}: {gate['reason']}")
    who = actor()
    if not gate["passed"]:
        reg.record("gate-rejected", model=config.model_name, actor=who, reason=gate["reason"], gate=gate)
        raise GateRejected(f"not registered: {gate['reason']}")

    with step(say, f"publishing to {reg.url}"):
        manifest = reg.publish(
            config.model_name,
            model,
            metrics=metrics,
            params={
                "estimator": config.estimator,
                "seed": config.seed,
                **params,
                "holdout": candidate.split,
                "input_domain": domain,
            },
            feature_schema=schema,
            reference_stats=reference_stats(features),  # the whole table, like the ranges
            data_fingerprint=candidate.fingerprint,
            task=config.task,
            classes=[c.item() if hasattr(c, "item") else c for c in model.classes_]
            if config.task == "classification"
            else None,
            code_version=code_version(),
            parent_version=gate.get("incumbent_version"),
            created_by=who,
            reason=f"trained {config.estimator} on {config.data.source}",
            gate=gate,
        )
    say(f"[trainer] registered {manifest.name} {manifest.version}")
    promoted = None
    if config.promote_to:
        judged = gate.get("incumbent_version") if config.promote_to == config.gate.against else promote_from
        promote(reg, config, manifest, judged, candidate, who, say)
        promoted = config.promote_to
        say(f"[trainer] {config.promote_to} -> {manifest.version}")
    return TrainResult(manifest=manifest, gate=gate, promoted_to=promoted, validation=report.render())


def holdout_record(config: TrainConfig) -> dict[str, Any]:
    """How the holdout was split (params["holdout"]): the gate compares it with the incumbent's."""
    return {
        "split_seed": config.data.split_seed,
        "test_size": config.data.test_size,
        "stratified": config.task == "classification",
    }


def gate_reference(
    config: TrainConfig, features: pd.DataFrame, schema: list[FeatureSpec], say: Say
) -> tuple[str, np.ndarray]:
    """The rows the gate's domain check replays: gate.reference, else the whole of data.source."""
    from mlfleet_trainer.config import DataConfig
    from mlfleet_trainer.data import load_frame
    from mlfleet_trainer.domain import reference_matrix

    source = config.gate.reference
    if source is None:
        return f"{config.data.source} (data.source)", reference_matrix(features, schema, "data.source")
    with step(say, f"loading gate.reference {source}"):
        frame = load_frame(DataConfig(source=source, target=config.data.target), "gate.reference")
    return f"{source} (gate.reference)", reference_matrix(frame, schema, f"gate.reference {source}")


def check_registry(reg: Registry, config: TrainConfig) -> str | None:
    """Before any data is read: the registry answers, and the gate's `against` alias exists (or may be
    absent per gate.if_missing). Returns the version `promote_to` points at now (None: unset)."""
    name, against = config.model_name, config.gate.against
    aliases = reg.aliases(name)
    if against not in aliases and config.gate.if_missing != "pass":
        versions = reg.list_versions(name)
        if versions or config.gate.if_missing == "error":
            known = ", ".join(aliases) or "none"
            why = (
                f"it has {len(versions)} version(s), so this is not a first run"
                if versions
                else "if_missing: error"
            )
            raise TrainerError(
                f"gate.against: model {name!r} has no alias {against!r} to compare with (aliases: {known}; "
                f"{why}); fix the alias, or set gate.if_missing: pass to let the gate pass without one"
            )
    return aliases.get(config.promote_to) if config.promote_to else None


def promote(
    reg: Registry,
    config: TrainConfig,
    manifest: Manifest,
    judged: str | None,
    candidate: Candidate,
    who: str,
    say: Say,
) -> None:
    """Compare-and-swap `promote_to` from the incumbent the gate judged. If it moved meanwhile, gate
    again against the new incumbent (when promote_to is the gate's alias) and retry, or stop with
    NotPromoted saying what was registered and what was not."""
    from mlfleet_trainer.gate import run_gate

    alias, name, version = str(config.promote_to), manifest.name, manifest.version
    expected = judged
    reason = "trainer gate passed"
    for _ in range(MAX_REGATES + 1):
        try:
            reg.set_alias(name, alias, version, expected=expected, actor=who, reason=reason)
            return
        except VersionDeleted as exc:
            raise NotPromoted(
                f"registered {name} {version} but did not promote it: {exc}", name=name, version=version
            ) from None
        except AliasConflict:
            moved_to = reg.aliases(name).get(alias)
        if alias != config.gate.against:
            raise NotPromoted(
                f"registered {name} {version} but did not move {alias}: it moved from {expected or 'unset'} "
                f"to {moved_to or 'unset'} while this run trained. Promote by hand if wanted: mlfleet models "
                f"promote {name} {version} --alias {alias} --expected {moved_to or 'none'} --reason ...",
                name=name,
                version=version,
            )
        say(
            f"[trainer] {alias} moved from {expected or 'unset'} to {moved_to or 'unset'} while training; "
            "gating again"
        )
        gate = run_gate(reg, name, config.gate, candidate, config.task)
        if not gate["passed"]:
            reg.record(
                "gate-rejected", model=name, version=version, actor=who, reason=gate["reason"], gate=gate
            )
            raise NotPromoted(
                f"registered {name} {version} but did not promote it to {alias}: {alias} moved from "
                f"{expected or 'unset'} to {gate.get('incumbent_version') or 'unset'} while this run "
                f"trained, and the new gate rejected it ({gate['reason']})",
                name=name,
                version=version,
            )
        expected = gate.get("incumbent_version")
        reason = f"trainer gate passed again after {alias} moved: {gate['reason']}"
    raise NotPromoted(
        f"registered {name} {version} but did not promote it to {alias}: it kept moving "
        f"({MAX_REGATES} re-gates)",
        name=name,
        version=version,
    )
