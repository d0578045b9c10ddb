"""Bad arguments raise ComponentArgumentError naming the argument and the fix."""

from __future__ import annotations

import pytest

from components.container_registry import ContainerRegistryArgs
from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs, encryption_key
from components.errors import ComponentArgumentError
from components.identities import GithubDeployer, IdentitiesArgs
from components.model_bucket import ModelBucketArgs, model_bucket
from components.target import CloudTarget
from mlfleet.engine.harness import run_program

CONTEXT = PlatformContext("mlfleet", "dev", "dev", "ml-platform", "cc-1234")


@pytest.mark.parametrize(
    ("build", "argument"),
    [
        (lambda: ModelBucketArgs(noncurrent_version_days=-1), "noncurrent_version_days"),
        (lambda: ModelBucketArgs(abort_multipart_days=0), "abort_multipart_days"),
        (lambda: ModelBucketArgs(prefix="/models/"), "prefix"),
        (lambda: ModelBucketArgs(allowed_networks=("not-a-network",)), "allowed_networks"),
        (lambda: EncryptionKeyArgs(rotation_days=30), "rotation_days"),
        (lambda: EncryptionKeyArgs(deletion_window_days=3), "deletion_window_days"),
        (lambda: ContainerRegistryArgs(untagged_expiry_days=-1), "untagged_expiry_days"),
        (lambda: ContainerRegistryArgs(images=("Serving!",)), "images"),
        (lambda: IdentitiesArgs(namespace="ML_Fleet"), "namespace"),
        (lambda: GithubDeployer("not-a-repo", branch="main"), "github.repository"),
        (lambda: GithubDeployer("org/repo"), "github.branch/github.environment"),
        (
            lambda: GithubDeployer("org/repo", branch="main", environment="prod"),
            "github.branch/github.environment",
        ),
    ],
)
def test_bad_arguments_are_named_with_a_fix(build, argument):
    with pytest.raises(ComponentArgumentError) as raised:
        build()
    assert raised.value.argument == argument
    assert "Fix:" in str(raised.value)


def test_unknown_cloud_is_refused():
    with pytest.raises(ComponentArgumentError, match="does not support") as raised:
        encryption_key("k", EncryptionKeyArgs(), CloudTarget(cloud="oracle", region="x"), CONTEXT)  # type: ignore[arg-type]
    assert raised.value.argument == "target.cloud"


def _bucket(cloud: str, replication_region: str) -> None:
    target = CloudTarget(cloud=cloud, region="us-east-1", project="p", resource_group_name="rg")  # type: ignore[arg-type]
    key = encryption_key("k", EncryptionKeyArgs(), target, CONTEXT)
    model_bucket("b", ModelBucketArgs(replication_region=replication_region), target, CONTEXT, key)


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_replication_to_the_primary_region_is_refused(cloud):
    with pytest.raises(ComponentArgumentError, match="is the primary region 'us-east-1'") as raised:
        run_program(lambda: _bucket(cloud, "US-EAST-1"))
    assert raised.value.argument == "replication_region"


def test_gcp_replication_must_form_a_dual_region():
    with pytest.raises(ComponentArgumentError, match="do not form a GCS dual-region") as raised:
        run_program(lambda: _bucket("gcp", "europe-west1"))
    assert raised.value.argument == "replication_region"


def test_a_key_from_another_cloud_is_refused():
    def program() -> None:
        gcp_key = encryption_key(
            "k", EncryptionKeyArgs(), CloudTarget(cloud="gcp", region="us-east1", project="p"), CONTEXT
        )
        model_bucket("b", ModelBucketArgs(), CloudTarget(cloud="aws", region="us-east-1"), CONTEXT, gcp_key)

    with pytest.raises(ComponentArgumentError, match="not a AwsEncryptionKey"):
        run_program(program)
