"""A pod spec's container, translated field by field into `podman run` the way the kubelet runs it.

Everything the plan says is honoured: the image's ENTRYPOINT/CMD combined with `command`/`args`
(Kubernetes semantics), `env`/`envFrom`/`valueFrom` resolved from the plan's Secrets and
ConfigMaps, volumes and mounts, the pod and container security context, resource limits. What the
machine cannot give (a GPU) is dropped and named; nothing is silently changed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.kube import KubeObject, Objects, secret_data
from mlfleet.rehearse.podman import ImageConfig

_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_QUANTITY = re.compile(r"^([0-9.]+)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$")
_BINARY = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
}


def effective_command(image: ImageConfig, command: list[str] | None, args: list[str] | None) -> list[str]:
    """What the container executes: `command` replaces ENTRYPOINT and drops CMD; `args` replaces
    CMD. (Kubernetes: "Define a Command and Arguments for a Container"; an empty list is unset.)"""
    if command:
        return [*command, *(args or [])]
    return [*image.entrypoint, *(args if args else image.cmd)]


def expand(value: str, env: dict[str, str]) -> str:
    """`$(VAR)` references as the kubelet expands them (unknown references stay as written)."""
    return _VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), value.replace("$$", "\0")).replace(
        "\0", "$"
    )


def quantity_bytes(value: str) -> int:
    match = _QUANTITY.match(str(value))
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {value!r}")
    return int(float(match.group(1)) * _BINARY.get(match.group(2) or "", 1))


def quantity_cpus(value: str) -> float:
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


@dataclass
class PodContext:
    """What the kubelet knows about the pod when it starts a container."""

    name: str
    namespace: str
    meta: dict[str, Any]
    spec: dict[str, Any]
    workload: KubeObject
    volumes_dir: Path
    # Added by the cloud's pod-identity webhook (or its stand-in): env and (host path, mount path).
    injected_env: dict[str, str] = field(default_factory=dict)
    injected_mounts: list[tuple[Path, str]] = field(default_factory=list)


@dataclass
class ContainerRun:
    argv: list[str]  # `podman run` arguments after `run`
    command: list[str]  # the effective command line
    env: dict[str, str]
    user: str
    substitutions: list[str]


def resolve_env(ctx: PodContext, container: dict[str, Any], objects: Objects) -> dict[str, str]:
    """The container's environment: envFrom first, then env (which wins), then the webhook's."""
    env: dict[str, str] = {}
    where = f"containers[{container['name']}]"
    for index, source in enumerate(container.get("envFrom") or []):
        for kind, key in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
            ref = source.get(key)
            if ref is None:
                continue
            found = objects.get(kind, ctx.namespace, ref["name"])
            if found is None:
                if ref.get("optional"):
                    continue
                raise RehearsalError(
                    f"{ctx.workload.where(f'{where}.envFrom[{index}].{key}')} names {kind} "
                    f"{ctx.namespace}/{ref['name']}, which the stack does not create: the pod cannot start",
                    fix=f"create the {kind} in the stack or fix the reference",
                )
            prefix = source.get("prefix") or ""
            env.update({prefix + k: v for k, v in secret_data(found).items()})
    for index, var in enumerate(container.get("env") or []):
        name = var["name"]
        if "value" in var:
            env[name] = expand(str(var["value"]), env)
        elif "valueFrom" in var:
            env[name] = _value_from(ctx, container, var["valueFrom"], objects, f"{where}.env[{index}]")
        else:
            env[name] = ""
    env.update(ctx.injected_env)
    return env


def _value_from(
    ctx: PodContext, container: dict[str, Any], source: dict[str, Any], objects: Objects, where: str
) -> str:
    for kind, key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
        ref = source.get(key)
        if ref is None:
            continue
        found = objects.get(kind, ctx.namespace, ref["name"])
        data = secret_data(found) if found else {}
        if ref["key"] not in data:
            if ref.get("optional"):
                return ""
            raise RehearsalError(
                f"{ctx.workload.where(f'{where}.valueFrom.{key}')}: {kind} {ctx.namespace}/{ref['name']} "
                f"{'has no key ' + repr(ref['key']) if found else 'does not exist'}: the pod would not start",
                fix=f"add the key to the {kind} in the stack or fix the reference",
            )
        return data[ref["key"]]
    if "fieldRef" in source:
        path = source["fieldRef"]["fieldPath"]
        fields = {
            "metadata.name": ctx.name,
            "metadata.namespace": ctx.namespace,
            "spec.serviceAccountName": ctx.spec.get("serviceAccountName", "default"),
            "spec.nodeName": "rehearsal-node",
            "status.podIP": "",  # known after start; no mlfleet workload reads it
        }
        label = re.match(r"metadata\.(labels|annotations)\['(.+)'\]", path)
        if label:
            return str((ctx.meta.get(label.group(1)) or {}).get(label.group(2), ""))
        if path in fields:
            return fields[path]
    if "resourceFieldRef" in source:
        resource = source["resourceFieldRef"]["resource"]
        section, _, name = resource.partition(".")
        return str((container.get("resources") or {}).get(section, {}).get(name, ""))
    raise RehearsalError(f"{ctx.workload.where(where)}: unsupported valueFrom {sorted(source)}")


def _write_files(
    target: Path, data: dict[str, str], items: list[dict[str, Any]] | None, mode: int, fs_group: int | None
) -> None:
    """A Secret/ConfigMap volume: one file per key (or per `items` entry), root-owned, `mode`. With an
    fsGroup the kubelet gives the files to that group and adds group read (SetVolumeOwnership's
    read-only mask 0440), so a non-root container can read a 0400 secret."""
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o755)
    chosen = (
        [(item["key"], item.get("path", item["key"])) for item in items] if items else [(k, k) for k in data]
    )
    for key, path in chosen:
        file = target / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(data[key])
        if fs_group is not None:
            os.chown(file, 0, fs_group)
            mode |= 0o440
        file.chmod(mode)


def volume_mounts(
    ctx: PodContext, container: dict[str, Any], objects: Objects
) -> tuple[list[str], list[str]]:
    """`podman run` volume flags for the container's mounts, and the substitutions made."""
    volumes = {v["name"]: v for v in ctx.spec.get("volumes") or []}
    security = ctx.spec.get("securityContext") or {}
    fs_group = security.get("fsGroup")
    flags: list[str] = []
    notes: list[str] = []
    for index, mount in enumerate(container.get("volumeMounts") or []):
        where = f"containers[{container['name']}].volumeMounts[{index}]"
        volume = volumes.get(mount["name"])
        if volume is None:
            raise RehearsalError(
                f"{ctx.workload.where(where)} names volume {mount['name']!r}, which the pod lacks"
            )
        path = mount["mountPath"]
        read_only = ",ro" if mount.get("readOnly") else ""
        host = ctx.volumes_dir / ctx.name / mount["name"]
        if "emptyDir" in volume:
            size = (volume["emptyDir"] or {}).get("sizeLimit")
            size_opt = f",size={quantity_bytes(size)}" if size else ""
            flags += ["--tmpfs", f"{path}:rw,mode=1777{size_opt}"]
            notes.append(f"emptyDir {mount['name']} -> tmpfs at {path} (sizeLimit {size or 'none'})")
        elif "secret" in volume or "configMap" in volume:
            kind, key = ("Secret", "secret") if "secret" in volume else ("ConfigMap", "configMap")
            ref = volume[key]
            ref_name = ref.get("secretName") or ref.get("name")
            found = objects.get(kind, ctx.namespace, ref_name)
            if found is None:
                raise RehearsalError(
                    f"{ctx.workload.where(where)}: {kind} {ctx.namespace}/{ref_name} does not exist in the "
                    "plan: the pod would stay in ContainerCreating",
                    fix=f"create the {kind} in the stack",
                )
            _write_files(
                host,
                secret_data(found),
                ref.get("items"),
                int(ref.get("defaultMode", 0o644)),
                None if fs_group is None else int(fs_group),
            )
            sub = mount.get("subPath")
            source = host / sub if sub else host
            flags += ["-v", f"{source}:{path}:ro"]
        elif "persistentVolumeClaim" in volume:
            host.mkdir(parents=True, exist_ok=True)
            if fs_group is not None:
                os.chown(host, 0, int(fs_group))
                host.chmod(0o2775)
            flags += ["-v", f"{host}:{path}{read_only or ''}"]
            notes.append(
                f"PersistentVolumeClaim {volume['persistentVolumeClaim']['claimName']} -> a local "
                f"directory owned by fsGroup {fs_group}"
            )
        else:
            raise RehearsalError(
                f"{ctx.workload.where(where)}: volume type {sorted(volume)} is not rehearsed"
            )
    for host_path, mount_path in ctx.injected_mounts:
        flags += ["-v", f"{host_path}:{mount_path}:ro"]
    return flags, notes


