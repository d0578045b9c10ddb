"""Opt-in: the serving edge of a stack deployed with `pulumi up` works from the outside (issue 11):
its hostname resolves (the external-dns record), a TLS handshake verifies against the system's trust
store with the hostname in the certificate's SAN (ACM or cert-manager issued it), the readiness path
answers 200 through the load balancer, and on AWS the Ingress got an internet-facing Application Load
Balancer from the AWS Load Balancer Controller that the hostname points at.

Runs only with MLFLEET_TEST_CLOUD=1 and MLFLEET_TEST_SERVING_ENDPOINT set to the stack's
`servingEndpoint` output (`pulumi stack output servingEndpoint --stack <stack>`); the ALB check also
needs MLFLEET_TEST_CLUSTER (the `clusterName` output), MLFLEET_TEST_REGION and AWS credentials. Nothing
here creates or changes a cloud resource.
"""

from __future__ import annotations

import os
import socket
import ssl
import urllib.request

import pytest

from components.kubernetes.ingress_flavor import READINESS_PATH

ENDPOINT = os.environ.get("MLFLEET_TEST_SERVING_ENDPOINT", "")
TIMEOUT = 20
# The AWS Load Balancer Controller tags every resource it creates with the cluster's name
# (kubernetes-sigs/aws-load-balancer-controller v3.5 pkg/deploy/tracking/provider.go).
CLUSTER_TAG = "elbv2.k8s.aws/cluster"


def _missing() -> str | None:
    if os.environ.get("MLFLEET_TEST_CLOUD") != "1":
        return "set MLFLEET_TEST_CLOUD=1 to test a deployed stack's serving edge"
    if not ENDPOINT:
        return "set MLFLEET_TEST_SERVING_ENDPOINT to the deployed stack's servingEndpoint output"
    return None


pytestmark = [
    pytest.mark.cloud,
    pytest.mark.integration,
    pytest.mark.skipif(_missing() is not None, reason=str(_missing())),
]


def _addresses(host: str) -> set[str]:
    return {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}


def test_the_serving_hostname_resolves() -> None:
    assert _addresses(ENDPOINT), f"{ENDPOINT} has no A/AAAA record"


def test_tls_verifies_with_the_hostname_in_the_certificates_san() -> None:
    context = ssl.create_default_context()  # chain and hostname are verified by the handshake
    with (
        socket.create_connection((ENDPOINT, 443), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname=ENDPOINT) as tls,
    ):
        cert = tls.getpeercert()
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"]
    # The name itself, or a wildcard for its parent domain.
    wildcard = "*." + ENDPOINT.partition(".")[2]
    assert ENDPOINT in names or wildcard in names, names


def test_the_readiness_path_answers_200_over_https() -> None:
    with urllib.request.urlopen(f"https://{ENDPOINT}{READINESS_PATH}", timeout=TIMEOUT) as response:
        assert response.status == 200


def test_on_aws_the_hostname_points_at_the_ingress_alb() -> None:
    cluster, region = os.environ.get("MLFLEET_TEST_CLUSTER"), os.environ.get("MLFLEET_TEST_REGION")
    if not (cluster and region):
        pytest.skip("set MLFLEET_TEST_CLUSTER and MLFLEET_TEST_REGION (the clusterName and region outputs)")
    boto3 = pytest.importorskip("boto3")
    import botocore.exceptions

    elbv2 = boto3.client("elbv2", region_name=region)
    try:
        balancers = [
            b
            for page in elbv2.get_paginator("describe_load_balancers").paginate()
            for b in page["LoadBalancers"]
        ]
    except botocore.exceptions.NoCredentialsError:
        pytest.skip("no AWS credentials (AWS_ACCESS_KEY_ID or AWS_PROFILE)")
    ours = []
    for start in range(0, len(balancers), 20):  # DescribeTags takes up to 20 ARNs
        arns = [b["LoadBalancerArn"] for b in balancers[start : start + 20]]
        for description in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
            if {"Key": CLUSTER_TAG, "Value": cluster} in description["Tags"]:
                ours.append(next(b for b in balancers if b["LoadBalancerArn"] == description["ResourceArn"]))
    albs = [b for b in ours if b["Type"] == "application" and b["Scheme"] == "internet-facing"]
    assert albs, f"no internet-facing ALB tagged {CLUSTER_TAG}={cluster} in {region}"
    assert all(b["State"]["Code"] == "active" for b in albs)
    # The record external-dns wrote (an alias to the ALB) resolves to the ALB's current addresses.
    alb_addresses = set().union(*(_addresses(b["DNSName"]) for b in albs))
    assert _addresses(ENDPOINT) & alb_addresses, (ENDPOINT, [b["DNSName"] for b in albs])
