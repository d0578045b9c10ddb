"""The pack's rule list (explicit imports: the pack starts fast and a missing rule is an import error)."""

from __future__ import annotations

from importlib import import_module

from pulumi_policy import EnforcementLevel, PolicyPack

from mlfleet_policies import decode_cache
from mlfleet_policies.rule import Rule

PACK_NAME = "mlfleet-policies"

RULE_MODULES = [
    "aws.s3.public_access_block",
    "aws.s3.no_public_acl",
    "aws.s3.encryption",
    "aws.s3.versioning",
    "aws.s3.access_logging",
    "aws.s3.tls_only",
    "aws.kms.key_rotation",
    "aws.ecr.immutable_tags",
    "aws.ecr.scan_on_push",
    "aws.ecr.private_repository",
    "aws.iam.no_wildcard_actions",
    "aws.iam.no_wildcard_resources",
    "aws.iam.no_admin_attachments",
    "aws.iam.no_access_keys",
    "aws.iam.oidc_trust_conditions",
    "aws.eks.private_endpoint",
    "aws.eks.secrets_encryption",
    "aws.eks.control_plane_logging",
    "aws.ec2.imdsv2",
    "aws.ec2.security_group_ingress",
    "gcp.storage.public_access_prevention",
    "gcp.storage.uniform_access",
    "gcp.storage.cmek",
    "gcp.storage.versioning",
    "gcp.storage.access_logging",
    "gcp.storage.no_public_iam",
    "gcp.kms.key_rotation",
    "gcp.artifactregistry.immutable_tags",
    "gcp.iam.no_basic_roles",
    "gcp.iam.no_service_account_keys",
    "gcp.iam.workload_identity_pool_condition",
    "gcp.iam.no_public_members",
    "gcp.iam.no_project_level_impersonation",
    "gcp.container.private_endpoint",
    "gcp.container.secrets_encryption",
    "gcp.container.workload_identity",
    "gcp.container.network_policy",
    "gcp.container.control_plane_logging",
    "gcp.container.no_legacy_abac",
    "gcp.container.no_client_certificate",
    "gcp.container.private_nodes",
    "gcp.container.shielded_nodes",
    "gcp.container.binary_authorization",
    "gcp.container.master_authorized_networks",
    "gcp.container.node_auto_repair_upgrade",
    "gcp.container.node_metadata_server",
    "gcp.container.node_service_account",
    "gcp.sql.no_public_ip",
    "gcp.sql.no_open_authorized_networks",
    "gcp.sql.ssl_required",
    "gcp.sql.backups",
    "gcp.compute.firewall_ingress",
    "gcp.compute.firewall_policy_ingress",
    "gcp.compute.no_default_service_account",
    "gcp.compute.no_public_ip",
    "gcp.compute.no_serial_port",
    "gcp.compute.os_login",
    "gcp.compute.shielded_vm",
    "gcp.compute.no_ip_forwarding",
    "gcp.bigquery.dataset_cmek",
    "gcp.bigquery.no_public_dataset",
    "gcp.pubsub.topic_cmek",
    "azure.storage.no_public_access",
    "azure.storage.https_only",
    "azure.storage.cmk",
    "azure.storage.blob_versioning",
    "azure.keyvault.purge_protection",
    "azure.keyvault.key_rotation",
    "azure.containerregistry.no_admin_user",
    "azure.containerregistry.private_registry",
    "azure.authorization.no_owner_roles",
    "azure.containerservice.private_endpoint",
    "azure.containerservice.workload_identity",
    "azure.containerservice.network_policy",
    "azure.containerservice.local_accounts_disabled",
    "azure.containerservice.control_plane_logging",
    "azure.network.nsg_ingress",
    "kubernetes.pods.run_as_non_root",
    "kubernetes.pods.no_privilege_escalation",
    "kubernetes.pods.no_privileged",
    "kubernetes.pods.read_only_root_fs",
    "kubernetes.pods.drop_capabilities",
    "kubernetes.pods.seccomp",
    "kubernetes.pods.resources",
    "kubernetes.pods.gpu_limits",
    "kubernetes.pods.probes",
    "kubernetes.pods.image_pinned",
    "kubernetes.pods.host_namespaces",
    "kubernetes.pods.no_host_path",
    "kubernetes.pods.no_added_capabilities",
    "kubernetes.pods.no_host_ports",
    "kubernetes.pods.no_secret_env_literals",
    "kubernetes.pods.service_account_token",
    "kubernetes.pods.image_digest_in_prod",
    "kubernetes.rbac.no_cluster_admin_binding",
    "kubernetes.rbac.no_wildcard_verbs",
    "kubernetes.rbac.no_wildcard_resources",
    "kubernetes.rbac.no_escalation_verbs",
    "kubernetes.rbac.no_secrets_read",
    "kubernetes.rbac.no_default_service_account_binding",
    "kubernetes.core.no_default_namespace",
    "kubernetes.core.public_load_balancer_tls",
    "kubernetes.core.no_node_port",
    "kubernetes.core.no_external_ips",
    "kubernetes.core.ingress_tls",
    "kubernetes.core.network_policy_per_namespace",
    "kubernetes.serving.replicas_in_prod",
    "kubernetes.serving.pdb_in_prod",
    "tags.required_tags",
    "mlops.gpu_scale_to_zero",
    "mlops.gpu_spot_outside_prod",
    "mlops.model_bucket_versioned",
    "mlops.model_bucket_replicated",
    "mlops.serving_own_cloud_registry",
    "mlops.monitoring_with_serving",
    "mlops.multi_region_front_door",
]


def all_rules() -> list[Rule]:
    return [import_module(f"mlfleet_policies.{name}").RULE for name in RULE_MODULES]


def applicable_policies(rules: list[Rule]) -> decode_cache.ApplicablePolicies:
    """The rules' policies, type-filtered during Analyze (see decode_cache)."""
    return decode_cache.ApplicablePolicies(
        [rule.policy for rule in rules], {rule.meta.id: rule.resource_types for rule in rules}
    )


def build_pack() -> None:
    """Start the analyzer server (prints its port, never returns): the pack's __main__ calls this."""
    decode_cache.install()
    PolicyPack(
        name=PACK_NAME,
        policies=applicable_policies(all_rules()),
        enforcement_level=EnforcementLevel.ADVISORY,
        description="mlfleet compliance: AWS, GCP, Azure, Kubernetes and stack-wide MLOps rules.",
    )
