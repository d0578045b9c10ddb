"""environment, owner and cost-center on every taggable AWS, GCP and Azure resource.

Taggable types come from the installed SDKs (data/taggable_types.json, scripts/gen_taggable.py).
Post-Check the provider's default tags/labels count too: AWS `tagsAll` or provider `defaultTags`,
GCP `effectiveLabels` or provider `defaultLabels`. Provider settings are read from the explicit or
default provider the engine passes (JSON text for object-typed provider inputs).
"""

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources

from pulumi_policy import Severity

from mlfleet_policies.props import get, merged_tags, provider_setting
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

REQUIRED = ("environment", "owner", "cost-center")


@cache
def taggable() -> frozenset[str]:
    data = json.loads(resources.files("mlfleet_policies").joinpath("data/taggable_types.json").read_text())
    return frozenset(t for types in data.values() for t in types)


def effective_tags(r: Resource) -> dict[str, str]:
    if r.type.startswith("aws:"):
        return merged_tags(
            provider_setting(r.provider_props, "defaultTags.tags"),
            get(r.props, "tags"),
            get(r.props, "tagsAll"),
        )
    if r.type.startswith("gcp:"):
        return merged_tags(
            provider_setting(r.provider_props, "defaultLabels"),
            get(r.props, "labels"),
            get(r.props, "effectiveLabels"),
        )
    return merged_tags(get(r.props, "tags"))


def check(r: Resource) -> Iterator[str]:
    if r.type not in taggable():
        return
    tags = effective_tags(r)
    missing = [k for k in REQUIRED if not tags.get(k)]
    if missing:
        yield f"missing {'labels' if r.type.startswith('gcp:') else 'tags'}: {', '.join(missing)}"


RULE = resource_rule(
    RuleMeta(
        id="required-tags",
        description="Taggable cloud resources must carry environment, owner and cost-center tags/labels.",
        severity=Severity.MEDIUM,
        remediation=(
            "Pass context.tags() (AWS/Azure) or context.labels() (GCP), or set the provider's "
            "default tags/labels."
        ),
        frameworks=("iso27001",),
        topics=("tags", "cost", "ownership"),
    ),
    None,
    check,
)
