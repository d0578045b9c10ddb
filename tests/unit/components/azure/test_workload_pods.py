"""Azure workload pods: labelled for the Workload Identity webhook, and told the storage account.

The webhook mutates only pods labelled azure.workload.identity/use=true (required on the pod
template, not the ServiceAccount:
https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html);
without it no AZURE_FEDERATED_TOKEN_FILE is injected and DefaultAzureCredential finds nothing.
An az://container/prefix URL does not carry the account, so the registry library reads
AZURE_STORAGE_ACCOUNT_NAME."""

from __future__ import annotations

import pytest

from mlfleet.engine.harness import Plan, preview_stack


def _pod_templates(plan: Plan) -> dict[str, dict]:
    templates = {}
    for resource in plan.resources:
        spec = resource["inputs"].get("spec", {})
        if resource["type"] == "kubernetes:batch/v1:CronJob":
            spec = spec["jobTemplate"]["spec"]
        if resource["type"] in (
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:Job",
            "kubernetes:batch/v1:CronJob",
        ):
            container = spec["template"]["spec"]["containers"][0]["name"]
            templates[container] = spec["template"]
    return templates


def _env(template: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in template["spec"]["containers"][0].get("env", [])}


def test_azure_pods_use_workload_identity_and_name_the_storage_account() -> None:
    plan = preview_stack("azure-dev")
    (account,) = plan.of_type("azure-native:storage:StorageAccount")
    templates = _pod_templates(plan)
    assert set(templates) == {"serving", "trainer"}
    for template in templates.values():
        assert template["metadata"]["labels"]["azure.workload.identity/use"] == "true"
        env = _env(template)
        assert env["MLFLEET_REGISTRY"].startswith("az://")
        assert env["AZURE_STORAGE_ACCOUNT_NAME"] == account["inputs"]["accountName"]


@pytest.mark.parametrize("stack", ["dev", "gcp-dev", "local"])
def test_other_clouds_carry_no_azure_settings(stack: str) -> None:
    for template in _pod_templates(preview_stack(stack)).values():
        assert "azure.workload.identity/use" not in template["metadata"]["labels"]
        assert "AZURE_STORAGE_ACCOUNT_NAME" not in _env(template)
