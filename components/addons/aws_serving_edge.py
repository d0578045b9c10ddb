"""The serving edge on EKS: ACM certificate, AWS Load Balancer Controller, external-dns (Route 53).

- ACM certificate for the hostname, validated by DNS: the validation CNAME goes into the stack's
  Route 53 zone, and `CertificateValidation` waits until ACM issued it; the Ingress names the
  validated ARN (`alb.ingress.kubernetes.io/certificate-arn`), so the ALB's HTTPS listener never
  starts with a pending certificate.
- The controller (aws_load_balancer_controller.py) with the published policy, its own role bound by
  EKS Pod Identity to `kube-system/aws-load-balancer-controller`.
- external-dns (external_dns.py) with its own role: record changes on this one hosted zone only;
  `route53:ListHostedZones` is the one action on `*` (it has no resource type; external-dns docs,
  docs/tutorials/aws.md at external-dns-helm-chart-1.21.1: ChangeResourceRecordSets,
  ListResourceRecordSets, ListTagsForResources on the zone, ListHostedZones on `*`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.addons import aws_load_balancer_controller as lbc
from components.addons.external_dns import NAMESPACE as DNS_NAMESPACE
from components.addons.external_dns import SERVICE_ACCOUNT as DNS_SERVICE_ACCOUNT
from components.addons.external_dns import ExternalDnsValues, external_dns
from components.addons.helm_release import PinnedChart
from components.addons.serving_edge import ServingEdgeArgs, dns_annotations, require
from components.aws.identities import POD_IDENTITY_TRUST
from components.aws.policy_documents import document
from components.context import PlatformContext
from components.target import CloudTarget

CERTIFICATE_ANNOTATION = "alb.ingress.kubernetes.io/certificate-arn"


def external_dns_policy(zone_id: str) -> dict[str, Any]:
    zone_arn = f"arn:aws:route53:::hostedzone/{zone_id}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ChangeRecordsInTheStackZone",
                "Effect": "Allow",
                "Action": [
                    "route53:ChangeResourceRecordSets",
                    "route53:ListResourceRecordSets",
                    "route53:ListTagsForResources",
                ],
                "Resource": zone_arn,
            },
            {
                "Sid": "FindTheZone",
                "Effect": "Allow",
                "Action": "route53:ListHostedZones",
                "Resource": "*",
            },
        ],
    }


class AwsServingEdge(pulumi.ComponentResource):
    ingress_annotations: Mapping[str, pulumi.Input[str]]
    tls_cluster_issuer: str | None
    ready: Sequence[pulumi.Resource]
    certificate_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: ServingEdgeArgs,
        target: CloudTarget,
        context: PlatformContext,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:ServingEdge", name, None, opts)
        zone_id = require(args.zone.route53_zone_id, "aws", "route53_zone_id")
        child = target.opts(self)
        certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.hostname,
            # Behind a front door, the global name too (one certificate, both names on the ALB listener).
            subject_alternative_names=list(args.shared_hostnames) or None,
            validation_method="DNS",
            tags=context.tags(),
            opts=child,
        )
        # One validation CNAME per name, picked by domain name: the options are a set, one per name
        # (Pulumi registry, aws acm CertificateValidation "DNS Validation with Route 53" example).
        records = [
            self._validation_record(
                f"{name}-cert-validation{f'-{index}' if index else ''}", host, zone_id, certificate, child
            )
            for index, host in enumerate(args.hostnames)
        ]
        validation = aws.acm.CertificateValidation(
            f"{name}-cert",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn for record in records],
            opts=child,
        )
        after_cluster = list(args.depends_on)
        controller_role = self._pod_identity_role(
            f"{name}-lbc",
            lbc.NAMESPACE,
            lbc.SERVICE_ACCOUNT,
            pulumi.Output.from_input(json.dumps(lbc.iam_policy())),
            args,
            target,
            context,
        )
        controller = PinnedChart(lbc.CHART, lbc.CHART_VERSION, lbc.REPOSITORY, lbc.NAMESPACE).release(
            f"{name}-lbc",
            pulumi.Output.all(args.cluster_name, args.vpc_id).apply(
                lambda parts: lbc.chart_values(parts[0], target.region, parts[1])
            ),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[controller_role, *after_cluster]),
        )
        dns_role = self._pod_identity_role(
            f"{name}-external-dns",
            DNS_NAMESPACE,
            DNS_SERVICE_ACCOUNT,
            pulumi.Output.from_input(json.dumps(external_dns_policy(zone_id))),
            args,
            target,
            context,
        )
        external_dns(
            f"{name}-external-dns",
            ExternalDnsValues(
                provider="aws",
                zone=args.zone.domain,
                owner_id=args.owner_id,
                extra_args=["--aws-zone-type=public", f"--zone-id-filter={zone_id}"],
                # Route 53 is global, but the SDK needs a region to sign with.
                env=[{"name": "AWS_DEFAULT_REGION", "value": target.region}],
            ),
            provider,
            pulumi.ResourceOptions(parent=self, depends_on=[dns_role, *after_cluster]),
        )
        self.certificate_arn = validation.certificate_arn
        self.ingress_annotations = {
            CERTIFICATE_ANNOTATION: validation.certificate_arn,
            **dns_annotations(args),
        }
        self.tls_cluster_issuer = None
        # The Ingress needs the controller's webhook up and a validated certificate.
        self.ready = [controller, validation]
        self.register_outputs({"certificate_arn": self.certificate_arn})

    @staticmethod
    def _validation_record(
        name: str, host: str, zone_id: str, certificate: aws.acm.Certificate, opts: pulumi.ResourceOptions
    ) -> aws.route53.Record:
        option = certificate.domain_validation_options.apply(
            lambda options: next(o for o in options if o.domain_name == host)
        )
        return aws.route53.Record(
            name,
            zone_id=zone_id,
            name=option.resource_record_name,  # type: ignore[arg-type]
            type=option.resource_record_type,  # type: ignore[arg-type]
            records=[option.resource_record_value],  # type: ignore[list-item]
            ttl=60,
            # ACM reuses the same CNAME for a re-issued certificate of the same name.
            allow_overwrite=True,
            opts=opts,
        )

    def _pod_identity_role(
        self,
        name: str,
        namespace: str,
        service_account: str,
        policy: pulumi.Input[str],
        args: ServingEdgeArgs,
        target: CloudTarget,
        context: PlatformContext,
    ) -> aws.eks.PodIdentityAssociation:
        """A role of the add-on's own with one inline policy, bound to its service account by EKS
        Pod Identity; returns the association (what the release waits for)."""
        role = aws.iam.Role(
            name,
            name=name,
            description=f"{service_account} ({namespace}/{service_account}), EKS Pod Identity",
            assume_role_policy=document(POD_IDENTITY_TRUST),
            tags=context.tags(),
            opts=target.opts(self),
        )
        aws.iam.RolePolicy(name, role=role.id, policy=policy, opts=target.opts(self))
        return aws.eks.PodIdentityAssociation(
            name,
            cluster_name=args.cluster_name,
            namespace=namespace,
            service_account=service_account,
            role_arn=role.arn,
            tags=context.tags(),
            opts=target.opts(self, depends_on=list(args.depends_on)),
        )