def security_flags(ctx: PodContext, container: dict[str, Any], image: ImageConfig) -> tuple[list[str], str]:
    """Flags for the pod + container securityContext, and the user the process runs as."""
    pod = ctx.spec.get("securityContext") or {}
    own = container.get("securityContext") or {}
    merged = {**pod, **own}
    flags: list[str] = []
    uid = merged.get("runAsUser")
    gid = merged.get("runAsGroup")
    user = str(uid) if uid is not None else (image.user or "0")
    if gid is not None:
        user = f"{user.split(':')[0]}:{gid}"
    if merged.get("runAsNonRoot") and user.split(":")[0] in ("0", "root", ""):
        raise RehearsalError(
            f"{ctx.workload.where('securityContext.runAsNonRoot')}: the image runs as root and no "
            "runAsUser is set: the kubelet refuses to start it (CreateContainerConfigError)",
            fix="set runAsUser to the image's non-root uid, or add USER to the Dockerfile",
        )
    if uid is not None or gid is not None:
        flags += ["--user", user]
    if pod.get("fsGroup") is not None:
        flags += ["--group-add", str(pod["fsGroup"])]
    for extra in pod.get("supplementalGroups") or []:
        flags += ["--group-add", str(extra)]
    if own.get("readOnlyRootFilesystem"):
        # --read-only-tmpfs=false: podman would otherwise mount writable /tmp, /run and /var/tmp, which a
        # pod with a read-only root filesystem does not have.
        flags += ["--read-only", "--read-only-tmpfs=false"]
    if own.get("allowPrivilegeEscalation") is False:
        flags += ["--security-opt", "no-new-privileges"]
    caps = own.get("capabilities") or {}
    for cap in caps.get("drop") or []:
        flags += ["--cap-drop", cap]
    for cap in caps.get("add") or []:
        flags += ["--cap-add", cap]
    if own.get("privileged"):
        flags.append("--privileged")
    seccomp = (merged.get("seccompProfile") or {}).get("type")
    if seccomp == "Unconfined":
        flags += ["--security-opt", "seccomp=unconfined"]
    return flags, user


