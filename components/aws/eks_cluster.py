"""EKS training cluster: private nodes, KMS-encrypted secrets, control-plane logs, IRSA (OIDC) and
Pod Identity associations for the workload roles, IMDSv2-only nodes, VPC CNI network policy, a
system node group, and Karpenter for the CPU and tainted GPU pools (from zero)."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.addons.karpenter import Karpenter, KarpenterArgs, KarpenterPool
from components.aws.cluster_access import grant_cluster_access
from components.aws.eks_network import EksNetwork
from components.context import PlatformContext
from components.kubernetes.cluster_basics import cluster_basics
from components.kubernetes.node_pools import POOL_LABEL
from components.target import CloudTarget
from components.training_cluster import TrainingClusterArgs, kubeconfig_after

SYSTEM_INSTANCE = "m6i.large"
CPU_INSTANCE = "m6i.2xlarge"
GPU_INSTANCE = "g5.xlarge"
LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")


def _assume_role(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def kubeconfig(cluster: aws.eks.Cluster, region: str) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with `aws eks get-token` (no long-lived credentials)."""
    return pulumi.Output.all(cluster.name, cluster.endpoint, cluster.certificate_authority.data).apply(
        lambda parts: json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": parts[0],
                        "cluster": {"server": parts[1], "certificate-authority-data": parts[2]},
                    }
                ],
                "contexts": [{"name": parts[0], "context": {"cluster": parts[0], "user": parts[0]}}],
                "current-context": parts[0],
                "users": [
                    {
                        "name": parts[0],
                        "user": {
                            "exec": {
                                "apiVersion": "client.authentication.k8s.io/v1beta1",
                                "command": "aws",
                                "args": ["eks", "get-token", "--cluster-name", parts[0], "--region", region],
                            }
                        },
                    }
                ],
            }
        )
    )


