"""The identity step: the trust chain from each pod to its cloud role, read from the real plans."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlfleet.engine.harness import REPO_ROOT
from mlfleet.rehearse.identity import check_identity
from mlfleet.rehearse.kube import KubeObject, Objects, kube_objects, pod_template
from mlfleet.rehearse.resolved import resolve_stack


def _checks(stack: str, mutate: Any = None) -> tuple[list[str], list[str]]:
    resolved = resolve_stack(REPO_ROOT, stack)
    cloud = resolved.outputs["cloud"]
    resources = copy.deepcopy(resolved.resources)
    if mutate:
        mutate(resources)
    objects = Objects(kube_objects(resources))
    faults: list[str] = []
    notes: list[str] = []
    for workload in objects.workloads():
        meta, spec = pod_template(workload)
        account = objects.get(
            "ServiceAccount", workload.namespace, spec.get("serviceAccountName") or "default"
        )
        found, said = check_identity(cloud, resources, workload, meta, account)
        faults += found
        notes += said
    return faults, notes


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "azure-dev"])
def test_every_cloud_stack_binds_its_pods_to_a_trusting_identity(stack: str) -> None:
    faults, notes = _checks(stack)
    assert faults == []
    assert len(notes) == 2  # trainer and serving


def _account(resources: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(
        r
        for r in resources
        if r["type"] == "kubernetes:core/v1:ServiceAccount" and r["inputs"]["metadata"]["name"] == name
    )


def test_an_irsa_annotation_shadowing_pod_identity_is_a_fault() -> None:
    def annotate(resources: list[dict[str, Any]]) -> None:
        role = next(
            r for r in resources if r["type"] == "aws:iam/role:Role" and r["name"].endswith("serving")
        )
        _account(resources, "serving")["inputs"]["metadata"]["annotations"] = {
            "eks.amazonaws.com/role-arn": role["outputs"]["arn"]
        }

    faults, _ = _checks("dev", annotate)
    assert len(faults) == 1
    assert "AssumeRoleWithWebIdentity is denied" in faults[0]
    assert "ServiceAccount mlfleet/serving" in faults[0]


def test_a_gke_binding_for_another_namespace_is_a_fault() -> None:
    def rebind(resources: list[dict[str, Any]]) -> None:
        for r in resources:
            if r["type"] == "gcp:serviceaccount/iAMMember:IAMMember" and r["name"].endswith("serving-wi"):
                r["inputs"]["member"] = r["inputs"]["member"].replace("[mlfleet/", "[other/")

    faults, _ = _checks("gcp-dev", rebind)
    assert len(faults) == 1 and "no member ending in [mlfleet/serving]" in faults[0]


def test_an_unlabelled_azure_pod_gets_no_credential() -> None:
    def unlabel(resources: list[dict[str, Any]]) -> None:
        for r in resources:
            if r["type"] == "kubernetes:apps/v1:Deployment" and r["name"].endswith("serving"):
                r["inputs"]["spec"]["template"]["metadata"]["labels"].pop("azure.workload.identity/use")

    faults, _ = _checks("azure-dev", unlabel)
    assert len(faults) == 1 and "azure.workload.identity/use" in faults[0]


def test_no_service_account_is_a_fault() -> None:
    workload = KubeObject("Deployment", "web", "ns", {"metadata": {}}, "web")
    faults, _ = check_identity("aws", [], workload, {}, None)
    assert "spec.serviceAccountName" in faults[0]


def test_a_stack_that_does_not_preview_fails_the_plan_step_with_the_preview_message(tmp_path) -> None:
    """No podman needed: the plan step comes first and names the problem (no traceback, no bug report)."""
    from mlfleet.rehearse.runner import Rehearsal

    report = Rehearsal(REPO_ROOT, "no-such-stack", workdir=tmp_path).run()
    assert not report.ok
    (step,) = report.steps
    assert step.name == "plan" and "no-such-stack" in (step.fault or "")
    assert "mlfleet bug" not in (step.fix or "")
