"""GKE training cluster: private nodes, CMEK-encrypted secrets (application-layer), control-plane
logs, Workload Identity, Dataplane V2 (network policy enforced), a system, a CPU and GPU node pools
(GKE installs the NVIDIA driver and device plugin itself)."""

from __future__ import annotations

import ipaddress
import json

import pulumi
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from components.context import PlatformContext, compact_name
from components.gcp.cluster_access import grant_cluster_access
from components.gcp.service_agents import grant_key_use, service_agent
from components.kubernetes.cluster_basics import cluster_basics
from components.kubernetes.node_pools import GPU_TAINT_KEY, GPU_TAINT_VALUE, POOL_LABEL
from components.target import CloudTarget
from components.training_cluster import TrainingClusterArgs, kubeconfig_after

SYSTEM_MACHINE = "e2-standard-4"
CPU_MACHINE = "n2-standard-8"
GPU_MACHINE = "g2-standard-8"
GPU_ACCELERATOR = "nvidia-l4"
NODE_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/artifactregistry.reader")


def kubeconfig(cluster: gcp.container.Cluster) -> pulumi.Output[str]:
    """A kubeconfig that authenticates with gke-gcloud-auth-plugin (short-lived Google tokens)."""
    return pulumi.Output.all(
        cluster.name, cluster.endpoint, cluster.master_auth.cluster_ca_certificate
    ).apply(
        lambda parts: json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": parts[0],
                        "cluster": {"server": f"https://{parts[1]}", "certificate-authority-data": parts[2]},
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
                                "command": "gke-gcloud-auth-plugin",
                                "provideClusterInfo": True,
                            }
                        },
                    }
                ],
            }
        )
    )


