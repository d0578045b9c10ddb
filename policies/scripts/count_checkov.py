"""Count Checkov's checks per provider/service row of the coverage table in policies/README.md.

Checkov cannot read Pulumi programs, but its catalogue is the yardstick for how many checks a
serious pack has per resource family. Regenerate (Checkov is not a project dependency; install it
into a throwaway venv):

    python -m venv /tmp/ck && /tmp/ck/bin/pip install checkov
    /tmp/ck/bin/checkov --list > /tmp/checkov-list.md
    python policies/scripts/count_checkov.py /tmp/checkov-list.md

Each row counts distinct check ids (CKV_/CKV2_) whose Terraform entity (or Kubernetes kind) falls in
the row's resource families; a check that covers several types of one row counts once.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

# Row label in policies/README.md -> regexes over Checkov entities (Terraform types, or k8s kinds).
ROWS: dict[str, list[str]] = {
    "AWS S3": [r"^aws_s3_"],
    "AWS IAM": [r"^aws_iam_"],
    "AWS KMS, ECR": [r"^aws_kms_", r"^aws_ecr_"],
    "AWS EKS": [r"^aws_eks_"],
    "AWS EC2, EBS, EFS": [
        r"^aws_instance$",
        r"^aws_launch_(template|configuration)$",
        r"^aws_ebs_",
        r"^aws_efs_",
        r"^aws_security_group",
        r"^aws_default_security_group$",
        r"^aws_vpc",
    ],
    "AWS RDS": [r"^aws_db_", r"^aws_rds_"],
    "AWS ELB/ALB/LB, CloudFront": [r"^aws_(alb|lb|elb)(_|$)", r"^aws_cloudfront_"],
    "AWS Lambda, Secrets Manager, SQS, SNS, DynamoDB": [
        r"^aws_lambda_",
        r"^aws_secretsmanager_",
        r"^aws_sqs_",
        r"^aws_sns_",
        r"^aws_dynamodb_",
    ],
    "GCP Storage": [r"^google_storage_"],
    "GCP IAM (every IAM resource type)": [r"^google_.*_iam_(member|binding|policy)$"],
    "GCP GKE": [r"^google_container_"],
    "GCP Cloud SQL": [r"^google_sql_"],
    "GCP Compute": [r"^google_compute_"],
    "GCP KMS, Artifact Registry, BigQuery, Pub/Sub": [
        r"^google_kms_(?!.*_iam_)",
        r"^google_artifact_registry_(?!.*_iam_)",
        r"^google_bigquery_(?!.*_iam_)",
        r"^google_pubsub_(?!.*_iam_)",
    ],
    "Azure Storage": [r"^azurerm_storage_"],
    "Azure AKS": [r"^azurerm_kubernetes_"],
    "Azure Key Vault": [r"^azurerm_key_vault"],
    "Azure SQL / PostgreSQL / MySQL": [r"^azurerm_(mssql|sql|postgresql|mysql)_"],
    "Azure Compute (VM, scale set, disk)": [
        r"^azurerm_(linux_|windows_)?virtual_machine",
        r"^azurerm_managed_disk$",
    ],
    "Azure ACR, RBAC, NSG, App Service": [
        r"^azurerm_container_registry",
        r"^azurerm_role_",
        r"^azurerm_network_security_",
        r"^azurerm_(app_service|linux_web_app|windows_web_app|function_app)",
    ],
    "Kubernetes workloads (every kind)": [
        r"^(Pod|Deployment|DaemonSet|StatefulSet|ReplicaSet|ReplicationController|Job|CronJob)$"
    ],
    "Kubernetes RBAC": [r"^(Role|ClusterRole|RoleBinding|ClusterRoleBinding)$"],
    "Kubernetes Services, Ingress, namespaces": [r"^(Service|Ingress|Namespace)$"],
}


def count(listing: str) -> dict[str, int]:
    found: dict[str, set[str]] = defaultdict(set)
    for line in listing.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not re.match(r"^CKV2?_", cells[1]):
            continue
        check, entity, iac = cells[1], cells[3], cells[5]
        if iac not in ("Terraform", "Kubernetes"):
            continue
        for row, patterns in ROWS.items():
            kube_row = row.startswith("Kubernetes")
            if (iac == "Kubernetes") != kube_row:
                continue
            if any(re.search(p, entity) for p in patterns):
                found[row].add(check)
    return {row: len(found[row]) for row in ROWS}


if __name__ == "__main__":
    for row, n in count(Path(sys.argv[1]).read_text()).items():
        print(f"{row}\t{n}")
