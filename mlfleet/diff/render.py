"""Printing diffs: text for a terminal, JSON for tools, Markdown for a pull-request comment.

The values come from `compare` already masked; nothing here looks at plan values.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import Any

from mlfleet.diff.compare import ACTIONS, PropertyChange, ResourceChange, StackDiff

# The hidden first line of the PR comment: the workflow finds and updates its own comment by it.
COMMENT_MARKER = "<!-- mlfleet-diff -->"
# GitHub rejects comment bodies over 65,536 characters; leave room for the policy section.
MAX_COMMENT_CHARS = 60_000
MAX_VALUE_CHARS = 200
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
KIND_SYMBOLS = {"add": "+", "remove": "-", "change": "~"}


def _short(value: str | None) -> str:
    text = "" if value is None else value
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def property_line(change: PropertyChange, prefix: str = "") -> str:
    symbol = KIND_SYMBOLS[change.kind]
    if change.secret:
        return f"{symbol} {prefix}{change.path}: [secret] (changed; values hidden)"
    if change.kind == "add":
        return f"{symbol} {prefix}{change.path}: {_short(change.new)}"
    if change.kind == "remove":
        return f"{symbol} {prefix}{change.path}: {_short(change.old)}"
    return f"{symbol} {prefix}{change.path}: {_short(change.old)} => {_short(change.new)}"


def counts_phrase(diff: StackDiff) -> str:
    parts = [f"{diff.count(a)} to {a}" for a in ACTIONS if diff.count(a)]
    if diff.outputs:
        parts.append(f"{len(diff.outputs)} output change(s)")
    if diff.config:
        parts.append(f"{len(diff.config)} config change(s)")
    if not parts:
        return "no changes"
    return ", ".join(parts)


def resource_lines(resource: ResourceChange) -> list[str]:
    head = f"{SYMBOLS[resource.action]} {resource.type}  {resource.name}"
    if resource.replace_keys:
        head += f"  (replace: {', '.join(resource.replace_keys)} changed)"
    lines = [head]
    for change in resource.properties:
        lines.append("    " + property_line(change))
    for change in resource.options:
        lines.append("    " + property_line(change, "[option] "))
    return lines


def stack_lines(diff: StackDiff) -> list[str]:
    lines: list[str] = []
    for resource in diff.resources:
        lines.extend(resource_lines(resource))
    if diff.outputs:
        lines.append("Outputs:")
        lines.extend("    " + property_line(c) for c in diff.outputs)
    if diff.config:
        lines.append("Config:")
        lines.extend("    " + property_line(c) for c in diff.config)
    return lines


def _status_note(diff: StackDiff) -> str:
    return {"added": " (new stack)", "removed": " (stack removed)"}.get(diff.status, "")


def text(diffs: Sequence[StackDiff]) -> str:
    out: list[str] = []
    for diff in diffs:
        summary = f"{counts_phrase(diff)}; {diff.unchanged} unchanged"
        out.append(f"== stack {diff.stack}{_status_note(diff)}: {summary}")
        out.extend("  " + line for line in stack_lines(diff))
    total = sum(1 for d in diffs if d.has_changes)
    out.append(f"{total} of {len(diffs)} stack(s) changed")
    return "\n".join(out)


def as_json(diffs: Sequence[StackDiff]) -> str:
    payload = {
        "format": "mlfleet.diff",
        "version": 1,
        "changes": any(d.has_changes for d in diffs),
        "stacks": [d.to_dict() for d in diffs],
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _policy_section(policy: list[dict[str, Any]]) -> list[str]:
    mandatory = sum(int(s.get("mandatory") or 0) for s in policy)
    advisory = sum(int(s.get("advisory") or 0) for s in policy)
    verdict = "❌ mandatory violations" if mandatory else "✅ no mandatory violations"
    lines = [
        "",
        f"#### Policies: {verdict}",
        "",
        "| stack | resources | mandatory | advisory |",
        "| --- | ---: | ---: | ---: |",
    ]
    for stack in policy:
        lines.append(
            f"| `{_cell(str(stack['stack']))}` | {int(stack.get('resources') or 0)} | "
            f"{int(stack.get('mandatory') or 0)} | {int(stack.get('advisory') or 0)} |"
        )
    violations = [(s["stack"], v) for s in policy for v in (s.get("violations") or []) if isinstance(v, dict)]
    if violations:
        summary = f"{mandatory} mandatory, {advisory} advisory violation(s)"
        lines += ["", f"<details><summary>{summary}</summary>", ""]
        for stack, v in violations:
            level = str(v.get("enforcement", "")).upper()
            lines.append(
                f"- **{_cell(level)}** `{_cell(str(v.get('rule', '')))}` ({_cell(str(stack))}) "
                f"`{_cell(str(v.get('urn') or '(stack)'))}`: {_cell(str(v.get('message', '')))}"
            )
        lines += ["", "</details>"]
    return lines


def markdown(
    diffs: Sequence[StackDiff],
    *,
    policy: list[dict[str, Any]] | None = None,
    base_label: str = "base",
    head_label: str = "head",
    max_chars: int = MAX_COMMENT_CHARS,
) -> str:
    """A PR comment: summary table, a collapsible section per changed stack, the policy summary.
    Stacks with very long diffs are cut (with a note) so the comment stays under GitHub's limit."""
    max_lines: int | None = None
    while True:
        body = _markdown(diffs, policy, base_label, head_label, max_lines)
        if len(body) <= max_chars or max_lines == 0:
            return body
        longest = max((len(stack_lines(d)) for d in diffs), default=0)
        max_lines = (longest if max_lines is None else max_lines) // 2


def _markdown(
    diffs: Sequence[StackDiff],
    policy: list[dict[str, Any]] | None,
    base_label: str,
    head_label: str,
    max_lines: int | None,
) -> str:
    changed = [d for d in diffs if d.has_changes]
    lines = [
        COMMENT_MARKER,
        "### mlfleet preview diff",
        "",
        f"`{_cell(base_label)}` → `{_cell(head_label)}`: {len(changed)} of {len(diffs)} stack(s) change "
        "(offline preview on the Pulumi mock runtime; no credentials used).",
        "",
        "| stack | create | update | replace | delete | unchanged | outputs | config |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for d in diffs:
        numbers = [d.count(a) for a in ACTIONS] + [d.unchanged, len(d.outputs), len(d.config)]
        cells = [str(n) for n in numbers]
        lines.append(f"| `{_cell(d.stack)}`{_status_note(d)} | {' | '.join(cells)} |")
    for d in changed:
        body_lines = stack_lines(d)
        if max_lines is not None and len(body_lines) > max_lines:
            cut = len(body_lines) - max_lines
            note = f"… {cut} more line(s): run `mlfleet diff` for the full diff"
            body_lines = [*body_lines[:max_lines], note]
        # The symbol first (`+     tags.team`), so GitHub's diff highlighting colours the line.
        body = "\n".join(re.sub(r"^(\s+)([+~-]) ", r"\2\1 ", line) for line in body_lines)
        fence = _fence(body)
        lines += [
            "",
            f"<details><summary><code>{html.escape(d.stack)}</code>{_status_note(d)}: "
            f"{counts_phrase(d)}</summary>",
            "",
            f"{fence}diff",
            body,
            fence,
            "",
            "</details>",
        ]
    if policy is not None:
        lines += _policy_section(policy)
    return "\n".join(lines) + "\n"
