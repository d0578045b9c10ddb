"""Plan entries (docs/plan-format.md) -> the analyzer's protobuf requests, as the CLI would send them.

Resource policies get a resource's inputs; stack policies get every resource's outputs. The plan's
secret marker (signature, no value) becomes a real Pulumi secret whose value is "[secret]".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # Pulumi secret signature, not a secret
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def unredact(value: Any) -> Any:
    """Replace every secret marker with a secret envelope carrying the placeholder "[secret]"."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": value.get("value", "[secret]")}
        return {str(k): unredact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unredact(v) for v in value]
    return value


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(unredact(props))
    return struct


def provider_type(provider_urn: str) -> str:
    """`urn:...::pulumi:providers:aws::name` -> `pulumi:providers:aws`."""
    return provider_urn.split("::")[-2].split("$")[-1]


class PlanIndex:
    """The plan's resources by URN, to resolve provider references `<provider urn>::<id>`."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        self.resources: list[Mapping[str, Any]] = list(plan.get("resources") or [])
        self.by_urn = {str(r.get("urn")): r for r in self.resources}
        # package -> {"urn", "inputs"}: the provider a resource without an explicit one gets
        self.defaults: Mapping[str, Any] = plan.get("defaultProviders") or {}

    def provider(self, resource: Mapping[str, Any]) -> analyzer_pb2.AnalyzerProviderResource | None:
        """The resource's provider as the engine passes it: its explicit provider, else its package's
        default provider (with the stack's provider config)."""
        ref = resource.get("provider")
        if not ref:
            default = self.defaults.get(str(resource.get("type", "")).split(":", 1)[0])
            if not resource.get("custom") or not isinstance(default, Mapping):
                return None
            return self._provider(str(default["urn"]), default)
        urn = str(ref).rsplit("::", 1)[0]
        return self._provider(urn, self.by_urn.get(urn, {}))

    def _provider(self, urn: str, entry: Mapping[str, Any]) -> analyzer_pb2.AnalyzerProviderResource:
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider_type(urn),
            properties=to_struct(entry.get("inputs") or {}),
            urn=urn,
            name=urn.rsplit("::", 1)[-1],
        )

    def analyze_request(self, resource: Mapping[str, Any]) -> analyzer_pb2.AnalyzeRequest:
        request = analyzer_pb2.AnalyzeRequest(
            type=str(resource["type"]),
            properties=to_struct(resource.get("inputs") or {}),
            urn=str(resource["urn"]),
            name=str(resource["name"]),
            options=_options(resource),
        )
        provider = self.provider(resource)
        if provider is not None:
            request.provider.CopyFrom(provider)
        return request

    def stack_request(self) -> analyzer_pb2.AnalyzeStackRequest:
        out = []
        for resource in self.resources:
            entry = analyzer_pb2.AnalyzerResource(
                type=str(resource["type"]),
                properties=to_struct(resource.get("outputs") or {}),
                urn=str(resource["urn"]),
                name=str(resource["name"]),
                options=_options(resource),
                parent=str(resource.get("parent") or ""),
                dependencies=[str(d) for d in resource.get("dependencies") or []],
            )
            for prop, urns in (resource.get("propertyDependencies") or {}).items():
                entry.propertyDependencies[prop].urns.extend(str(u) for u in urns)
            provider = self.provider(resource)
            if provider is not None:
                entry.provider.CopyFrom(provider)
            out.append(entry)
        return analyzer_pb2.AnalyzeStackRequest(resources=out)


def _options(resource: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(resource.get("protect")),
        parent=str(resource.get("parent") or ""),
    )
