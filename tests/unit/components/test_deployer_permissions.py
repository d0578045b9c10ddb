"""The CI deployer of every stack can manage every resource type in that stack's plan, on every cloud.

Each cloud has one table (Pulumi type token -> permissions): components/{aws,gcp,azure}/
deployer_permissions.py. The deployer's policy in the plan (AWS inline role policy, GCP custom role,
Azure custom role definition) is generated from it. These tests run every cloud stack's plan and
name each type its deployer cannot manage, with the fix."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import deployer_types
from components.aws import deployer_permissions as aws_table
from components.aws.identities import AwsIdentities
from components.azure import deployer_permissions as azure_table
from components.context import PlatformContext
from components.encryption_key import EncryptionKeyArgs, encryption_key
from components.errors import ComponentArgumentError
from components.gcp import deployer_permissions as gcp_table
from components.identities import GithubDeployer, IdentitiesArgs, identities
from components.model_bucket import ModelBucketArgs, model_bucket
from components.target import CloudTarget
from mlfleet.engine.harness import Plan, preview_stack, run_program

REPO = Path(__file__).resolve().parents[3]
CLOUD_STACKS = ("dev", "staging", "prod", "staging-global", "gcp-dev", "azure-dev")
TABLES = {
    "aws": ("aws:", "components/aws/deployer_permissions.py TYPE_GRANTS", aws_table.TYPE_GRANTS),
    "gcp": ("gcp:", "components/gcp/deployer_permissions.py TYPE_PERMISSIONS", gcp_table.TYPE_PERMISSIONS),
    "azure": (
        "azure-native:",
        "components/azure/deployer_permissions.py TYPE_ACTIONS",
        azure_table.TYPE_ACTIONS,
    ),
}
DEPLOYER_POLICY = {
    "aws": "aws:iam/rolePolicy:RolePolicy",
    "gcp": "gcp:projects/iAMCustomRole:IAMCustomRole",
    "azure": "azure-native:authorization:RoleDefinition",
}


def deployers(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The deployer policy resources in the plan, by cloud (one per cell)."""
    return {
        cloud: [r for r in plan.of_type(token) if r["name"].endswith("-id-deployer")]
        for cloud, token in DEPLOYER_POLICY.items()
    }


def aws_allows(statements: list[dict[str, Any]], grant: aws_table.Grant, prefix: str) -> bool:
    """Some statement allows every action of `grant` on its scope under its condition."""
    wanted = [pattern.format(prefix=prefix) for pattern in aws_table.SCOPES[grant.scope]]
    condition = aws_table.condition(grant.condition, prefix)
    for action in grant.actions:
        if not any(
            s["Effect"] == "Allow"
            and any(fnmatch.fnmatchcase(action, a) for a in s["Action"])
            and set(wanted) <= set(s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
            and s.get("Condition", {}) == condition
            for s in statements
        ):
            return False
    return True


def granted(cloud: str, resource: dict[str, Any], key: str = "actions") -> set[str] | list[dict[str, Any]]:
    """AWS statements, GCP permissions, or Azure actions (`key="dataActions"`: Azure data actions)."""
    inputs = resource["inputs"]
    if cloud == "aws":
        return json.loads(inputs["policy"])["Statement"]
    if cloud == "gcp":
        return set(inputs["permissions"])
    return {a for permission in inputs["permissions"] for a in permission.get(key, [])}


def unmanaged(plan: Plan) -> list[str]:
    """One line per resource type of the plan that a deployer of the plan cannot manage."""
    types = {r["type"] for r in plan.resources}
    problems = []
    for cloud, policies in deployers(plan).items():
        prefix, table_name, table = TABLES[cloud]
        own = sorted(t for t in types if t.startswith(prefix))
        if not own:
            continue
        if not policies:
            problems.append(f"{cloud}: the plan has {cloud} resources but no deployer policy")
            continue
        needs_cluster = any(t.startswith("kubernetes:") for t in types)
        for token in own:
            if token in table:
                continue
            if cloud == "gcp" and token in gcp_table.OUTSIDE_PROJECT:
                continue
            problems.append(
                f"{token}: no row in {table_name}; add the permissions its create/read/update/delete "
                "need (from the provider's service authorization reference) to that table"
            )
        for resource in policies:
            have = granted(cloud, resource)
            if cloud == "aws":
                assert isinstance(have, list)
                role_prefix = resource["name"].removesuffix("-id-deployer")
                grants = aws_table.grants_for([*own, *(["kubernetes:"] if needs_cluster else [])])
                missing = [g for g in grants if not aws_allows(have, g, role_prefix)]
                problems += [
                    f"{resource['name']}: policy lacks {g.actions} on {g.scope}; "
                    "generate it with deployer_permissions.statements()"
                    for g in missing
                ]
                continue
            assert isinstance(have, set)
            module = gcp_table.permissions if cloud == "gcp" else azure_table.actions
            need = set(module([*own, *(["kubernetes:"] if needs_cluster else [])]))
            if cloud == "azure":  # Kubernetes objects: Azure RBAC data actions on the cluster
                have = have | {f"data:{a}" for a in granted(cloud, resource, "dataActions")}
                need |= {
                    f"data:{a}"
                    for a in azure_table.data_actions([*own, *(["kubernetes:"] if needs_cluster else [])])
                }
            if need - have:
                problems.append(
                    f"{resource['name']}: role lacks {sorted(need - have)}; generate it from the table"
                )
    return problems


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_deployer_manages_every_type_in_the_plan(stack: str) -> None:
    problems = unmanaged(preview_stack(stack))
    assert not problems, f"stack {stack}: the deployer cannot manage:\n  " + "\n  ".join(problems)


def test_a_type_without_a_row_is_named_with_the_fix() -> None:
    """The check is really looking: a new AWS type, and a policy narrowed by hand, are both reported."""
    plan = preview_stack("dev")
    added = {"type": "aws:sagemaker/domain:Domain", "name": "mlfleet-dev-studio", "inputs": {}, "urn": "u"}
    problems = unmanaged(Plan({**plan.data, "resources": [*plan.resources, added]}))
    assert len(problems) == 1 and problems[0].startswith("aws:sagemaker/domain:Domain: no row in")
    assert "components/aws/deployer_permissions.py TYPE_GRANTS" in problems[0]

    narrowed = []
    for r in plan.resources:
        if r["type"] == DEPLOYER_POLICY["aws"] and r["name"].endswith("-id-deployer"):
            document = json.loads(r["inputs"]["policy"])
            document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "Queues"]
            r = {**r, "inputs": {**r["inputs"], "policy": json.dumps(document)}}
        narrowed.append(r)
    problems = unmanaged(Plan({**plan.data, "resources": narrowed}))
    assert problems and all("Queues" in p for p in problems), problems


