"""Battery for the GCP IAM (every IAM resource type), GKE hardening, Cloud SQL, Compute instance,
firewall policy, BigQuery and Pub/Sub rules."""

import json

import pytest

from tests.policies.battery import run_battery
from tests.policies.gcp.test_gcp_rules import gke
from tests.policies.harness import Case, res

SA = "serviceAccount:app@p.iam.gserviceaccount.com"


def iam(type_: str, role: str, member: str, name: str = "grant") -> dict:
    if type_.endswith("Policy"):
        data = json.dumps({"bindings": [{"role": role, "members": [member]}]})
        return res(type_, {"policyData": data}, name)
    if type_.endswith("Binding"):
        return res(type_, {"role": role, "members": [member]}, name)
    return res(type_, {"role": role, "member": member}, name)


POOL = "gcp:container/nodePool:NodePool"
GOOD_NODE_CONFIG = {
    "serviceAccount": "nodes@p.iam.gserviceaccount.com",
    "workloadMetadataConfig": {"mode": "GKE_METADATA"},
}


def pool(**changes: object) -> dict:
    return res(POOL, {"cluster": "c", "nodeConfig": GOOD_NODE_CONFIG, **changes}, "pool")


SQL = "gcp:sql/databaseInstance:DatabaseInstance"
GOOD_SQL_SETTINGS = {
    "tier": "db-custom-2-7680",
    "ipConfiguration": {"ipv4Enabled": False, "privateNetwork": "vpc", "sslMode": "ENCRYPTED_ONLY"},
    "backupConfiguration": {"enabled": True, "pointInTimeRecoveryEnabled": True},
}


def sql(**ip: object) -> dict:
    settings = {**GOOD_SQL_SETTINGS, "ipConfiguration": {**GOOD_SQL_SETTINGS["ipConfiguration"], **ip}}
    return res(SQL, {"databaseVersion": "POSTGRES_16", "settings": settings}, "db")


VM = "gcp:compute/instance:Instance"
GOOD_VM = {
    "machineType": "e2-small",
    "bootDisk": {"initializeParams": {"image": "debian-12"}},
    "networkInterfaces": [{"subnetwork": "s"}],
    "serviceAccount": {"email": "vm@p.iam.gserviceaccount.com", "scopes": ["cloud-platform"]},
    "shieldedInstanceConfig": {
        "enableSecureBoot": True,
        "enableVtpm": True,
        "enableIntegrityMonitoring": True,
    },
    "metadata": {"enable-oslogin": "TRUE"},
}


def vm(**changes: object) -> dict:
    return res(VM, {**GOOD_VM, **changes}, "vm")


FPR = "gcp:compute/firewallPolicyRule:FirewallPolicyRule"


def policy_rule(src: str, ports: list[str], type_: str = FPR, action: str = "allow") -> dict:
    match = {"srcIpRanges": [src], "layer4Configs": [{"ipProtocol": "tcp", "ports": ports}]}
    inputs = {
        "firewallPolicy": "fp",
        "priority": 100,
        "direction": "INGRESS",
        "action": action,
        "match": match,
    }
    return res(type_, inputs, "fpr")


DATASET = "gcp:bigquery/dataset:Dataset"

