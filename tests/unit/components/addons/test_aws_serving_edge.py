"""The serving edge on EKS (dev plan): a DNS-validated ACM certificate the Ingress waits for, the AWS
Load Balancer Controller with the published policy, external-dns limited to the stack's zone."""

from __future__ import annotations

import json

import pytest

from components.addons import aws_load_balancer_controller as lbc
from components.addons.external_dns import CHART_VERSION as DNS_CHART_VERSION
from mlfleet.engine.harness import Plan, preview_stack
from tests.unit.components.plans import serving_ingress, statements, typed

NAME = "mlfleet-dev-edge"
ZONE_ID = "Z0123456789DEVEXAMPLE"
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return preview_stack("dev")


def test_certificate_is_validated_in_the_stack_zone_before_the_ingress_uses_it(dev):
    cert = typed(dev, "aws:acm/certificate:Certificate", f"{NAME}-cert")
    assert cert["inputs"]["domainName"] == "serving.dev.mlfleet.example.com"
    assert cert["inputs"]["validationMethod"] == "DNS"
    (option,) = cert["outputs"]["domainValidationOptions"]
    record = typed(dev, "aws:route53/record:Record", f"{NAME}-cert-validation")["inputs"]
    assert record["zoneId"] == ZONE_ID
    assert (record["name"], record["type"], record["records"]) == (
        option["resourceRecordName"],
        option["resourceRecordType"],
        [option["resourceRecordValue"]],
    )
    validation = typed(dev, "aws:acm/certificateValidation:CertificateValidation", f"{NAME}-cert")
    assert validation["inputs"]["certificateArn"] == cert["outputs"]["arn"]
    assert validation["inputs"]["validationRecordFqdns"] == [record["name"].rstrip(".")]
    ingress = serving_ingress(dev)
    assert (
        ingress["inputs"]["metadata"]["annotations"]["alb.ingress.kubernetes.io/certificate-arn"]
        == cert["outputs"]["arn"]
    )
    controller = typed(dev, RELEASE, f"{NAME}-lbc")
    assert {validation["urn"], controller["urn"]} <= set(ingress["dependencies"])


def test_controller_chart_is_pinned_with_the_published_policy_and_its_own_pod_identity(dev):
    release = typed(dev, RELEASE, f"{NAME}-lbc")["inputs"]
    assert (release["chart"], release["version"]) == ("aws-load-balancer-controller", "3.5.0")
    assert release["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
    values = release["values"]
    vpc_id = dev.of_type("aws:ec2/subnet:Subnet")[0]["inputs"]["vpcId"]  # the cluster's VPC
    assert (values["clusterName"], values["region"], values["vpcId"]) == (
        "mlfleet-dev-gpu",
        "us-east-1",
        vpc_id,
    )
    assert values["serviceAccount"] == {"create": True, "name": "aws-load-balancer-controller"}
    policy = typed(dev, "aws:iam/rolePolicy:RolePolicy", f"{NAME}-lbc")
    assert json.loads(policy["inputs"]["policy"]) == lbc.iam_policy()
    published = lbc.iam_policy()["Statement"]
    assert len(published) == 16  # docs/install/iam_policy.json at v3.5.0, statement for statement
    actions = {a for s in published for a in s["Action"]}
    assert {
        "elasticloadbalancing:CreateLoadBalancer",
        "acm:ListCertificates",
        "wafv2:AssociateWebACL",
    } <= actions
    association = typed(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"{NAME}-lbc")["inputs"]
    assert (association["namespace"], association["serviceAccount"]) == (
        "kube-system",
        "aws-load-balancer-controller",
    )
    role = typed(dev, "aws:iam/role:Role", f"{NAME}-lbc")
    assert association["roleArn"] == role["outputs"]["arn"]
    assert json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "pods.eks.amazonaws.com"
    }


def test_external_dns_changes_records_in_the_one_zone_only(dev):
    allowed = statements(typed(dev, "aws:iam/rolePolicy:RolePolicy", f"{NAME}-external-dns"))
    by_resource = {
        json.dumps(s["Resource"]): set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        for s in allowed
    }
    assert by_resource == {
        json.dumps(f"arn:aws:route53:::hostedzone/{ZONE_ID}"): {
            "route53:ChangeResourceRecordSets",
            "route53:ListResourceRecordSets",
            "route53:ListTagsForResources",
        },
        # ListHostedZones has no resource type.
        '"*"': {"route53:ListHostedZones"},
    }
    release = typed(dev, RELEASE, f"{NAME}-external-dns")["inputs"]
    assert release["version"] == DNS_CHART_VERSION
    values = release["values"]
    assert values["provider"] == {"name": "aws"}
    assert values["domainFilters"] == ["dev.mlfleet.example.com"]
    assert values["txtOwnerId"] == "mlfleet-dev-serving"
    assert values["policy"] == "sync"
    assert f"--zone-id-filter={ZONE_ID}" in values["extraArgs"]
    association = typed(dev, "aws:eks/podIdentityAssociation:PodIdentityAssociation", f"{NAME}-external-dns")
    assert association["inputs"]["serviceAccount"] == values["serviceAccount"]["name"] == "external-dns"
    assert association["urn"] in typed(dev, RELEASE, f"{NAME}-external-dns")["dependencies"]


def test_each_cell_owns_its_records() -> None:
    plan = preview_stack("staging-global")
    owners = {
        r["name"]: r["inputs"]["values"]["txtOwnerId"]
        for r in plan.of_type(RELEASE)
        if r["inputs"]["chart"] == "external-dns"
    }
    assert owners == {
        "mlfleet-staging-global-use1-edge-external-dns": "mlfleet-staging-global-use1-serving",
        "mlfleet-staging-global-euw4-edge-external-dns": "mlfleet-staging-global-euw4-serving",
    }
