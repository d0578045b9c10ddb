"""AKS training cluster: Key Vault KMS for secrets over a private link (the vault has no public
network access: KMS "Private" + API server VNet integration), a user-assigned control-plane identity
(Key Vault Crypto User; Key Vault Contributor so AKS can create the vault's private endpoint; Network
Contributor on the cluster VNet), Entra ID auth (no local accounts), OIDC issuer + workload identity,
Azure CNI overlay with Cilium network policy in a VNet of `network_cidr` (node subnet + delegated API
server subnet + a subnet for the private endpoints of the cell's services), control-plane logs to Log
Analytics, Azure Monitor managed Prometheus (workspace, data collection endpoint/rule/association, the
app-routing NGINX scraped), a system pool, a CPU pool and tainted GPU pools (spot outside production)."""

from __future__ import annotations

import base64
import ipaddress

import pulumi
import pulumi_azure_native as azure_native
import pulumi_kubernetes as k8s

from components.azure.authorization import assign_role, builtin_role
from components.azure.identities import TOKEN_EXCHANGE_AUDIENCE
from components.context import PlatformContext, compact_name
from components.errors import ComponentArgumentError
from components.kubernetes.cluster_basics import cluster_basics
from components.kubernetes.node_pools import GPU_TAINT_EFFECT, GPU_TAINT_KEY, GPU_TAINT_VALUE, POOL_LABEL
from components.target import CloudTarget
from components.training_cluster import TrainingClusterArgs

