"""`mlfleet release run|start|analyze|promote|rollback`: a model's way to production through a canary
judged against production in Prometheus (docs/delivery.md "From a trained model to production").

Exit codes: 0 promoted (or passed, waiting for the production approval); 1 a step failed, nothing
promoted; 2 usage; 3 the gate refused the version; 4 the canary failed and was rolled back;
5 too little canary traffic to judge, rolled back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

release_app = typer.Typer(
    help="Release a model: candidate -> canary -> Prometheus analysis -> promote or roll back.",
    no_args_is_help=True,
)
T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]

REGISTRY = typer.Option(
    None, "--registry", help="Registry URL (default: $MLFLEET_REGISTRY, else .mlfleet/registry)."
)
STACK = typer.Option(
    None,
    "--stack",
    help="The stack whose serving runs the canary (its mlfleet:serving.canaryAnalysis thresholds; "
    "prod waits for approval). Omit for a local server started with --canary-alias candidate.",
)
APPLY = typer.Option(
    False, "--apply", help="Run the `pulumi config set` + `pulumi up` commands (else print them)."
)
PROMETHEUS = typer.Option(..., "--prometheus", help="Prometheus base URL, e.g. http://127.0.0.1:9090.")
ACTOR = typer.Option(None, "--actor", help="Who (default: $MLFLEET_ACTOR or user@host).")
WINDOW = typer.Option(
    None, "--window", help="Analysis window in seconds (default: the stack's windowSeconds)."
)
MIN_REQUESTS = typer.Option(
    None, "--min-requests", help="Canary requests needed for a verdict (default: the stack's)."
)

TRAINED_MODEL = typer.Argument(None, help="Model name (default: the training config's).")
TAKE_VERSION = typer.Option(None, "--version", help="Release this registered version (or alias); else train.")
TRAIN_CONFIG = typer.Option(None, "--train-config", help="Trainer config to train the candidate with.")
READY_TIMEOUT = typer.Option(300.0, "--ready-timeout", help="Seconds to wait for the canary to serve.")


def register(app: typer.Typer) -> None:
    app.add_typer(release_app, name="release")


def _say(line: str) -> None:
    typer.echo(line)


def _guard(action: Callable[[], T]) -> T:
    """Every failure is one line on stderr and its exit code, never a traceback."""
    from components.errors import ConfigError
    from mlfleet.release.errors import EXIT_ERROR, EXIT_GATE, GateRefused, ReleaseError

    try:
        return action()
    except GateRefused as exc:
        typer.echo(f"gate refused: {exc}", err=True)
        raise typer.Exit(EXIT_GATE) from None
    except (ReleaseError, ConfigError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


def _output(**values: str) -> None:
    """Step outputs for the release workflow ($GITHUB_OUTPUT), when running there."""
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.writelines(f"{key}={value}\n" for key, value in values.items())


def _context(registry: str | None, stack: str | None, apply: bool, actor: str | None) -> tuple[Any, Any]:
    from mlfleet_registry import open_registry
    from mlfleet_trainer.run import actor as default_actor

    from mlfleet.release.control import LocalCanary, StackCanary
    from mlfleet.release.pipeline import Release
    from mlfleet.release.stack import read_stack

    rollout = read_stack(stack, ROOT)
    control = StackCanary(stack, _say, apply=apply, root=ROOT) if stack else LocalCanary(_say)
    try:
        reg = open_registry(registry)
    except Exception as exc:  # noqa: BLE001 - a registry URL error is one line like the rest
        from mlfleet.release.errors import ReleaseError

        raise ReleaseError(f"cannot open the registry: {exc}") from None
    return rollout, Release(reg, control, actor or default_actor(), _say)


def _limits(rollout: Any, window: float | None, min_requests: int | None) -> Any:
    overrides = {
        k: v for k, v in (("window_seconds", window), ("min_requests", min_requests)) if v is not None
    }
    return rollout.limits.model_copy(update=overrides)


def _finish(release: Any, rollout: Any, candidate: Any, verdict: Any, promote: bool) -> int:
    """Print the verdict, then promote, hand over to the approval, or roll back; the exit code."""
    from mlfleet.release.errors import EXIT_INCONCLUSIVE, EXIT_OK, EXIT_ROLLED_BACK

    typer.echo(verdict.report())
    _output(verdict=verdict.outcome, version=candidate.version, production=candidate.production)
    if verdict.outcome != "pass":
        release.roll_back(
            candidate.model, candidate.version, "; ".join(verdict.reasons), gated_against=candidate.production
        )
        return EXIT_ROLLED_BACK if verdict.outcome == "fail" else EXIT_INCONCLUSIVE
    if promote and not rollout.needs_approval:
        release.promote(candidate, f"canary passed ({verdict.figures.window_seconds:.0f} s window)")
        _output(promoted="true")
        return EXIT_OK
    stack = f" --stack {rollout.stack}" if rollout.stack else ""
    typer.echo(
        f"passed; production not moved. After approval: mlfleet release promote {candidate.model} "
        f"{candidate.version} --expected {candidate.production}{stack}"
    )
    _output(promoted="false")
    return EXIT_OK


def _analyze_or_withdraw(release: Any, prom: Any, candidate: Any, limits: Any, ready_timeout: float) -> Any:
    """The analysis; if it cannot be done (Prometheus unreachable, the canary never served), the
    canary is withdrawn before the error is reported: never leave unjudged traffic on a candidate."""
    from mlfleet.release.errors import ReleaseError
    from mlfleet.release.pipeline import analyze

    try:
        return analyze(prom, candidate, limits, _say, ready_timeout=ready_timeout)
    except ReleaseError as exc:
        release.roll_back(
            candidate.model, candidate.version, f"no verdict: {exc}", gated_against=candidate.production
        )
        raise


def _start(
    release: Any, rollout: Any, model: str | None, version: str | None, train_config: str | None
) -> Any:
    from mlfleet.release.candidate import take_candidate, train_candidate

    aliases = release.aliases
    if version is not None:
        if model is None:
            raise typer.BadParameter("--version needs the model name", param_hint="MODEL")
        candidate = take_candidate(
            release.registry, model, version, aliases.candidate, aliases.production, release.who
        )
    else:
        candidate = train_candidate(release.registry, train_config, model, aliases.candidate, _say)
    _say(f"candidate: {candidate.model} {candidate.version} (production {candidate.production})")
    release.control.canary_on(aliases.candidate, rollout.limits.weight)
    return candidate


@release_app.command("run")
def run(
    model: str | None = TRAINED_MODEL,
    version: str | None = TAKE_VERSION,
    train_config: str | None = TRAIN_CONFIG,
    prometheus: str = PROMETHEUS,
    registry: str | None = REGISTRY,
    stack: str | None = STACK,
    apply: bool = APPLY,
    window: float | None = WINDOW,
    min_requests: int | None = MIN_REQUESTS,
    no_promote: bool = typer.Option(False, "--no-promote", help="Stop after a passing analysis."),
    ready_timeout: float = READY_TIMEOUT,
    actor: str | None = ACTOR,
) -> None:
    """Everything: train (or --version), gate, candidate, canary, analysis, promote or roll back."""
    from mlfleet.release.prometheus import Prometheus

    def go() -> int:
        rollout, release = _context(registry, stack, apply, actor)
        limits = _limits(rollout, window, min_requests)
        prom = Prometheus(prometheus)  # a bad URL fails before anything moves
        candidate = _start(release, rollout, model, version, train_config)
        _output(version=candidate.version, production=candidate.production)
        verdict = _analyze_or_withdraw(release, prom, candidate, limits, ready_timeout)
        return _finish(release, rollout, candidate, verdict, promote=not no_promote)

    raise typer.Exit(_guard(go))


@release_app.command("start")
def start(
    model: str | None = TRAINED_MODEL,
    version: str | None = TAKE_VERSION,
    train_config: str | None = TRAIN_CONFIG,
    registry: str | None = REGISTRY,
    stack: str | None = STACK,
    apply: bool = APPLY,
    actor: str | None = ACTOR,
) -> None:
    """Train (or --version), gate, move `candidate`, set the canary; then `analyze`."""

    def go() -> None:
        rollout, release = _context(registry, stack, apply, actor)
        candidate = _start(release, rollout, model, version, train_config)
        _output(version=candidate.version, production=candidate.production)

    _guard(go)


@release_app.command("analyze")
def analyze_command(
    model: str = typer.Argument(..., help="Model name."),
    version: str = typer.Option(..., "--version", help="The candidate version the canary serves."),
    expected: str = typer.Option(..., "--expected", help="The production version it is compared against."),
    prometheus: str = PROMETHEUS,
    registry: str | None = REGISTRY,
    stack: str | None = STACK,
    apply: bool = APPLY,
    window: float | None = WINDOW,
    min_requests: int | None = MIN_REQUESTS,
    promote: bool = typer.Option(False, "--promote", help="Promote on a pass (never in prod: approval)."),
    ready_timeout: float = READY_TIMEOUT,
    actor: str | None = ACTOR,
) -> None:
    """Judge a running canary; a failure or too little traffic rolls it back."""
    from mlfleet.release.candidate import Candidate
    from mlfleet.release.prometheus import Prometheus

    def go() -> int:
        rollout, release = _context(registry, stack, apply, actor)
        candidate = Candidate(model, version, expected)
        limits = _limits(rollout, window, min_requests)
        verdict = _analyze_or_withdraw(release, Prometheus(prometheus), candidate, limits, ready_timeout)
        return _finish(release, rollout, candidate, verdict, promote=promote)

    raise typer.Exit(_guard(go))


@release_app.command("promote")
def promote_command(
    model: str = typer.Argument(..., help="Model name."),
    version: str = typer.Argument(..., help="The candidate version that passed its canary."),
    expected: str = typer.Option(..., "--expected", help="The production version it was compared against."),
    registry: str | None = REGISTRY,
    stack: str | None = STACK,
    apply: bool = APPLY,
    actor: str | None = ACTOR,
) -> None:
    """Move production to the candidate (compare-and-swap from --expected), then the canary to 0."""
    from mlfleet.release.candidate import Candidate

    def go() -> None:
        _rollout, release = _context(registry, stack, apply, actor)
        release.promote(Candidate(model, version, expected), "approved after a passing canary")

    _guard(go)


@release_app.command("rollback")
def rollback_command(
    model: str = typer.Argument(..., help="Model name."),
    version: str = typer.Argument(..., help="The candidate version the canary serves."),
    production: str | None = typer.Option(
        None,
        "--production",
        help="The production version the candidate was compared against (optional: the canary goes "
        "to production's current version; the output says if production moved since).",
    ),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the audit log)."),
    registry: str | None = REGISTRY,
    stack: str | None = STACK,
    apply: bool = APPLY,
    actor: str | None = ACTOR,
) -> None:
    """Point `candidate` (if it still serves VERSION) at production's version, then the canary weight to 0."""

    def go() -> None:
        _rollout, release = _context(registry, stack, apply, actor)
        release.roll_back(model, version, reason, gated_against=production)

    _guard(go)