class EksTrainingCluster(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str] | None
    k8s_provider: k8s.Provider

    def __init__(
        self,
        name: str,
        args: TrainingClusterArgs,
        target: CloudTarget,
        context: PlatformContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:aws:TrainingCluster", name, None, opts)
        child = target.opts(self)
        key_arn = args.require_key("aws")
        network = EksNetwork(name, args.network_cidr, name, target, context, self)
        cluster_role = aws.iam.Role(
            f"{name}-cluster",
            assume_role_policy=_assume_role("eks.amazonaws.com"),
            tags=context.tags(),
            opts=child,
        )
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster",
            role=cluster_role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
            opts=child,
        )
        cluster = aws.eks.Cluster(
            name,
            name=name,
            version=args.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=network.private_subnet_ids,
                endpoint_private_access=True,
                endpoint_public_access=not args.private_endpoint,
                public_access_cidrs=None if args.private_endpoint else list(args.authorized_cidrs),
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(authentication_mode="API"),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key_arn), resources=["secrets"]
            ),
            enabled_cluster_log_types=LOG_TYPES,
            tags=context.tags(),
            opts=target.opts(self, depends_on=[cluster_policy]),
        )
        issuer = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)  # type: ignore[index]
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], tags=context.tags(), opts=child
        )
        # Network policy enforcement is a feature of the VPC CNI add-on's node agent.
        aws.eks.Addon(
            f"{name}-vpc-cni",
            cluster_name=cluster.name,
            addon_name="vpc-cni",
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
            resolve_conflicts_on_update="OVERWRITE",
            tags=context.tags(),
            opts=child,
        )
        # The workload roles trust EKS Pod Identity: the agent add-on plus one association per
        # service account (IRSA trust through `oidc` works too, for roles created after the cluster).
        agent = aws.eks.Addon(
            f"{name}-pod-identity-agent",
            cluster_name=cluster.name,
            addon_name="eks-pod-identity-agent",
            tags=context.tags(),
            opts=child,
        )
        for workload, identity in sorted(args.workload_identities.items()):
            aws.eks.PodIdentityAssociation(
                f"{name}-{workload}",
                cluster_name=cluster.name,
                namespace=identity.namespace,
                service_account=identity.service_account,
                role_arn=identity.principal,
                tags=context.tags(),
                opts=target.opts(self, depends_on=[agent]),
            )
        node_role = aws.iam.Role(
            f"{name}-nodes",
            assume_role_policy=_assume_role("ec2.amazonaws.com"),
            tags=context.tags(),
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-nodes-{policy}",
                role=node_role.name,
                policy_arn=f"arn:aws:iam::aws:policy/{policy}",
                opts=child,
            )
            for policy in NODE_POLICIES
        ]
        # IMDSv2 only, hop limit 1: pods cannot reach the node's credentials (they use IRSA).
        template = aws.ec2.LaunchTemplate(
            f"{name}-nodes",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type="instance", tags=context.tags())
            ],
            tags=context.tags(),
            opts=child,
        )

        def node_group(pool: str, instance: str, size: tuple[int, int, int]) -> aws.eks.NodeGroup:
            return aws.eks.NodeGroup(
                f"{name}-{pool}",
                cluster_name=cluster.name,
                node_group_name=f"{name}-{pool}",
                node_role_arn=node_role.arn,
                subnet_ids=network.private_subnet_ids,
                instance_types=[instance],
                capacity_type="ON_DEMAND",
                ami_type="AL2023_x86_64_STANDARD",
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=size[0], desired_size=size[1], max_size=size[2]
                ),
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                    id=template.id, version=template.latest_version.apply(str)
                ),
                labels={POOL_LABEL: pool},
                tags=context.tags(),
                opts=target.opts(self, depends_on=attachments),
            )

        # The system pool is a managed node group (it runs Karpenter); the CPU and GPU pools are
        # Karpenter NodePools that scale from zero and back (components/addons/karpenter.py).
        system = node_group("system", args.system_instance_type or SYSTEM_INSTANCE, (2, 2, 3))
        pools = {"cpu": KarpenterPool(args.cpu_instance_type or CPU_INSTANCE, args.cpu_max_nodes)}
        for pool_name, pool in args.gpu_pools.items():
            pools[f"gpu-{pool_name}"] = KarpenterPool(
                pool.instance_type or GPU_INSTANCE, pool.max_nodes, pool.gpus_per_node
            )

        self.cluster_name = cluster.name
        # The AWS Load Balancer Controller's vpcId (components/addons/aws_serving_edge.py).
        self.vpc_id = network.vpc.id
        # Public addresses the cluster's pods reach the internet from (the cross-cloud registry sync).
        self.egress_addresses = network.egress_addresses
        self.kubeconfig = pulumi.Output.secret(kubeconfig(cluster, target.region))
        self.oidc_issuer = issuer
        # IRSA trust policies name the IAM OIDC provider (IdentitiesArgs.oidc_provider_arn).
        self.oidc_provider_arn = oidc.arn
        provider_kubeconfig = self.kubeconfig
        if args.operators is not None:
            provider_kubeconfig = kubeconfig_after(
                self.kubeconfig,
                grant_cluster_access(f"{name}-access", cluster.name, args.operators, target, context, self),
            )
        self.k8s_provider = target.cluster_provider(f"{name}-k8s", provider_kubeconfig, self)
        self.namespaces = cluster_basics(name, self.k8s_provider, context, self, device_plugin=True)
        self.karpenter = Karpenter(
            f"{name}-karpenter",
            KarpenterArgs(
                cluster_name=cluster.name,
                cluster_endpoint=cluster.endpoint,
                subnet_ids=network.private_subnet_ids,
                node_role_arn=node_role.arn,
                node_role_name=node_role.name,
                pools=pools,
                spot=args.use_spot(context),
                depends_on=[agent, system],
            ),
            target,
            context,
            self.k8s_provider,
            pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "oidc_issuer": self.oidc_issuer,
            }
        )
