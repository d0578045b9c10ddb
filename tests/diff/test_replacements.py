"""The replace-on-change data (mlfleet/diff/data/replacements.json, written by scripts/gen_replacements.py
from the providers' own sources): pinned to uv.lock, covering every type our stacks create, and
deciding replace vs update the way the providers do."""

from __future__ import annotations

import functools
import json
import tomllib
from typing import Any

import pytest

from mlfleet.diff.replacements import provider_versions, replace_paths, replace_reasons, split_path
from mlfleet.engine.harness import REPO_ROOT
from mlfleet.engine.preview import run_preview
from tests.diff.generator import load_generator

PACKAGES = (
    "pulumi-aws",
    "pulumi-gcp",
    "pulumi-azure-native",
    "pulumi-kubernetes",
    "pulumi-random",
    "pulumi-tls",
    "pulumi-command",
)
DATA = json.loads((REPO_ROOT / "mlfleet" / "diff" / "data" / "replacements.json").read_text(encoding="utf-8"))


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if p["name"] in PACKAGES}


def test_the_data_was_generated_for_the_provider_versions_in_uv_lock() -> None:
    locked, recorded = _locked_versions(), provider_versions()
    stale = [
        f"{p}: data for {recorded.get(p)}, uv.lock has {locked[p]}"
        for p in PACKAGES
        if recorded.get(p) != locked[p]
    ]
    assert not stale, (
        "replace-on-change data is stale (" + "; ".join(stale) + "): run scripts/gen_replacements.py"
    )


# Sources read at a release other than the pinned one, because no mirror of the pinned tag was
# reachable when the data was generated (docs/pr-diffs.md, "Where replacements come from"). Strict:
# once the data comes from the pinned release, the xfail turns into a failure and this list shrinks.
INEXACT = {
    "pulumi-aws": "terraform-provider-aws v6.58.0 read; pulumi-aws 7.51.1 bridges a newer, unidentified one",
    "pulumi-gcp": "pulumi-gcp 9.35.0 / google-beta v7.45.0 read; uv.lock pins 10.2.0",
    "pulumi-azure-native": "forceNewMap read from pulumi-azure-native@1b7112af (a copy: whether v3.29.0 "
    "has the same map could not be checked); x-ms-mutability read for the resource types in "
    "mlfleet/diff/data/azure_native_specs.json only",
}


@pytest.mark.parametrize(
    "package",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=INEXACT[p], strict=True)) if p in INEXACT else p
        for p in PACKAGES
    ],
)
def test_the_data_comes_from_the_pinned_release_sources(package: str) -> None:
    entry = DATA["providers"][package]
    assert entry["sourceVersion"] == entry["version"], entry["generatedFrom"]


@pytest.fixture(scope="module")
def stack_types() -> set[str]:
    """Every provider resource type the stacks' plans contain. Left out: components (no provider
    diffs them) and provider resources (their config changes are the provider's DiffConfig's call,
    not a resource schema's)."""
    types: set[str] = set()
    for stack_file in sorted((REPO_ROOT / "stacks").glob("Pulumi.*.yaml")):
        plan: dict[str, Any] = run_preview(REPO_ROOT, stack_file.name.split(".")[1])
        types |= {r["type"] for r in plan["resources"] if r["custom"] and not r["type"].startswith("pulumi:")}
    return types


def test_every_resource_type_of_our_stacks_is_in_the_data(stack_types: set[str]) -> None:
    assert len(stack_types) > 50
    missing = sorted(t for t in stack_types if replace_paths(t) is None)
    assert not missing, f"not in the replace-on-change data: {missing}"


