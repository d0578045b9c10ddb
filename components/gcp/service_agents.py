"""Google-managed service agents that must be allowed to use a CMEK key before a service can use it."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.target import CloudTarget

ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"


def service_agent(target: CloudTarget, domain: str) -> pulumi.Output[str]:
    """`service-<project number>@<domain>`, e.g. gs-project-accounts.iam.gserviceaccount.com."""
    project = gcp.organizations.get_project_output(
        project_id=target.project, opts=pulumi.InvokeOutputOptions(provider=target.provider)
    )
    return project.number.apply(lambda number: f"service-{number}@{domain}")


def grant_key_use(
    name: str,
    key_id: pulumi.Input[str],
    agent: pulumi.Output[str],
    target: CloudTarget,
    parent: pulumi.Resource,
) -> gcp.kms.CryptoKeyIAMMember:
    """Let one service agent encrypt/decrypt with the key (and nothing else)."""
    return gcp.kms.CryptoKeyIAMMember(
        name,
        crypto_key_id=key_id,
        role=ENCRYPTER_DECRYPTER,
        member=agent.apply(lambda email: f"serviceAccount:{email}"),
        opts=target.opts(parent),
    )
