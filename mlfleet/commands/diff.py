"""`mlfleet diff`: what a change does to every stack, from plans (docs/pr-diffs.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

FORMATS = ("text", "markdown", "json")
CWD = Path(".")


def register(app: typer.Typer) -> None:
    app.command(name="diff")(diff)


def diff(
    base: Annotated[
        Path | None,
        typer.Option("--base", help="The base plan, or a directory of plans (`preview --all --json`)."),
    ] = None,
    head: Annotated[
        Path | None,
        typer.Option("--head", help="The head plan or directory (--base-ref default: the working tree)."),
    ] = None,
    base_ref: Annotated[
        str | None,
        typer.Option("--base-ref", help="Preview the stacks at this git ref (in a temporary worktree)."),
    ] = None,
    stacks: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="Only these stacks (repeat the option).")
    ] = None,
    cwd: Annotated[Path, typer.Option("--cwd", "-C", help="The Pulumi project (with --base-ref).")] = CWD,
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the diff here.")] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="A `mlfleet policy check --format json` report, for markdown."),
    ] = None,
    base_policy: Annotated[
        Path | None,
        typer.Option(
            "--base-policy", help="The base branch's policy report (markdown: only new violations)."
        ),
    ] = None,
    head_sha: Annotated[
        str | None, typer.Option("--head-sha", help="The head commit, named in the markdown header.")
    ] = None,
    run_url: Annotated[
        str | None, typer.Option("--run-url", help="The CI run, linked from the markdown header.")
    ] = None,
    full_diff_url: Annotated[
        str | None,
        typer.Option(
            "--full-diff-url", help="Where the full diff is (e.g. the run's artifact), for markdown."
        ),
    ] = None,
    base_label: Annotated[
        str | None,
        typer.Option("--base-label", help="How markdown names the base (default: --base/--base-ref)."),
    ] = None,
    head_label: Annotated[
        str | None, typer.Option("--head-label", help="How markdown names the head (default: --head).")
    ] = None,
    cloud_previews: Annotated[
        Path | None,
        typer.Option(
            "--cloud-previews",
            help="Credentialed `pulumi preview --diff` outputs (<stack>.txt, <stack>.status), for markdown.",
        ),
    ] = None,
    fail_on_changes: Annotated[
        bool, typer.Option("--fail-on-changes", help="Exit 1 when anything changed (default: always 0).")
    ] = False,
) -> None:
    """Compare two sets of plans by URN: what to create, update, replace or delete, property by property.

    Exit 3 (after writing the diff) when a protected resource would be deleted or replaced."""
    from mlfleet.diff.compare import compare_all
    from mlfleet.diff.errors import DiffError
    from mlfleet.diff.load import Plans, load_plans, load_policy
    from mlfleet.diff.render import as_json, markdown, text

    if (base is None) == (base_ref is None):
        typer.echo("error: pass exactly one of --base PLAN_OR_DIR or --base-ref REF", err=True)
        raise typer.Exit(2)
    if base is not None and head is None:
        typer.echo("error: --base needs --head PLAN_OR_DIR (or use --base-ref REF)", err=True)
        raise typer.Exit(2)
    if output_format not in FORMATS:
        typer.echo(f"error: --format {output_format!r} is not one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    try:
        from mlfleet.diff.cloud_preview import load_previews

        previews = load_previews(cloud_previews) if cloud_previews is not None else {}
        policy_report = load_policy(policy) if policy is not None else None
        base_policy_report = load_policy(base_policy) if base_policy is not None else None
        head_plans: Plans
        if base is not None:
            base_plans = load_plans(base)
            head_plans = load_plans(head) if head is not None else {}
            base_name, head_name = str(base), str(head)
        else:
            assert base_ref is not None
            base_plans, head_plans, head_name = _plans_for_ref(base_ref, head, stacks, cwd)
            base_name = base_ref
        if stacks:
            unknown = sorted(set(stacks) - set(base_plans) - set(head_plans))
            if unknown:
                known = ", ".join(sorted(set(base_plans) | set(head_plans))) or "none"
                raise DiffError(f"no plan for stack(s) {', '.join(unknown)} on either side (stacks: {known})")
            base_plans = {k: v for k, v in base_plans.items() if k in stacks}
            head_plans = {k: v for k, v in head_plans.items() if k in stacks}
    except DiffError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    diffs = compare_all(base_plans, head_plans)
    if output_format == "text":
        report = text(diffs)
    elif output_format == "json":
        report = as_json(diffs)
    else:
        report = markdown(
            diffs,
            policy=policy_report,
            base_policy=base_policy_report,
            base_label=base_label or base_name,
            head_label=head_label or head_name,
            head_sha=head_sha,
            run_url=run_url,
            full_diff_url=full_diff_url,
            base_plans=base_plans,
            head_plans=head_plans,
            cloud_previews=previews,
        )
    report = report if report.endswith("\n") else report + "\n"
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report, encoding="utf-8")
        typer.echo(f"diff written to {output}", err=True)
    else:
        typer.echo(report, nl=False)
    errors = [f"{d.stack}: {r.type} {r.name}" for d in diffs for r in d.resources if r.error]
    if errors:
        # As `pulumi preview` fails on it; the diff above is written first, so the comment shows it.
        typer.echo(
            f"error: {len(errors)} protected resource(s) would be deleted or replaced "
            f"({'; '.join(errors[:3])}{'; …' if len(errors) > 3 else ''}): "
            "set protect: false and deploy that first",
            err=True,
        )
        raise typer.Exit(3)
    if fail_on_changes and any(d.has_changes for d in diffs):
        raise typer.Exit(1)


def _plans_for_ref(
    ref: str, head: Path | None, stacks: list[str] | None, cwd: Path
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """Base plans previewed at `ref` (the requested stacks, default all: a stack only at the ref
    is a removed stack); head plans from `head`, or previewed from the working tree."""
    from mlfleet.diff.errors import DiffError
    from mlfleet.diff.gitref import preview_plans, worktree_at
    from mlfleet.diff.load import load_plans

    if head is not None:
        head_plans, head_label = load_plans(head), str(head)
    else:
        head_plans, _ = preview_plans(cwd, stacks, "working tree")
        head_label = "working tree"
    with worktree_at(cwd, ref) as base_dir:
        if not (base_dir / "Pulumi.yaml").exists() and not (base_dir / "Pulumi.yml").exists():
            raise DiffError(f"base ref {ref!r}: no Pulumi project at {cwd} in that commit")
        base_plans, _ = preview_plans(base_dir, stacks, f"base ref {ref!r}")
    return base_plans, head_plans, head_label
