"""Printing diffs: text for a terminal, JSON for tools, Markdown for a pull-request comment.

The values come from `compare` already masked; nothing here looks at plan values.

The Markdown comment is a list of sections assembled in order (`comment_sections`): the header
(refs, head SHA, run link), the protected-resource errors, the summary table, one collapsible
block per changed stack, then any extra section (e.g. a cost delta: one more entry in that list)
and the policy section. When the comment would exceed GitHub's limit, the stack blocks are
rendered at decreasing levels of detail (`DETAIL_LEVELS`): creates and updates lose their details
and then their lines before any replace or delete does; replaces and deletes are never dropped,
only shortened (at worst to counts per type, pointing at the full diff).
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlfleet.diff.cloud_preview import CloudPreview, bounded
from mlfleet.diff.compare import ACTIONS, MAY_CHANGE, PropertyChange, ResourceChange, StackDiff
from mlfleet.diff.cost import cost_markdown

# The hidden first line of the PR comment: the workflow finds and updates its own comment by it.
COMMENT_MARKER = "<!-- mlfleet-diff -->"
# GitHub rejects comment bodies over 65,536 characters; keep a margin for what the workflow adds.
GITHUB_COMMENT_LIMIT = 65_536
MAX_COMMENT_CHARS = 60_000
MAX_VALUE_CHARS = 200
# The policy section lists at most this many new violations and this many characters.
MAX_POLICY_ITEMS = 25
MAX_POLICY_CHARS = 6_000
SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-", MAY_CHANGE: "~?"}
KIND_SYMBOLS = {"add": "+", "remove": "-", "change": "~"}
MAJOR = ("replace", "delete")  # never dropped from the comment


def _elide(old: str, new: str) -> tuple[str, str]:
    """Both values shown around where they differ: a long common prefix becomes `…`, then each is
    cut to MAX_VALUE_CHARS, so two long values never show the same visible text."""
    if len(old) <= MAX_VALUE_CHARS and len(new) <= MAX_VALUE_CHARS:
        return old, new
    common = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        common += 1
    start = max(0, common - 20)  # a little context before the first difference
    if start:
        old, new = "…" + old[start:], "…" + new[start:]
    return _short(old), _short(new)


def _short(value: str | None) -> str:
    text = "" if value is None else value
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def property_line(change: PropertyChange, prefix: str = "") -> str:
    symbol = KIND_SYMBOLS[change.kind]
    if change.secret:
        return f"{symbol} {prefix}{change.path}: [secret] ({change.note}; values hidden)"
    if change.kind == "add":
        return f"{symbol} {prefix}{change.path}: {_short(change.new)}"
    if change.kind == "remove":
        return f"{symbol} {prefix}{change.path}: {_short(change.old)}"
    old, new = _elide(change.old or "", change.new or "")
    return f"{symbol} {prefix}{change.path}: {old} => {new}"


def counts_phrase(diff: StackDiff) -> str:
    parts = [f"{diff.count(a)} to {a}" for a in ACTIONS if diff.count(a)]
    if diff.count(MAY_CHANGE):
        parts.append(f"{diff.count(MAY_CHANGE)} may change")
    if diff.outputs:
        parts.append(f"{len(diff.outputs)} output change(s)")
    if diff.config:
        parts.append(f"{len(diff.config)} config change(s)")
    if not parts:
        return "no changes"
    return ", ".join(parts)


def resource_head(resource: ResourceChange) -> str:
    head = f"{SYMBOLS[resource.action]} {resource.type}  {resource.name}"
    notes: list[str] = []
    if resource.error:
        notes.append("ERROR: protected")
    if resource.replace_keys:
        notes.append(f"replace: {', '.join(resource.replace_keys)} changed")
    if resource.action == "replace" and resource.delete_before_replace:
        notes.append("deleteBeforeReplace: deleted first, then created")
    if resource.action == "delete" and resource.retain_on_delete:
        notes.append("retainOnDelete: deleted from the stack, kept in the cloud")
    if resource.action == MAY_CHANGE:
        notes.append("may change: reads outputs of a replaced or new resource")
    return head + (f"  ({'; '.join(notes)})" if notes else "")


def resource_lines(resource: ResourceChange, details: bool = True, inputs: bool = True) -> list[str]:
    lines = [resource_head(resource)]
    if not details:
        return lines
    if inputs:
        lines.extend("    " + property_line(change) for change in resource.inputs)
    for change in resource.properties:
        lines.append("    " + property_line(change))
    for change in resource.options:
        lines.append("    " + property_line(change, "[option] "))
    lines.extend(f"    <- {cause}" for cause in resource.caused_by)
    return lines


@dataclass(frozen=True)
class Detail:
    """How much of a stack's diff a rendering shows (the comment lowers it to fit GitHub's limit)."""

    create_inputs: bool = True  # a created resource's inputs
    minor_details: bool = True  # property lines of creates, updates and may-change
    minor: bool = True  # creates, updates and may-change listed at all (else counted)
    major_details: bool = True  # property lines of replaces and deletes
    major: str = "lines"  # replaces and deletes: "lines", "names" (by type) or "counts" (by type)
    extras: bool = True  # outputs and config changes


FULL = Detail()
DETAIL_LEVELS = (
    FULL,
    Detail(create_inputs=False),
    Detail(create_inputs=False, minor_details=False),
    Detail(create_inputs=False, minor_details=False, minor=False, extras=False),
    Detail(minor=False, major_details=False, extras=False),
    Detail(minor=False, major_details=False, major="names", extras=False),
    Detail(minor=False, major_details=False, major="counts", extras=False),
)


def stack_lines(diff: StackDiff, detail: Detail = FULL) -> list[str]:
    lines: list[str] = []
    major = [r for r in diff.resources if r.action in MAJOR]
    if detail.major == "lines":
        for resource in major:
            lines.extend(resource_lines(resource, details=detail.major_details))
    else:
        lines.extend(_grouped(major, names=detail.major == "names"))
    minor = [r for r in diff.resources if r.action not in MAJOR]
    if detail.minor:
        for resource in minor:
            lines.extend(resource_lines(resource, detail.minor_details, detail.create_inputs))
    elif minor:
        counted = Counter(r.action for r in minor)
        listed = ", ".join(f"{n} {a}" for a, n in counted.items())
        lines.append(f"… {listed} not listed here (comment size): see the full diff")
    if diff.outputs and detail.extras:
        lines.append("Outputs:")
        lines.extend("    " + property_line(c) for c in diff.outputs)
    if diff.config and detail.extras:
        lines.append("Config:")
        lines.extend("    " + property_line(c) for c in diff.config)
    elif diff.outputs or diff.config:
        lines.append(
            f"… {len(diff.outputs)} output and {len(diff.config)} config change(s): see the full diff"
        )
    return lines


def _grouped(resources: list[ResourceChange], names: bool) -> list[str]:
    """Replaces and deletes one line per (action, type): names, or only how many."""
    groups: dict[tuple[str, str], list[ResourceChange]] = {}
    for resource in resources:
        groups.setdefault((resource.action, resource.type), []).append(resource)
    lines = []
    for (action, kind), members in groups.items():
        errors = sum(1 for r in members if r.error)
        flag = f" ({errors} protected: ERROR)" if errors else ""
        listed = ", ".join(r.name for r in members) if names else "see the full diff for the names"
        lines.append(f"{SYMBOLS[action]} {len(members)} x {kind}{flag}: {listed}")
    return lines


def _status_note(diff: StackDiff) -> str:
    return {"added": " (new stack)", "removed": " (stack removed)"}.get(diff.status, "")


def text(diffs: Sequence[StackDiff]) -> str:
    out: list[str] = []
    for diff in diffs:
        summary = f"{counts_phrase(diff)}; {diff.unchanged} unchanged"
        out.append(f"== stack {diff.stack}{_status_note(diff)}: {summary}")
        out.extend(f"  error: {error}" for error in diff.errors)
        out.extend("  " + line for line in stack_lines(diff))
    total = sum(1 for d in diffs if d.has_changes)
    out.append(f"{total} of {len(diffs)} stack(s) changed")
    errors = sum(len(d.errors) for d in diffs)
    if errors:
        out.append(f"error: {errors} protected resource(s) would be deleted or replaced")
    return "\n".join(out)


def as_json(diffs: Sequence[StackDiff]) -> str:
    payload = {
        "format": "mlfleet.diff",
        "version": 1,
        "changes": any(d.has_changes for d in diffs),
        "errors": [error for d in diffs for error in d.errors],
        "stacks": [d.to_dict() for d in diffs],
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# -- the policy section ----------------------------------------------------------------------


def _violation_key(stack: str, violation: dict[str, Any]) -> tuple[str, str, str]:
    """A violation is the same across base and head when the rule and the resource are: the URN's
    type and name (`::`-separated tail), so a message that mentions values does not make it new."""
    urn = str(violation.get("urn") or "")
    return stack, str(violation.get("rule", "")), "::".join(urn.split("::")[-2:])


def new_violations(
    head: list[dict[str, Any]], base: list[dict[str, Any]] | None
) -> list[tuple[str, dict[str, Any]]]:
    """(stack, violation) of the head report that the base report does not have (all of them
    without a base report), mandatory first."""

    def violations(report: list[dict[str, Any]] | None) -> list[tuple[str, dict[str, Any]]]:
        return [
            (s["stack"], v) for s in report or [] for v in s.get("violations") or [] if isinstance(v, dict)
        ]

    # One rule can flag one resource several times (one message per statement): the same message
    # is the same violation; beyond that, as many as the base had (their messages changed).
    exact = Counter((_violation_key(st, v), str(v.get("message"))) for st, v in violations(base))
    per_key = Counter(_violation_key(st, v) for st, v in violations(base))
    found: list[tuple[str, dict[str, Any]]] = []
    unmatched: list[tuple[str, dict[str, Any]]] = []
    for stack, v in violations(head):
        key, message = _violation_key(stack, v), str(v.get("message"))
        if exact[(key, message)]:
            exact[(key, message)] -= 1
            per_key[key] -= 1
        else:
            unmatched.append((stack, v))
    for stack, v in unmatched:
        key = _violation_key(stack, v)
        if per_key[key] > 0:
            per_key[key] -= 1
        else:
            found.append((stack, v))
    return sorted(found, key=lambda item: str(item[1].get("enforcement")) != "mandatory")


def _policy_section(policy: list[dict[str, Any]], base_policy: list[dict[str, Any]] | None) -> list[str]:
    mandatory = sum(int(s.get("mandatory") or 0) for s in policy)
    advisory = sum(int(s.get("advisory") or 0) for s in policy)
    fresh = new_violations(policy, base_policy)
    fresh_by_stack = Counter(stack for stack, _ in fresh)
    verdict = "❌ mandatory violations" if mandatory else "✅ no mandatory violations"
    against = "new against the base branch" if base_policy is not None else "new (no base branch result)"
    lines = [
        "",
        f"#### Policies: {verdict}",
        "",
        "| stack | resources | mandatory | advisory | new |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for stack in policy:
        lines.append(
            f"| `{_cell(str(stack['stack']))}` | {int(stack.get('resources') or 0)} | "
            f"{int(stack.get('mandatory') or 0)} | {int(stack.get('advisory') or 0)} | "
            f"{fresh_by_stack.get(stack['stack'], 0)} |"
        )
    if not fresh:
        if mandatory or advisory:
            lines += ["", f"No violation is {against}; {mandatory} mandatory, {advisory} advisory as before."]
        return lines
    items: list[str] = []
    size = 0
    for stack_name, v in fresh:
        level = str(v.get("enforcement", "")).upper()
        item = (
            f"- **{_cell(level)}** `{_cell(str(v.get('rule', '')))}` ({_cell(str(stack_name))}) "
            f"`{_cell(str(v.get('urn') or '(stack)'))}`: {_cell(_short(str(v.get('message', ''))))}"
        )
        if len(items) >= MAX_POLICY_ITEMS or size + len(item) > MAX_POLICY_CHARS:
            items.append(f"- … {len(fresh) - len(items)} more: see the policy report (`plans/policy.json`)")
            break
        items.append(item)
        size += len(item) + 1
    lines += [
        "",
        f"<details open><summary>{len(fresh)} violation(s) {against}</summary>",
        "",
        *items,
        "",
        "</details>",
    ]
    return lines


# -- the comment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentContext:
    base_label: str = "base"
    head_label: str = "head"
    head_sha: str | None = None
    run_url: str | None = None
    policy: list[dict[str, Any]] | None = None
    base_policy: list[dict[str, Any]] | None = None
    full_diff_url: str | None = None
    # The plans behind the diffs, by stack (for sections that price or count what changes).
    base_plans: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    head_plans: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # The credentialed `pulumi preview --diff` per stack (same-repository PRs; mlfleet/diff/cloud_preview.py).
    cloud_previews: Mapping[str, CloudPreview] = field(default_factory=dict)


Section = Callable[[Sequence[StackDiff], CommentContext, Detail], list[str]]


def _header(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    changed = sum(1 for d in diffs if d.has_changes)
    where = []
    if ctx.head_sha:
        where.append(f"head `{_cell(ctx.head_sha[:12])}`")
    if ctx.run_url:
        where.append(f"[workflow run]({ctx.run_url})")
    if ctx.full_diff_url:
        where.append(f"[full diff]({ctx.full_diff_url})")
    where_text = f" ({', '.join(where)})" if where else ""
    full = (
        " **Shortened to fit GitHub's comment limit**: every replace and delete is listed; the full diff "
        "is in the run's artifacts."
        if (detail != FULL)
        else ""
    )
    return [
        COMMENT_MARKER,
        "### mlfleet preview diff",
        "",
        f"`{_cell(ctx.base_label)}` → `{_cell(ctx.head_label)}`{where_text}: "
        f"{changed} of {len(diffs)} stack(s) change "
        f"(offline preview on the Pulumi mock runtime; no credentials used"
        f"{'; the real `pulumi preview --diff` per stack is below' if ctx.cloud_previews else ''}).{full}",
    ]


def _errors(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    errors = [(d.stack, e) for d in diffs for e in d.errors]
    if not errors:
        return []
    lines = [
        "",
        "> [!CAUTION]",
        f"> **{len(errors)} protected resource(s) would be deleted or replaced**: "
        "`pulumi preview` and `pulumi up` fail on this change.",
    ]
    shown = errors[:20]
    lines += [f"> - `{_cell(stack)}`: {_cell(error)}" for stack, error in shown]
    if len(errors) > len(shown):
        lines.append(f"> - … {len(errors) - len(shown)} more in the stacks below")
    return lines


def _table(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    lines = [
        "",
        "| stack | create | update | replace | delete | may change | unchanged | outputs | config |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for d in diffs:
        numbers = [d.count(a) for a in ACTIONS] + [
            d.count(MAY_CHANGE),
            d.unchanged,
            len(d.outputs),
            len(d.config),
        ]
        flag = " ❌" if d.errors else ""
        lines.append(f"| `{_cell(d.stack)}`{_status_note(d)}{flag} | {' | '.join(str(n) for n in numbers)} |")
    return lines


def _stacks(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    lines: list[str] = []
    for d in diffs:
        if not d.has_changes:
            continue
        # The symbol first (`+     tags.team`), so GitHub's diff highlighting colours the line.
        body = "\n".join(re.sub(r"^(\s+)([+~-]) ", r"\2\1 ", line) for line in stack_lines(d, detail))
        summary = f"<code>{html.escape(d.stack)}</code>{_status_note(d)}: {counts_phrase(d)}"
        lines += _details(summary, body)
    return lines


def _details(summary: str, body: str) -> list[str]:
    """A collapsed block with `body` in a diff-highlighted fence."""
    fence = _fence(body)
    return ["", f"<details><summary>{summary}</summary>", "", f"{fence}diff", body, fence, "", "</details>"]


def _policy(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    return _policy_section(ctx.policy, ctx.base_policy) if ctx.policy is not None else []


def _cost(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    # Needs both sides' plans (resource counts, instance types); empty when nothing priced changed.
    if not ctx.base_plans and not ctx.head_plans:
        return []
    return cost_markdown(diffs, ctx.base_plans, ctx.head_plans).splitlines()


def _cloud(diffs: Sequence[StackDiff], ctx: CommentContext, detail: Detail) -> list[str]:
    """The real `pulumi preview --diff` per stack, with the read-only preview identity: what the cloud
    and the state say, next to the offline diff above. Shrinks with the comment's detail level."""
    if not ctx.cloud_previews:
        return []
    limit = 12_000 if detail.minor_details else 4_000 if detail.minor else 1_500
    icons = {"ok": "✅", "failed": "❌", "skipped": "⏭️"}
    lines = ["", "#### `pulumi preview --diff` (read-only cloud credentials)"]
    for stack, preview in sorted(ctx.cloud_previews.items()):
        note = f" ({_cell(preview.note)})" if preview.note else ""
        summary = f"{icons[preview.status]} <code>{html.escape(stack)}</code>: {preview.status}{note}"
        if not preview.text:
            lines += ["", f"- {summary}"]
            continue
        lines += _details(summary, bounded(preview.text, limit))
    return lines


