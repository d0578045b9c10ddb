"""What each container of every stack would actually run: the image's ENTRYPOINT/CMD (from our
Dockerfiles) combined with the plan's command/args the way Kubernetes does it (`command` replaces
ENTRYPOINT and drops CMD; `args` replaces CMD). No flag may override the environment the stack
sets (a `CMD ["--registry", ...]` default would silently beat MLFLEET_REGISTRY)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlfleet.engine.harness import REPO_ROOT, Plan, preview_stack
from mlfleet.rehearse.podman import ImageConfig
from mlfleet.rehearse.podspec import effective_command

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in (REPO_ROOT / "stacks").glob("Pulumi.*.yaml"))
DOCKERFILES = {"trainer": "apps/trainer/Dockerfile", "serving": "apps/serving/Dockerfile"}
# The environment each container needs from the stack (what a flag could override).
REQUIRED_ENV = {
    "trainer": {"MLFLEET_REGISTRY", "MLFLEET_MODEL"},
    "serving": {"MLFLEET_REGISTRY", "MLFLEET_MODEL", "MLFLEET_ALIAS", "MLFLEET_PORT"},
}
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob")


def image_exec_form(dockerfile: Path) -> tuple[list[str] | None, list[str] | None]:
    """ENTRYPOINT and CMD of the final stage, exec form only (shell form would need /bin/sh -c)."""
    final = re.split(r"^FROM\s", dockerfile.read_text(), flags=re.M)[-1]
    found: dict[str, list[str] | None] = {"ENTRYPOINT": None, "CMD": None}
    # Instructions start a line; an indented `CMD [...]` continues a HEALTHCHECK and is not one.
    for match in re.finditer(r"^(ENTRYPOINT|CMD)\s+(.*)$", final, flags=re.M):
        value = match.group(2).strip()
        assert value.startswith("["), f"{dockerfile}: {match.group(1)} must use the exec form"
        found[match.group(1)] = json.loads(value)
    return found["ENTRYPOINT"], found["CMD"]


def effective_argv(
    entrypoint: list[str] | None, cmd: list[str] | None, command: list[str] | None, args: list[str] | None
) -> list[str]:
    """Kubernetes' rule, as the rehearsal's kubelet applies it (one implementation)."""
    return effective_command(ImageConfig(entrypoint or [], cmd or [], "", {}, "/"), command, args)


def containers(plan: Plan) -> list[dict]:
    found = []
    for resource in plan.resources:
        if resource["type"] not in WORKLOADS:
            continue
        spec = resource["inputs"]["spec"]
        if resource["type"].endswith("CronJob"):
            spec = spec["jobTemplate"]["spec"]
        found += [c for c in spec["template"]["spec"]["containers"] if c["name"] in DOCKERFILES]
    return found


def test_the_semantics() -> None:
    assert effective_argv(["a"], ["--x"], None, None) == ["a", "--x"]
    assert effective_argv(["a"], ["--x"], None, ["--y"]) == ["a", "--y"]
    assert effective_argv(["a"], ["--x"], ["b"], None) == ["b"]
    assert effective_argv(["a"], ["--x"], ["b"], ["--y"]) == ["b", "--y"]


@pytest.mark.parametrize("stack", STACKS)
def test_no_flag_overrides_the_environment_the_stack_sets(stack: str) -> None:
    found = containers(preview_stack(stack))
    # One serving and one trainer container per cell.
    assert sorted(set(c["name"] for c in found)) == ["serving", "trainer"]
    for container in found:
        name = container["name"]
        entrypoint, cmd = image_exec_form(REPO_ROOT / DOCKERFILES[name])
        assert entrypoint, f"{DOCKERFILES[name]} has no ENTRYPOINT"
        argv = effective_argv(entrypoint, cmd, container.get("command"), container.get("args"))
        assert argv[: len(entrypoint)] == entrypoint, (
            f"{stack}/{name}: the plan replaces the entrypoint: {argv}"
        )
        extra = argv[len(entrypoint) :]
        assert not [a for a in extra if a.startswith("-")], (
            f"{stack}/{name} runs {argv}: flags override the stack's environment"
        )
        env = {e["name"] for e in container.get("env", [])}
        assert REQUIRED_ENV[name] <= env, f"{stack}/{name} misses {REQUIRED_ENV[name] - env}"


def test_a_cmd_default_would_be_caught(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM x AS build\nCMD ["--ignored"]\nFROM y\nHEALTHCHECK --interval=5s \\\n    CMD ["true"]\n'
        'ENTRYPOINT ["mlfleet-trainer"]\nCMD ["--registry", "/work/registry"]\n'
    )
    entrypoint, cmd = image_exec_form(dockerfile)
    assert entrypoint == ["mlfleet-trainer"] and cmd == ["--registry", "/work/registry"]
    assert effective_argv(entrypoint, cmd, None, None)[1:] == ["--registry", "/work/registry"]
