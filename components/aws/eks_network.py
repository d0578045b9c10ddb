"""A small VPC for the EKS cluster: two public subnets (load balancers, NAT) and two private subnets
(nodes) across two zones, one NAT gateway."""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_aws as aws

from components.context import PlatformContext
from components.target import CloudTarget

ZONES = ("a", "b")


class EksNetwork:
    def __init__(
        self,
        name: str,
        cidr: str,
        cluster_name: str,
        target: CloudTarget,
        context: PlatformContext,
        parent: pulumi.Resource,
    ) -> None:
        opts = target.opts(parent)
        subnets = list(ipaddress.ip_network(cidr).subnets(new_prefix=20))
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**context.tags(), "Name": f"{name}-vpc"},
            opts=opts,
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=context.tags(), opts=opts)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags=context.tags(),
            opts=opts,
        )
        cluster_tag = {f"kubernetes.io/cluster/{cluster_name}": "shared"}
        public: list[aws.ec2.Subnet] = []
        self.private_subnet_ids: list[pulumi.Output[str]] = []
        for index, zone in enumerate(ZONES):
            subnet = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=str(subnets[index]),
                availability_zone=f"{target.region}{zone}",
                tags={**context.tags(), **cluster_tag, "kubernetes.io/role/elb": "1"},
                opts=opts,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}", subnet_id=subnet.id, route_table_id=public_routes.id, opts=opts
            )
            public.append(subnet)
        # The NAT gateway's Elastic IP: every pod's traffic to the internet leaves from it (private
        # subnets route 0.0.0.0/0 to the NAT; the VPC CNI SNATs pod traffic leaving the VPC to the
        # node's address: awsdocs/amazon-eks-user-guide doc_source/external-snat.md), so a registry
        # that admits listed addresses admits it.
        address = aws.ec2.Eip(f"{name}-nat", domain="vpc", tags=context.tags(), opts=opts)
        nat = aws.ec2.NatGateway(
            f"{name}-nat", subnet_id=public[0].id, allocation_id=address.id, tags=context.tags(), opts=opts
        )
        # pulumi-aws 7.51 ec2/eip.py: `public_ip` "Contains the public IP address".
        self.egress_addresses: tuple[pulumi.Output[str], ...] = (address.public_ip,)
        private_routes = aws.ec2.RouteTable(
            f"{name}-private",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)],
            tags=context.tags(),
            opts=opts,
        )
        for index, zone in enumerate(ZONES):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=self.vpc.id,
                cidr_block=str(subnets[len(ZONES) + index]),
                availability_zone=f"{target.region}{zone}",
                tags={**context.tags(), **cluster_tag, "kubernetes.io/role/internal-elb": "1"},
                opts=opts,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}", subnet_id=subnet.id, route_table_id=private_routes.id, opts=opts
            )
            self.private_subnet_ids.append(subnet.id)