def test_every_row_is_used_by_some_stack() -> None:
    """No dead privilege: each table row is a type some cloud stack's plan creates."""
    used = {r["type"] for stack in CLOUD_STACKS for r in preview_stack(stack).resources}
    for _, table_name, table in TABLES.values():
        dead = sorted(set(table) - used)
        assert not dead, f"{table_name}: no stack creates {dead}; remove those rows"
    assert set(gcp_table.OUTSIDE_PROJECT) <= used


@pytest.mark.parametrize("stack", ["dev", "prod", "staging-global"])
def test_the_deployer_may_attach_only_the_managed_policies_the_program_attaches(stack: str) -> None:
    attached = {
        r["inputs"]["policyArn"]
        for r in preview_stack(stack).of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached, stack
    extra = attached - set(aws_table.ATTACHABLE_POLICIES)
    assert not extra, (
        f"{stack} attaches {sorted(extra)}: add them to ATTACHABLE_POLICIES in {TABLES['aws'][1]}"
    )


def test_aws_deployer_policy_fits_the_inline_policy_limit() -> None:
    """IAM's aggregate inline policy size per role is 10,240 characters (whitespace not counted,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
    document = {"Version": "2012-10-17", "Statement": aws_table.statements("mlfleet-staging-global-use1")}
    assert len(json.dumps(document, separators=(",", ":"))) < 10_240


def test_deployer_grants_are_scoped() -> None:
    """Resource '*' only for the unscopable actions; tag conditions where ids are random."""
    for statement in aws_table.statements("mlfleet-dev"):
        if statement["Resource"] == ["*"]:
            assert set(statement["Action"]) <= {
                "sts:GetCallerIdentity",
                "kms:CreateKey",
                "kms:ListAliases",
            } | {a for a in statement["Action"] if a.startswith("ec2:Describe")}, statement
        elif "Tagged" in statement["Sid"] or "OnCreate" in statement["Sid"]:
            assert statement["Condition"], statement
        else:
            assert all(
                "mlfleet-dev-" in r or "route53" in r or "oidc-provider" in r for r in statement["Resource"]
            )


def test_outside_project_grants_are_documented() -> None:
    """What the GCP custom role cannot grant is on the bootstrap page, where the admin does it once."""
    page = (REPO / "docs" / "delivery.md").read_text()
    for grant in gcp_table.OUTSIDE_PROJECT.values():
        role = grant.split()[0]  # e.g. roles/billing.costsManager
        assert f"`{role}` on the billing account" in page, role


READS = {
    "aws": lambda a: a.split(":", 1)[1].startswith(("Get", "Describe", "List", "View")),
    "gcp": gcp_table.is_read,
    "azure": azure_table.is_read,
}


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_drift_reader_only_reads_what_the_deployer_manages(stack: str) -> None:
    """The drift workflow's identity (one per deployer) holds exactly the reads of the deployer's grants."""
    plan = preview_stack(stack)
    for cloud, token in DEPLOYER_POLICY.items():
        for deployer in deployers(plan)[cloud]:
            name = deployer["name"].removesuffix("-deployer") + "-drift"
            (reader,) = [r for r in plan.of_type(token) if r["name"] == name]
            have, full = granted(cloud, reader), granted(cloud, deployer)
            if cloud == "aws":
                assert isinstance(have, list) and isinstance(full, list)
                have = {a for s in have for a in s["Action"]}
                full = {a for s in full for a in s["Action"]}
            assert have, name
            assert all(READS[cloud](a) for a in have), sorted(a for a in have if not READS[cloud](a))
            assert have == {a for a in full if READS[cloud](a)}, name
            if cloud == "azure":
                assert granted(cloud, reader, "dataActions") == set(azure_table.CLUSTER_READ_DATA_ACTIONS)
                assert granted(cloud, deployer, "dataActions") == set(azure_table.CLUSTER_DATA_ACTIONS)


KINDS = {"aws": ("aws:",), "gcp": ("gcp:",), "azure": ("azure-native:",)}


def generated(cloud: str, name: str, types: list[str], read_only: bool) -> Any:
    """What the table generates for exactly `types` (the form the plan holds)."""
    if cloud == "aws":
        prefix = name.removesuffix("-id-drift").removesuffix("-id-deployer")
        return json.loads(aws_table.document(prefix, types, read_only))
    if cloud == "gcp":
        return gcp_table.permissions(types, read_only)
    return {
        "actions": azure_table.actions(types, read_only),
        "dataActions": azure_table.data_actions(types, read_only),
    }


def held(cloud: str, resource: dict[str, Any]) -> Any:
    inputs = resource["inputs"]
    if cloud == "aws":
        return json.loads(inputs["policy"])
    if cloud == "gcp":
        return inputs["permissions"]
    (permission,) = inputs["permissions"]
    return {"actions": permission["actions"], "dataActions": permission.get("dataActions", [])}


@pytest.mark.parametrize("stack", CLOUD_STACKS)
def test_each_stack_gets_no_more_than_its_own_types_need(stack: str) -> None:
    """Per stack, not per program: the deployer and drift policies are generated from the types this
    stack's plan holds (dev has no S3 replication, so its deployer cannot configure one; prod can)."""
    plan = preview_stack(stack)
    types = {r["type"] for r in plan.resources}
    for cloud, token in DEPLOYER_POLICY.items():
        own = sorted(t for t in types if t.startswith((*KINDS[cloud], "kubernetes:")))
        for resource in plan.of_type(token):
            for suffix, read_only in (("-id-deployer", False), ("-id-drift", True)):
                if resource["name"].endswith(suffix):
                    assert held(cloud, resource) == generated(cloud, resource["name"], own, read_only)
    replication = "s3:PutReplicationConfiguration"
    assert (replication in json.dumps(held("aws", _deployer(plan)))) == (stack == "prod")


def _deployer(plan: Plan) -> dict[str, Any]:
    found = deployers(plan)["aws"]
    return found[0] if found else {"inputs": {"policy": "{}"}}


def test_outside_the_program_a_block_gets_the_whole_table() -> None:
    assert deployer_types.registered_types("aws:") is None
    assert deployer_types.derived(lambda types: types, "aws:") is None  # policy(None): every row


def aws_identities_recorded(fail: bool = False) -> None:
    """A program of the storage blocks and AWS identities (with a deployer) inside `recording()`."""
    context = PlatformContext("mlfleet", "dev", "dev", "ml-platform", "cc-1234")
    with deployer_types.recording():
        target = CloudTarget(cloud="aws", region="us-east-1")
        key = encryption_key("k", EncryptionKeyArgs(), target, context)
        bucket = model_bucket("mlfleet-dev-models", ModelBucketArgs(), target, context, key)
        args = IdentitiesArgs(github=GithubDeployer("example-org/mlfleet", branch="main"))
        assert isinstance(identities("ids", args, target, context, bucket), AwsIdentities)
        if fail:
            raise ComponentArgumentError("Test", "x", "fails after the deployer", "nothing")
        pulumi.export("done", True)


@pytest.mark.timeout(120)
def test_a_failing_program_does_not_leave_the_policy_waiting() -> None:
    """The policy Output resolves when recording ends, also on an error: the error surfaces, no hang."""
    with pytest.raises(ComponentArgumentError, match="fails after the deployer"):
        run_program(lambda: aws_identities_recorded(fail=True))


def test_recorded_types_make_the_policy() -> None:
    """Inside recording, the deployer's policy covers the recorded types only (here: no EKS)."""
    plan = run_program(aws_identities_recorded)
    (policy,) = [r for r in plan.of_type(DEPLOYER_POLICY["aws"]) if r["name"] == "ids-deployer"]
    document = json.loads(policy["inputs"]["policy"])
    actions = {a for statement in document["Statement"] for a in statement["Action"]}
    assert "s3:CreateBucket" in actions and "iam:CreateRole" in actions
    assert not any(a.startswith(("eks:", "ec2:", "sqs:")) for a in actions), sorted(actions)
