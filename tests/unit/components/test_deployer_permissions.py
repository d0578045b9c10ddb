"""The CI deployer of every stack can manage every resource type in that stack's plan, on every cloud.

Each cloud has one table (Pulumi type token -> permissions): components/{aws,gcp,azure}/
deployer_permissions.py. The deployer's policy in the plan (AWS customer managed policies attached to the
role, GCP custom role, Azure custom role definition) is generated from it. These tests run every cloud
stack's plan and name each type its deployer cannot manage, with the fix."""

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
from tests.unit.components.plans import with_webhooks

REPO = Path(__file__).resolve().parents[3]
CLOUD_STACKS = ("dev", "staging", "prod", "staging-global", "prod-global", "dr", "gcp-dev", "azure-dev")
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
    "aws": "aws:iam/policy:Policy",
    "gcp": "gcp:projects/iAMCustomRole:IAMCustomRole",
    "azure": "azure-native:authorization:RoleDefinition",
}


def aws_slot(resource: dict[str, Any]) -> tuple[str, str] | None:
    """(role name, slot) of one of a CI role's managed policies (named `<role>-<slot>`), else None."""
    for slot in aws_table.SLOTS:
        role = resource["name"].removesuffix(f"-{slot}")
        if role != resource["name"] and role.endswith(("-deployer", "-drift")):
            return role, slot
    return None


def holders(plan: Plan, cloud: str) -> list[dict[str, Any]]:
    """What holds each CI identity's permissions. AWS: one entry per role (named like the role) whose
    `policy` is all its managed policies' statements together."""
    if cloud != "aws":
        return plan.of_type(DEPLOYER_POLICY[cloud])
    merged: dict[str, list[Any]] = {}
    for resource in plan.of_type(DEPLOYER_POLICY["aws"]):
        if (found := aws_slot(resource)) is not None:
            merged.setdefault(found[0], []).extend(json.loads(resource["inputs"]["policy"])["Statement"])
    return [{"name": role, "inputs": {"policy": json.dumps({"Statement": s})}} for role, s in merged.items()]


def deployers(plan: Plan) -> dict[str, list[dict[str, Any]]]:
    """The deployer policy holders in the plan, by cloud (one per cell)."""
    return {
        cloud: [r for r in holders(plan, cloud) if r["name"].endswith("-id-deployer")]
        for cloud in DEPLOYER_POLICY
    }


def aws_allows(statements: list[dict[str, Any]], grant: aws_table.Grant, prefix: str) -> bool:
    """Some statement allows every action of `grant` on its scope under its condition."""
    wanted = aws_table.resources(grant.scope, prefix)
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
        if r["type"] == DEPLOYER_POLICY["aws"] and "-id-deployer-" in r["name"]:
            document = json.loads(r["inputs"]["policy"])
            document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "Queues"]
            r = {**r, "inputs": {**r["inputs"], "policy": json.dumps(document)}}
        narrowed.append(r)
    problems = unmanaged(Plan({**plan.data, "resources": narrowed}))
    assert problems and all("Queues" in p for p in problems), problems


# Config a user may set that adds resource types no repository stack has: the deployer must manage
# them too, or that user's first `pulumi up` is refused. Plans of one stack per cloud with it.
VARIANT_STACKS = ("dev", "gcp-dev", "azure-dev")


@pytest.fixture(scope="module")
def webhook_variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Plan]:
    """Each cloud's stack with an https webhook receiver (budgets notify it: SNS, Pub/Sub, action group)."""
    return {stack: with_webhooks(tmp_path_factory.mktemp(stack), stack) for stack in VARIANT_STACKS}


@pytest.mark.parametrize("stack", VARIANT_STACKS)
def test_deployer_manages_every_type_of_a_config_variant(
    stack: str, webhook_variants: dict[str, Plan]
) -> None:
    problems = unmanaged(webhook_variants[stack])
    assert not problems, "\n".join(problems)


