"""A prod stack has a cost budget on every cloud it creates resources in (AWS Budgets, a GCP
billing budget, an Azure consumption or cost-management budget): spend is capped and watched."""

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, Severity

from mlfleet_policies.props import PRODUCTION
from mlfleet_policies.rule import RuleMeta, stack_rule
from mlfleet_policies.stack_index import StackIndex

# cloud -> (type prefix of its resources, its budget resource types)
BUDGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws": ("aws:", ("aws:budgets/budget:Budget",)),
    "gcp": ("gcp:", ("gcp:billing/budget:Budget",)),
    "azure": (
        "azure-native:",
        (
            "azure-native:consumption:Budget",
            "azure-native:costmanagement:Budget",
            # The classic azure provider's budgets count too (any program).
            "azure:consumption/budgetResourceGroup:BudgetResourceGroup",
            "azure:consumption/budgetSubscription:BudgetSubscription",
        ),
    ),
}
_CLASSIC_AZURE = "azure:"


def cloud_of(resource: PolicyResource) -> str | None:
    kind = resource.resource_type
    if kind.startswith(_CLASSIC_AZURE):
        return "azure"
    return next((cloud for cloud, (prefix, _) in BUDGETS.items() if kind.startswith(prefix)), None)


def check(resources: list[PolicyResource], config: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    index = StackIndex(resources)
    environment = str(config.get("environment") or index.environment()).lower()
    if environment not in PRODUCTION:
        return
    used = {cloud for r in index.resources if (cloud := cloud_of(r)) is not None}
    for cloud in sorted(used):
        budgets = BUDGETS[cloud][1]
        if not index.of_type(*budgets):
            yield (
                f"prod stack creates {cloud} resources but no {cloud} budget ({' or '.join(budgets[:2])})",
                None,
            )


RULE = stack_rule(
    RuleMeta(
        id="mlops-budget-in-prod",
        description="A prod stack must have a cost budget on every cloud it deploys to.",
        severity=Severity.HIGH,
        remediation=(
            "Add a monthly budget with alert thresholds per cloud: AWS aws.budgets.Budget, GCP "
            "gcp.billing.Budget, Azure azure_native.consumption.Budget (mlfleet: set mlfleet:budget, "
            "docs/budgets.md). A budget owned by another stack: set this rule to advisory in the pack config."
        ),
        topics=("mlops", "cost"),
        assumes="outputs",
    ),
    check,
)
