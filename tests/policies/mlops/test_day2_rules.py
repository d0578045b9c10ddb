"""Battery for the day-2 rules (issue 11): a prod stack has a budget per cloud, node pools that can
sit at zero have an autoscaler, every Alertmanager route reaches a receiver that sends somewhere."""

from __future__ import annotations

import base64
import json

import pytest
from mlfleet_policies.mlops.alert_route_receiver import CHART_DEFAULT, route_problems

from components.kubernetes.monitoring.alertmanager import alertmanager_config
from tests.policies.battery import run_battery, violations
from tests.policies.harness import PROD_TAGS, TAGS, Case, res
from tests.policies.kubernetes.workloads import deployment
from tests.policies.mlops.test_mlops_rules import gpu_pool, karpenter_pool

RELEASE = "kubernetes:helm.sh/v3:Release"
AGENT_POOL = "azure-native:containerservice:AgentPool"
GKE_POOL = "gcp:container/nodePool:NodePool"
GKE_CLUSTER = "gcp:container/cluster:Cluster"


def aws_bucket(tags: dict = PROD_TAGS) -> dict:
    return res("aws:s3/bucket:Bucket", {"bucket": "models", "tags": tags}, "models")


def gcs_bucket(labels: dict = PROD_TAGS) -> dict:
    return res("gcp:storage/bucket:Bucket", {"name": "g", "location": "EU", "labels": labels}, "g")


def aws_budget() -> dict:
    return res(
        "aws:budgets/budget:Budget",
        {"budgetType": "COST", "timeUnit": "MONTHLY", "limitAmount": "100", "limitUnit": "USD"},
        "budget",
    )


def gcp_budget() -> dict:
    return res("gcp:billing/budget:Budget", {"billingAccount": "0-0-0", "amount": {}}, "gbudget")


def release(chart: str, values: dict | None = None, name: str = "rel") -> dict:
    inputs: dict = {"chart": chart, "name": name}
    if values is not None:
        inputs["values"] = values
    return res(RELEASE, inputs, name)


def kps(config: object = None) -> dict:
    """A kube-prometheus-stack release with `alertmanager.config` (None: the chart's default)."""
    values: dict = {"alertmanager": {} if config is None else {"config": config}}
    return release("kube-prometheus-stack", values, "kps")


EMAIL = {"name": "oncall", "email_configs": [{"to": "oncall@example.com"}]}


def am_config(
    route_receiver: str = "oncall", receivers: list | None = None, routes: list | None = None
) -> dict:
    return {
        "route": {"receiver": route_receiver, "routes": routes or []},
        "receivers": receivers if receivers is not None else [{"name": "null"}, EMAIL],
    }


WATCHDOG_TO_NULL = [{"receiver": "null", "matchers": ['alertname =~ "InfoInhibitor|Watchdog"']}]


def am_secret(config: dict, encoded: bool = True) -> dict:
    text = json.dumps(config)
    data = {"data": {"alertmanager.yaml": base64.b64encode(text.encode()).decode()}}
    inputs = data if encoded else {"stringData": {"alertmanager.yaml": text}}
    return res(
        "kubernetes:core/v1:Secret", {"metadata": {"name": "alertmanager-main"}, **inputs}, "am-secret"
    )


def am_cr(route_receiver: str, receivers: list) -> dict:
    spec = {"route": {"receiver": route_receiver}, "receivers": receivers}
    return res(
        "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
        {"metadata": {"name": "team"}, "spec": spec},
        "am-cr",
    )


def agent_pool(**inputs: object) -> dict:
    return res(AGENT_POOL, {"vmSize": "Standard_D4s_v5", "tags": TAGS, **inputs}, "aks-pool")


def gke_pool(**inputs: object) -> dict:
    return res(
        GKE_POOL, {"cluster": "c", "nodeConfig": {"machineType": "e2-standard-4"}, **inputs}, "gke-pool"
    )


ZERO_GROUP = gpu_pool(
    "cpu0", instanceTypes=["m6i.large"], scalingConfig={"minSize": 0, "maxSize": 4, "desiredSize": 0}
)

