"""The release steps in order: candidate -> canary -> analysis -> promote or roll back.

Alias moves are compare-and-swap (mlfleet_registry): a promotion moves production only from the
version the candidate was gated and compared against, so a release never overwrites a production
someone else changed meanwhile; a rollback moves the candidate alias, only from the candidate, onto
what production serves now (mlfleet_registry.rollback_canary, shared with the alert hook)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.topology.compute_config import CanaryAnalysisConfig
from mlfleet.release.analysis import Verdict, judge, measure, wait_serving
from mlfleet.release.candidate import Candidate
from mlfleet.release.control import CanaryControl
from mlfleet.release.errors import ReleaseError
from mlfleet.release.prometheus import Prometheus

Say = Callable[[str], None]


@dataclass(frozen=True)
class Aliases:
    candidate: str = "candidate"
    production: str = "production"


def _move(registry: Any, model: str, alias: str, version: str, expected: str, **why: str) -> None:
    from mlfleet_registry import RegistryError

    try:
        registry.set_alias(model, alias, version, expected=expected, **why)
    except RegistryError as exc:
        raise ReleaseError(str(exc)) from None


def analyze(
    prom: Prometheus,
    candidate: Candidate,
    limits: CanaryAnalysisConfig,
    say: Say,
    *,
    ready_timeout: float = 300.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Verdict:
    """Wait until Prometheus sees the canary serving the candidate (and production its version),
    let a whole window pass, then measure that window and judge it."""
    wait_serving(prom, candidate.model, "canary", candidate.version, ready_timeout)
    wait_serving(prom, candidate.model, "primary", candidate.production, ready_timeout)
    window = limits.window_seconds
    say(f"canary serves {candidate.model} {candidate.version}; analysing {window:.0f} s of traffic")
    sleep(limits.window_seconds)
    figures = measure(
        prom,
        candidate.model,
        {"primary": candidate.production, "canary": candidate.version},
        limits.window_seconds,
    )
    return judge(figures, limits)


@dataclass
class Release:
    """Where a release moves aliases (the registry), where the canary runs, and who does it."""

    registry: Any
    control: CanaryControl
    who: str
    say: Say
    aliases: Aliases = Aliases()

    def roll_back(self, model: str, version: str, reason: str, *, gated_against: str | None = None) -> None:
        """The candidate alias off `version`, onto production's current version (the canary slot then
        serves production within one alias poll; mlfleet_registry.rollback_canary), then the canary
        weight to 0 where it is deployed. Run again, it moves nothing and sets the weight again."""
        from mlfleet_registry import RegistryError, rollback_canary

        try:
            moved = rollback_canary(
                self.registry,
                model,
                canary=self.aliases.candidate,
                primary=self.aliases.production,
                actor=self.who,
                reason=f"release rollback of {version}: {reason}",
                expected=version,
            )
        except RegistryError as exc:
            raise ReleaseError(str(exc)) from None
        if moved is None:
            self.say(
                f"nothing to roll back: {self.aliases.candidate} already serves production's version "
                "(or is not set)"
            )
        else:
            since = (
                f"; production moved from {gated_against} since the candidate was gated"
                if gated_against and gated_against != moved
                else ""
            )
            self.say(f"rolled back: {self.aliases.candidate} -> {moved} (was {version}{since})")
        self.control.canary_off()

    def promote(self, candidate: Candidate, reason: str) -> None:
        """Production onto the candidate, only from the production it was compared against."""
        _move(
            self.registry,
            candidate.model,
            self.aliases.production,
            candidate.version,
            candidate.production,
            actor=self.who,
            reason=f"release: {reason}"[:500],
        )
        self.say(f"promoted: {self.aliases.production} -> {candidate.version} (was {candidate.production})")
        self.control.canary_off()
