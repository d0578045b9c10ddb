"""Battery for every GCP rule (storage, kms, artifactregistry, iam, container, compute)."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import Case, res

LABELS = {"environment": "dev", "owner": "ml", "cost-center": "cc-1"}
BUCKET = "gcp:storage/bucket:Bucket"
GOOD_BUCKET = {
    "name": "models",
    "location": "EU",
    "labels": LABELS,
    "publicAccessPrevention": "enforced",
    "uniformBucketLevelAccess": True,
    "encryption": {"defaultKmsKeyName": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"},
    "versioning": {"enabled": True},
    "logging": {"logBucket": "logs"},
}
GKE = "gcp:container/cluster:Cluster"
GOOD_GKE = {
    "location": "europe-west1",
    "resourceLabels": LABELS,
    "privateClusterConfig": {"enablePrivateEndpoint": True, "enablePrivateNodes": True},
    "databaseEncryption": {"state": "ENCRYPTED", "keyName": "projects/p/locations/l/keyRings/r/cryptoKeys/k"},
    "workloadIdentityConfig": {"workloadPool": "p.svc.id.goog"},
    "datapathProvider": "ADVANCED_DATAPATH",
}


def bucket(**changes: object) -> dict:
    return res(BUCKET, {**GOOD_BUCKET, **changes})


def without(base: dict, key: str) -> dict:
    return {k: v for k, v in base.items() if k != key}


def gke(name: str = "gke", **changes: object) -> dict:
    return res(GKE, {**GOOD_GKE, **changes}, name)


FIREWALL = "gcp:compute/firewall:Firewall"
AR = "gcp:artifactregistry/repository:Repository"

CASES = [
    Case(
        "gcp-storage-public-access-prevention",
        [bucket()],
        [res(BUCKET, without(GOOD_BUCKET, "publicAccessPrevention"))],
        "publicAccessPrevention is 'inherited'",
    ),
    Case(
        "gcp-storage-uniform-access",
        [bucket()],
        [res(BUCKET, without(GOOD_BUCKET, "uniformBucketLevelAccess"))],
        "uniformBucketLevelAccess",
    ),
    Case("gcp-storage-cmek", [bucket()], [bucket(encryption=None)], "Google-managed key"),
    Case("gcp-storage-versioning", [bucket()], [bucket(versioning={"enabled": False})], "versioning.enabled"),
    Case("gcp-storage-access-logging", [bucket()], [bucket(logging=None)], "logging.logBucket"),
    Case(
        "gcp-storage-no-public-iam",
        [
            res(
                "gcp:storage/bucketIAMMember:BucketIAMMember",
                {"bucket": "models", "role": "roles/storage.objectViewer", "member": "serviceAccount:s@p"},
            )
        ],
        [
            res(
                "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
                {"repository": "r", "role": "roles/artifactregistry.reader", "members": ["allUsers"]},
            )
        ],
        "to allUsers",
    ),
    Case(
        "gcp-kms-key-rotation",
        [
            res(
                "gcp:kms/cryptoKey:CryptoKey",
                {"keyRing": "r", "rotationPeriod": "7776000s", "labels": LABELS},
            ),
            # Cloud KMS cannot rotate asymmetric keys automatically: exempt.
            res(
                "gcp:kms/cryptoKey:CryptoKey",
                {"keyRing": "r", "purpose": "ASYMMETRIC_SIGN", "labels": LABELS},
            ),
        ],
        [
            res(
                "gcp:kms/cryptoKey:CryptoKey",
                {"keyRing": "r", "rotationPeriod": "31536000s", "labels": LABELS},
            )
        ],
        "at most 7776000s",
    ),
    Case(
        "gcp-artifact-registry-immutable-tags",
        [res(AR, {"format": "DOCKER", "dockerConfig": {"immutableTags": True}, "labels": LABELS})],
        [res(AR, {"format": "DOCKER", "labels": LABELS})],
        "dockerConfig.immutableTags",
    ),
    Case(
        "gcp-iam-no-basic-roles",
        [
            res(
                "gcp:projects/iAMMember:IAMMember",
                {"project": "p", "role": "roles/storage.admin", "member": "x"},
            )
        ],
        [res("gcp:projects/iAMMember:IAMMember", {"project": "p", "role": "roles/editor", "member": "x"})],
        "basic role roles/editor",
    ),
    Case(
        "gcp-iam-no-service-account-keys",
        [res("gcp:serviceaccount/account:Account", {"accountId": "ci"})],
        [res("gcp:serviceaccount/key:Key", {"serviceAccountId": "ci@p.iam.gserviceaccount.com"})],
        "user-managed key for 'ci@p.iam.gserviceaccount.com'",
    ),
    Case(
        "gcp-iam-oidc-attribute-condition",
        [
            res(
                "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
                {"workloadIdentityPoolId": "gh", "attributeCondition": "assertion.repository == 'o/r'"},
            )
        ],
        [
            res(
                "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
                {"workloadIdentityPoolId": "gh"},
            )
        ],
        "attributeCondition is empty",
    ),
    Case(
        "gcp-gke-private-endpoint",
        [
            gke(),
            gke(
                "restricted",
                privateClusterConfig=None,
                masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "10.0.0.0/8"}]},
            ),
        ],
        [
            gke(
                privateClusterConfig=None,
                masterAuthorizedNetworksConfig={"cidrBlocks": [{"cidrBlock": "0.0.0.0/0"}]},
            )
        ],
        "reachable from any address",
    ),
    Case("gcp-gke-secrets-encryption", [gke()], [gke(databaseEncryption=None)], "not ENCRYPTED"),
    Case("gcp-gke-workload-identity", [gke()], [gke(workloadIdentityConfig=None)], "workloadPool is not set"),
    Case(
        "gcp-gke-network-policy",
        [gke(), gke("calico", datapathProvider=None, networkPolicy={"enabled": True})],
        [gke(datapathProvider="LEGACY_DATAPATH")],
        "neither networkPolicy.enabled",
    ),
    Case("gcp-gke-logging", [gke()], [gke(loggingService="none")], "loggingService is 'none'"),
    Case(
        "gcp-compute-no-public-ingress",
        [
            res(
                FIREWALL,
                {
                    "network": "n",
                    "sourceRanges": ["0.0.0.0/0"],
                    "allows": [{"protocol": "tcp", "ports": ["443"]}],
                },
            ),
            res(
                FIREWALL,
                {
                    "network": "n",
                    "sourceRanges": ["10.0.0.0/8"],
                    "allows": [{"protocol": "tcp", "ports": ["22"]}],
                },
                "internal",
            ),
        ],
        [
            res(
                FIREWALL,
                {
                    "network": "n",
                    "sourceRanges": ["0.0.0.0/0"],
                    "allows": [{"protocol": "tcp", "ports": ["22"]}],
                },
            )
        ],
        "allows tcp ports ['22'] from 0.0.0.0/0",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
