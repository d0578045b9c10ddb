"""azure-native's create-only body properties (x-ms-mutability) in the replace-on-change data: the
generator's reading of REST spec definitions, the snapshot it reads them from, and the diff it drives."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from mlfleet.diff.compare import compare_plans
from mlfleet.diff.replacements import replace_reasons
from mlfleet.engine.harness import REPO_ROOT
from tests.diff.generator import load_generator
from tests.diff.plans import plan, resource

SNAPSHOT = json.loads((REPO_ROOT / "mlfleet/diff/data/azure_native_specs.json").read_text(encoding="utf-8"))


def _generator() -> Any:
    return load_generator()


# Two documents in the layout of Azure/azure-rest-api-specs, written for this test.
RP = "specification/demo/resource-manager/Microsoft.Demo/stable/2024-01-01/demo.json"
COMMON = "specification/common-types/resource-management/v5/types.json"
TRACKED = "../../../../../common-types/resource-management/v5/types.json#/definitions/Tracked"
DOCUMENTS = {
    RP: {
        "definitions": {
            "Widget": {
                "allOf": [{"$ref": TRACKED}],
                "properties": {
                    "properties": {"$ref": "#/definitions/WidgetProperties", "x-ms-client-flatten": True},
                    "zone": {"type": "string", "x-ms-mutability": ["create", "read"]},
                    "etag": {"type": "string", "x-ms-mutability": ["create", "read"]},
                    # flattened through an inline schema's allOf (Azure Monitor workspaces' `properties`)
                    "extra": {"allOf": [{"$ref": "#/definitions/Extra"}], "x-ms-client-flatten": True},
                    # flattened inline schema with its own properties (a BlobServiceProperties' `properties`)
                    "service": {
                        "properties": {"pinned": {"type": "boolean", "x-ms-mutability": ["create", "read"]}},
                        "x-ms-client-flatten": True,
                    },
                },
            },
            "WidgetProperties": {
                "properties": {
                    "diskType": {
                        "type": "string",
                        "x-ms-mutability": ["read", "create"],
                        "x-ms-client-name": "DiskKind",
                    },
                    "size": {"type": "integer", "x-ms-mutability": ["read", "create", "update"]},
                    "serverId": {"type": "string", "readOnly": True, "x-ms-mutability": ["read", "create"]},
                    # a nested object's create-only property is ForceNewSetOnReferencedType: no replace
                    "encryption": {"$ref": "#/definitions/Encryption"},
                    # create-only by the $ref's sibling keys, laid over the target's
                    "network": {"$ref": "#/definitions/Network", "x-ms-mutability": ["create", "read"]},
                    # a dictionary is never flattened
                    "labels": {"additionalProperties": {"type": "string"}, "x-ms-client-flatten": True},
                },
            },
            "Extra": {"properties": {"sealed": {"type": "boolean", "x-ms-mutability": ["create", "read"]}}},
            "Encryption": {
                "properties": {"keyType": {"type": "string", "x-ms-mutability": ["create", "read"]}}
            },
            "Network": {
                "x-ms-mutability": ["read", "create", "update"],
                "properties": {"cidr": {"type": "string"}},
            },
        }
    },
    COMMON: {
        "definitions": {
            "Tracked": {
                "allOf": [{"$ref": "#/definitions/Base"}],
                "properties": {
                    "location": {"type": "string", "x-ms-mutability": ["read", "create"]},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
            "Base": {"properties": {"id": {"type": "string", "readOnly": True}}},
        }
    },
}


def test_create_only_properties_at_the_resource_level_force_new() -> None:
    specs = _generator().AzureSpecs(DOCUMENTS)
    properties = specs.body_properties(*specs.resolve(RP, {"$ref": "#/definitions/Widget"}))
    assert {name for name, force in properties.items() if force} == {
        "zone",
        "diskKind",
        "network",
        "location",
        "sealed",
        "pinned",
    }
    # inputs that update in place, and no etag, read-only or flattened container among them
    assert {name for name, force in properties.items() if not force} == {
        "size",
        "encryption",
        "labels",
        "tags",
    }
    assert specs.missing == set()
    # the snapshot keeps what that reading walks: Extra whole, Encryption and Network as stubs
    trimmed = specs.trimmed([(RP, "Widget")])
    assert trimmed[RP]["Extra"] == DOCUMENTS[RP]["definitions"]["Extra"] | {
        "properties": {"sealed": {"x-ms-mutability": ["create", "read"]}}
    }
    assert trimmed[RP]["Encryption"] == {} and trimmed[RP]["Network"] == {
        "x-ms-mutability": ["read", "create", "update"]
    }
    assert set(trimmed[COMMON]) == {"Tracked", "Base"}
    # and reading the snapshot gives what reading the documents gave
    snapshot = _generator().AzureSpecs({doc: {"definitions": defs} for doc, defs in trimmed.items()})
    assert snapshot.body_properties(*snapshot.resolve(RP, {"$ref": "#/definitions/Widget"})) == properties


def test_a_reference_the_specs_do_not_hold_is_reported() -> None:
    specs = _generator().AzureSpecs(
        {RP: {"definitions": {"Gadget": {"properties": {"x": {"$ref": "./other.json#/definitions/X"}}}}}}
    )
    properties = specs.body_properties(*specs.resolve(RP, {"$ref": "#/definitions/Gadget"}))
    assert properties == {"x": False}
    assert specs.missing == {RP.rsplit("/", 1)[0] + "/other.json#/definitions/X"}


def test_the_snapshot_holds_exactly_the_definitions_the_generator_reads() -> None:
    """Hand-copied or re-snapshotted, the extracts are in the trimmed form `--azure-specs` writes: every
    definition reachable from a resource's body, cut to the keys the generator reads, nothing more."""
    documents = {doc: {"definitions": entry["definitions"]} for doc, entry in SNAPSHOT["documents"].items()}
    roots = [(r["spec"], r["body"]) for r in SNAPSHOT["resources"].values()]
    trimmed = _generator().AzureSpecs(documents).trimmed(roots)
    assert trimmed == {doc: entry["definitions"] for doc, entry in SNAPSHOT["documents"].items()}
    assert all(re.fullmatch(r"[0-9a-f]{40}", entry["commit"]) for entry in SNAPSHOT["documents"].values())