SYSTEM_VM = "Standard_D4s_v5"
CPU_VM = "Standard_D8s_v5"
GPU_VM = "Standard_NC4as_T4_v3"
# Built-in role "Key Vault Crypto User": use keys (wrap/unwrap) without managing them.
KEY_VAULT_CRYPTO_USER = "12338af0-0e69-4776-bea7-57ae8d297424"
# Built-in role "Key Vault Contributor": with a private vault, AKS creates the vault's private
# endpoint (and approves its connection) as the cluster identity.
KEY_VAULT_CONTRIBUTOR = "f25e0fa2-a7c8-4377-a976-54943a77a395"
# Built-in role "Network Contributor": the control plane joins the API server subnet and the nodes'.
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
# The subnet the API server is projected into (VNet integration) must be delegated to AKS.
API_SERVER_DELEGATION = "Microsoft.ContainerService/managedClusters"
PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics"
# The app-routing add-on's NGINX exposes its Prometheus metrics on this Service (port 10254).
INGRESS_NAMESPACE = "app-routing-system"
INGRESS_METRICS_SERVICE = "nginx-metrics"
# Managed Prometheus (ama-metrics) reads extra scrape jobs from this ConfigMap in kube-system.
SCRAPE_CONFIG_MAP = "ama-metrics-prometheus-config"
LOG_CATEGORIES = ("kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "guard")


def subnet_prefixes(network_cidr: str) -> tuple[str, str, str]:
    """(nodes, API server, private endpoints): the first half of the VNet for nodes, the first /28
    of the second half for the API server (VNet integration needs at least a /28), the second /27
    of the second half for the private endpoints of the cell's registry, vault and storage (one
    address each, two for the registry and its regional data endpoint, plus the 5 Azure keeps)."""
    network = ipaddress.ip_network(network_cidr)
    if network.version != 4 or network.prefixlen > 24:
        raise ComponentArgumentError(
            "TrainingCluster (azure)",
            "network_cidr",
            f"is {network_cidr} (needs an IPv4 block of at least /24 for nodes and the API server)",
            "use e.g. 10.0.0.0/16",
        )
    nodes, rest = network.subnets(prefixlen_diff=1)
    endpoints = list(rest.subnets(new_prefix=27))[1]
    return str(nodes), str(next(rest.subnets(new_prefix=28))), str(endpoints)


def acr_tasks_prefix(network_cidr: str) -> str:
    """The third /27 of the VNet's second half (after the API server's /28 and the endpoints' /27):
    the ACR Tasks agent pool that builds and pushes the images inside the VNet
    (components/azure/acr_agent_pool.py). Call after `subnet_prefixes` validated the block."""
    rest = list(ipaddress.IPv4Network(network_cidr).subnets(prefixlen_diff=1))[1]
    return str(list(rest.subnets(new_prefix=27))[2])


def scrape_config() -> str:
    """The managed Prometheus scrape job for the app-routing NGINX ingress controller."""
    return (
        "scrape_configs:\n"
        "  - job_name: app-routing-nginx\n"
        "    scrape_interval: 30s\n"
        "    kubernetes_sd_configs:\n"
        "      - role: endpoints\n"
        "        namespaces:\n"
        f"          names: [{INGRESS_NAMESPACE}]\n"
        "    relabel_configs:\n"
        "      - source_labels: [__meta_kubernetes_service_name]\n"
        "        action: keep\n"
        f"        regex: {INGRESS_METRICS_SERVICE}\n"
    )


class AksTrainingCluster(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    cluster_id: pulumi.Output[str]
    # The Azure Monitor workspace that stores the cluster's managed Prometheus metrics.
    metrics_workspace_id: pulumi.Output[str]
    # The cluster VNet and its subnet for private endpoints (components/private_access.py).
    network_id: pulumi.Output[str]
    private_endpoint_subnet_id: pulumi.Output[str]
    acr_tasks_subnet_id: pulumi.Output[str]
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
        super().__init__("mlfleet:azure:TrainingCluster", name, None, opts)
        child = target.opts(self)
        key = args.require_key("azure")
        group = target.resource_group_name or ""
        if args.key_vault_id is None:
            raise ComponentArgumentError(
                "TrainingCluster (azure)",
                "key_vault_id",
                "is missing: the cluster identity needs Key Vault Crypto User on the KMS key's vault",
                "pass the EncryptionKey block's vault_id (the topology does this)",
            )
        # A user-assigned control-plane identity, so KMS access is granted before the cluster exists.
        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-control-plane",
            resource_name_=f"{name}-control-plane",
            resource_group_name=group,
            location=target.region,
            tags=context.tags(),
            opts=child,
        )
        kms_grant = assign_role(
            f"{name}-kms",
            identity.principal_id,
            builtin_role(target, KEY_VAULT_CRYPTO_USER),
            args.key_vault_id,
            target,
            self,
        )
        private_link_grant = assign_role(
            f"{name}-kms-private-link",
            identity.principal_id,
            builtin_role(target, KEY_VAULT_CONTRIBUTOR),
            args.key_vault_id,
            target,
            self,
        )
        nodes_prefix, api_server_prefix, endpoints_prefix = subnet_prefixes(args.network_cidr)
        vnet = azure_native.network.VirtualNetwork(
            name,
            virtual_network_name=name,
            resource_group_name=group,
            location=target.region,
            address_space=azure_native.network.AddressSpaceArgs(address_prefixes=[args.network_cidr]),
            tags=context.tags(),
            # Subnets are their own resources (inline subnets would fight them on every update).
            opts=target.opts(self, ignore_changes=["subnets"]),
        )
        subnets: list[azure_native.network.Subnet] = []

        def subnet(
            subnet_name: str, prefix: str, delegation: str | None = None
        ) -> azure_native.network.Subnet:
            created = azure_native.network.Subnet(
                f"{name}-{subnet_name}",
                subnet_name=subnet_name,
                virtual_network_name=vnet.name,
                resource_group_name=group,
                address_prefix=prefix,
                delegations=[
                    azure_native.network.DelegationArgs(name=f"aks-{subnet_name}", service_name=delegation)
                ]
                if delegation
                else None,
                # One subnet operation at a time per VNet.
                opts=target.opts(self, depends_on=subnets[-1:]),
            )
            subnets.append(created)
            return created

        nodes_subnet = subnet("nodes", nodes_prefix)
        api_server_subnet = subnet("api-server", api_server_prefix, API_SERVER_DELEGATION)
        # The private endpoints of the cell's closed services (components/azure/private_endpoints.py).
        endpoints_subnet = subnet("private-endpoints", endpoints_prefix)
        # The ACR Tasks agent pool: image builds run here, since the registry takes no public pushes.
        acr_tasks_subnet = subnet("acr-tasks", acr_tasks_prefix(args.network_cidr))
        network_grant = assign_role(
            f"{name}-network",
            identity.principal_id,
            builtin_role(target, NETWORK_CONTRIBUTOR),
            vnet.id,
            target,
            self,
        )
        cluster = azure_native.containerservice.ManagedCluster(
            name,
            resource_name_=name,
            resource_group_name=group,
            location=target.region,
            dns_prefix=compact_name(name, 40),
            kubernetes_version=args.kubernetes_version,
            identity=azure_native.containerservice.ManagedClusterIdentityArgs(
                type=azure_native.containerservice.ResourceIdentityType.USER_ASSIGNED,
                user_assigned_identities=[identity.id],
            ),
            enable_rbac=True,
            disable_local_accounts=True,
            aad_profile=azure_native.containerservice.ManagedClusterAADProfileArgs(
                managed=True, enable_azure_rbac=True
            ),
            api_server_access_profile=azure_native.containerservice.ManagedClusterAPIServerAccessProfileArgs(
                enable_private_cluster=args.private_endpoint,
                authorized_ip_ranges=None if args.private_endpoint else list(args.authorized_cidrs),
                # The API server (and its KMS plugin) runs in the delegated subnet, so it reaches
                # the vault privately: required for a vault without public network access.
                enable_vnet_integration=True,
                subnet_id=api_server_subnet.id,
            ),
            security_profile=azure_native.containerservice.ManagedClusterSecurityProfileArgs(
                azure_key_vault_kms=azure_native.containerservice.AzureKeyVaultKmsArgs(
                    enabled=True,
                    key_id=key,
                    # The vault has public network access disabled: AKS reaches it over a private
                    # endpoint it creates in the node resource group.
                    key_vault_network_access=azure_native.containerservice.KeyVaultNetworkAccessTypes.PRIVATE,
                    key_vault_resource_id=args.key_vault_id,
                ),
                workload_identity=azure_native.containerservice.ManagedClusterSecurityProfileWorkloadIdentityArgs(
                    enabled=True
                ),
            ),
            oidc_issuer_profile=azure_native.containerservice.ManagedClusterOIDCIssuerProfileArgs(
                enabled=True
            ),
            network_profile=azure_native.containerservice.ContainerServiceNetworkProfileArgs(
                network_plugin="azure",
                network_plugin_mode="overlay",
                network_dataplane="cilium",
                network_policy="cilium",
            ),
            # Managed Prometheus (ama-metrics): the HTTP-level signal for the cloud 5xx alarm.
            azure_monitor_profile=azure_native.containerservice.ManagedClusterAzureMonitorProfileArgs(
                metrics=azure_native.containerservice.ManagedClusterAzureMonitorProfileMetricsArgs(
                    enabled=True
                )
            ),
            ingress_profile=azure_native.containerservice.ManagedClusterIngressProfileArgs(
                web_app_routing=azure_native.containerservice.ManagedClusterIngressProfileWebAppRoutingArgs(
                    enabled=True
                )
            ),
            agent_pool_profiles=[
                azure_native.containerservice.ManagedClusterAgentPoolProfileArgs(
                    name="system",
                    mode="System",
                    vm_size=args.system_instance_type or SYSTEM_VM,
                    count=2,
                    enable_auto_scaling=True,
                    min_count=2,
                    max_count=3,
                    os_type="Linux",
                    availability_zones=["1", "2", "3"],
                    node_labels={POOL_LABEL: "system"},
                    vnet_subnet_id=nodes_subnet.id,
                )
            ],
            tags=context.tags(),
            opts=target.opts(self, depends_on=[kms_grant, private_link_grant, network_grant]),
        )
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-logs",
            workspace_name=f"{name}-logs",
            resource_group_name=group,
            location=target.region,
            retention_in_days=30,
            sku=azure_native.operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            tags=context.tags(),
            opts=child,
        )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-control-plane",
            name=f"{name}-control-plane",
            resource_uri=cluster.id,
            workspace_id=workspace.id,
            logs=[
                azure_native.monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True)
                for c in LOG_CATEGORIES
            ],
            opts=child,
        )
        metrics_workspace_id = self._managed_prometheus(name, cluster, group, target, context)
        spot = args.use_spot(context)

        def pool(pool_name: str, vm: str, max_count: int, gpu: bool) -> None:
            azure_native.containerservice.AgentPool(
                f"{name}-{pool_name}",
                agent_pool_name=compact_name(pool_name, 12, alphanumeric=True),
                resource_name_=cluster.name,
                resource_group_name=group,
                mode="User",
                vm_size=vm,
                os_type="Linux",
                count=0,
                enable_auto_scaling=True,
                min_count=0,
                max_count=max_count,
                vnet_subnet_id=nodes_subnet.id,
                scale_set_priority="Spot" if spot else "Regular",
                scale_set_eviction_policy="Delete" if spot else None,
                spot_max_price=-1 if spot else None,
                node_labels={POOL_LABEL: "gpu" if gpu else pool_name},
                node_taints=[f"{GPU_TAINT_KEY}={GPU_TAINT_VALUE}:{GPU_TAINT_EFFECT}"] if gpu else None,
                # AKS installs the NVIDIA driver; the device plugin comes from cluster_basics.
                gpu_profile=azure_native.containerservice.GPUProfileArgs(
                    driver=azure_native.containerservice.GPUDriver.INSTALL
                )
                if gpu
                else None,
                tags=context.tags(),
                opts=child,
            )

        pool("cpu", args.cpu_instance_type or CPU_VM, args.cpu_max_nodes, gpu=False)
        for pool_name, gpu_pool in args.gpu_pools.items():
            pool(f"gpu{pool_name}", gpu_pool.instance_type or GPU_VM, gpu_pool.max_nodes, gpu=True)

        credentials = azure_native.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=group,
            resource_name=cluster.name,
            format="exec",  # Entra ID via kubelogin: no static credentials in the kubeconfig
            opts=pulumi.InvokeOutputOptions(provider=target.provider),
        )
        self.cluster_name = cluster.name
        self.kubeconfig = pulumi.Output.secret(
            credentials.kubeconfigs.apply(
                lambda configs: base64.b64decode(configs[0].value).decode() if configs else ""
            )
        )
        self.oidc_issuer = cluster.oidc_issuer_profile.apply(
            lambda profile: profile.issuer_url if profile else ""
        )  # type: ignore[union-attr]
        # Workload identity: each workload's managed identity trusts this cluster's issuer for
        # exactly its service account.
        for workload, bound in sorted(args.workload_identities.items()):
            if bound.resource_name is None:
                raise ComponentArgumentError(
                    "TrainingCluster (azure)",
                    f"workload_identities.{workload}",
                    "has no managed identity resource name",
                    "pass the Azure Identities block's workloads",
                )
            credential = f"{name}-{workload}"
            azure_native.managedidentity.FederatedIdentityCredential(
                credential,
                federated_identity_credential_resource_name=credential,
                resource_name_=bound.resource_name,
                resource_group_name=group,
                issuer=self.oidc_issuer,
                subject=f"system:serviceaccount:{bound.namespace}:{bound.service_account}",
                audiences=[TOKEN_EXCHANGE_AUDIENCE],
                opts=child,
            )
        self.k8s_provider = target.cluster_provider(f"{name}-k8s", self.kubeconfig, self)
        self.namespaces = cluster_basics(name, self.k8s_provider, context, self, device_plugin=True)
        # Managed Prometheus scrapes the app-routing NGINX (the serving Ingress's HTTP status codes).
        k8s.core.v1.ConfigMap(
            f"{name}-{SCRAPE_CONFIG_MAP}",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=SCRAPE_CONFIG_MAP, namespace="kube-system", labels=context.tags()
            ),
            data={"prometheus-config": scrape_config()},
            opts=pulumi.ResourceOptions(parent=self, provider=self.k8s_provider),
        )
        self.cluster_id = cluster.id
        self.metrics_workspace_id = metrics_workspace_id
        self.network_id = vnet.id
        self.private_endpoint_subnet_id = endpoints_subnet.id
        self.acr_tasks_subnet_id = acr_tasks_subnet.id
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "cluster_id": self.cluster_id,
                "metrics_workspace_id": self.metrics_workspace_id,
                "kubeconfig": self.kubeconfig,
                "oidc_issuer": self.oidc_issuer,
            }
        )

    def _managed_prometheus(
        self,
        name: str,
        cluster: azure_native.containerservice.ManagedCluster,
        group: pulumi.Input[str],
        target: CloudTarget,
        context: PlatformContext,
    ) -> pulumi.Output[str]:
        """Azure Monitor workspace + the data collection endpoint, rule and cluster association
        that route the ama-metrics agent's Prometheus samples into it; returns the workspace id."""
        child = target.opts(self)
        monitor = azure_native.monitor
        workspace = monitor.AzureMonitorWorkspace(
            f"{name}-metrics",
            azure_monitor_workspace_name=f"{name}-metrics",
            resource_group_name=group,
            location=target.region,
            tags=context.tags(),
            opts=child,
        )
        # AKS's own onboarding names these MSProm-<region>-<cluster>; ours follow the stack names.
        endpoint = monitor.DataCollectionEndpoint(
            f"{name}-prometheus",
            data_collection_endpoint_name=f"{name}-prometheus",
            resource_group_name=group,
            location=target.region,
            kind=monitor.KnownDataCollectionEndpointResourceKind.LINUX,
            tags=context.tags(),
            opts=child,
        )
        destination = "metrics-workspace"
        rule = monitor.DataCollectionRule(
            f"{name}-prometheus",
            data_collection_rule_name=f"{name}-prometheus",
            resource_group_name=group,
            location=target.region,
            kind=monitor.KnownDataCollectionRuleResourceKind.LINUX,
            data_collection_endpoint_id=endpoint.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[
                    monitor.PrometheusForwarderDataSourceArgs(name="prometheus", streams=[PROMETHEUS_STREAM])
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[
                    monitor.MonitoringAccountDestinationArgs(
                        account_resource_id=workspace.id, name=destination
                    )
                ]
            ),
            data_flows=[monitor.DataFlowArgs(streams=[PROMETHEUS_STREAM], destinations=[destination])],
            tags=context.tags(),
            opts=child,
        )
        monitor.DataCollectionRuleAssociation(
            f"{name}-prometheus",
            association_name=f"{name}-prometheus",
            resource_uri=cluster.id,
            data_collection_rule_id=rule.id,
            opts=child,
        )
        return workspace.id