CASES = [
    Case(
        "mlops-budget-in-prod",
        [aws_bucket(), aws_budget(), gcs_bucket(), gcp_budget()],
        [aws_bucket(), aws_budget(), gcs_bucket()],
        "prod stack creates gcp resources but no gcp budget (gcp:billing/budget:Budget)",
        variants=[
            ([aws_bucket()], "no aws budget (aws:budgets/budget:Budget)"),
            (
                [res("azure-native:storage:StorageAccount", {"tags": PROD_TAGS}, "sa")],
                "no azure budget (azure-native:consumption:Budget or azure-native:costmanagement:Budget)",
            ),
        ],
    ),
    Case(
        "mlops-pool-zero-needs-autoscaler",
        [
            ZERO_GROUP,
            karpenter_pool(),
            agent_pool(count=0, enableAutoScaling=True, minCount=0, maxCount=3),
            gke_pool(initialNodeCount=0, autoscaling={"minNodeCount": 0, "maxNodeCount": 3}),
            res(
                "azure-native:containerservice:ManagedCluster",
                {
                    "agentPoolProfiles": [
                        {"name": "system", "count": 2},
                        {"name": "gpu", "count": 0, "enableAutoScaling": True, "minCount": 0, "maxCount": 2},
                    ]
                },
                "aks-ok",
            ),
        ],
        [ZERO_GROUP],
        "node pool cpu0 has minSize and desiredSize 0 with no Karpenter or cluster-autoscaler",
        variants=[
            ([agent_pool(count=0)], "node pool aks-pool has count 0 with enableAutoScaling off"),
            ([gke_pool(nodeCount=0)], "node pool gke-pool has 0 nodes and no autoscaling block"),
            (
                [
                    res(
                        "azure-native:containerservice:ManagedCluster",
                        {"agentPoolProfiles": [{"name": "system", "count": 2}, {"name": "gpu", "count": 0}]},
                        "aks",
                    )
                ],
                "node pool aks/gpu has count 0 with enableAutoScaling off",
            ),
            (
                [res(GKE_CLUSTER, {"nodePools": [{"name": "cpu", "nodeCount": 0}]}, "gk")],
                "node pool gk/cpu has 0 nodes and no autoscaling block",
            ),
            (
                [ZERO_GROUP, release("prometheus-community/kube-prometheus-stack")],
                "node pool cpu0 has minSize and desiredSize 0",
            ),
        ],
    ),
    Case(
        "mlops-alert-route-receiver",
        [
            kps(am_config(routes=WATCHDOG_TO_NULL)),
            am_secret(am_config()),
            am_cr("team", [{"name": "team", "webhookConfigs": [{"url": "http://hook"}]}]),
            # A secret the pack cannot read (offline plans) is not checked.
            kps("[secret]"),
        ],
        [kps(am_config(routes=[{"receiver": "pager", "matchers": ['severity = "page"']}]))],
        "route.routes[0] sends to receiver 'pager', which is not defined",
        variants=[
            ([kps()], "route sends to receiver 'null', which has no integrations (alerts are dropped)"),
            (
                [kps(am_config(routes=[{"receiver": "null", "matchers": ['severity = "page"']}]))],
                "route.routes[0] sends to receiver 'null', which has no integrations",
            ),
            ([am_secret(am_config("nobody"), encoded=False)], "route sends to receiver 'nobody'"),
            ([am_secret(am_config("null"))], "route sends to receiver 'null', which has no integrations"),
            (
                [am_cr("team", [{"name": "team"}])],
                "route sends to receiver 'team', which has no integrations",
            ),
            ([am_cr("other", [EMAIL])], "route sends to receiver 'other', which is not defined"),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)


@pytest.mark.parametrize(
    "autoscaler",
    [
        karpenter_pool(),
        release("oci://public.ecr.aws/karpenter/karpenter"),
        release("cluster-autoscaler", name="ca"),
        deployment(
            lambda s: s["containers"][0].update(
                image="registry.k8s.io/autoscaling/cluster-autoscaler:v1.31.0"
            )
        ),
        res("aws:eks/cluster:Cluster", {"name": "auto", "computeConfig": {"enabled": True}}, "auto"),
    ],
    ids=[
        "karpenter-nodepool",
        "karpenter-chart",
        "cluster-autoscaler-chart",
        "autoscaler-deployment",
        "eks-auto",
    ],
)
def test_any_node_autoscaler_covers_eks_groups_at_zero(pack, autoscaler: dict) -> None:
    case = CASES[1]
    assert violations(pack, case, [ZERO_GROUP, autoscaler]) == []


def test_a_prod_stack_of_another_environment_needs_no_budget(pack) -> None:
    case = CASES[0]
    assert violations(pack, case, [aws_bucket(TAGS)]) == []
    # The rule's config names the environment when tags do not.
    assert violations(
        pack, case, [aws_bucket(TAGS)], {case.rule: {"enforcementLevel": "mandatory", "environment": "prod"}}
    )


def test_the_alertmanager_config_mlfleet_generates_passes() -> None:
    """Our stacks' Alertmanager config is a Pulumi secret in the plan (the pack sees `[secret]`
    offline), so it is checked here directly: every shape of receivers the stack config allows."""
    email = {"kind": "email", "severities": ["page", "ticket"], "settings": {"to": "a@example.com"}}
    pager = {"kind": "pagerduty", "severities": ["page"], "settings": {"routing_key": "k"}}
    hook = {"kind": "webhook", "severities": ["ticket"], "settings": {"url": "http://h"}}
    for receivers in ({"oncall": email}, {"pager": pager}, {"oncall": email, "pager": pager, "hook": hook}):
        assert list(route_problems(alertmanager_config(receivers))) == []


def test_the_charts_default_config_is_flagged() -> None:
    assert list(route_problems(CHART_DEFAULT)) == [
        "route sends to receiver 'null', which has no integrations (alerts are dropped)"
    ]
