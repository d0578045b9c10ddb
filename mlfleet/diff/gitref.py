"""The plans of a project's stacks at another git ref: a temporary `git worktree`, previewed offline.

Each tree is previewed in a fresh process (`python -m mlfleet.diff.gitref DIR OUT [STACK...]`):
the program imports its own modules (e.g. `components`) from its directory, and two trees' modules
must never mix in one interpreter. The engine is this checkout's; only the program and stack files
come from the ref.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlfleet.diff.errors import DiffError
from mlfleet.diff.load import Plans


def _git(cwd: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise DiffError("git is not installed; --base-ref needs git (or pass --base PLAN_OR_DIR)") from None
    if proc.returncode != 0:
        raise DiffError(proc.stderr.strip() or f"git {' '.join(args)} failed ({proc.returncode})")
    return proc.stdout.strip()


@contextmanager
def worktree_at(directory: Path, ref: str) -> Iterator[Path]:
    """`directory` (a project inside a git checkout) as it is at `ref`; removed again on exit."""
    directory = directory.resolve()
    try:
        top = Path(_git(directory, "rev-parse", "--show-toplevel")).resolve()
    except DiffError:
        raise DiffError(f"{directory} is not inside a git checkout; --base-ref needs one") from None
    try:
        commit = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except DiffError:
        raise DiffError(
            f"unknown git ref {ref!r}; fetch it first (e.g. `git fetch origin {ref}`) or pass a commit"
        ) from None
    tmp = Path(tempfile.mkdtemp(prefix="mlfleet-base-"))
    tree = tmp / "tree"
    try:
        _git(top, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        yield tree / directory.relative_to(top)
    finally:
        subprocess.run(
            ["git", "-C", str(top), "worktree", "remove", "--force", str(tree)],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["git", "-C", str(top), "worktree", "prune"], capture_output=True, check=False)


def preview_plans(directory: Path, stacks: list[str] | None, label: str) -> tuple[Plans, list[str]]:
    """Preview `stacks` (default: every stack) of the project at `directory` in a fresh process.
    Returns the plans and the requested stacks that have no stack file there."""
    with tempfile.TemporaryDirectory(prefix="mlfleet-diff-") as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "mlfleet.diff.gitref", str(directory), str(out), *(stacks or [])]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not out.exists():
            tail = "\n  ".join(proc.stderr.strip().splitlines()[-5:])
            raise DiffError(f"{label}: the preview process failed ({proc.returncode})\n  {tail}")
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if data.get("error"):
        raise DiffError(f"{label}: {data['error']}")
    plans: Plans = {}
    errors: list[str] = []
    for item in data["results"]:
        if item["plan"] is None:
            errors.append(str(item["error"]))
        else:
            plans[item["stack"]] = item["plan"]
    if errors:
        listed = "\n  ".join(errors)
        raise DiffError(
            f"{label}: {len(errors)} stack(s) failed to preview (fix them, or pass --stack NAME "
            f"for the stacks to diff):\n  {listed}"
        )
    return plans, list(data["missing"])


def _worker(argv: list[str]) -> None:
    from mlfleet.engine.errors import PreviewError
    from mlfleet.engine.parallel import preview_many
    from mlfleet.engine.project import load_project

    directory, out, *wanted = argv
    try:
        project = load_project(Path(directory))
    except PreviewError as exc:
        Path(out).write_text(json.dumps({"error": exc.message}))
        return
    available = project.stacks()
    stacks = [s for s in (wanted or available) if s in available]
    results = preview_many(project, stacks)
    payload = {
        "results": [{"stack": r.stack, "plan": r.plan, "error": r.error} for r in results],
        "missing": [s for s in wanted if s not in available],
    }
    Path(out).write_text(json.dumps(payload))


if __name__ == "__main__":
    _worker(sys.argv[1:])
