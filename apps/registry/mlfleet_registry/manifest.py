"""The version manifest: everything needed to trust, load, serve and monitor one model version."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MANIFEST_SCHEMA_VERSION = 1


class FeatureSpec(BaseModel):
    """One input column: name, dtype and the range observed in the training data."""

    model_config = ConfigDict(extra="forbid")

    name: str
    dtype: str
    min: float | None = None
    max: float | None = None


class Manifest(BaseModel):
    """Written last, exactly once, per version; its presence is what makes a version visible."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    schema_version: int = MANIFEST_SCHEMA_VERSION
    name: str
    version: str
    created_at: str = Field(description="ISO 8601 UTC, e.g. 2026-11-02T10:00:00.123456Z")
    files: dict[str, str] = Field(description="relative file name -> sha256 hex")
    format: Literal["skops"] = "skops"
    task: Literal["classification", "regression"]
    classes: list[Any] | None = None
    metrics: dict[str, float] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    data_fingerprint: str
    feature_schema: list[FeatureSpec]
    # feature -> {"bin_edges": [k+1 floats, outer ones may be None for -inf/+inf], "fractions": [k]}
    reference_stats: dict[str, dict[str, list[float | None]]] = Field(default_factory=dict)
    code_version: str
    parent_version: str | None = None
    created_by: str
    reason: str = ""
    gate: dict[str, Any] | None = None
    library_versions: dict[str, str] = Field(default_factory=dict)
    # Ed25519 over the manifest without this field (mlfleet_registry.signing); None when unsigned.
    signature: dict[str, str] | None = None

    @field_validator("reference_stats")
    @classmethod
    def _histograms_are_consistent(
        cls, value: dict[str, dict[str, list[float | None]]]
    ) -> dict[str, dict[str, list[float | None]]]:
        for feature, hist in value.items():
            edges, fractions = hist.get("bin_edges"), hist.get("fractions")
            if edges is None or fractions is None:
                raise ValueError(f"reference_stats[{feature!r}] needs 'bin_edges' and 'fractions'")
            if len(edges) != len(fractions) + 1:
                raise ValueError(
                    f"reference_stats[{feature!r}]: {len(edges)} bin_edges for {len(fractions)} "
                    "fractions; need exactly one more edge than fractions"
                )
            if any(f is None for f in fractions) or not math.isclose(
                sum(f for f in fractions if f is not None), 1.0, abs_tol=1e-6
            ):
                raise ValueError(f"reference_stats[{feature!r}]: fractions must be numbers summing to 1")
        return value

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=2).encode()
