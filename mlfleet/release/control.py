"""Where the canary runs, and how its alias and weight are set there.

- A stack (`StackCanary`): the serving pods take MLFLEET_CANARY_* from `mlfleet:serving.canary`
  (components/kubernetes/serving_service.py), so the canary is a `pulumi config set` + `pulumi up`,
  printed always, run with `--apply` (the release workflow). The same `pulumi up` flags as
  deploy.yml: the policy pack enforced, the stack's policy config where it has one.
- A local server (`LocalCanary`) started with `--canary-alias candidate --canary-weight W`: the
  weight is fixed for the process and the canary slot follows the alias, so moving `candidate` is
  the whole change (a rollback points it back at production's version: the canary then serves
  what production serves).
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from mlfleet.release.errors import ReleaseError

Say = Callable[[str], None]
POLICY_PACK = "policies"


class CanaryControl(Protocol):
    def canary_on(self, alias: str, weight: float) -> None: ...
    def canary_off(self) -> None: ...


def _run_pulumi(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, check=False)
    except FileNotFoundError:
        raise ReleaseError(
            "the pulumi CLI is not installed (run without --apply to print the commands)"
        ) from None
    if done.returncode != 0:
        raise ReleaseError(f"`{shlex.join(argv)}` exited with {done.returncode}")


@dataclass
class StackCanary:
    stack: str
    say: Say
    apply: bool = False
    root: Path = Path()
    run: Callable[[list[str]], None] = field(default=_run_pulumi)

    def _set(self, key: str, value: str) -> list[str]:
        return [
            "pulumi",
            "config",
            "set",
            "--path",
            f"mlfleet:serving.canary.{key}",
            value,
            "--stack",
            self.stack,
        ]

    def _up(self) -> list[str]:
        argv = ["pulumi", "up", "--stack", self.stack, "--yes", "--diff", "--policy-pack", POLICY_PACK]
        config = Path("policies") / "config" / f"{self.stack}.json"
        if (self.root / config).exists():
            argv += ["--policy-pack-config", str(config)]
        return argv

    # With --path, "0.1" is stored as a string (integers and true/false as such: pulumi.com/docs/iac/
    # cli/commands/pulumi_config_set); CanaryConfig's float field takes either, so no --type is needed.
    def commands_on(self, alias: str, weight: float) -> list[list[str]]:
        return [self._set("alias", alias), self._set("weight", repr(weight)), self._up()]

    def commands_off(self) -> list[list[str]]:
        # Weight 0, alias kept: the pods keep it loaded (it points at production's version after a
        # rollback or a promotion) and no request goes to it.
        return [self._set("weight", "0"), self._up()]

    def _do(self, commands: list[list[str]]) -> None:
        for argv in commands:
            self.say(("$ " if self.apply else "run: ") + shlex.join(argv))
            if self.apply:
                self.run(argv)

    def canary_on(self, alias: str, weight: float) -> None:
        self._do(self.commands_on(alias, weight))

    def canary_off(self) -> None:
        self._do(self.commands_off())


@dataclass
class LocalCanary:
    say: Say

    def canary_on(self, alias: str, weight: float) -> None:
        self.say(
            f"local server: its canary slot follows {alias!r} (started with --canary-alias {alias} "
            f"--canary-weight <w>; the stack weight {weight} applies to clusters only)"
        )

    def canary_off(self) -> None:
        self.say("local server: the canary alias now serves production's version")
