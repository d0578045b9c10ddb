"""AWS identities: least-privilege workload roles (IRSA / Pod Identity) and the GitHub OIDC deployer."""

from __future__ import annotations

import pulumi

from components.aws.identities import AwsIdentities
from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs, encryption_key
from components.identities import IdentitiesArgs, identities
from components.model_bucket import ModelBucketArgs, model_bucket
from components.target import CloudTarget
from mlfleet.engine.harness import run_program
from tests.unit.components.plans import as_list, statements, typed

CONTEXT = PlatformContext("mlfleet", "dev", "dev", "ml-platform", "cc-1234")
UNSCOPABLE = {
    "kms:CreateKey",
    "kms:ListAliases",
    "ecr:GetAuthorizationToken",
    "iam:ListOpenIDConnectProviders",
    "sts:GetCallerIdentity",
}


def _actions(plan):
    for policy in plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in statements(policy):
            yield policy["name"], statement


def test_no_wildcard_actions_and_star_resources_only_where_aws_cannot_scope(prod_plan):
    for name, statement in _actions(prod_plan):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), (name, action)
        if "*" in as_list(statement["Resource"]):
            # ec2:Describe* support no resource-level permissions (Service Authorization Reference).
            scoped = {a for a in as_list(statement["Action"]) if not a.startswith("ec2:Describe")}
            assert scoped <= UNSCOPABLE, (name, statement)


def test_serving_only_reads_the_registry_prefix_trainer_also_writes(dev_plan):
    serving = statements(typed(dev_plan, "aws:iam/rolePolicy:RolePolicy", "mlfleet-dev-id-serving"))
    trainer = statements(typed(dev_plan, "aws:iam/rolePolicy:RolePolicy", "mlfleet-dev-id-trainer"))
    serving_actions = {a for s in serving for a in as_list(s["Action"])}
    assert not {a for a in serving_actions if a.startswith("s3:Put") or a.startswith("s3:Delete")}
    assert "s3:PutObject" in {a for s in trainer for a in as_list(s["Action"])}
    objects = {r for s in trainer for r in as_list(s["Resource"]) if r.startswith("arn:aws:s3")}
    assert objects == {"arn:aws:s3:::mlfleet-dev-models", "arn:aws:s3:::mlfleet-dev-models/models/*"}
    listing = next(s for s in serving if "s3:ListBucket" in as_list(s["Action"]))
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["models/*", "models"]


def test_without_a_cluster_roles_trust_eks_pod_identity(dev_plan):
    for workload in ("trainer", "serving", "registry-sync"):
        trust = statements(
            typed(dev_plan, "aws:iam/role:Role", f"mlfleet-dev-id-{workload}"), "assumeRolePolicy"
        )
        assert trust[0]["Principal"] == {"Service": "pods.eks.amazonaws.com"}


def test_github_deployer_trusts_one_repository_and_branch(dev_plan, prod_plan):
    oidc = typed(dev_plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "mlfleet-dev-id-github")[
        "inputs"
    ]
    assert oidc["url"] == "https://token.actions.githubusercontent.com"
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"]
    condition = statements(
        typed(dev_plan, "aws:iam/role:Role", "mlfleet-dev-id-deployer"), "assumeRolePolicy"
    )[0]["Condition"]["StringEquals"]
    assert condition == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:example-org/mlfleet:ref:refs/heads/main",
    }
    prod = statements(typed(prod_plan, "aws:iam/role:Role", "mlfleet-prod-id-deployer"), "assumeRolePolicy")
    assert prod[0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        "repo:example-org/mlfleet:environment:production"
    )


def test_with_a_cluster_each_role_trusts_exactly_its_service_account_via_irsa():
    issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    provider_arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    built: dict[str, AwsIdentities] = {}

    def program() -> None:
        target = CloudTarget(cloud="aws", region="us-east-1")
        key = encryption_key("k", EncryptionKeyArgs(), target, CONTEXT)
        bucket = model_bucket("mlfleet-dev-models", ModelBucketArgs(), target, CONTEXT, key)
        args = IdentitiesArgs(namespace="ml", oidc_issuer_url=issuer, oidc_provider_arn=provider_arn)
        result = identities("ids", args, target, CONTEXT, bucket)
        assert isinstance(result, AwsIdentities)
        built["ids"] = result
        pulumi.export("annotations", {w: i.annotations for w, i in result.workloads.items()})

    plan = run_program(program)
    trust = statements(typed(plan, "aws:iam/role:Role", "ids-serving"), "assumeRolePolicy")[0]
    host = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    assert trust["Principal"] == {"Federated": provider_arn}
    assert trust["Condition"]["StringEquals"] == {
        f"{host}:sub": "system:serviceaccount:ml:serving",
        f"{host}:aud": "sts.amazonaws.com",
    }
    role_arn = typed(plan, "aws:iam/role:Role", "ids-serving")["outputs"]["arn"]
    assert plan.outputs["annotations"]["serving"] == {"eks.amazonaws.com/role-arn": role_arn}
    assert built["ids"].deployer is None
    assert plan.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
