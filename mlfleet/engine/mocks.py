"""Realistic mocked provider outputs, so programs that read ids, ARNs, names and endpoints run.

Everything is derived deterministically from the resource's URN and inputs (two runs give the same
plan). Shapes follow the real providers: ARNs, GCP self-links and emails, Azure resource ids,
Kubernetes metadata and load-balancer hostnames.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from typing import Any

import pulumi

from mlfleet.engine.secrets import SECRET_SIG, SECRET_VALUE, contains_secret, is_secret, mask_secrets

ACCOUNT_ID = "123456789012"
AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-000000000000"
AZURE_TENANT = "11111111-1111-4111-8111-111111111111"
GCP_PROJECT_NUMBER = "123456789012"


def _digest(*parts: str, length: int = 16) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]


def _public_pem(key: str) -> str:
    """A real EC P-256 public key (PEM), the same for the same KMS key: what the clouds' public key data
    sources return for the registry signing key (ECC_NIST_P256 / EC_SIGN_P256_SHA256)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    scalar = int(_digest("kms", key, length=60), 16)
    public = ec.derive_private_key(scalar, ec.SECP256R1()).public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return public.public_bytes(serialization.Encoding.PEM, spki).decode()


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(hex=_digest(*parts, length=32), version=4))


def _tail(token: str) -> tuple[str, str, str]:
    """Split `pkg:module/sub:Type` into (pkg, module, Type)."""
    pkg, _, rest = token.partition(":")
    module, _, typ = rest.rpartition(":")
    return pkg, module.split("/")[0], typ


