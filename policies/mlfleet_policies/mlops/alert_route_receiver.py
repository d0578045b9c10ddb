"""Every Alertmanager route reaches someone: each route names a receiver that is defined, and the
receivers routes send real alerts to have at least one integration (e-mail, Slack, webhook, ...).

Reads the three places an Alertmanager config lives in a Pulumi program: a kube-prometheus-stack
(or alertmanager chart) Helm release's values, an Alertmanager config Secret (`alertmanager.yaml`),
and an AlertmanagerConfig custom resource. A receiver without integrations (the chart's default
`null`) may only take `Watchdog` and `InfoInhibitor`, which are meant to go nowhere.

A config the pack cannot read is not checked: under `pulumi preview` the engine hands the pack
secret values in plain text (CrossGuard FAQ; pulumi/pulumi-policy#163), but an offline plan carries
only the secret's marker (`[secret]`) and a config computed from other resources' outputs is
unknown until they exist.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

# PyYAML comes with the pulumi SDK (a dependency of `pulumi`).
import yaml
from pulumi_policy import Severity

from mlfleet_policies.props import get, items, mapping
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule

HELM = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
SECRET = "kubernetes:core/v1:Secret"
CRDS = (
    "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
    "kubernetes:monitoring.coreos.com/v1beta1:AlertmanagerConfig",
)
CONFIG_KEY = "alertmanager.yaml"
# Alerts that are meant to reach nobody (kube-prometheus-stack's default config routes them to `null`).
SILENT_ALERTS = ("Watchdog", "InfoInhibitor")
# The chart's default when `alertmanager.config` is not set: everything to `null` (values.yaml of
# prometheus-community/helm-charts charts/kube-prometheus-stack, chart 69.4.1).
CHART_DEFAULT: dict[str, Any] = {
    "route": {"receiver": "null", "routes": [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}]},
    "receivers": [{"name": "null"}],
}


class Unreadable(Exception):
    """The config is a secret placeholder, unknown, or not YAML."""


def _config(r: Resource) -> Mapping[str, Any] | None:
    """The Alertmanager config a resource carries (None: it carries none)."""
    props = r.props
    if r.type in HELM:
        chart = str(get(props, "chart", "")).lower()
        values = get(props, "values")
        if "kube-prometheus-stack" in chart:
            if not isinstance(values, Mapping) and values is not None:
                raise Unreadable
            manager = mapping(get(values or {}, "alertmanager"))
            spec = mapping(manager.get("alertmanagerSpec"))
            if manager.get("enabled") is False or any(
                spec.get(k) for k in ("useExistingSecret", "configSecret", "alertmanagerConfiguration")
            ):
                return None  # disabled, or configured elsewhere (a Secret or CR this rule reads)
            return _parsed(manager.get("config")) if "config" in manager else CHART_DEFAULT
        if chart.endswith("alertmanager") and isinstance(values, Mapping) and "config" in values:
            return _parsed(values["config"])
        return None
    if r.type == SECRET:
        string_data, data = mapping(get(props, "stringData")), mapping(get(props, "data"))
        if CONFIG_KEY in string_data:
            return _parsed(string_data[CONFIG_KEY])
        if CONFIG_KEY in data:
            try:
                return _parsed(base64.b64decode(str(data[CONFIG_KEY]), validate=True).decode())
            except (binascii.Error, UnicodeDecodeError):
                raise Unreadable from None
        return None
    return _custom_resource(get(props, "spec"))


def _parsed(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            raise Unreadable from None
    if not isinstance(value, Mapping):
        raise Unreadable  # "[secret]", unknown, or not a mapping
    return value


def _custom_resource(spec: Any) -> Mapping[str, Any]:
    """An AlertmanagerConfig's spec in Alertmanager's own shape (camelCase `*Configs` fields)."""
    if not isinstance(spec, Mapping):
        raise Unreadable
    receivers = [
        {"name": get(rcv, "name"), **{k: v for k, v in mapping(rcv).items() if k.endswith("Configs")}}
        for rcv in items(spec.get("receivers"))
    ]
    return {"route": spec.get("route"), "receivers": receivers}


def _integrations(receiver: Any) -> int:
    return sum(
        len(items(value)) for key, value in mapping(receiver).items() if key.endswith(("_configs", "Configs"))
    )


_MATCHER = re.compile(r'^\s*alertname\s*(=~|=)\s*"?([^"]*)"?\s*$')


def _alertnames(route: Mapping[str, Any]) -> Iterator[list[str]]:
    """The alert names each alertname matcher of a route allows (`matchers` strings or the CR's
    objects, legacy `match`/`match_re`)."""
    for matcher in items(route.get("matchers")):
        if isinstance(matcher, Mapping):
            if matcher.get("name") == "alertname" and matcher.get("matchType", "=") in ("=", "=~"):
                value = str(matcher.get("value", ""))
                yield value.split("|") if matcher.get("matchType") == "=~" else [value]
        elif found := _MATCHER.match(str(matcher)):
            yield found.group(2).split("|") if found.group(1) == "=~" else [found.group(2)]
    if "alertname" in mapping(route.get("match")):
        yield [str(route["match"]["alertname"])]
    if "alertname" in mapping(route.get("match_re")):
        yield str(route["match_re"]["alertname"]).split("|")


def _silent(route: Mapping[str, Any]) -> bool:
    """The route only takes alerts meant to reach nobody (Watchdog, InfoInhibitor)."""
    return any(names and set(names) <= set(SILENT_ALERTS) for names in _alertnames(route))


def route_problems(config: Mapping[str, Any]) -> Iterator[str]:
    """What is wrong with the routes of one Alertmanager config (pure: tests feed it ours)."""
    receivers = {str(get(r, "name")): _integrations(r) for r in items(config.get("receivers"))}

    def visit(route: Any, path: str, inherited: str | None) -> Iterator[str]:
        route = mapping(route)
        name = route.get("receiver", inherited)
        if name is None:
            yield f"{path} names no receiver"
        elif str(name) not in receivers:
            yield f"{path} sends to receiver {name!r}, which is not defined"
        elif receivers[str(name)] == 0 and not (path != "route" and _silent(route)):
            yield f"{path} sends to receiver {name!r}, which has no integrations (alerts are dropped)"
        for i, child in enumerate(items(route.get("routes"))):
            yield from visit(child, f"{path}.routes[{i}]", name)

    yield from visit(config.get("route"), "route", None)


def check(r: Resource) -> Iterator[str]:
    try:
        config = _config(r)
    except Unreadable:
        return  # secret placeholder, unknown or unparseable: not checked (see the module docstring)
    if config is not None:
        yield from (f"Alertmanager config: {problem}" for problem in route_problems(config))


RULE = resource_rule(
    RuleMeta(
        id="mlops-alert-route-receiver",
        description="Every Alertmanager route must reach a defined receiver with at least one integration.",
        severity=Severity.HIGH,
        remediation=(
            "Define every receiver a route names, with an integration (email_configs, slack_configs, "
            "webhook_configs, ...); send only Watchdog/InfoInhibitor to a receiver without one. "
            "kube-prometheus-stack: set alertmanager.config (its default sends everything to `null`); "
            "mlfleet: mlfleet:monitoring.receivers."
        ),
        topics=("mlops", "monitoring"),
    ),
    (*HELM, SECRET, *CRDS),
    check,
)
