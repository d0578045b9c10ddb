"""Battery for the Kubernetes Pod Security ("restricted") and workload rules."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import Case, res
from tests.policies.kubernetes.workloads import c0, deployment

CASES = [
    Case(
        "k8s-run-as-non-root",
        [deployment()],
        [deployment(lambda s: s.pop("securityContext"))],
        "may run as root",
    ),
    Case(
        "k8s-no-privilege-escalation",
        [deployment()],
        [deployment(lambda s: c0(s)["securityContext"].pop("allowPrivilegeEscalation"))],
        "allowPrivilegeEscalation",
    ),
    Case(
        "k8s-no-privileged",
        [deployment()],
        [deployment(lambda s: c0(s)["securityContext"].update(privileged=True))],
        "is privileged",
    ),
    Case(
        "k8s-read-only-root-fs",
        [deployment()],
        [deployment(lambda s: c0(s)["securityContext"].pop("readOnlyRootFilesystem"))],
        "writable root",
    ),
    Case(
        "k8s-drop-capabilities",
        [deployment()],
        [deployment(lambda s: c0(s)["securityContext"].pop("capabilities"))],
        "drop ALL",
    ),
    Case(
        "k8s-seccomp",
        [deployment()],
        [deployment(lambda s: s["securityContext"].pop("seccompProfile"))],
        "seccomp profile",
    ),
    Case(
        "k8s-resource-limits", [deployment()], [deployment(lambda s: c0(s).pop("resources"))], "limits.memory"
    ),
    Case(
        "k8s-gpu-limits",
        [
            deployment(
                lambda s: (
                    s.update(tolerations=[{"key": "nvidia.com/gpu"}]),
                    c0(s)["resources"]["limits"].update({"nvidia.com/gpu": 1}),
                )
            )
        ],
        [deployment(lambda s: s.update(tolerations=[{"key": "nvidia.com/gpu"}]))],
        "nvidia.com/gpu",
    ),
    Case("k8s-probes", [deployment()], [deployment(lambda s: c0(s).pop("livenessProbe"))], "livenessProbe"),
    Case(
        "k8s-image-pinned",
        [deployment()],
        [deployment(lambda s: c0(s).update(image="ghcr.io/o/serving:latest"))],
        "not pinned",
    ),
    Case(
        "k8s-no-host-namespaces",
        [deployment()],
        [deployment(lambda s: s.update(hostNetwork=True))],
        "hostNetwork",
    ),
    Case(
        "k8s-no-host-path",
        [deployment()],
        [deployment(lambda s: s.update(volumes=[{"name": "h", "hostPath": {"path": "/var"}}]))],
        "hostPath",
    ),
    Case(
        "k8s-no-default-namespace",
        [deployment()],
        [res("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "cm"}})],
        "default namespace",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
