"""AKS training cluster: Key Vault KMS for secrets (user-assigned control-plane identity with Key
Vault Crypto User), Entra ID auth (no local accounts), OIDC issuer +
workload identity, Azure CNI with Cilium network policy, control-plane logs to Log Analytics, a
system pool, a CPU pool and tainted GPU pools (spot outside production)."""

from __future__ import annotations

import base64

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
LOG_CATEGORIES = ("kube-apiserver", "kube-audit-admin", "kube-controller-manager", "kube-scheduler", "guard")


class AksTrainingCluster(pulumi.ComponentResource):
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
            ),
            security_profile=azure_native.containerservice.ManagedClusterSecurityProfileArgs(
                azure_key_vault_kms=azure_native.containerservice.AzureKeyVaultKmsArgs(
                    enabled=True, key_id=key, key_vault_network_access="Public"
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
                )
            ],
            tags=context.tags(),
            opts=target.opts(self, depends_on=[kms_grant]),
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
        self.k8s_provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, opts=pulumi.ResourceOptions(parent=self)
        )
        self.namespaces = cluster_basics(name, self.k8s_provider, context, self, device_plugin=True)
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "kubeconfig": self.kubeconfig,
                "oidc_issuer": self.oidc_issuer,
            }
        )
