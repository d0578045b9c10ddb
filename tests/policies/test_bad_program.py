"""The pack works on any Pulumi program: a hand-written program that uses raw provider resources
badly (tests/fixtures/bad_program) is previewed with `mlfleet preview --cwd`, then
`mlfleet policy check --plan` must report every expected violation and exit non-zero."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from mlfleet.cli import app

PROGRAM = Path(__file__).resolve().parents[1] / "fixtures" / "bad_program"

# (rule, resource name, mandatory?) that must be reported.
EXPECTED = {
    ("aws-s3-public-access-block", "public-data-pab", True),
    ("aws-s3-no-public-acl", "public-data-acl", True),
    ("aws-s3-kms-encryption", "public-data", True),
    ("aws-s3-tls-only", "public-data", True),
    ("aws-s3-access-logging", "public-data", False),
    ("aws-iam-no-wildcard-actions", "god-mode", True),
    ("aws-iam-no-wildcard-resources", "god-mode", False),
    ("aws-kms-key-rotation", "no-rotation", True),
    ("aws-ec2-no-public-ingress", "ssh-open", True),
    ("gcp-storage-no-public-iam", "shared-public", True),
    ("gcp-storage-public-access-prevention", "shared", True),
    ("gcp-storage-cmek", "shared", True),
    ("gcp-gke-workload-identity", "gke", True),
    ("gcp-gke-private-endpoint", "gke", True),
    ("gcp-gke-secrets-encryption", "gke", True),
    ("gcp-gke-network-policy", "gke", False),
    ("azure-storage-no-public-access", "openblobs", True),
    ("azure-storage-tls-only", "openblobs", True),
    ("azure-storage-cmk", "openblobs", True),
    ("k8s-no-privileged", "node-agent", True),
    ("k8s-no-host-namespaces", "node-agent", True),
    ("k8s-run-as-non-root", "node-agent", True),
    ("k8s-no-privilege-escalation", "node-agent", True),
    ("k8s-drop-capabilities", "node-agent", True),
    ("k8s-seccomp", "node-agent", True),
    ("k8s-image-pinned", "node-agent", False),
    ("k8s-no-default-namespace", "node-agent", False),
    ("k8s-network-policy-per-namespace", "node-agent", False),
    ("required-tags", "ssh-open", False),
    ("required-tags", "shared", False),
    ("required-tags", "openblobs", False),
}


def test_bad_program_gets_every_violation(tmp_path: Path) -> None:
    runner = CliRunner()
    plan = tmp_path / "plan.json"
    preview = runner.invoke(
        app, ["preview", "--cwd", str(PROGRAM), "--stack", "demo", "--json", str(plan), "--quiet"]
    )
    assert preview.exit_code == 0, preview.output
    report = tmp_path / "report.json"
    check = runner.invoke(
        app, ["policy", "check", "--plan", str(plan), "--format", "json", "-o", str(report)]
    )
    assert check.exit_code == 1, check.output
    assert "Traceback" not in check.output
    violations = json.loads(report.read_text())["stacks"][0]["violations"]
    found = {(v["rule"], v["urn"].rsplit("::", 1)[-1], v["enforcement"] == "mandatory") for v in violations}
    assert sorted(EXPECTED - found) == []
    print(f"{len(violations)} violations, {sum(v[2] for v in found)} mandatory kinds")
