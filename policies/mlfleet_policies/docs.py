"""The README's rules table, generated from the pack: `cd policies && python -m mlfleet_policies.docs`."""

from __future__ import annotations

from mlfleet_policies.pack import all_rules


def rules_table() -> str:
    lines = [
        "| id | severity | default | frameworks | assumes | types |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in all_rules():
        meta = rule.meta
        if rule.is_stack_rule:
            types = "stack"
        elif rule.resource_types:
            types = ", ".join(f"`{t}`" for t in rule.resource_types)
        else:
            types = "any"
        lines.append(
            f"| `{meta.id}` | {meta.severity.value} | {meta.default_enforcement.value} | "
            f"{', '.join(meta.frameworks) or '-'} | {meta.assumes} | {types} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rules_table(), end="")
