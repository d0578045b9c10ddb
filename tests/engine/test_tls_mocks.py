"""pulumi-tls on the mock runtime gives real PEMs (the rehearsal starts servers with them), the same
on every run, with the private key only as a secret."""

from __future__ import annotations

import json

import pulumi_tls as tls
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mlfleet.engine.harness import run_program
from mlfleet.engine.runtime import run_on_mocks
from mlfleet.rehearse.resolved import reveal


def program() -> None:
    key = tls.PrivateKey("k", algorithm="ECDSA", ecdsa_curve="P256")
    tls.SelfSignedCert(
        "c",
        private_key_pem=key.private_key_pem,
        subject=tls.SelfSignedCertSubjectArgs(common_name="svc.ns.svc"),
        dns_names=["svc.ns.svc"],
        validity_period_hours=24,
        allowed_uses=["server_auth"],
    )


def _outputs() -> dict[str, dict]:
    registrations, _ = run_on_mocks(program, project="p", stack="s", config={}, secret_keys=[])
    return {r.name: reveal(r.outputs) for r in registrations if r.type.startswith("tls:")}


def test_key_and_certificate_are_real_and_match() -> None:
    out = _outputs()
    key = serialization.load_pem_private_key(out["k"]["privateKeyPem"].encode(), password=None)
    cert = x509.load_pem_x509_certificate(out["c"]["certPem"].encode())
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    pem = serialization.Encoding.PEM
    assert cert.public_key().public_bytes(pem, spki) == key.public_key().public_bytes(pem, spki)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["svc.ns.svc"]


def test_same_pems_every_run_and_no_private_key_in_the_plan() -> None:
    assert _outputs() == _outputs()
    plan = json.dumps(run_program(program, check=False).data)
    assert "PRIVATE KEY" not in plan
    assert "BEGIN CERTIFICATE" in plan