def test_every_row_is_used_by_some_stack(webhook_variants: dict[str, Plan]) -> None:
    """No dead privilege: each table row is a type some cloud stack's plan (or a config variant's) creates."""
    used = {r["type"] for stack in CLOUD_STACKS for r in preview_stack(stack).resources}
    used |= {r["type"] for plan in webhook_variants.values() for r in plan.resources}
    for _, table_name, table in TABLES.values():
        dead = sorted(set(table) - used)
        assert not dead, f"{table_name}: no stack creates {dead}; remove those rows"
    assert set(gcp_table.OUTSIDE_PROJECT) <= used


@pytest.mark.parametrize("stack", ["dev", "prod", "staging-global"])
def test_the_deployer_may_attach_only_the_managed_policies_the_program_attaches(stack: str) -> None:
    """The listed AWS managed policies, and the stack's own CI policies (the OwnPolicyArns condition)."""
    plan = preview_stack(stack)
    attached = {
        r["inputs"]["policyArn"] for r in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached, stack
    own = {
        pattern
        for role, _ in filter(None, map(aws_slot, plan.of_type(DEPLOYER_POLICY["aws"])))
        for pattern in aws_table.condition(
            "OwnPolicyArns", role.removesuffix("-id-deployer").removesuffix("-id-drift")
        )["ArnLike"]["iam:PolicyARN"]
    }
    extra = {
        arn
        for arn in attached - set(aws_table.ATTACHABLE_POLICIES)
        if not any(fnmatch.fnmatchcase(arn, str(pattern)) for pattern in own)
    }
    assert not extra, (
        f"{stack} attaches {sorted(extra)}: add them to ATTACHABLE_POLICIES in {TABLES['aws'][1]}"
    )


def iam_size(document: str) -> int:
    """A policy document's size as IAM counts it: whitespace not counted."""
    return len(json.dumps(json.loads(document), separators=(",", ":")))


def test_the_whole_table_fits_the_managed_policy_quotas() -> None:
    """Every managed policy of the whole table for the longest prefix is under IAM's 6,144-character
    limit, and a role's policies under the 10 managed policies per role quota
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
    documents = aws_table.policies(aws_table.LONGEST_PREFIX)
    assert set(documents) == set(aws_table.SLOTS) and len(documents) <= aws_table.MANAGED_POLICIES_PER_ROLE
    for slot, document in documents.items():
        assert iam_size(document) < aws_table.MANAGED_POLICY_SIZE, slot
    together = {a for d in documents.values() for s in json.loads(d)["Statement"] for a in s["Action"]}
    assert together == {a for s in aws_table.statements(aws_table.LONGEST_PREFIX) for a in s["Action"]}


def stack_prefixes() -> set[str]:
    """Every AWS CI role's prefix in the cloud stacks' plans."""
    return {
        role.removesuffix("-id-deployer").removesuffix("-id-drift")
        for stack in CLOUD_STACKS
        for role, _ in filter(None, map(aws_slot, preview_stack(stack).of_type(DEPLOYER_POLICY["aws"])))
    }


@pytest.mark.parametrize("stack", ["dev", "prod", "staging-global"])
def test_every_stack_role_fits_the_managed_policy_quotas(stack: str) -> None:
    """Per role in the plan: each managed policy under 6,144 characters, at most 10 attached."""
    plan = preview_stack(stack)
    attached: dict[str, int] = {}
    for resource in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        attached[resource["inputs"]["role"]] = attached.get(resource["inputs"]["role"], 0) + 1
    roles = set()
    for resource in plan.of_type(DEPLOYER_POLICY["aws"]):
        if (found := aws_slot(resource)) is not None:
            roles.add(found[0])
            assert iam_size(resource["inputs"]["policy"]) < aws_table.MANAGED_POLICY_SIZE, resource["name"]
    assert roles and all(0 < attached.get(role, 0) <= aws_table.MANAGED_POLICIES_PER_ROLE for role in roles)
    inline = [r["name"] for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r["name"] in roles]
    assert not inline, f"CI roles with an inline policy again (10,240-character aggregate limit): {inline}"
    assert max(len(p) for p in stack_prefixes()) <= len(aws_table.LONGEST_PREFIX)


def test_a_statement_too_big_for_one_policy_is_split_by_actions() -> None:
    """Whole statements in order; one alone over the limit continues in the next document."""
    small = {"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}
    big = {
        "Sid": "B",
        "Effect": "Allow",
        "Action": [f"s3:Action{i:03}" for i in range(300)],
        "Resource": ["*"],
    }
    chunks = aws_table.pack([small, big], limit=2_000)
    assert len(chunks) > 2 and chunks[0][0] == small
    assert all(aws_table.size(chunk) < 2_000 for chunk in chunks)
    assert [a for chunk in chunks for s in chunk if s["Sid"] == "B" for a in s["Action"]] == big["Action"]


def test_a_new_action_changes_only_its_service_group_policy() -> None:
    """Diff noise: adding an action to one service's row leaves the other managed policies as they were."""
    types = ["aws:sqs/queue:Queue", "aws:eks/cluster:Cluster", "aws:iam/role:Role"]
    before = aws_table.policies("mlfleet-dev", types)
    row = aws_table.TYPE_GRANTS["aws:sqs/queue:Queue"]
    grown = (aws_table.Grant(row[0].scope, (*row[0].actions, "sqs:ListDeadLetterSourceQueues")),)
    try:
        aws_table.TYPE_GRANTS["aws:sqs/queue:Queue"] = grown
        after = aws_table.policies("mlfleet-dev", types)
    finally:
        aws_table.TYPE_GRANTS["aws:sqs/queue:Queue"] = row
    assert [slot for slot in before if before[slot] != after[slot]] == ["services"]


def test_the_deployer_attaches_only_its_own_and_the_listed_aws_policies() -> None:
    """No escalation through AttachRolePolicy: AdministratorAccess and another stack's policies are out."""
    attach = [s for s in aws_table.statements("mlfleet-dev") if "iam:AttachRolePolicy" in s["Action"]]

    def allowed(arn: str) -> bool:
        for statement in attach:
            for operator, keys in statement["Condition"].items():
                values = keys["iam:PolicyARN"]
                values = values if isinstance(values, list) else [values]
                if any(arn == v if operator == "ArnEquals" else fnmatch.fnmatchcase(arn, v) for v in values):
                    return True
        return False

    assert attach and all(s.get("Condition") for s in attach)
    assert allowed("arn:aws:iam::123456789012:policy/mlfleet-dev-id-deployer-identity")
    assert allowed("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy")
    assert not allowed("arn:aws:iam::aws:policy/AdministratorAccess")
    assert not allowed("arn:aws:iam::123456789012:policy/mlfleet-prod-id-deployer-identity")
    assert not allowed("arn:aws:iam::123456789012:policy/mlfleet-dev-eu-id-deployer-identity")


def test_deployer_grants_are_scoped() -> None:
    """Resource '*' only for the unscopable actions; tag conditions where ids are random."""
    for statement in aws_table.statements("mlfleet-dev"):
        if statement["Resource"] == ["*"]:
            assert set(statement["Action"]) <= {
                "sts:GetCallerIdentity",
                "kms:CreateKey",
                "kms:ListAliases",
                "ecr:GetAuthorizationToken",  # a registry login token: not resource-scoped in IAM
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
    for cloud in DEPLOYER_POLICY:
        for deployer in deployers(plan)[cloud]:
            name = deployer["name"].removesuffix("-deployer") + "-drift"
            (reader,) = [r for r in holders(plan, cloud) if r["name"] == name]
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
            if cloud == "aws" and (found := aws_slot(resource)) is not None:
                role, slot = found
                prefix = role.removesuffix("-id-drift").removesuffix("-id-deployer")
                wanted = aws_table.policies(prefix, own, role.endswith("-id-drift"))[slot]
                assert json.loads(resource["inputs"]["policy"]) == json.loads(wanted), resource["name"]
                continue
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
    (policy,) = [r for r in holders(plan, "aws") if r["name"] == "ids-deployer"]
    document = json.loads(policy["inputs"]["policy"])
    actions = {a for statement in document["Statement"] for a in statement["Action"]}
    assert "s3:CreateBucket" in actions and "iam:CreateRole" in actions
    assert not any(a.startswith(("eks:", "ec2:", "sqs:")) for a in actions), sorted(actions)
