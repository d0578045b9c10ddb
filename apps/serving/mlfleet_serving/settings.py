"""Server configuration: every option comes from the environment (prefix MLFLEET_) or the CLI."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLFLEET_", extra="ignore")

    registry: str = Field(description="Registry URL: local path, s3://, gs:// or az://")
    model: str = Field(description="Model name in the registry")
    alias: str = "production"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # Open Inference Protocol v2 over gRPC (grpc/): same process, data plane and drain as REST.
    grpc_enabled: bool = True
    grpc_port: int = Field(default=8081, ge=0, le=65535)
    # TLS on the gRPC port only (REST, its probes and a plain-HTTP load balancer backend stay
    # plaintext): for load balancers that speak HTTP/2 to a backend only over TLS (GKE's). Unset, gRPC
    # uses TLS_CERTFILE/TLS_KEYFILE when those are set, else plaintext.
    grpc_tls_certfile: str | None = None
    grpc_tls_keyfile: str | None = None

    # Rollouts: a weighted canary alias (sticky by the routing-key header) and a shadow alias.
    canary_alias: str | None = None
    canary_weight: float = Field(default=0.0, ge=0.0, le=1.0)
    shadow_alias: str | None = None
    routing_key_header: str = "x-routing-key"
    poll_interval_seconds: float = Field(default=10.0, gt=0)
    # Readiness goes false once the serving alias could not be read from the registry for this long
    # (0, the default: never). Such a replica cannot know the alias moved (a rollback of a bad version
    # included), so a multi-cell stack's front door should send users to a cell that can
    # (ModelManager.alias_fresh). Off by default: in a one-cell stack every replica would go unready
    # together and a registry outage would become a serving outage.
    alias_max_age_seconds: float = Field(default=0.0, ge=0)

    # Security. Auth is on unless explicitly disabled; keys are stored as sha256 hashes.
    auth_enabled: bool = True
    api_key_hashes: list[str] = Field(default_factory=list, description="entries 'name:sha256:<hex>'")
    api_keys_file: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_key: str | None = Field(default=None, description="PEM public key or HMAC secret for JWT")
    jwt_key_file: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    rate_limit_per_second: float = Field(default=200.0, gt=0)
    rate_limit_burst: int = Field(default=400, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=64)
    max_batch_rows: int = Field(default=1024, ge=1)
    range_policy: Literal["reject", "clip", "flag"] = "reject"
    cors_origins: list[str] = Field(default_factory=list)

    # Inference runtime: onnx (compiled, verified against scikit-learn at load) or sklearn.
    runtime: Literal["auto", "onnx", "sklearn"] = "auto"
    drift_window: int = Field(default=2000, ge=10)
    # Requests with at least this many rows are scored off the event loop, merged into batches of at
    # most batch_max_rows rows (batching.py); smaller ones inline, as cheap as before.
    offload_min_rows: int = Field(default=64, ge=1)
    batch_max_rows: int = Field(default=1024, ge=1)
    batch_max_wait_ms: float = Field(default=0.0, ge=0, le=1000)

    # Connection hardening (see protocol.py): what one client may hold of the server before it has
    # been authenticated. The same defaults locally and in the container.
    max_header_bytes: int = Field(default=32_768, ge=1024, description="request line + headers")
    max_headers: int = Field(default=100, ge=8)
    header_timeout_seconds: float = Field(default=10.0, gt=0, description="to receive a request head")
    body_timeout_seconds: float = Field(default=30.0, gt=0, description="to receive a body after its head")
    keep_alive_timeout_seconds: int = Field(default=75, ge=1, description="idle keep-alive connections")
    max_connections: int = Field(default=1024, ge=2)

    # Operations.
    tls_certfile: str | None = None
    tls_keyfile: str | None = None
    graceful_timeout_seconds: float = Field(default=20.0, ge=0)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    access_log: bool = True
    otel_enabled: bool = False

    @field_validator("routing_key_header")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _check_pairs(self) -> ServingSettings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("set both MLFLEET_TLS_CERTFILE and MLFLEET_TLS_KEYFILE, or neither")
        if (self.grpc_tls_certfile is None) != (self.grpc_tls_keyfile is None):
            raise ValueError("set both MLFLEET_GRPC_TLS_CERTFILE and MLFLEET_GRPC_TLS_KEYFILE, or neither")
        if self.grpc_enabled and self.grpc_port == self.port != 0:
            raise ValueError("MLFLEET_GRPC_PORT must differ from MLFLEET_PORT (or MLFLEET_GRPC_ENABLED=0)")
        if 0 < self.alias_max_age_seconds <= self.poll_interval_seconds:
            raise ValueError(
                "MLFLEET_ALIAS_MAX_AGE_SECONDS must exceed MLFLEET_POLL_INTERVAL_SECONDS (or be 0: never)"
            )
        if self.canary_weight > 0 and not self.canary_alias:
            raise ValueError(
                "MLFLEET_CANARY_WEIGHT needs MLFLEET_CANARY_ALIAS (the alias to send traffic to)"
            )
        if (self.jwt_key or self.jwt_key_file) and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("JWT needs MLFLEET_JWT_ISSUER and MLFLEET_JWT_AUDIENCE along with its key")
        return self

    def grpc_tls_pair(self) -> tuple[str, str] | None:
        """The gRPC port's (certificate, key) files: its own, else REST's, else None (plaintext)."""
        if self.grpc_tls_certfile and self.grpc_tls_keyfile:
            return self.grpc_tls_certfile, self.grpc_tls_keyfile
        if self.tls_certfile and self.tls_keyfile:
            return self.tls_certfile, self.tls_keyfile
        return None