class PlanMocks(pulumi.runtime.Mocks):
    """Mocks whose outputs are the inputs plus the computed properties the real provider returns."""

    def __init__(self) -> None:
        # provider reference "urn::id" -> provider inputs (region, project, location)
        self.providers: dict[str, dict[str, Any]] = {}

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = dict(args.inputs)
        token = args.typ
        if token.startswith("pulumi:providers:"):
            return f"{args.name}-{_digest(token, args.name, length=8)}", inputs
        pkg = token.split(":", 1)[0]
        provider = self.providers.get(args.provider or "", {})
        handler = {
            "aws": self._aws,
            "gcp": self._gcp,
            "azure-native": self._azure,
            "kubernetes": self._kubernetes,
            "random": self._random,
            "tls": self._tls,
            "command": self._command,
        }.get(pkg)
        if handler is None:
            return f"{args.name}-{_digest(token, args.name, length=8)}", inputs
        if not contains_secret(inputs) or pkg == "tls":
            # pulumi-tls signs with its secret input (the private key); its outputs carry the key
            # only as a secret, and a certificate, which is public.
            return handler(token, args.name, inputs, provider)
        # The handlers derive names, ARNs and URLs from inputs with str(): give them "[secret]" where
        # an input is secret, so no output (and no plan) ever carries a secret's value; inputs they
        # pass through unchanged keep their secret marking.
        masked = mask_secrets(inputs)
        physical, outputs = handler(token, args.name, masked, provider)
        for key, value in inputs.items():
            if key in outputs and outputs[key] == masked[key]:
                outputs[key] = value
        return physical, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        token = args.token
        a = dict(args.args)
        # Invokes answer for the region of the provider they go through (multi-region stacks).
        provider = self.providers.get(args.provider or "", {})
        aws_region = str(provider.get("region") or "us-east-1")
        gcp_region = str(provider.get("region") or "europe-west4")
        azure_location = str(provider.get("location") or "westeurope").replace(" ", "").lower()
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mlfleet",
                "userId": "AIDAMLFLEET",
                "id": ACCOUNT_ID,
            }
        if token == "aws:index/getRegion:getRegion":
            region = a.get("region") or a.get("name") or aws_region
            return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            area, *middle, number = aws_region.split("-")
            short = area + "".join(part[0] for part in middle) + number  # us-east-1 -> use1
            return {
                "names": [f"{aws_region}{zone}" for zone in "abc"],
                "zoneIds": [f"{short}-az1", f"{short}-az2"],
            }
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            return {"json": policy_document_json(a), "id": _digest(json.dumps(a, sort_keys=True))}
        if token == "aws:lb/getLoadBalancer:getLoadBalancer":
            lb = str(a.get("name") or "alb")
            suffix = f"app/{lb}/{_digest(lb)}"
            return {
                "name": lb,
                "arn": f"arn:aws:elasticloadbalancing:{aws_region}:{ACCOUNT_ID}:loadbalancer/{suffix}",
                "arnSuffix": suffix,
                "dnsName": f"{lb}-{_digest(lb, length=10)}.{aws_region}.elb.amazonaws.com",
                "id": suffix,
            }
        if token == "aws:kms/getPublicKey:getPublicKey":
            key = str(a.get("keyId") or "key")
            return {"keyId": key, "arn": key, "publicKeyPem": _public_pem(key), "id": key}
        if token == "gcp:kms/getKMSCryptoKeyVersion:getKMSCryptoKeyVersion":
            key = f"{a.get('cryptoKey') or 'key'}/cryptoKeyVersions/{int(a.get('version') or 1)}"
            pem = _public_pem(key)
            return {"name": key, "publicKeys": [{"pem": pem, "algorithm": "EC_SIGN_P256_SHA256"}], "id": key}
        if token == "gcp:organizations/getProject:getProject":
            project = a.get("projectId") or "mlfleet-project"
            return {"projectId": project, "number": GCP_PROJECT_NUMBER, "name": project, "id": project}
        if token == "gcp:organizations/getClientConfig:getClientConfig":
            project = str(provider.get("project") or "mlfleet-project")
            return {"project": project, "region": gcp_region, "accessToken": "", "id": "cfg"}
        if token.startswith("azure-native:containerservice:listManagedCluster"):
            # kubeconfigs[].value is the base64 of a kubeconfig, as ARM returns it
            cluster = str(a.get("resourceName") or "cluster")
            server = f"https://{cluster}-{_digest(cluster, length=8)}.hcp.{azure_location}.azmk8s.io:443"
            kubeconfig = _kubeconfig(cluster, server)
            encoded = base64.b64encode(kubeconfig.encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": encoded}]}
        if token.startswith("azure-native:authorization:getClientConfig"):
            return {
                "clientId": _uuid("client"),
                "objectId": _uuid("object"),
                "subscriptionId": AZURE_SUBSCRIPTION,
                "tenantId": AZURE_TENANT,
            }
        return {}

    # -- per cloud -------------------------------------------------------------------------
    def _aws(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        region = str(provider.get("region") or "us-east-1")
        _, module, typ = _tail(token)
        physical = str(inputs.get("name") or inputs.get("bucket") or inputs.get("clusterName") or name)
        out = dict(inputs)
        if module == "s3" and typ == "Bucket":
            out.update(
                bucket=physical,
                arn=f"arn:aws:s3:::{physical}",
                bucketDomainName=f"{physical}.s3.amazonaws.com",
                bucketRegionalDomainName=f"{physical}.s3.{region}.amazonaws.com",
                region=region,
                hostedZoneId="Z3AQBSTGFYJSTF",
            )
            return physical, out
        if module == "iam":
            arn_kind = {
                "Role": "role",
                "Policy": "policy",
                "User": "user",
                "OpenIdConnectProvider": "oidc-provider",
            }
            kind = arn_kind.get(typ)
            if typ == "OpenIdConnectProvider":
                host = str(inputs.get("url", "token.actions.githubusercontent.com")).removeprefix("https://")
                arn = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}"
                out.update(arn=arn)
                return arn, out
            if kind:
                path = str(inputs.get("path") or "/")
                arn = f"arn:aws:iam::{ACCOUNT_ID}:{kind}{path}{physical}"
                out.update(arn=arn, name=physical, uniqueId="AROA" + _digest(token, name, length=16).upper())
                return (arn if typ == "Policy" else physical), out
            return f"{physical}-{_digest(token, name, length=8)}", out
        if module == "kms" and typ == "Key":
            key_id = _uuid(token, name)
            out.update(keyId=key_id, arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}")
            return key_id, out
        if module == "kms" and typ == "Alias":
            out.update(
                arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:{physical}", targetKeyArn=inputs.get("targetKeyId")
            )
            return physical, out
        if module == "ecr" and typ == "Repository":
            out.update(
                arn=f"arn:aws:ecr:{region}:{ACCOUNT_ID}:repository/{physical}",
                registryId=ACCOUNT_ID,
                repositoryUrl=f"{ACCOUNT_ID}.dkr.ecr.{region}.amazonaws.com/{physical}",
            )
            return physical, out
        if module == "route53" and typ == "Record":
            fqdn = str(inputs.get("name") or name).rstrip(".")
            out.update(fqdn=fqdn)
            return f"{inputs.get('zoneId')}_{fqdn}_{inputs.get('type')}", out
        if module == "acm" and typ == "Certificate":
            # DNS validation: one CNAME per domain, as ACM returns them (names end with a dot).
            cert_id = _uuid(token, name)
            domains = [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
            out.update(
                arn=f"arn:aws:acm:{region}:{ACCOUNT_ID}:certificate/{cert_id}",
                status="PENDING_VALIDATION",
                domainValidationOptions=[
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_{_digest(str(domain), length=32)}.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{_digest(str(domain), 'v', length=32)}"
                        ".acm-validations.aws.",
                    }
                    for domain in domains
                    if domain
                ],
            )
            return out["arn"], out
        if module == "eks" and typ == "Cluster":
            oidc_id = _digest(token, name, length=32).upper()
            out.update(
                arn=f"arn:aws:eks:{region}:{ACCOUNT_ID}:cluster/{physical}",
                endpoint=f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com",
                certificateAuthority={"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQ="},
                identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
                version=inputs.get("version") or "1.33",
                status="ACTIVE",
                clusterId=_uuid(token, name),
            )
            return physical, out
        if module == "ec2" and typ in {
            "Vpc",
            "Subnet",
            "SecurityGroup",
            "InternetGateway",
            "NatGateway",
            "RouteTable",
        }:
            prefix = {
                "Vpc": "vpc",
                "Subnet": "subnet",
                "SecurityGroup": "sg",
                "InternetGateway": "igw",
                "NatGateway": "nat",
                "RouteTable": "rtb",
            }[typ]
            rid = f"{prefix}-{_digest(token, name, length=17)}"
            out.update(arn=f"arn:aws:ec2:{region}:{ACCOUNT_ID}:{prefix}/{rid}", ownerId=ACCOUNT_ID)
            return rid, out
        if module == "ec2" and typ == "Eip":
            # A deterministic public address (TEST-NET-2, RFC 5737): another cell's firewall lists it.
            out["publicIp"] = f"198.51.100.{int(_digest(token, name), 16) % 254 + 1}"
        if module == "ec2" and typ == "LaunchTemplate":
            rid = f"lt-{_digest(token, name, length=17)}"
            out.update(
                arn=f"arn:aws:ec2:{region}:{ACCOUNT_ID}:launch-template/{rid}",
                latestVersion=1,
                defaultVersion=1,
            )
            return rid, out
        if module == "lb" and typ == "LoadBalancer":
            out.update(
                arn=f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT_ID}:loadbalancer/app/{physical}/{_digest(name)}",
                dnsName=f"{physical}-{_digest(name, length=10)}.{region}.elb.amazonaws.com",
                arnSuffix=f"app/{physical}/{_digest(name)}",
                zoneId="Z35SXDOTRQ7X7K",
            )
            return physical, out
        service = module.lower()
        resource = re.sub(r"(?<!^)(?=[A-Z])", "-", typ).lower()
        out.setdefault("arn", f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}/{physical}")
        return f"{physical}", out

    def _gcp(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        project = str(inputs.get("project") or provider.get("project") or "mlfleet-project")
        region = str(
            inputs.get("location") or inputs.get("region") or provider.get("region") or "europe-west4"
        )
        _, module, typ = _tail(token)
        physical = str(inputs.get("name") or inputs.get("accountId") or name)
        out = dict(inputs)
        out.setdefault("project", project)
        api = "https://www.googleapis.com"
        if module == "serviceaccount" and typ == "Account":
            email = f"{inputs.get('accountId', physical)}@{project}.iam.gserviceaccount.com"
            sa_id = f"projects/{project}/serviceAccounts/{email}"
            out.update(
                email=email,
                name=sa_id,
                uniqueId=_digest(token, name, length=21),
                member=f"serviceAccount:{email}",
            )
            return sa_id, out
        if module == "storage" and typ == "Bucket":
            out.update(selfLink=f"{api}/storage/v1/b/{physical}", url=f"gs://{physical}", name=physical)
            return physical, out
        if module == "kms" and typ == "KeyRing":
            rid = f"projects/{project}/locations/{region}/keyRings/{physical}"
            return rid, {**out, "name": physical}
        if module == "kms" and typ == "CryptoKey":
            ring = str(inputs.get("keyRing") or f"projects/{project}/locations/{region}/keyRings/ring")
            rid = f"{ring}/cryptoKeys/{physical}"
            return rid, {**out, "name": physical}
        if module == "container" and typ == "Cluster":
            ip = (
                f"34.{int(_digest(name, length=2), 16) % 255}.10.{int(_digest(name, length=4)[2:], 16) % 255}"
            )
            rid = f"projects/{project}/locations/{region}/clusters/{physical}"
            out.update(
                endpoint=ip,
                selfLink=f"https://container.googleapis.com/v1/{rid}",
                masterAuth={
                    "clusterCaCertificate": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQ="
                },
                masterVersion="1.33.2-gke.1000",
                name=physical,
            )
            return rid, out
        if module == "iam" and typ == "WorkloadIdentityPool":
            pool_id = str(inputs.get("workloadIdentityPoolId", physical))
            rid = f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool_id}"
            return rid, {**out, "name": rid, "state": "ACTIVE"}
        if module == "iam" and typ == "WorkloadIdentityPoolProvider":
            pool = str(inputs.get("workloadIdentityPoolId", "pool"))
            pid = str(inputs.get("workloadIdentityPoolProviderId", physical))
            rid = (
                f"projects/{GCP_PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}/providers/{pid}"
            )
            return rid, {**out, "name": rid, "state": "ACTIVE"}
        if module == "artifactregistry" and typ == "Repository":
            repo = str(inputs.get("repositoryId", physical))
            rid = f"projects/{project}/locations/{region}/repositories/{repo}"
            return rid, {**out, "name": repo, "registryUri": f"{region}-docker.pkg.dev/{project}/{repo}"}
        rid = f"projects/{project}/locations/{region}/{typ[0].lower() + typ[1:]}s/{physical}"
        out.setdefault("selfLink", f"{api}/{module}/v1/{rid}")
        out.setdefault("name", physical)
        return rid, out

    def _azure(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        _, module, typ = _tail(token)
        group = str(inputs.get("resourceGroupName") or "mlfleet-rg")
        lower = typ[0].lower() + typ[1:]
        keys = (
            ["resourceGroupName"]
            if typ == "ResourceGroup"
            else [
                f"{lower}Name",
                "containerName",
                "keyName",
                "vaultName",
                "registryName",
                "accountName",
                "resourceName",
                "name",
            ]
        )
        physical = next((str(inputs[k]) for k in keys if inputs.get(k)), name)
        base = f"/subscriptions/{AZURE_SUBSCRIPTION}"
        if typ == "ResourceGroup":
            rid = f"{base}/resourceGroups/{physical}"
        else:
            namespace = "Microsoft." + {
                "containerservice": "ContainerService",
                "keyvault": "KeyVault",
                "containerregistry": "ContainerRegistry",
                "managedidentity": "ManagedIdentity",
                "storage": "Storage",
                "insights": "Insights",
                "monitor": "Insights",
                "authorization": "Authorization",
                "network": "Network",
            }.get(module, module.title())
            provider_path = f"{base}/resourceGroups/{group}/providers/{namespace}"
            nested = _AZURE_CHILDREN.get(typ)
            if nested and inputs.get(nested[1]):
                # Child resources live under their parent's id, as ARM returns them.
                parent_kind, parent_key, child_path = nested
                rid = f"{provider_path}/{parent_kind}/{inputs[parent_key]}/{child_path}/{physical}"
            else:
                rid = f"{provider_path}/{typ[0].lower() + typ[1:]}s/{physical}"
        out = dict(inputs)
        out.update(id=rid, name=physical, type=f"{module}/{typ}")
        if typ == "UserAssignedIdentity":
            out.update(
                clientId=_uuid("client", name), principalId=_uuid("principal", name), tenantId=AZURE_TENANT
            )
        if typ == "StorageAccount":
            out.update(
                primaryEndpoints={
                    "blob": f"https://{physical}.blob.core.windows.net/",
                    "dfs": f"https://{physical}.dfs.core.windows.net/",
                }
            )
        if typ == "Vault":
            out.update(
                properties={
                    **(inputs.get("properties") or {}),
                    "vaultUri": f"https://{physical}.vault.azure.net/",
                }
            )
        if typ == "Key":
            vault = str(inputs.get("vaultName", "vault"))
            uri = f"https://{vault}.vault.azure.net/keys/{physical}"
            out.update(keyUri=uri, keyUriWithVersion=f"{uri}/{_digest(name, length=32)}")
        if typ == "Registry":
            out.update(loginServer=f"{physical.lower()}.azurecr.io")
        if typ == "ObjectReplicationPolicy":
            # On the destination account ("default") Azure assigns the policy id and each rule's id;
            # the source account's policy repeats them.
            assigned = inputs.get("objectReplicationPolicyId") in (None, "default")
            policy_id = _uuid("orp", name) if assigned else str(inputs["objectReplicationPolicyId"])
            rules = [
                {**rule, "ruleId": rule.get("ruleId") or _uuid("orp-rule", name, str(i))}
                for i, rule in enumerate(inputs.get("rules") or [])
            ]
            out.update(policyId=policy_id, rules=rules)
        if typ == "ManagedCluster":
            out.update(
                fqdn=f"{physical}-{_digest(name, length=8)}.hcp.{inputs.get('location', 'westeurope')}"
                ".azmk8s.io",
                oidcIssuerProfile={
                    **(inputs.get("oidcIssuerProfile") or {}),
                    "issuerURL": f"https://oidc.prod-aks.azure.com/{_uuid('issuer', name)}/",
                },
                identityProfile={
                    "kubeletidentity": {"clientId": _uuid("kubelet", name), "objectId": _uuid("kobj", name)}
                },
            )
        if "identity" in inputs and isinstance(inputs["identity"], dict):
            identity = dict(inputs["identity"])
            if isinstance(identity.get("userAssignedIdentities"), list):
                # ARM takes a list of identity ids but answers with a map id -> details.
                identity["userAssignedIdentities"] = {
                    i: {"clientId": _uuid("client", i), "principalId": _uuid("principal", i)}
                    for i in identity["userAssignedIdentities"]
                }
            out["identity"] = {
                **identity,
                "principalId": _uuid("sys", name),
                "tenantId": AZURE_TENANT,
            }
        return rid, out

    def _kubernetes(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        out = dict(inputs)
        metadata = dict(out.get("metadata") or {})
        metadata.setdefault("name", name)
        metadata.setdefault("namespace", "default")
        metadata.setdefault("uid", _uuid(token, name))
        out["metadata"] = metadata
        _, _, typ = _tail(token)
        if typ == "Service" and (out.get("spec") or {}).get("type") == "LoadBalancer":
            host = f"{metadata['name']}-{_digest(name, length=10)}.lb.mlfleet.example"
            out["status"] = {"loadBalancer": {"ingress": [{"hostname": host}]}}
        if typ == "Ingress":
            out["status"] = {
                "loadBalancer": {"ingress": [{"hostname": f"{metadata['name']}.ingress.mlfleet.example"}]}
            }
        if typ == "Release":
            out["status"] = {
                "name": inputs.get("name", name),
                "namespace": inputs.get("namespace", "default"),
                "status": "deployed",
                "version": 1,
            }
        if typ == "Provider":
            pass
        rid = f"{metadata['namespace']}/{metadata['name']}"
        return rid, out

    def _random(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        length = int(inputs.get("length") or 16)
        value = hashlib.sha256(f"{token}:{name}".encode()).hexdigest()
        while len(value) < length:
            value += value
        out = dict(inputs)
        _, _, typ = _tail(token)
        if typ == "RandomId":
            width = int(inputs.get("byteLength") or 8)
            out.update(
                hex=value[: width * 2],
                b64Std=value[:width],
                b64Url=value[:width],
                dec=str(int(value[:8], 16)),
            )
        else:
            out.update(result=value[:length])
            if typ == "RandomPassword":
                out.update(bcryptHash="$2a$10$" + value[:53])
        return name, out

    def _command(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        """pulumi-command's local Command: its inputs plus what the command printed. The image push
        (components/image_push.py) prints `pushed <ref>@sha256:<digest>` (mlfleet/commands/images.py)."""
        words = str(inputs.get("create", "")).split()
        ref = words[words.index("--ref") + 1] if "--ref" in words[:-1] else ""
        stdout = f"pushed {ref}@sha256:{_digest(ref, length=64)}" if ref else ""
        return f"{name}-{_digest(token, name, length=8)}", {**inputs, "stdout": stdout, "stderr": ""}

    def _tls(self, token: str, name: str, inputs: dict[str, Any], provider: dict[str, Any]):
        """pulumi-tls with real PEMs, so what the plan deploys loads them (the rehearsal starts the
        serving pod with its gRPC key pair): ECDSA keys derived from the URN and certificates signed
        deterministically (RFC 6979), so two runs give the same plan. Private keys are secret outputs,
        as the provider marks them. A mocked certificate has no expiry date (RFC 5280 4.1.2.5's
        99991231235959Z): "now" would make every plan differ. RSA keys stay placeholders."""
        _, _, typ = _tail(token)
        out = dict(inputs)
        if typ == "PrivateKey" and inputs.get("algorithm") == "ECDSA":
            out.update(_tls_key_outputs(_mock_ec_key(token, name)))
        elif typ == "SelfSignedCert" and _is_pem_key(_revealed(inputs.get("privateKeyPem"))):
            out.update(_self_signed_outputs(_revealed(inputs["privateKeyPem"]), inputs, name))
        else:
            out.update(
                privateKeyPem=_secret_wire("-----BEGIN PRIVATE KEY-----\nMOCK\n-----END PRIVATE KEY-----\n"),
                publicKeyPem="-----BEGIN PUBLIC KEY-----\nMOCK\n-----END PUBLIC KEY-----\n",
                certPem="-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n",
            )
        return _digest(token, name), out


_MOCK_NOT_BEFORE = "2000-01-01T00:00:00Z"
_MOCK_NOT_AFTER = "9999-12-31T23:59:59Z"


def _secret_wire(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE, "value": value}


def _revealed(value: Any) -> Any:
    return value.get("value") if is_secret(value) else value


def _is_pem_key(value: Any) -> bool:
    return isinstance(value, str) and "PRIVATE KEY-----" in value and "MOCK" not in value


def _mock_ec_key(*parts: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.derive_private_key(int(_digest("tls", *parts, length=60), 16), ec.SECP256R1())


def _tls_key_outputs(key: Any) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    pem, none = serialization.Encoding.PEM, serialization.NoEncryption()
    public = key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {
        # The provider writes ECDSA keys as SEC 1 "EC PRIVATE KEY" PEM, and PKCS #8 beside it.
        "privateKeyPem": _secret_wire(
            key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, none).decode()
        ),
        "privateKeyPemPkcs8": _secret_wire(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, none).decode()
        ),
        "publicKeyPem": public,
        "publicKeyFingerprintSha256": hashlib.sha256(public.encode()).hexdigest(),
    }


def _self_signed_outputs(key_pem: str, inputs: dict[str, Any], name: str) -> dict[str, Any]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    subject = inputs.get("subject") or {}
    attributes = (
        [x509.NameAttribute(NameOID.COMMON_NAME, subject["commonName"])] if subject.get("commonName") else []
    )
    if subject.get("organization"):
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject["organization"]))
    dns = [x509.DNSName(n) for n in inputs.get("dnsNames") or []]
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(x509.Name(attributes))
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(int(_digest("serial", name, key_pem, length=30), 16))
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=bool(inputs.get("isCaCertificate")), path_length=None), True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName(dns), False)
    cert = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)  # type: ignore[arg-type]
    return {
        "certPem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        "validityStartTime": _MOCK_NOT_BEFORE,
        "validityEndTime": _MOCK_NOT_AFTER,
        "readyForRenewal": False,
    }


