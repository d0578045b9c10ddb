"""The hardened pod and container settings every mlfleet workload uses (Pod Security `restricted`)."""

from __future__ import annotations

import pulumi_kubernetes as k8s

# A fixed non-root uid/gid: the images create this user, and volumes become group-writable for it.
RUN_AS_USER = 10001


def pod_security_context() -> k8s.core.v1.PodSecurityContextArgs:
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=RUN_AS_USER,
        run_as_group=RUN_AS_USER,
        fs_group=RUN_AS_USER,
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context() -> k8s.core.v1.SecurityContextArgs:
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        run_as_non_root=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def scratch_volume() -> tuple[k8s.core.v1.VolumeArgs, k8s.core.v1.VolumeMountArgs]:
    """A memory-capped emptyDir at /tmp: the only writable path of a read-only root filesystem."""
    volume = k8s.core.v1.VolumeArgs(
        name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="256Mi")
    )
    return volume, k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")  # noqa: S108


def resources(cpu: str, memory: str, gpus: int = 0) -> k8s.core.v1.ResourceRequirementsArgs:
    """Requests equal to limits for memory (no OOM surprises), CPU limit twice the request."""
    limits: dict[str, str] = {"cpu": _double_cpu(cpu), "memory": memory}
    if gpus:
        limits["nvidia.com/gpu"] = str(gpus)
    return k8s.core.v1.ResourceRequirementsArgs(requests={"cpu": cpu, "memory": memory}, limits=limits)


def _double_cpu(cpu: str) -> str:
    if cpu.endswith("m"):
        return f"{int(cpu[:-1]) * 2}m"
    return f"{int(float(cpu) * 2000)}m"