@pytest.mark.parametrize(
    ("resource_type", "changed", "reasons"),
    [
        # terraform-provider-aws internal/service/ec2/vpc_.go: cidr_block ForceNew; tags are updatable
        ("aws:ec2/vpc:Vpc", ["cidrBlock"], ["cidrBlock"]),
        ("aws:ec2/vpc:Vpc", ['tags["Name"]', "enableDnsHostnames"], []),
        # internal/provider/sdkv2 forceNewIfRegionChanges: the injected region argument
        ("aws:ec2/vpc:Vpc", ["region"], ["region"]),
        # internal/service/eks/cluster.go: role_arn ForceNew
        ("aws:eks/cluster:Cluster", ["roleArn"], ["roleArn"]),
        # internal/service/eks/node_group.go: subnet_ids ForceNew (a list: the index is dropped)
        ("aws:eks/nodeGroup:NodeGroup", ["subnetIds[1]"], ["subnetIds"]),
        ("aws:eks/nodeGroup:NodeGroup", ["scalingConfig.desiredSize"], []),
        # internal/service/cloudwatch/metric_alarm.go: alarm_name ForceNew, which pulumi-aws calls `name`
        ("aws:cloudwatch/metricAlarm:MetricAlarm", ["name"], ["name"]),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", ["threshold"], []),
        # a JSON document inside a force-new string: the string changed (aws_ecr_lifecycle_policy.policy)
        (
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            ["policy{json}.rules[0].selection.countNumber"],
            ["policy"],
        ),
        ("aws:iam/role:Role", ["assumeRolePolicy{json}.Statement[0].Principal"], []),
        # pulumi-kubernetes diff.go: a Job replaces on spec.template, a Deployment only on its selector
        ("kubernetes:batch/v1:Job", ["spec.template.spec.containers[0].image"], ["spec.template"]),
        ("kubernetes:apps/v1:Deployment", ["spec.replicas"], []),
        ("kubernetes:apps/v1:Deployment", ["spec.selector.matchLabels.app"], ["spec.selector"]),
        ("kubernetes:core/v1:Service", ["spec.clusterIP"], ["spec.clusterIP"]),
        ("kubernetes:core/v1:Service", ["spec.ports[0].port"], []),
        # any kind, CRDs included, replaces on a new name or namespace
        ("kubernetes:karpenter.sh/v1:NodePool", ["metadata.name"], ["metadata.name"]),
        ("kubernetes:karpenter.sh/v1:NodePool", ['metadata.labels["team"]', "spec.limits.cpu"], []),
        ("kubernetes:helm.sh/v3:Release", ["values.replicas"], []),
        # google-beta services/container/resource_container_cluster.go: location ForceNew
        ("gcp:container/cluster:Cluster", ["location"], ["location"]),
        # azure-native: parameters of the resource's URL replace
        ("azure-native:storage:StorageAccount", ["accountName"], ["accountName"]),
        ("azure-native:storage:StorageAccount", ['tags["env"]'], []),
        # azure-native provider/pkg/gen/replacement.go forceNewMap: an AgentPool's vmSize, a
        # ManagedCluster's networkProfile.serviceCidr (not its loadBalancerProfile), a location
        ("azure-native:containerservice:AgentPool", ["vmSize"], ["vmSize"]),
        ("azure-native:containerservice:AgentPool", ["maxCount"], []),
        (
            "azure-native:containerservice:ManagedCluster",
            ["networkProfile.serviceCidr", "networkProfile.loadBalancerProfile.idleTimeoutInMinutes"],
            ["networkProfile.serviceCidr"],
        ),
        ("azure-native:storage:StorageAccount", ["location"], ["location"]),
        # terraform-provider-random resource_password.go: keepers RequiresReplaceIfValuesNotNull
        ("random:index/randomPassword:RandomPassword", ['keepers["rotation"]'], ["keepers"]),
        # pulumi-command v1.2.1: only `triggers` replaces; a new image push command line is an update
        ("command:local:Command", ["create"], []),
        ("command:local:Command", ["triggers[0]"], ["triggers"]),
    ],
)
def test_replace_reasons(resource_type: str, changed: list[str], reasons: list[str]) -> None:
    assert replace_reasons(resource_type, changed) == reasons


def test_adding_a_block_that_holds_force_new_attributes_replaces_on_a_bridged_provider() -> None:
    # aws_eks_cluster.outpost_config.control_plane_instance_type is ForceNew: adding the block sets it.
    assert "outpostConfig.controlPlaneInstanceType" in replace_reasons(
        "aws:eks/cluster:Cluster", ["outpostConfig"]
    )
    # removing a whole Job spec removes its template
    assert replace_reasons("kubernetes:batch/v1:Job", ["spec"]) == sorted(
        p for p in replace_paths("kubernetes:batch/v1:Job") or () if p.startswith("spec.")
    )


def test_types_outside_the_data_are_unknown_and_types_without_force_new_paths_are_empty() -> None:
    assert replace_paths("mlfleet:aws:ModelBucket") is None
    # terraform-provider-aws internal/service/iam/group.go: a group is renamed in place
    assert replace_paths("aws:iam/group:Group") == frozenset()
    assert replace_reasons("mlfleet:aws:ModelBucket", ["anything"]) == []


@pytest.mark.parametrize(
    ("path", "parts"),
    [
        ("a.b[0].c", ("a", "b", "c")),
        ('tags["kubernetes.io/role"]', ("tags", "kubernetes.io/role")),
        ("policy{json}.Statement[0].Action", ("policy",)),
        ("rules[12]", ("rules",)),
    ],
)
def test_split_path(path: str, parts: tuple[str, ...]) -> None:
    assert split_path(path) == parts


