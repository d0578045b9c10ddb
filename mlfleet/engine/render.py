"""Text output like `pulumi preview`: resources indented under their parents, counts, outputs."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from mlfleet.engine.plan import is_secret_marker
from mlfleet.engine.secrets import mask_secrets

if TYPE_CHECKING:  # rendering must not import the runtime
    from mlfleet.engine.parallel import StackResult


def _display(value: Any) -> str:
    if is_secret_marker(value):
        return "[secret]"
    if isinstance(value, dict | list):
        return json.dumps(mask_secrets(value), sort_keys=True)
    return str(value)


def render_plan(plan: dict[str, Any]) -> str:
    resources = plan["resources"]
    depth: dict[str, int] = {}
    lines = [f"Previewing update ({plan['stack']}) of project {plan['project']} on the mock runtime:", ""]
    rows: list[tuple[str, str, str]] = []
    for res in resources:
        level = depth.get(res["parent"] or "", -1) + 1
        depth[res["urn"]] = level
        flags = " [protect]" if res["protect"] else ""
        rows.append(("   " * level + ("└─ " if level else "") + res["type"], res["name"], f"create{flags}"))
    type_width = max([4, *(len(r[0]) for r in rows)])
    name_width = max([4, *(len(r[1]) for r in rows)])
    lines.append(f"     {'Type':<{type_width}}  {'Name':<{name_width}}  Plan")
    for label, name, action in rows:
        lines.append(f" +   {label:<{type_width}}  {name:<{name_width}}  {action}")
    lines.append("")
    if plan["outputs"]:
        lines.append("Outputs:")
        width = max(len(k) for k in plan["outputs"])
        for key in sorted(plan["outputs"]):
            lines.append(f"    {key:<{width}}: {_display(plan['outputs'][key])}")
        lines.append("")
    counts = Counter("component" if not r["custom"] else "custom" for r in resources)
    lines.append("Resources:")
    lines.append(
        f"    + {len(resources)} to create ({counts['custom']} custom resources, "
        f"{counts['component']} components incl. the stack)"
    )
    return "\n".join(lines)


def render_summary(results: list[StackResult], total_seconds: float) -> str:
    lines = ["", f"{'stack':<16} {'resources':>9} {'seconds':>8}  status"]
    for r in results:
        count = len(r.plan["resources"]) if r.plan is not None else 0
        lines.append(f"{r.stack:<16} {count:>9} {r.seconds:>8.2f}  {'ok' if r.error is None else 'FAILED'}")
    lines.append(f"previewed {len(results)} stack(s) in {total_seconds:.2f} s")
    return "\n".join(lines)