CASES = [
    Case(
        "gcp-iam-no-public-members",
        [iam("gcp:pubsub/topicIAMMember:TopicIAMMember", "roles/pubsub.publisher", SA)],
        [iam("gcp:pubsub/topicIAMMember:TopicIAMMember", "roles/pubsub.subscriber", "allUsers")],
        "grants roles/pubsub.subscriber on a Pub/Sub to allUsers",
        variants=[
            (
                [iam("gcp:projects/iAMBinding:IAMBinding", "roles/viewer", "allAuthenticatedUsers")],
                "on a project",
            ),
            (
                [iam("gcp:kms/cryptoKeyIAMPolicy:CryptoKeyIAMPolicy", "roles/x", "allUsers")],
                "on a KMS key to allUsers",
            ),
            (
                [iam("gcp:storage/bucketIAMPolicy:BucketIAMPolicy", "roles/x", "allUsers")],
                "on a bucket to allUsers",
            ),
            (
                [iam("gcp:bigquery/datasetIamMember:DatasetIamMember", "roles/x", "allUsers")],
                "BigQuery dataset",
            ),
            ([iam("gcp:serviceaccount/iAMMember:IAMMember", "roles/x", "allUsers")], "on a service account"),
            (
                [iam("gcp:secretmanager/secretIamBinding:SecretIamBinding", "roles/x", "allUsers")],
                "on a secret",
            ),
        ],
    ),
    Case(
        "gcp-iam-no-project-level-impersonation",
        [
            iam("gcp:serviceaccount/iAMMember:IAMMember", "roles/iam.serviceAccountUser", SA),
            iam("gcp:projects/iAMMember:IAMMember", "roles/logging.logWriter", SA, "logs"),
        ],
        [iam("gcp:projects/iAMMember:IAMMember", "roles/iam.serviceAccountTokenCreator", SA)],
        f"grants roles/iam.serviceAccountTokenCreator to {SA} on the whole project",
        variants=[
            ([iam("gcp:folder/iAMPolicy:IAMPolicy", "roles/iam.serviceAccountUser", SA)], "whole folder")
        ],
    ),
    Case("gcp-gke-no-legacy-abac", [gke()], [gke(enableLegacyAbac=True)], "enableLegacyAbac is true"),
    Case(
        "gcp-gke-no-client-certificate",
        [gke(masterAuth={"clientCertificateConfig": {"issueClientCertificate": False}})],
        [gke(masterAuth={"clientCertificateConfig": {"issueClientCertificate": True}})],
        "issueClientCertificate is true",
    ),
    Case(
        "gcp-gke-private-nodes",
        [gke()],
        [gke(privateClusterConfig={"enablePrivateEndpoint": True})],
        "nodes get public IPs",
    ),
    Case("gcp-gke-shielded-nodes", [gke()], [gke(enableShieldedNodes=False)], "enableShieldedNodes is false"),
    Case(
        "gcp-gke-binary-authorization",
        [gke(binaryAuthorization={"evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"})],
        [gke()],
        "evaluationMode is DISABLED",
    ),
    Case(
        "gcp-gke-master-authorized-networks",
        [
            gke(),
            gke(
                "public-ok",
                privateClusterConfig={"enablePrivateEndpoint": False, "enablePrivateNodes": True},
                masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "203.0.113.0/24"}]},
            ),
        ],
        [gke(privateClusterConfig={"enablePrivateNodes": True})],
        "public control plane endpoint with no masterAuthorizedNetworksConfig",
        variants=[
            (
                [
                    gke(
                        masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]},
                        privateClusterConfig={},
                    )
                ],
                "admits 0.0.0.0/0",
            )
        ],
    ),
    Case(
        "gcp-gke-node-auto-repair-upgrade",
        [pool(), pool(management={"autoRepair": True, "autoUpgrade": True})],
        [pool(management={"autoRepair": False})],
        "management.autoRepair is false",
        variants=[([pool(management={"autoUpgrade": False})], "management.autoUpgrade is false")],
    ),
    Case(
        "gcp-gke-node-metadata-server",
        [pool()],
        [pool(nodeConfig={**GOOD_NODE_CONFIG, "workloadMetadataConfig": {"mode": "GCE_METADATA"}})],
        "workloadMetadataConfig.mode is GCE_METADATA",
        variants=[([pool(nodeConfig={"serviceAccount": "n@p"})], "mode is unset")],
    ),
    Case(
        "gcp-gke-node-service-account",
        [pool()],
        [pool(nodeConfig={"workloadMetadataConfig": {"mode": "GKE_METADATA"}})],
        "Compute Engine default service account (default)",
        variants=[
            (
                [
                    pool(
                        nodeConfig={
                            **GOOD_NODE_CONFIG,
                            "serviceAccount": "123-compute@developer.gserviceaccount.com",
                        }
                    )
                ],
                "123-compute@developer.gserviceaccount.com",
            )
        ],
    ),
    Case("gcp-sql-no-public-ip", [sql()], [sql(ipv4Enabled=True)], "has a public IPv4 address"),
    Case(
        "gcp-sql-no-open-authorized-networks",
        [sql(authorizedNetworks=[{"name": "office", "value": "203.0.113.0/24"}])],
        [sql(authorizedNetworks=[{"name": "anyone", "value": "0.0.0.0/0"}])],
        "authorized network 'anyone' admits 0.0.0.0/0",
    ),
    Case(
        "gcp-sql-ssl-required",
        [sql(), sql(sslMode="TRUSTED_CLIENT_CERTIFICATE_REQUIRED")],
        [sql(sslMode="ALLOW_UNENCRYPTED_AND_ENCRYPTED")],
        "sslMode is ALLOW_UNENCRYPTED_AND_ENCRYPTED",
        variants=[([sql(sslMode=None)], "unencrypted connections allowed")],
    ),
    Case(
        "gcp-sql-backups",
        [sql()],
        [res(SQL, {"settings": {**GOOD_SQL_SETTINGS, "backupConfiguration": {"enabled": False}}}, "db")],
        "automated backups are off",
    ),
    Case(
        "gcp-compute-no-default-sa-full-scopes",
        [
            vm(),
            vm(
                serviceAccount={
                    "email": "1-compute@developer.gserviceaccount.com",
                    "scopes": ["logging-write"],
                }
            ),
        ],
        [
            vm(
                serviceAccount={
                    "email": "1-compute@developer.gserviceaccount.com",
                    "scopes": ["cloud-platform"],
                }
            )
        ],
        "default compute service account with the cloud-platform scope",
        variants=[
            (
                [vm(serviceAccount={"scopes": ["https://www.googleapis.com/auth/cloud-platform"]})],
                "cloud-platform",
            )
        ],
    ),
    Case(
        "gcp-compute-no-public-ip",
        [vm()],
        [vm(networkInterfaces=[{"subnetwork": "s", "accessConfigs": [{}]}])],
        "networkInterfaces[0] has an external IP",
    ),
    Case(
        "gcp-compute-no-serial-port",
        [vm(), vm(metadata={"serial-port-enable": "false"})],
        [vm(metadata={"serial-port-enable": "TRUE"})],
        "serial-port-enable is true",
        variants=[([vm(metadata={"serial-port-enable": "1"})], "serial-port-enable is true")],
    ),
    Case(
        "gcp-compute-os-login",
        [vm(), vm(metadata={})],
        [vm(metadata={"enable-oslogin": "FALSE"})],
        "enable-oslogin is false",
    ),
    Case(
        "gcp-compute-shielded-vm",
        [vm()],
        [vm(shieldedInstanceConfig={"enableVtpm": False})],
        "enableSecureBoot, enableVtpm off",
    ),
    Case("gcp-compute-no-ip-forwarding", [vm()], [vm(canIpForward=True)], "canIpForward is true"),
    Case(
        "gcp-compute-firewall-policy-no-public-ingress",
        [
            policy_rule("0.0.0.0/0", ["443"]),
            policy_rule("10.0.0.0/8", ["22"]),
            policy_rule("0.0.0.0/0", ["22"], action="deny"),
        ],
        [policy_rule("0.0.0.0/0", ["22"])],
        "allows tcp ports ['22'] from 0.0.0.0/0",
        variants=[
            (
                [
                    policy_rule(
                        "0.0.0.0/0", [], "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule"
                    )
                ],
                "ports all",
            )
        ],
    ),
    Case(
        "gcp-bigquery-dataset-cmek",
        [res(DATASET, {"datasetId": "d", "defaultEncryptionConfiguration": {"kmsKeyName": "k"}}, "d")],
        [res(DATASET, {"datasetId": "d"}, "d")],
        "no defaultEncryptionConfiguration.kmsKeyName",
    ),
    Case(
        "gcp-bigquery-no-public-dataset",
        [
            res(
                DATASET,
                {"datasetId": "d", "accesses": [{"role": "READER", "groupByEmail": "g@example.com"}]},
                "d",
            )
        ],
        [
            res(
                DATASET,
                {"datasetId": "d", "accesses": [{"role": "READER", "specialGroup": "allAuthenticatedUsers"}]},
                "d",
            )
        ],
        "dataset access grants READER to allAuthenticatedUsers",
        variants=[
            (
                [
                    res(
                        "gcp:bigquery/datasetAccess:DatasetAccess",
                        {"datasetId": "d", "role": "READER", "iamMember": "allUsers"},
                        "a",
                    )
                ],
                "grants READER to allUsers",
            )
        ],
    ),
    Case(
        "gcp-pubsub-topic-cmek",
        [res("gcp:pubsub/topic:Topic", {"name": "t", "kmsKeyName": "k"}, "t")],
        [res("gcp:pubsub/topic:Topic", {"name": "t"}, "t")],
        "no kmsKeyName",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
