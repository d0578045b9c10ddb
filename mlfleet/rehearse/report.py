"""The rehearsal report: one line per step with its time, what stood in for the cloud, and for a
failing step the plan resource and field at fault and how to fix it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from mlfleet.engine.errors import PreviewError
from mlfleet.rehearse.errors import RehearsalError


class StepFailed(Exception):
    """A step's check failed: `fault` names the plan resource and field, `fix` what to change."""

    def __init__(self, fault: str, fix: str | None = None) -> None:
        super().__init__(fault)
        self.fault = fault
        self.fix = fix


@dataclass
class Step:
    name: str
    ok: bool = True
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)
    fault: str | None = None
    fix: str | None = None


@dataclass
class Report:
    stack: str
    steps: list[Step] = field(default_factory=list)
    substitutions: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Called with a line as each step starts and ends (the CLI prints progress to stderr).
    progress: Callable[[str], None] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    @contextmanager
    def step(self, name: str) -> Iterator[Step]:
        """Time a step; StepFailed and RehearsalError mark it failed (and stop the rehearsal)."""
        step = Step(name)
        self.steps.append(step)
        started = time.monotonic()
        if self.progress:
            self.progress(f"[rehearse] {name} ...")
        try:
            yield step
        except StepFailed as exc:
            step.ok, step.fault, step.fix = False, exc.fault, exc.fix
            raise
        except RehearsalError as exc:
            step.ok, step.fault, step.fix = False, str(exc).split("\n  fix: ")[0], exc.fix
            raise StepFailed(step.fault, step.fix) from exc
        except PreviewError as exc:  # the stack's program or config: its own message says what to fix
            step.ok, step.fault = False, str(exc)
            raise StepFailed(step.fault) from exc
        except Exception as exc:  # a bug of ours: still a report, with what went wrong where
            step.ok, step.fault = False, f"the rehearsal itself failed: {type(exc).__name__}: {exc}"
            step.fix = "report this as an mlfleet bug (rerun with --workdir DIR to keep the logs)"
            raise StepFailed(step.fault, step.fix) from exc
        finally:
            step.seconds = time.monotonic() - started
            if self.progress:
                self.progress(f"[rehearse] {name}: {'ok' if step.ok else 'FAILED'} in {step.seconds:.1f} s")

    def substitute(self, *notes: str) -> None:
        for note in notes:
            if note not in self.substitutions:
                self.substitutions.append(note)

    def render(self) -> str:
        lines = [
            f"rehearsal of stack {self.stack}: {'PASSED' if self.ok else 'FAILED'} in {self.seconds:.0f} s",
            "",
        ]
        for step in self.steps:
            mark = "ok  " if step.ok else "FAIL"
            lines.append(f"  {mark} {step.name:<34} {step.seconds:7.1f} s")
            lines += [f"         {detail}" for detail in step.details]
            if step.fault:
                lines.append(f"         fault: {step.fault}")
            if step.fix:
                lines.append(f"         fix:   {step.fix}")
        if self.substitutions:
            lines += ["", "  stand-ins (everything else ran as the plan says):"]
            lines += [f"    - {note}" for note in self.substitutions]
        return "\n".join(lines)

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k != "progress"}
        return json.dumps({"ok": self.ok, **data}, indent=2)