@pytest.mark.parametrize("token", sorted(SNAPSHOT["resources"]))
def test_the_spec_read_is_the_api_version_the_installed_sdk_was_generated_from(token: str) -> None:
    _, module, name = token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    source = Path(sys.modules[cls.__module__].__file__ or "").read_text(encoding="utf-8")
    assert f"Uses Azure REST API version {SNAPSHOT['resources'][token]['apiVersion']}." in source


IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"


@pytest.mark.parametrize(
    ("resource_type", "changed", "reasons"),
    [
        # ManagedIdentity.json 2023-01-31: Identity allOf common-types v4 TrackedResource, whose
        # location is x-ms-mutability [read, create]
        (IDENTITY, ["location"], ["location"]),
        (IDENTITY, ['tags["team"]'], []),
        # Workspaces.json 2023-09-01: Workspace allOf common-types v2 TrackedResource
        ("azure-native:operationalinsights:Workspace", ["location"], ["location"]),
        ("azure-native:operationalinsights:Workspace", ["retentionInDays"], []),
        # PrometheusRuleGroups.json 2023-03-01: allOf common-types v3 TrackedResource
        ("azure-native:alertsmanagement:PrometheusRuleGroup", ["location"], ["location"]),
        ("azure-native:alertsmanagement:PrometheusRuleGroup", ["rules[0].expression", "enabled"], []),
        # storage.json 2024-01-01: EncryptionService.keyType is create-only, but a nested object's
        # (the provider replaces on resource-level properties only)
        ("azure-native:storage:StorageAccount", ["encryption.services.blob.keyType"], []),
        ("azure-native:storage:StorageAccount", ["kind"], []),
        # privatedns.json 2024-06-01: its own TrackedResource's location is [read, create]
        ("azure-native:privatedns:VirtualNetworkLink", ["location"], ["location"]),
        ("azure-native:privatedns:VirtualNetworkLink", ["registrationEnabled"], []),
        # dataCollectionRules_API.json 2022-06-01: the body's own location is [create, read]
        ("azure-native:monitor:DataCollectionRule", ["location"], ["location"]),
        ("azure-native:monitor:DataCollectionRule", ["dataFlows[0].destinations"], []),
        # actionGroups_API.json 2024-10-01-preview: AzureResource.location is [create, read] (the SDK's
        # args class is ActionGroupInitArgs: monitor's ActionGroupArgs is a type)
        ("azure-native:monitor:ActionGroup", ["location"], ["location"]),
        ("azure-native:monitor:ActionGroup", ["emailReceivers[0].emailAddress"], []),
        # authorization-RoleAssignmentsCalls.json 2022-04-01: no x-ms-mutability (principalId
        # replaces through forceNewMap)
        ("azure-native:authorization:RoleAssignment", ["description"], []),
    ],
)
def test_create_only_replace_reasons(resource_type: str, changed: list[str], reasons: list[str]) -> None:
    assert replace_reasons(resource_type, changed) == reasons


def test_a_create_only_property_change_is_a_replace_in_the_diff() -> None:
    """The workload identity of the azure-dev stack (components/azure/identities.py), moved to another
    region: `pulumi preview` replaces it; tags alone update it in place."""
    inputs = {
        "resourceGroupName": "mlfleet-dev",
        "resourceName": "mlfleet-dev-serving",
        "location": "westeurope",
    }
    base = plan(resources=[resource("dev", IDENTITY, "serving", inputs)])
    moved = plan(resources=[resource("dev", IDENTITY, "serving", {**inputs, "location": "northeurope"})])
    change = compare_plans(base, moved, "dev").resources[0]
    assert change.action == "replace" and change.replace_keys == ["location"]
    tagged = plan(resources=[resource("dev", IDENTITY, "serving", {**inputs, "tags": {"team": "ml"}})])
    assert compare_plans(base, tagged, "dev").resources[0].action == "update"
