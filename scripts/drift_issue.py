"""Keep one GitHub issue per drifted stack, from a `pulumi preview --refresh --json` result.

Used by .github/workflows/drift.yml (docs/delivery.md "Drift detection"):

    python scripts/drift_issue.py --stack prod --preview preview.json --run-url URL

- drift and no open issue: create one (title `Drift: stack <stack>`, label `drift`);
- drift and an open issue: rewrite its body with the current changes and comment (one issue per stack);
- clean and an open issue: close it with a comment;
- clean and none: nothing.
The issue is found by the label, its author (the workflow's bot, `--author`) and a marker line in the
body, so issues anyone else opens are never edited or closed.

Talks to GitHub only through the `gh` CLI (GH_TOKEN / GH_REPO from the environment). Exit codes:
0 clean, 3 drift (issue opened or updated), 2 bad input (the preview did not produce a result; no
issue is touched: a failed preview is not drift).

The preview JSON is the CLI's PreviewDigest (pulumi/pulumi pkg/display/json.go: `steps[].op`,
`steps[].urn`, `changeSummary`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LABEL = "drift"
# Ops that are not a difference between the cloud and the program.
UNCHANGED_OPS = frozenset({"same", "read", "refresh"})
DRIFT_EXIT = 3
BAD_INPUT_EXIT = 2


@dataclass(frozen=True)
class Change:
    op: str
    urn: str

    @property
    def type_and_name(self) -> tuple[str, str]:
        # urn:pulumi:<stack>::<project>::<parent types $>type::<name>
        parts = self.urn.split("::")
        return parts[-2].rsplit("$", 1)[-1], parts[-1]


def title(stack: str) -> str:
    return f"Drift: stack {stack}"


def marker(stack: str) -> str:
    return f"<!-- mlfleet-drift stack={stack} -->"


def read_changes(path: Path) -> list[Change]:
    """The steps of the preview that differ from the cloud (ValueError when it is not a preview result)."""
    try:
        digest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a `pulumi preview --json` result ({exc})") from None
    if not isinstance(digest, dict) or ("steps" not in digest and "changeSummary" not in digest):
        raise ValueError(f"{path}: no `steps` or `changeSummary`: the preview did not finish")
    return [
        Change(step["op"], step["urn"])
        for step in digest.get("steps") or []
        if step.get("op") not in UNCHANGED_OPS
    ]


def body(stack: str, changes: list[Change], run_url: str) -> str:
    rows = "\n".join(f"| {c.op} | `{c.type_and_name[0]}` | `{c.type_and_name[1]}` |" for c in changes)
    return (
        f"{marker(stack)}\n"
        f"`pulumi preview --refresh` of stack **{stack}** differs from the cloud "
        f"({len(changes)} resource(s)); last checked by {run_url}.\n\n"
        f"| op | type | name |\n| --- | --- | --- |\n{rows}\n\n"
        "What to do: docs/delivery.md, section Drift detection (bring the change into the program, "
        "or run the deploy workflow to put the cloud back). This issue closes itself when the stack "
        "is clean again.\n"
    )


def gh(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(["gh", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"gh {' '.join(args[:2])} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def open_issues(stack: str, author: str) -> list[int]:
    """Open drift issues of this stack opened by `author`, oldest first."""
    listed = json.loads(
        gh(
            "issue",
            "list",
            "--label",
            LABEL,
            "--state",
            "open",
            "--author",
            author,
            "--json",
            "number,title,body",
            "--limit",
            "200",
        )
    )
    return sorted(
        issue["number"]
        for issue in listed
        if issue["title"] == title(stack) and marker(stack) in (issue.get("body") or "")
    )


def sync(stack: str, changes: list[Change], run_url: str, author: str) -> int:
    """Make GitHub's issues match the preview; the exit code."""
    issues = open_issues(stack, author)
    if not changes:
        for number in issues:
            gh("issue", "close", str(number), "--comment", f"Stack {stack} is clean again ({run_url}).")
        return 0
    text = body(stack, changes, run_url)
    if not issues:
        gh(
            "label",
            "create",
            LABEL,
            "--color",
            "D93F0B",
            "--description",
            "Stack differs from the cloud",
            "--force",
        )
        gh("issue", "create", "--title", title(stack), "--label", LABEL, "--body-file", "-", stdin=text)
        return DRIFT_EXIT
    first, *duplicates = issues
    gh("issue", "edit", str(first), "--body-file", "-", stdin=text)
    gh("issue", "comment", str(first), "--body", f"Still drifted: {len(changes)} resource(s) ({run_url}).")
    for number in duplicates:
        gh("issue", "close", str(number), "--comment", f"Duplicate of #{first}.")
    return DRIFT_EXIT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument(
        "--preview", required=True, type=Path, help="`pulumi preview --refresh --json` output"
    )
    parser.add_argument("--run-url", default="the drift workflow")
    parser.add_argument("--author", default="app/github-actions", help="who opens the issues (gh --author)")
    args = parser.parse_args(argv)
    try:
        changes = read_changes(args.preview)
    except ValueError as exc:
        print(f"drift_issue: {exc}; no issue changed", file=sys.stderr)
        return BAD_INPUT_EXIT
    try:
        return sync(args.stack, changes, args.run_url, args.author)
    except RuntimeError as exc:
        print(f"drift_issue: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
