"""The kubelet's translation of a pod spec, field by field, on the real stacks' plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.kube import KubeObject, Objects, kube_objects, pod_template, selector_matches
from mlfleet.rehearse.podman import ImageConfig
from mlfleet.rehearse.podspec import (
    PodContext,
    container_run,
    effective_command,
    expand,
    quantity_bytes,
    resolve_env,
)

IMAGE = ImageConfig(
    entrypoint=["mlfleet-trainer"], cmd=["--registry", "/work/registry"], user="10001", env={}, workdir="/"
)


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        (None, None, ["mlfleet-trainer", "--registry", "/work/registry"]),
        (None, ["--config", "c.yaml"], ["mlfleet-trainer", "--config", "c.yaml"]),
        (["python", "-m", "x"], None, ["python", "-m", "x"]),  # command drops the image's CMD
        (["python"], ["-V"], ["python", "-V"]),
        ([], [], ["mlfleet-trainer", "--registry", "/work/registry"]),  # empty lists are unset
    ],
)
def test_effective_command_follows_kubernetes_semantics(
    command: list[str] | None, args: list[str] | None, expected: list[str]
) -> None:
    assert effective_command(IMAGE, command, args) == expected


def test_variable_references_expand_like_the_kubelet() -> None:
    env = {"MODEL": "iris"}
    assert expand("--model=$(MODEL)", env) == "--model=iris"
    assert expand("$(UNKNOWN)", env) == "$(UNKNOWN)"
    assert expand("$$(MODEL)", env) == "$(MODEL)"


def test_quantities() -> None:
    assert quantity_bytes("256Mi") == 256 * 2**20
    assert quantity_bytes("1Gi") == 2**30
    assert quantity_bytes("500M") == 500 * 10**6


def _objects(*bodies: tuple[str, dict[str, Any]]) -> Objects:
    resources = [
        {
            "type": f"kubernetes:core/v1:{kind}",
            "name": body["metadata"]["name"],
            "inputs": body,
            "outputs": {},
        }
        for kind, body in bodies
    ]
    return Objects(kube_objects(resources))


def _pod(
    container: dict[str, Any], spec: dict[str, Any] | None = None, volumes: Path | None = None
) -> PodContext:
    pod_spec = {"containers": [container], **(spec or {})}
    workload = KubeObject("Deployment", "web", "ns", {"metadata": {"name": "web"}}, "web")
    return PodContext(
        "web-0", "ns", {"labels": {"app": "web"}}, pod_spec, workload, volumes or Path("/nonexistent")
    )


def test_env_from_secret_then_env_wins_then_webhook() -> None:
    objects = _objects(
        (
            "Secret",
            {"metadata": {"name": "creds", "namespace": "ns"}, "stringData": {"A": "from-secret", "B": "b"}},
        ),
        ("Secret", {"metadata": {"name": "enc", "namespace": "ns"}, "data": {"K": "c2VjcmV0"}}),
    )
    container = {
        "name": "c",
        "envFrom": [{"secretRef": {"name": "creds"}}],
        "env": [
            {"name": "A", "value": "literal"},
            {"name": "K", "valueFrom": {"secretKeyRef": {"name": "enc", "key": "K"}}},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        ],
    }
    ctx = _pod(container)
    ctx.injected_env = {"AWS_ROLE_ARN": "arn:aws:iam::1:role/r"}
    env = resolve_env(ctx, container, objects)
    assert env == {
        "A": "literal",
        "B": "b",
        "K": "secret",
        "POD": "web-0",
        "APP": "web",
        "AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
    }


def test_a_missing_secret_names_the_field_at_fault() -> None:
    container = {
        "name": "c",
        "env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}],
    }
    with pytest.raises(
        RehearsalError, match=r"Deployment ns/web .*env\[0\]\.valueFrom\.secretKeyRef.*does not exist"
    ):
        resolve_env(_pod(container), container, _objects())


def test_security_context_becomes_podman_flags(tmp_path: Path) -> None:
    container = {
        "name": "c",
        "image": "example/web:1",
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
        },
        "resources": {"limits": {"memory": "1Gi", "cpu": "500m", "nvidia.com/gpu": "1"}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    spec = {
        "securityContext": {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001},
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}],
    }
    run = container_run(
        _pod(container, spec, tmp_path),
        container,
        _objects(),
        IMAGE,
        container_name="c0",
        network="n",
        hosts={"svc": "10.0.0.9"},
    )
    argv = " ".join(run.argv)
    for flag in (
        "--user 10001:10001",
        "--group-add 10001",
        "--read-only --read-only-tmpfs=false",
        "--security-opt no-new-privileges",
        "--cap-drop ALL",
        f"--memory {2**30}",
        "--cpus 0.5",
        f"--tmpfs /tmp:rw,mode=1777,size={256 * 2**20}",
        "--add-host svc:10.0.0.9",
    ):
        assert flag in argv
    assert run.command == ["mlfleet-trainer", "--registry", "/work/registry"]
    assert any("nvidia.com/gpu" in note for note in run.substitutions)


def test_run_as_non_root_refuses_a_root_image() -> None:
    container = {"name": "c", "image": "x:1", "securityContext": {"runAsNonRoot": True}}
    root_image = ImageConfig(["app"], [], "", {}, "/")
    with pytest.raises(RehearsalError, match="runs as root"):
        container_run(
            _pod(container), container, _objects(), root_image, container_name="c", network="n", hosts={}
        )


def test_secret_volume_files(tmp_path: Path) -> None:
    objects = _objects(
        (
            "Secret",
            {"metadata": {"name": "keys", "namespace": "ns"}, "stringData": {"api-keys": "a:sha256:00"}},
        )
    )
    container = {
        "name": "c",
        "image": "x:1",
        "volumeMounts": [{"name": "k", "mountPath": "/etc/keys", "readOnly": True}],
    }
    spec = {"volumes": [{"name": "k", "secret": {"secretName": "keys"}}]}
    run = container_run(
        _pod(container, spec, tmp_path), container, objects, IMAGE, container_name="c", network="n", hosts={}
    )
    assert f"{tmp_path}/web-0/k:/etc/keys:ro" in run.argv
    assert (tmp_path / "web-0" / "k" / "api-keys").read_text() == "a:sha256:00"


def test_selectors() -> None:
    assert selector_matches({"app": "a"}, {"app": "a", "x": "y"})
    assert not selector_matches({"app": "a"}, {"app": "b"})
    assert selector_matches(
        {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["x"]}]}, {"tier": "x"}
    )
    assert not selector_matches({}, {"app": "a"})


def test_every_stack_workload_translates(tmp_path: Path) -> None:
    """Every workload of every stack's plan resolves its env, mounts and security into podman flags."""
    from mlfleet.engine.harness import REPO_ROOT
    from mlfleet.rehearse.resolved import resolve_stack

    for stack in ("local", "dev"):
        resolved = resolve_stack(REPO_ROOT, stack)
        objects = Objects(kube_objects(resolved.resources))
        assert objects.workloads(), stack
        for workload in objects.workloads():
            meta, spec = pod_template(workload)
            ctx = PodContext(f"{workload.name}-0", workload.namespace, meta, spec, workload, tmp_path)
            image = ImageConfig(["entry"], [], "10001", {}, "/")
            for container in spec["containers"]:
                run = container_run(ctx, container, objects, image, container_name="c", network="n", hosts={})
                assert "--read-only" in run.argv, f"{stack} {workload.name}"
