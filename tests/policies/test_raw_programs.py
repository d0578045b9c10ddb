"""The pack on small programs of raw resources, one per cloud (tests/fixtures/programs/<cloud>), run
end to end as a user would: `mlfleet preview --cwd DIR --json plan`, then `mlfleet policy check --plan`.

Every `bad-*` resource draws its expected violation; every `clean-*` resource draws none. The clean
ones are labelled, tagged and placed only through provider configuration (gcp:defaultLabels, an
explicit AWS provider's defaultTags, kubernetes:namespace), and the Azure program is single-region
with clusters placed by azure-native:location: before default providers were recorded in plans, or
JSON provider settings parsed, or unknown regions ignored, these drew false violations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlfleet.cli import app

PROGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "programs"

# (rule, resource) per program: each must be reported.
EXPECTED = {
    "gcp": {
        ("gcp-iam-no-basic-roles", "bad-basic-role"),
        ("gcp-iam-no-public-members", "bad-public-topic"),
        ("gcp-iam-no-public-members", "bad-public-key-policy"),
        ("gcp-sql-no-public-ip", "bad-sql"),
        ("gcp-sql-no-open-authorized-networks", "bad-sql"),
        ("gcp-compute-no-public-ip", "bad-vm"),
        ("gcp-compute-no-serial-port", "bad-vm"),
        ("gcp-gke-no-legacy-abac", "bad-gke"),
    },
    "azure": {
        ("azure-aks-rbac-enabled", "bad-aks"),
        ("azure-keyvault-network-acls", "bad-vault"),
        ("azure-sql-no-open-firewall", "bad-sql-firewall"),
        ("azure-storage-default-network-deny", "bad-storage"),
        ("azure-vm-no-password-auth", "bad-vm"),
    },
    "kubernetes": {
        ("k8s-rbac-no-cluster-admin-binding", "bad-admin-binding"),
        ("k8s-rbac-no-wildcard-resources", "bad-wildcard-role"),
        ("k8s-no-node-port", "bad-nodeport"),
        ("k8s-ingress-tls", "bad-ingress"),
        ("k8s-no-secret-env-literals", "bad-secret-env"),
        ("k8s-no-privileged", "bad-privileged-rc"),
        ("k8s-no-host-path", "bad-host-path-pod"),
    },
    "aws": {
        ("aws-ebs-encrypted", "bad-volume"),
        ("aws-rds-not-public", "bad-db"),
        ("aws-lb-listener-tls", "bad-listener"),
        ("aws-lambda-no-public-url", "bad-function-url"),
        ("aws-ec2-no-public-ip", "bad-instance"),
    },
}


def preview_and_check(tmp_path: Path, cloud: str) -> tuple[dict, list[dict]]:
    runner = CliRunner()
    plan_path, report = tmp_path / "plan.json", tmp_path / "report.json"
    args = ["preview", "--cwd", str(PROGRAMS / cloud), "--stack", "demo", "--json", str(plan_path), "--quiet"]
    preview = runner.invoke(app, args)
    assert preview.exit_code == 0, preview.output
    check = runner.invoke(
        app, ["policy", "check", "--plan", str(plan_path), "--format", "json", "-o", str(report)]
    )
    assert check.exit_code == 1, check.output  # every program has mandatory flaws
    assert "Traceback" not in check.output
    return json.loads(plan_path.read_text()), json.loads(report.read_text())["stacks"][0]["violations"]


@pytest.mark.parametrize("cloud", sorted(EXPECTED))
def test_each_flaw_caught_and_each_clean_resource_silent(tmp_path: Path, cloud: str) -> None:
    plan, violations = preview_and_check(tmp_path, cloud)
    found = {(v["rule"], v["urn"].rsplit("::", 1)[-1]) for v in violations}
    assert sorted(EXPECTED[cloud] - found) == []
    clean = sorted(f"{rule} {name}" for rule, name in found if name.startswith("clean-"))
    assert clean == []
    # no stack-wide violation without a resource either (e.g. a false multi-region one)
    assert [v["message"] for v in violations if v["urn"].endswith("::")] == []
    assert [r["name"] for r in plan["resources"] if r["name"].startswith("clean-")]


def test_plans_record_default_providers_with_their_config(tmp_path: Path) -> None:
    plan, _ = preview_and_check(tmp_path, "gcp")
    gcp = plan["defaultProviders"]["gcp"]
    assert gcp["urn"].startswith("urn:pulumi:demo::raw-gcp::pulumi:providers:gcp::default_")
    assert gcp["inputs"]["project"] == "raw-project"
    # object-typed config reaches the provider as JSON text, as the engine passes it
    assert json.loads(gcp["inputs"]["defaultLabels"]) == {
        "environment": "dev",
        "owner": "data-team",
        "cost-center": "cc-9",
    }
