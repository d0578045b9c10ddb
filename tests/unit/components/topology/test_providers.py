"""Providers are created once per (cloud, region) by the topology's provider factory and passed to
the blocks; no block constructs a provider (issue 13)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from components.context import PlatformContext
from components.errors import ComponentArgumentError
from components.model_bucket import ModelBucketArgs, model_bucket
from components.target import CloudTarget
from mlfleet.engine.harness import REPO_ROOT, preview_stack, run_program

FACTORY = Path("components/topology/providers.py")
PROVIDER_PACKAGES = (
    "pulumi_aws",
    "pulumi_gcp",
    "pulumi_azure_native",
    "pulumi_kubernetes",
    "pulumi_random",
    "pulumi_tls",
)


def provider_constructions(path: Path) -> list[int]:
    """Lines of `<pulumi_* module or alias>.Provider(...)` and `Provider(...)` imported from one."""
    tree = ast.parse(path.read_text(), str(path))
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported = [a for a in node.names if a.name.split(".")[0] in PROVIDER_PACKAGES]
            modules.update(a.asname or a.name for a in imported)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROVIDER_PACKAGES:
            names.update(a.asname or a.name for a in node.names if a.name == "Provider")
            modules.update(a.asname or a.name for a in node.names if a.name != "Provider")
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "Provider":
            root = func.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules:
                lines.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id in names:
            lines.append(node.lineno)
    return lines


def test_no_block_constructs_a_provider() -> None:
    found = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in sorted((REPO_ROOT / "components").rglob("*.py"))
        if path.relative_to(REPO_ROOT) != FACTORY and (lines := provider_constructions(path))
    }
    assert found == {}, f"blocks construct providers (create them in {FACTORY} and pass them down): {found}"


def test_the_scan_sees_every_spelling(tmp_path: Path) -> None:
    sample = tmp_path / "block.py"
    sample.write_text(
        "import pulumi_aws as aws\nimport pulumi_kubernetes\nfrom pulumi_gcp import Provider as P\n"
        "a = aws.Provider('a')\nb = pulumi_kubernetes.Provider('b')\nc = P('c')\n"
        "d = aws.iam.OpenIdConnectProvider('d')\n"
    )
    assert provider_constructions(sample) == [4, 5, 6]
    assert provider_constructions(REPO_ROOT / FACTORY)  # the factory itself is seen


def providers_of(stack: str) -> Counter[tuple[str, str]]:
    plan = preview_stack(stack)
    return Counter(
        (r["type"], r["inputs"].get("region") or r["inputs"].get("location") or "")
        for r in plan.resources
        if r["type"].startswith("pulumi:providers:") and r["type"] != "pulumi:providers:kubernetes"
    )


@pytest.mark.parametrize("stack", ["dev", "prod", "gcp-dev", "azure-dev"])
def test_one_provider_per_cloud_region(stack: str) -> None:
    assert all(count == 1 for count in providers_of(stack).values())


def test_prod_replica_region_provider_is_the_topologys_with_an_alias_to_where_it_was() -> None:
    plan = preview_stack("prod")
    replica = plan.named("mlfleet-prod-aws-us-west-2")
    assert replica["parent"].endswith("pulumi:pulumi:Stack::mlfleet-prod")
    assert replica["aliases"] == [
        "urn:pulumi:prod::mlfleet::mlfleet:aws:ModelBucket$pulumi:providers:aws::mlfleet-prod-models-us-west-2"
    ]
    buckets = plan.of_type("aws:s3/bucket:Bucket")
    [bucket] = [b for b in buckets if b["name"] == "mlfleet-prod-models-us-west-2"]
    assert bucket["provider"].startswith(replica["urn"] + "::")
    providers = [r["urn"] for r in plan.resources if r["type"].startswith("pulumi:providers:")]
    assert not [urn for urn in providers if "ModelBucket" in urn]


def test_aws_replication_needs_the_replica_regions_target() -> None:
    context = PlatformContext("mlfleet", "dev", "dev", "o", "c")

    def program() -> None:
        from components.encryption_key import EncryptionKeyArgs, encryption_key

        target = CloudTarget("aws", "us-east-1")
        key = encryption_key("k", EncryptionKeyArgs(), target, context)
        model_bucket("b", ModelBucketArgs(replication_region="us-west-2"), target, context, key)

    with pytest.raises(ComponentArgumentError, match="replica_target") as raised:
        run_program(program, check=False)
    assert "Providers.target" in raised.value.fix
