"""deploy.yml and drift.yml (docs/delivery.md): the promotion graph, one concurrency group per stack,
OIDC through the identities the stacks really create, the OIDC subject each job gets matching what
that identity trusts, the policy pack on every `pulumi up`, and the linters clean."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlfleet.engine.harness import preview_stack

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
ACTION = REPO / ".github" / "actions" / "pulumi-stack" / "action.yml"
BIN = Path(sys.executable).parent
ROLE = re.compile(r":role/([\w-]+)")


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads `on:` as True
    return data


def github_config(stack: str) -> dict[str, str] | None:
    config = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    return config.get("mlfleet:github")


DEPLOY = load("deploy.yml")
DRIFT = load("drift.yml")
JOBS: dict[str, dict[str, Any]] = DEPLOY["jobs"]
CLOUD_STACKS = sorted(
    p.name[7:-5] for p in (REPO / "stacks").glob("Pulumi.*.yaml") if github_config(p.name[7:-5])
)


def runs(job: dict[str, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def setup(job: dict[str, Any]) -> dict[str, str]:
    (step,) = [s for s in job["steps"] if s.get("uses") == "./.github/actions/pulumi-stack"]
    return step["with"]


@pytest.mark.parametrize(
    "command",
    [
        ["actionlint", str(WORKFLOWS / "deploy.yml"), str(WORKFLOWS / "drift.yml")],
        [
            "zizmor",
            "--offline",
            "--no-progress",
            str(WORKFLOWS / "deploy.yml"),
            str(WORKFLOWS / "drift.yml"),
            str(ACTION),
        ],
    ],
    ids=["actionlint", "zizmor"],
)
def test_linters_pass(command: list[str]) -> None:
    proc = subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_stack_with_a_deployer_is_deployed_and_checked_for_drift() -> None:
    deployed = {job["env"]["STACK"] for job in JOBS.values()}
    checked = {entry["stack"] for entry in DRIFT["jobs"]["drift"]["strategy"]["matrix"]["include"]}
    assert deployed == checked == set(CLOUD_STACKS)


def test_waves_dev_then_staging_then_prod() -> None:
    assert DEPLOY["on"]["push"] == {"branches": ["main"]} and "workflow_dispatch" in DEPLOY["on"]
    dev = {"dev", "gcp-dev", "azure-dev"}
    assert all("needs" not in JOBS[j] for j in dev)
    assert set(JOBS["staging"]["needs"]) == set(JOBS["staging-global"]["needs"]) == dev
    assert set(JOBS["prod"]["needs"]) == set(JOBS["prod-global"]["needs"]) == {"staging", "staging-global"}
    # The dr stack (AWS primary + Azure standby) follows the prod wave.
    assert set(JOBS["dr"]["needs"]) == {"prod", "prod-global"}
    assert JOBS["prod"]["environment"] == "production"


@pytest.mark.parametrize("job", sorted(JOBS))
def test_each_stack_deploys_alone_with_oidc_preview_first_and_policies(job: str) -> None:
    spec = JOBS[job]
    stack = spec["env"]["STACK"]
    assert spec["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
    assert spec["permissions"] == {"contents": "read", "id-token": "write"}
    preview, up = runs(spec)
    assert re.search(r"pulumi preview --stack \"\$\{STACK\}\" --diff --policy-pack", preview)
    assert re.search(r"pulumi up --stack \"\$\{STACK\}\" --yes .*--policy-pack", up)
    assert DEPLOY["env"]["POLICY_PACK"] == "policies" and (REPO / "policies" / "PulumiPolicy.yaml").exists()
    # The stack's pack config, where it has one (what `mlfleet policy check` applies).
    config = REPO / "policies" / "config" / f"{stack}.json"
    assert spec["env"].get("POLICY_CONFIG") == (f"policies/config/{stack}.json" if config.exists() else None)
    assert all('--policy-pack-config "${POLICY_CONFIG}"' in run for run in (preview, up))
    assert "secret" not in str(setup(spec)).lower()  # identities only: no keys


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_job_gets_the_oidc_subject_its_deployer_trusts(job: str) -> None:
    """A job with a GitHub environment gets `sub=repo:<r>:environment:<env>`, without one
    `repo:<r>:ref:refs/heads/main`: it must be what the stack file's mlfleet:github names."""
    spec = JOBS[job]
    github = github_config(spec["env"]["STACK"])
    assert github is not None
    if "environment" in github:
        assert spec.get("environment") == github["environment"]
    else:
        assert "environment" not in spec and github["branch"] == DEPLOY["on"]["push"]["branches"][0]


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_job_assumes_a_role_the_stack_creates(job: str) -> None:
    spec = JOBS[job]
    plan = preview_stack(spec["env"]["STACK"])
    roles = {r["inputs"].get("name") for r in plan.of_type("aws:iam/role:Role")}
    aws = setup(spec).get("aws-role-to-assume")
    assert (aws is not None) == bool(plan.of_type("aws:iam/role:Role"))
    if aws:
        (name,) = ROLE.findall(aws)
        assert name in roles and name.endswith("-id-deployer")
    assert ("gcp-workload-identity-provider" in setup(spec)) == bool(
        plan.of_type("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
    )
    assert ("azure-client-id" in setup(spec)) == bool(
        plan.of_type("azure-native:managedidentity:UserAssignedIdentity")
    )
    if "azure-client-id" in setup(spec):
        # azure-native authenticates with the OIDC token itself, kubelogin (AKS) through `az login`.
        assert spec["env"]["ARM_USE_OIDC"] == "true" and spec["env"]["AAD_LOGIN_METHOD"] == "azurecli"
        assert setup(spec)["azure-client-id"] == "${{ env.ARM_CLIENT_ID }}"


def test_drift_runs_daily_read_only_and_keeps_issues() -> None:
    assert "schedule" in DRIFT["on"] and "workflow_dispatch" in DRIFT["on"]
    job = DRIFT["jobs"]["drift"]
    assert job["environment"] == "drift"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    assert job["concurrency"]["group"] == "drift-${{ matrix.stack }}"  # never in a deploy's queue
    preview, script = runs(job)
    assert "--refresh --json > preview.json" in preview and "pulumi up" not in preview
    assert "scripts/drift_issue.py" in script and (REPO / "scripts" / "drift_issue.py").exists()
    for entry in job["strategy"]["matrix"]["include"]:
        if "aws-role" in entry:
            roles = {
                r["inputs"].get("name") for r in preview_stack(entry["stack"]).of_type("aws:iam/role:Role")
            }
            assert entry["aws-role"] in roles and entry["aws-role"].endswith("-id-drift")


def used_variables() -> set[str]:
    """Every repository variable and secret the two workflows read, with the drift matrix expanded."""
    names = set()
    for name in ("deploy.yml", "drift.yml"):
        text = (WORKFLOWS / name).read_text()
        names |= set(re.findall(r"(?:vars|secrets)\.([A-Z][A-Z0-9_]+)", text))
        for template, key in re.findall(r"vars\[format\('([A-Z_]+)\{0\}', matrix\.([a-z-]+)\)\]", text):
            entries = DRIFT["jobs"]["drift"]["strategy"]["matrix"]["include"]
            names |= {template + entry[key] for entry in entries if key in entry}
    return names


def test_every_variable_the_workflows_read_is_documented() -> None:
    page = (REPO / "docs" / "delivery.md").read_text()
    names = used_variables()
    assert {"AWS_ACCOUNT_ID", "PULUMI_ACCESS_TOKEN", "DRIFT_CLIENT_ID_AZURE_DEV"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in page)
    assert not missing, f"docs/delivery.md does not say how to set {missing}"


def test_gcp_jobs_get_the_plugin_the_gke_kubeconfig_execs() -> None:
    """The GKE kubeconfig (components/gcp/gke_cluster.py) execs gke-gcloud-auth-plugin; without it
    the deployer's in-cluster access (roles/container.admin) is unreachable from CI."""
    gke_kubeconfig = (REPO / "components" / "gcp" / "gke_cluster.py").read_text()
    assert '"command": "gke-gcloud-auth-plugin"' in gke_kubeconfig
    steps = yaml.safe_load(ACTION.read_text())["runs"]["steps"]
    (step,) = [
        s for s in steps if "gke-gcloud-auth-plugin" in s.get("with", {}).get("install_components", "")
    ]
    assert step["uses"].startswith("google-github-actions/setup-gcloud@")
    assert step["if"] == "inputs.gcp-workload-identity-provider != ''"