# Azure child resource type -> (parent collection, parent-name input, child collection path).
_AZURE_CHILDREN: dict[str, tuple[str, str, str]] = {
    "Subnet": ("virtualNetworks", "virtualNetworkName", "subnets"),
    "BlobContainer": ("storageAccounts", "accountName", "blobServices/default/containers"),
    "Key": ("vaults", "vaultName", "keys"),
    "AgentPool": ("managedClusters", "resourceName", "agentPools"),
    "FederatedIdentityCredential": ("userAssignedIdentities", "resourceName", "federatedIdentityCredentials"),
}


def _kubeconfig(cluster: str, server: str) -> str:
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n"
        "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1PQ0sKLS0tLS1FTkQ=\n"
        f"contexts:\n- name: {cluster}\n  context:\n    cluster: {cluster}\n    user: {cluster}\n"
        f"current-context: {cluster}\nusers:\n- name: {cluster}\n  user:\n    exec:\n"
        "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n"
        "      args: [get-token, --login, azurecli, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]\n"
    )


def policy_document_json(args: dict[str, Any]) -> str:
    """What aws.iam.get_policy_document returns: the IAM JSON of its statements."""
    statements = []
    for stmt in args.get("statements") or []:
        out: dict[str, Any] = {"Effect": stmt.get("effect", "Allow")}
        if stmt.get("sid"):
            out["Sid"] = stmt["sid"]
        for key, wire in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            values = stmt.get(key)
            if values:
                out[wire] = values[0] if len(values) == 1 else sorted(values)
        for key, wire in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if stmt.get(key):
                principal: dict[str, Any] = {}
                for p in stmt[key]:
                    ids = p.get("identifiers") or []
                    principal[p["type"]] = ids[0] if len(ids) == 1 else ids
                out[wire] = "*" if principal == {"*": "*"} else principal
        if stmt.get("conditions"):
            condition: dict[str, dict[str, Any]] = {}
            for c in stmt["conditions"]:
                values = c.get("values") or []
                condition.setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
            out["Condition"] = condition
        statements.append(out)
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