def test_a_top_level_key_that_is_no_identifier_is_one_name() -> None:
    # compare.py's join() writes a non-identifier key at the top level bare
    assert split_path("x-y.z[0]") == ("x-y", "z")


# The generator's Go reader, on small schemas written for these tests in the shapes the providers use.


@functools.cache
def _generator() -> Any:
    return load_generator()


SDKV2 = """
func resourceThing() *schema.Resource {
	return &schema.Resource{
		SchemaFunc: func() map[string]*schema.Schema {
			return map[string]*schema.Schema{
				names.AttrVPCID: {Type: schema.TypeString, Required: true, ForceNew: true},
				"settings": {
					Type: schema.TypeList, Optional: true, MaxItems: 1,
					Elem: &schema.Resource{Schema: map[string]*schema.Schema{
						"mode": {Type: schema.TypeString, Optional: true, ForceNew: true},
						"size": {Type: schema.TypeInt, Optional: true}, // updatable
					}},
				},
				"shared": sharedSchema(),
				names.AttrTags: tftags.TagsSchema(),
			}
		},
	}
}
"""
HELPERS = """
func sharedSchema() *schema.Schema {
	return &schema.Schema{Type: schema.TypeString, Optional: true, ForceNew: true}
}
var baseSchema = map[string]*schema.Schema{
	"project": {Type: schema.TypeString, Optional: true, ForceNew: true},
}
"""
MERGED = """
func ResourceMerged() *schema.Resource {
	return &schema.Resource{
		Schema: tpgresource.MergeSchemas(baseSchema, map[string]*schema.Schema{
			"labels": {Type: schema.TypeMap, Optional: true},
		}),
	}
}
"""
FRAMEWORK = """
func (r *thingResource) Schema(ctx context.Context, req resource.SchemaRequest,
	resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"note": schema.StringAttribute{
				Optional: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(check, "", "")},
			},
		},
		Blocks: map[string]schema.Block{
			"rule": schema.ListNestedBlock{
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Required: true,
							PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
						},
					},
				},
			},
		},
	}
}
"""


def _read(source: str) -> set[tuple[str, ...]]:
    gen = _generator()
    func, var = HELPERS.split("var ")
    helpers = {"sharedSchema": gen.parse_go(func), "baseSchema": gen.parse_go("var " + var)}
    schema = gen.read_tf_resource(gen.parse_go(source), helpers.get)
    return set(schema.force_new)


def test_the_generator_reads_sdkv2_force_new_nested_and_in_helpers() -> None:
    assert _read(SDKV2) == {("vpc_id",), ("settings", "mode"), ("shared",)}


def test_the_generator_reads_merged_schemas() -> None:
    assert _read(MERGED) == {("project",)}


def test_the_generator_reads_framework_requires_replace_but_not_conditional_ones() -> None:
    assert _read(FRAMEWORK) == {("name",), ("rule", "id")}


@pytest.mark.parametrize(
    ("constant", "name"),
    [
        ("names.AttrCIDRBlock", "cidr_block"),
        ("names.AttrRoleARN", "role_arn"),
        ("names.AttrSubnetIDs", "subnet_ids"),
        ("names.AttrVPCID", "vpc_id"),
        ("names.AttrKMSKeyID", "kms_key_id"),
        ("attrRestAPIID", "rest_api_id"),
    ],
)
def test_terraform_provider_aws_attribute_constants(constant: str, name: str) -> None:
    assert _generator().key_name([constant]) == name


# A Go map in the shape of pulumi-azure-native's provider/pkg/gen/replacement.go, written for this test.
FORCE_NEW_GO = """package gen

var forceNewMap = map[openapi.ModuleName]map[string]codegen.StringSet{
\t"Compute": {
\t\t"Disk": codegen.NewStringSet("location", "zones"),
\t\t"Snapshot": codegen.NewStringSet(
\t\t\t// "creationData" is quoted in a comment only
\t\t\t"incremental",
\t\t),
\t\t"Gallery": codegen.NewStringSet(), // none
\t},
}

var noForceNewMap = map[openapi.ModuleName]map[string]codegen.StringSet{
\t"Compute": {
\t\t"Disk": codegen.NewStringSet("tier"),
\t},
}
"""


def test_the_generator_reads_azure_native_force_new_map_without_comments() -> None:
    assert _generator().read_force_new_map(FORCE_NEW_GO) == {
        "forceNewMap": {
            "Compute": {"Disk": ["location", "zones"], "Snapshot": ["incremental"], "Gallery": []}
        },
        "noForceNewMap": {"Compute": {"Disk": ["tier"]}},
    }