class GkeTrainingCluster(pulumi.ComponentResource):
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
        super().__init__("mlfleet:gcp:TrainingCluster", name, None, opts)
        child = target.opts(self)
        key = args.require_key("gcp")
        ranges = list(ipaddress.ip_network(args.network_cidr).subnets(new_prefix=18))
        network = gcp.compute.Network(f"{name}-net", name=name, auto_create_subnetworks=False, opts=child)
        subnet = gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{name}-nodes",
            network=network.id,
            region=target.region,
            ip_cidr_range=str(ranges[0]),
            private_ip_google_access=True,
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name="pods", ip_cidr_range=str(ranges[1])),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name="services", ip_cidr_range=str(ranges[2])
                ),
            ],
            opts=child,
        )
        # The GKE service agent encrypts Kubernetes secrets with the customer-managed key.
        key_grant = grant_key_use(
            f"{name}-secrets-key",
            key,
            service_agent(target, "container-engine-robot.iam.gserviceaccount.com"),
            target,
            self,
        )
        nodes = gcp.serviceaccount.Account(
            f"{name}-nodes",
            account_id=compact_name(f"{name}-nodes", 30),
            display_name=f"{name} nodes (least privilege)",
            opts=child,
        )
        for role in NODE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-nodes-{role.split('/')[-1]}",
                project=target.project or "",
                role=role,
                member=nodes.email.apply(lambda email: f"serviceAccount:{email}"),
                opts=child,
            )
        cluster = gcp.container.Cluster(
            name,
            name=name,
            location=target.region,
            network=network.id,
            subnetwork=subnet.id,
            min_master_version=args.kubernetes_version,
            release_channel=gcp.container.ClusterReleaseChannelArgs(channel="REGULAR"),
            remove_default_node_pool=True,
            initial_node_count=1,
            deletion_protection=context.is_production,
            ip_allocation_policy=gcp.container.ClusterIpAllocationPolicyArgs(
                cluster_secondary_range_name="pods", services_secondary_range_name="services"
            ),
            private_cluster_config=gcp.container.ClusterPrivateClusterConfigArgs(
                enable_private_nodes=True, enable_private_endpoint=args.private_endpoint
            ),
            master_authorized_networks_config=gcp.container.ClusterMasterAuthorizedNetworksConfigArgs(
                cidr_blocks=[
                    gcp.container.ClusterMasterAuthorizedNetworksConfigCidrBlockArgs(
                        cidr_block=cidr, display_name=cidr
                    )
                    for cidr in args.authorized_cidrs
                ]
            ),
            database_encryption=gcp.container.ClusterDatabaseEncryptionArgs(state="ENCRYPTED", key_name=key),
            workload_identity_config=gcp.container.ClusterWorkloadIdentityConfigArgs(
                workload_pool=f"{target.project}.svc.id.goog"
            ),
            # Dataplane V2 (Cilium) enforces NetworkPolicy natively.
            datapath_provider="ADVANCED_DATAPATH",
            logging_config=gcp.container.ClusterLoggingConfigArgs(
                enable_components=[
                    "SYSTEM_COMPONENTS",
                    "APISERVER",
                    "CONTROLLER_MANAGER",
                    "SCHEDULER",
                    "WORKLOADS",
                ]
            ),
            resource_labels=context.labels(),
            opts=target.opts(self, depends_on=[key_grant]),
        )
        spot = args.use_spot(context)

        def node_pool(
            pool: str,
            machine: str,
            bounds: tuple[int, int],
            use_spot: bool,
            accelerator: gcp.container.NodePoolNodeConfigGuestAcceleratorArgs | None = None,
        ) -> None:
            gcp.container.NodePool(
                f"{name}-{pool}",
                name=pool,
                cluster=cluster.id,
                location=target.region,
                autoscaling=gcp.container.NodePoolAutoscalingArgs(
                    total_min_node_count=bounds[0], total_max_node_count=bounds[1]
                ),
                node_config=gcp.container.NodePoolNodeConfigArgs(
                    machine_type=machine,
                    spot=use_spot,
                    service_account=nodes.email,
                    oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
                    labels={POOL_LABEL: "gpu" if accelerator else pool},
                    resource_labels=context.labels(),
                    guest_accelerators=[accelerator] if accelerator else None,
                    taints=[
                        gcp.container.NodePoolNodeConfigTaintArgs(
                            key=GPU_TAINT_KEY, value=GPU_TAINT_VALUE, effect="NO_SCHEDULE"
                        )
                    ]
                    if accelerator
                    else None,
                    workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                        mode="GKE_METADATA"
                    ),
                    shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                        enable_secure_boot=True, enable_integrity_monitoring=True
                    ),
                ),
                opts=child,
            )

        node_pool("system", args.system_instance_type or SYSTEM_MACHINE, (1, 3), False)
        node_pool("cpu", args.cpu_instance_type or CPU_MACHINE, (0, args.cpu_max_nodes), spot)
        for pool_name, pool in args.gpu_pools.items():
            node_pool(
                f"gpu-{pool_name}",
                pool.instance_type or GPU_MACHINE,
                (0, pool.max_nodes),
                spot,
                gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
                    type=pool.accelerator or GPU_ACCELERATOR,
                    count=pool.gpus_per_node,
                    gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                        gpu_driver_version="LATEST"
                    ),
                ),
            )

        self.cluster_name = cluster.name
        self.kubeconfig = pulumi.Output.secret(kubeconfig(cluster))
        self.oidc_issuer = pulumi.Output.concat(
            "https://container.googleapis.com/v1/projects/",
            target.project or "",
            "/locations/",
            target.region,
            "/clusters/",
            cluster.name,
        )
        provider_kubeconfig = self.kubeconfig
        if args.operators is not None:
            provider_kubeconfig = kubeconfig_after(
                self.kubeconfig, grant_cluster_access(f"{name}-access", args.operators, target, self)
            )
        self.k8s_provider = target.cluster_provider(f"{name}-k8s", provider_kubeconfig, self)
        self.namespaces = cluster_basics(name, self.k8s_provider, context, self, device_plugin=False)
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "oidc_issuer": self.oidc_issuer,
            }
        )