def resource_flags(container: dict[str, Any]) -> tuple[list[str], list[str]]:
    limits = (container.get("resources") or {}).get("limits") or {}
    flags: list[str] = []
    notes: list[str] = []
    if "memory" in limits:
        flags += ["--memory", str(quantity_bytes(limits["memory"]))]
    if "cpu" in limits:
        flags += ["--cpus", f"{min(quantity_cpus(limits['cpu']), float(os.cpu_count() or 1)):g}"]
    for key in limits:
        if key not in ("cpu", "memory", "ephemeral-storage"):
            notes.append(
                f"limit {key}={limits[key]} dropped: this machine has no such device (runs on the CPU)"
            )
    return flags, notes


def container_run(
    ctx: PodContext,
    container: dict[str, Any],
    objects: Objects,
    image: ImageConfig,
    *,
    container_name: str,
    network: str,
    hosts: dict[str, str],
) -> ContainerRun:
    """`podman run` arguments for one container of the pod (detached; the caller adds limits)."""
    env = resolve_env(ctx, container, objects)
    command = effective_command(image, container.get("command"), container.get("args"))
    command = [expand(part, env) for part in command]
    if not command:
        raise RehearsalError(f"{ctx.workload.where('containers.command')}: the image has no ENTRYPOINT/CMD")
    security, user = security_flags(ctx, container, image)
    mounts, notes = volume_mounts(ctx, container, objects)
    limits, limit_notes = resource_flags(container)
    argv = ["--name", container_name, "--network", network, "--hostname", ctx.name[:63]]
    for host, ip in sorted(hosts.items()):
        argv += ["--add-host", f"{host}:{ip}"]
    for key, value in env.items():
        argv += ["--env", f"{key}={value}"]
    if container.get("workingDir"):
        argv += ["--workdir", container["workingDir"]]
    argv += [*security, *mounts, *limits]
    argv += ["--entrypoint", _json_list(command[:1]), container["image"], *command[1:]]
    return ContainerRun(argv, command, env, user, notes + limit_notes)


def _json_list(items: list[str]) -> str:
    import json

    return json.dumps(items)
