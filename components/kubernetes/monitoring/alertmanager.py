"""The Alertmanager configuration kube-prometheus-stack passes through (`alertmanager.config`):
a route tree by our `severity` label, the receivers from the stack config, inhibit rules.

Pure: takes resolved values (the caller resolves Pulumi secrets inside an `apply`) and returns the
standard Alertmanager configuration, which tests check with the real `amtool check-config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Kept from the chart's default `alertmanager.config` (prometheus-community/helm-charts,
# charts/kube-prometheus-stack/values.yaml, chart 69.4.1): the `null` receiver that swallows the
# always-firing Watchdog and the InfoInhibitor meta-alert, and the default inhibit rules. Setting
# `alertmanager.config` replaces the chart's default whole, so they are repeated here.
NULL_RECEIVER = "null"
CHART_INHIBIT_RULES: list[dict[str, Any]] = [
    {
        "source_matchers": ["severity = critical"],
        "target_matchers": ["severity =~ warning|info"],
        "equal": ["namespace", "alertname"],
    },
    {
        "source_matchers": ["severity = warning"],
        "target_matchers": ["severity = info"],
        "equal": ["namespace", "alertname"],
    },
    {
        "source_matchers": ["alertname = InfoInhibitor"],
        "target_matchers": ["severity = info"],
        "equal": ["namespace"],
    },
    {"target_matchers": ["alertname = InfoInhibitor"]},
]
# Our rules (rules/serving.yaml) say `severity: page|ticket`; the chart's own rules say
# critical/warning. Both reach the same people.
SEVERITY_MATCHERS = {"page": 'severity =~ "page|critical"', "ticket": 'severity =~ "ticket|warning"'}


# The closed loop (docs/delivery.md): alerts labelled `action: <a>` also go to the alert hook
# (apps/trainer/mlfleet_trainer/alert_hook), then on to the people (`continue`). One notification per
# alert and model; the hook rate-limits and drops repeats itself.
ACTIONS = ("retrain", "rollback")


def action_receiver(action: str) -> str:
    return f"mlfleet-{action}"


def _action_routes(hook: Mapping[str, str] | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Routes and webhook receivers for `hook` = {"url": ..., "token": ...} (None: no hook)."""
    if hook is None:
        return [], []
    routes = [
        {
            "receiver": action_receiver(action),
            "matchers": [f'action = "{action}"'],
            "group_by": ["alertname", "model"],
            "group_wait": "30s",
            "repeat_interval": "1h",
            "continue": True,
        }
        for action in ACTIONS
    ]
    receivers = [
        {
            "name": action_receiver(action),
            # Bearer token from the hook's Secret (the config is a Pulumi secret); resolved alerts
            # need no action. Alertmanager webhook_config / http_config.authorization: prometheus/
            # alertmanager docs/configuration.md, prometheus/common config/http_config.go.
            "webhook_configs": [
                {
                    "url": hook["url"],
                    "send_resolved": False,
                    "max_alerts": 50,
                    "http_config": {"authorization": {"type": "Bearer", "credentials": hook["token"]}},
                }
            ],
        }
        for action in ACTIONS
    ]
    return routes, receivers


def alertmanager_config(
    receivers: Mapping[str, Mapping[str, Any]], hook: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`receivers`: name -> {"kind": email|slack|pagerduty|webhook, "severities": [page, ticket],
    "settings": {<Alertmanager <kind>_config fields>}} (at least one). `hook`: the closed loop's
    receiver {"url", "token"}, which gets the alerts labelled with an `action`."""
    if not receivers:
        raise ValueError("at least one receiver is required: alerts would reach no one")
    names = sorted(receivers)
    action_routes, action_receivers = _action_routes(hook)
    routes: list[dict[str, Any]] = [
        {"receiver": NULL_RECEIVER, "matchers": ['alertname =~ "InfoInhibitor|Watchdog"']},
        *action_routes,
    ]
    for severity in ("page", "ticket"):
        routes += [
            {"receiver": name, "matchers": [SEVERITY_MATCHERS[severity]], "continue": True}
            for name in names
            if severity in receivers[name]["severities"]
        ]
    # Anything else (other severities, unlabelled) goes to the first ticket receiver, else the first.
    fallback = next((n for n in names if "ticket" in receivers[n]["severities"]), names[0])
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": fallback,
            "group_by": ["namespace", "alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "12h",
            "routes": routes,
        },
        "receivers": [
            {"name": NULL_RECEIVER},
            *(
                {
                    "name": name,
                    f"{receivers[name]['kind']}_configs": [
                        {"send_resolved": True, **_without_none(receivers[name]["settings"])}
                    ],
                }
                for name in names
            ),
            *action_receivers,
        ],
        "inhibit_rules": [
            *CHART_INHIBIT_RULES,
            # A model that pages (not ready, failing) does not also open tickets (no traffic, drift).
            {
                "source_matchers": ["severity = page", 'model != ""'],
                "target_matchers": ["severity = ticket"],
                "equal": ["model"],
            },
        ],
    }


def _without_none(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (_without_none(v) if isinstance(v, Mapping) else v) for k, v in settings.items() if v is not None
    }