# The comment, top to bottom. A new section is one more entry here.
COMMENT_SECTIONS: list[Section] = [_header, _errors, _table, _stacks, _cloud, _cost, _policy]


def markdown(
    diffs: Sequence[StackDiff],
    *,
    policy: list[dict[str, Any]] | None = None,
    base_policy: list[dict[str, Any]] | None = None,
    base_label: str = "base",
    head_label: str = "head",
    head_sha: str | None = None,
    run_url: str | None = None,
    full_diff_url: str | None = None,
    base_plans: Mapping[str, dict[str, Any]] | None = None,
    head_plans: Mapping[str, dict[str, Any]] | None = None,
    cloud_previews: Mapping[str, CloudPreview] | None = None,
    max_chars: int = MAX_COMMENT_CHARS,
) -> str:
    """A PR comment under `max_chars`: the most detailed rendering that fits (DETAIL_LEVELS)."""
    ctx = CommentContext(
        base_label,
        head_label,
        head_sha,
        run_url,
        policy,
        base_policy,
        full_diff_url,
        base_plans or {},
        head_plans or {},
        cloud_previews or {},
    )
    body = ""
    for detail in DETAIL_LEVELS:
        body = "\n".join(line for section in COMMENT_SECTIONS for line in section(diffs, ctx, detail)) + "\n"
        if len(body) <= max_chars:
            return body
    return body  # replace and delete counts per type: nothing shorter keeps them all
