"""A mock monitor that records every registration exactly as the engine would receive it.

The SDK's `Mocks.new_resource` sees deserialized inputs only; parent, dependencies, property
dependencies, protect, provider and secrets are on the monitor's `RegisterResource` request. We keep
the raw protobuf request (inputs as the wire Struct) and the mocked outputs returned for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import resource_pb2

from mlfleet.engine.mocks import PlanMocks
from mlfleet.engine.secrets import SECRET_SIG, SECRET_VALUE, is_secret

__all__ = ["SECRET_SIG", "SECRET_VALUE", "RecordingMonitor", "Registration", "struct_to_dict"]


@dataclass
class Registration:
    """One RegisterResource call: the request and the mocked outputs."""

    order: int
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    protect: bool
    retain_on_delete: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    version: str = ""  # the provider plugin version the SDK asked for (names the default provider)
    aliases: list[str] = field(default_factory=list)  # URNs the resource had before (ResourceOptions.aliases)
    # ResourceOptions the engine acts on in a diff: property paths as the SDK sends them (top-level
    # names translated to wire names: pulumi/runtime/resource.py _translate_replace_on_changes).
    replace_on_changes: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


def struct_to_dict(struct: Any) -> dict[str, Any]:
    return json_format.MessageToDict(struct, preserving_proto_field_name=True) if struct else {}


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps every registration (it runs on executor threads: guard with a lock)."""

    def __init__(self, mocks: PlanMocks) -> None:
        super().__init__(mocks)
        self.plan_mocks = mocks
        self.registrations: list[Registration] = []
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        with self._lock:
            order = len(self.registrations)
        inputs = struct_to_dict(request.object)
        registration = Registration(
            order=order,
            urn=urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            protect=bool(request.protect) if request.HasField("protect") else False,
            retain_on_delete=bool(request.retainOnDelete) if request.HasField("retainOnDelete") else False,
            dependencies=sorted(set(request.dependencies)),
            property_dependencies={
                key: sorted(set(deps.urns)) for key, deps in request.propertyDependencies.items()
            },
            inputs=inputs,
            version=request.version,
            aliases=self._alias_urns(request),
            replace_on_changes=sorted(set(request.replaceOnChanges)),
            ignore_changes=sorted(set(request.ignoreChanges)),
            delete_before_replace=bool(request.deleteBeforeReplace),
        )
        with self._lock:
            self.registrations.append(registration)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        response = super().RegisterResource(request)
        outputs = struct_to_dict(response.object)
        # The real engine marks `additional_secret_outputs` as secrets; the mock monitor does not.
        for key in request.additionalSecretOutputs:
            if key in outputs and not is_secret(outputs[key]):
                outputs[key] = {SECRET_SIG: SECRET_VALUE, "value": outputs[key]}
        registration.outputs = outputs
        if request.type.startswith("pulumi:providers:"):
            self.plan_mocks.providers[f"{urn}::{response.id}"] = rpc.deserialize_properties(request.object)
        if request.additionalSecretOutputs:
            struct = response.object
            json_format.ParseDict(outputs, struct)
            return resource_pb2.RegisterResourceResponse(urn=urn, id=response.id, object=struct)
        return response

    def _alias_urns(self, request: Any) -> list[str]:
        """The aliases as full URNs, resolved the way the engine resolves alias specs."""
        urns = set(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                urns.add(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            if spec.stack or spec.project:
                head, rest = urn.split("::", 2)[0], urn.split("::", 2)[2]
                stack, project = head.removeprefix("urn:pulumi:"), urn.split("::", 2)[1]
                urn = f"urn:pulumi:{spec.stack or stack}::{spec.project or project}::{rest}"
            urns.add(urn)
        return sorted(urns)
