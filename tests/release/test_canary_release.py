"""`mlfleet release` against real Prometheus scraping the real server under load (tests/release/stage.py):
a canary that shifts predictions and one that fails requests are rolled back automatically, with no
more failed requests than the canary's share; a good, freshly trained one is promoted."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from mlfleet_registry import open_registry
from mlfleet_serving.reference_model import reference_data
from mlfleet_trainer.config import TrainConfig
from mlfleet_trainer.run import train
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier

from tests.release.stage import CANARY_WEIGHT, MODEL, Load, PrometheusProcess, Server, publish_gated

pytestmark = pytest.mark.integration  # real Prometheus and server processes

MLFLEET = str(Path(sys.executable).parent / "mlfleet")
WINDOW_SECONDS = 4  # scaled: the stacks' default is 600
MIN_REQUESTS = 20


@dataclass
class Stage:
    registry: str
    server: Server
    prometheus: PrometheusProcess
    workdir: Path

    def aliases(self) -> dict[str, str]:
        return open_registry(self.registry).aliases(MODEL)

    def reset_candidate(self) -> str:
        """`candidate` onto production (the state after a rollback), the canary slot serving it."""
        production = self.aliases()["production"]
        open_registry(self.registry).set_alias(MODEL, "candidate", production, actor="test", reason="reset")
        self.server.wait_serving("canary", production)
        return production

    def release(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [
            MLFLEET,
            "release",
            "run",
            *args,
            "--registry",
            self.registry,
            "--prometheus",
            self.prometheus.url,
        ]
        argv += [
            "--window",
            str(WINDOW_SECONDS),
            "--min-requests",
            str(MIN_REQUESTS),
            "--ready-timeout",
            "60",
        ]
        env = {**os.environ, "MLFLEET_ACTOR": "release-test", "PYTHONWARNINGS": "ignore"}
        env.pop("GITHUB_OUTPUT", None)
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=240, check=False)


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    workdir = tmp_path_factory.mktemp("release")
    registry = str(workdir / "registry")
    quiet = lambda _line: None  # noqa: E731
    train(TrainConfig.model_validate({"params": {"n_estimators": 10}}), registry, quiet)  # production v0001
    open_registry(registry).set_alias(MODEL, "candidate", "v0001", actor="test", reason="canary slot")
    server = Server(registry, workdir)
    try:
        prometheus = PrometheusProcess(server.port, workdir)
        try:
            yield Stage(registry, server, prometheus, workdir)
        finally:
            prometheus.stop()
    finally:
        server.stop()


def _failed(counts: Counter[tuple[int, str]]) -> Counter[int]:
    """Failed responses by status (an error response does not say which variant answered it)."""
    failed: Counter[int] = Counter()
    for (status, _variant), n in counts.items():
        if status != 200:
            failed[status] += n
    return failed


def _release_bad(
    stage: Stage, bad_version: str
) -> tuple[subprocess.CompletedProcess[str], Counter, Counter, str]:
    """Run the release of `bad_version` under load; then keep the load on until the server's canary
    slot serves production again, and 2 s more. Returns (result, counts during the release, counts
    after the rollback took effect, production's version)."""
    production = stage.reset_candidate()
    with Load(stage.server.url) as load:
        done = stage.release(MODEL, "--version", bad_version)
        stage.server.wait_serving("canary", production)
        rolled_back = load.snapshot()
        time.sleep(2)
        after = load.snapshot() - rolled_back
    return done, rolled_back, after, production


def test_a_canary_that_shifts_predictions_is_rolled_back(stage: Stage) -> None:
    x, y, _ = reference_data()
    bad = publish_gated(stage.registry, DummyClassifier(strategy="constant", constant=1).fit(x, y))
    done, during, after, production = _release_bad(stage, bad)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "verdict: FAIL" in done.stdout
    assert "prediction PSI" in done.stdout.split("verdict: FAIL")[1].split("\n")[1]
    assert f"rolled back: candidate -> {production} (was {bad})" in done.stdout
    assert stage.aliases()["production"] == production
    assert stage.aliases()["candidate"] == production
    # Shifted answers are still answers: nobody got an error, before or after.
    assert not _failed(during) and not _failed(after)
    assert during[(200, "canary")] >= MIN_REQUESTS


def test_a_canary_that_fails_requests_is_rolled_back_within_its_share(stage: Stage) -> None:
    x, y, _ = reference_data()
    model = RandomForestClassifier(n_estimators=5, random_state=1).fit(x, y)
    bad = publish_gated(stage.registry, model, narrow=True)  # its ranges reject every real row
    done, during, after, production = _release_bad(stage, bad)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "verdict: FAIL" in done.stdout and "error rate" in done.stdout
    assert stage.aliases()["production"] == production
    assert stage.aliases()["candidate"] == production
    failed = _failed(during)
    total = sum(during.values())
    assert set(failed) == {422}, failed  # the canary's refusals, nothing else
    assert failed[422] / total <= CANARY_WEIGHT + 0.05, (failed, total)
    # ... and, as Prometheus saw it, production answered every request it got.
    (production_line,) = [line for line in done.stdout.splitlines() if line.strip().startswith("production ")]
    assert " 0 errors (0.00%)" in production_line, production_line
    assert not _failed(after), after  # once rolled back, nothing fails


def test_a_good_canary_is_promoted(stage: Stage, tmp_path: Path) -> None:
    production = stage.reset_candidate()
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({"params": {"n_estimators": 10}, "seed": 43}))
    with Load(stage.server.url) as load:
        done = stage.release("--train-config", str(config))
        counts = load.snapshot()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: PASS" in done.stdout
    promoted = stage.aliases()["production"]
    assert promoted != production
    assert f"promoted: production -> {promoted} (was {production})" in done.stdout
    assert stage.aliases()["candidate"] == promoted
    assert not _failed(counts)
    stage.server.wait_serving("primary", promoted)


def test_in_prod_a_passing_canary_waits_for_the_approval(stage: Stage) -> None:
    """`analyze --stack prod`: the stack's thresholds (window and traffic scaled), a pass moves
    nothing and names the promote command the approved workflow job runs."""
    production = stage.reset_candidate()
    x, y, _ = reference_data()
    good = publish_gated(stage.registry, RandomForestClassifier(n_estimators=10, random_state=7).fit(x, y))
    open_registry(stage.registry).set_alias(MODEL, "candidate", good, actor="test", reason="canary")
    stage.server.wait_serving("canary", good)
    argv = [MLFLEET, "release", "analyze", MODEL, "--version", good, "--expected", production]
    argv += ["--stack", "prod", "--registry", stage.registry, "--prometheus", stage.prometheus.url]
    argv += ["--window", str(WINDOW_SECONDS), "--min-requests", str(MIN_REQUESTS), "--promote"]
    with Load(stage.server.url):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verdict: PASS" in done.stdout
    assert (
        f"After approval: mlfleet release promote {MODEL} {good} --expected {production} --stack prod"
        in done.stdout
    )
    assert stage.aliases()["production"] == production
