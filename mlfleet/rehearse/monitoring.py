"""The monitoring half of the rehearsal: what kube-prometheus-stack would run, from a stack's plan,
with the real Prometheus and Alertmanager binaries on this machine.

In the cluster the Prometheus operator turns ServiceMonitors into scrape jobs and PrometheusRules
into rule files, and Alertmanager delivers to Slack, PagerDuty, webhooks and mail. Here:

- `prometheus_config` writes the scrape jobs the operator would (same job names, the operator's
  own relabeling over the same `__meta_kubernetes_*` labels), with static targets the caller
  resolved (ServiceMonitor -> Service -> ready pod addresses) instead of Kubernetes discovery;
- `rule_files` writes the PrometheusRules' groups unchanged apart from `for:` under a `TimeScale`;
- `alertmanager_config` keeps the route tree and receiver names and points every receiver at the
  local sink (`mlfleet/rehearse/sink.py`);
- `MonitoringRehearsal` runs Prometheus, Alertmanager and the sink and answers "did this alert
  fire, and which receiver got it, how fast?";
- `dashboard_queries` lists every dashboard query with Grafana's variables filled in.

Every builder returns the list of `Substitution`s it made: nothing is changed silently.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

import yaml

from components.kubernetes.monitoring.alertmanager import CHART_INHIBIT_RULES, NULL_RECEIVER
from mlfleet.rehearse.http import OPENER
from mlfleet.rehearse.processes import stop_all

SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
CHART = "kube-prometheus-stack"

# Pulumi's secret marker as plans carry it (docs/plan-format.md).
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
PLACEHOLDER_SECRET = "rehearsal-placeholder-secret"

# Defaults of the Prometheus operator (scrapeInterval/evaluationInterval unset) and of Alertmanager
# (a route without timers).
OPERATOR_SCRAPE_INTERVAL = "30s"
OPERATOR_EVALUATION_INTERVAL = "30s"
PROMETHEUS_SCRAPE_TIMEOUT = "10s"
ALERTMANAGER_ROUTE_DEFAULTS = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}

# kube-prometheus-stack's values.yaml `alertmanager.config` (unchanged for many chart versions,
# including the 69.x the stacks pin). Helm merges the stack's values over it: maps key by key,
# lists replaced whole, so e.g. `route.group_by: [namespace]` stays unless the stack sets it.
CHART_ALERTMANAGER_CONFIG: dict[str, Any] = {
    "global": {"resolve_timeout": "5m"},
    # One copy of the chart's default inhibit rules: the stack re-declares them when it sets the config.
    "inhibit_rules": copy.deepcopy(CHART_INHIBIT_RULES),
    "route": {
        "group_by": ["namespace"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "12h",
        "receiver": NULL_RECEIVER,
        "routes": [{"receiver": NULL_RECEIVER, "matchers": ['alertname = "Watchdog"']}],
    },
    "receivers": [{"name": NULL_RECEIVER}],
    "templates": ["/etc/alertmanager/config/*.tmpl"],
}


class MonitoringConfigError(ValueError):
    """The plan asks for something the rehearsal cannot reproduce faithfully (it says what)."""


@dataclass(frozen=True)
class Substitution:
    """One stand-in: what the cluster does, what the rehearsal does instead, and why."""

    subject: str
    cluster: str
    rehearsal: str
    why: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.cluster} -> {self.rehearsal} ({self.why})"


# --- durations and time compression --------------------------------------------------------------

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def parse_duration(text: str) -> float:
    """Seconds of a Prometheus/Alertmanager duration (`1h30m`, `15s`, `500ms`)."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise MonitoringConfigError(f"not a Prometheus duration: {text!r}")
    return sum(int(n) * _UNITS[u] for n, u in parts)


def format_duration(seconds: float) -> str:
    """The shortest exact duration text Prometheus and Alertmanager both parse."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    if ms % 1000:
        return f"{ms}ms"
    out, rest = "", ms // 1000
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out


@dataclass(frozen=True)
class TimeScale:
    """Compresses the waits of the monitoring path (`for:`, scrape/evaluation intervals, route
    timers) so a rehearsal proves in seconds what takes minutes in a cluster. PromQL, including its
    range windows (`rate(x[5m])`), is never touched: on a fresh Prometheus a window simply covers
    the seconds of data there are, and `rate()` needs only two samples."""

    factor: float = 1 / 60
    # No wait shorter than this: Prometheus evaluates rules and scrapes at most every `floor_s`, and
    # `for:` under one evaluation interval would not mean anything.
    floor_s: float = 1.0

    def seconds(self, seconds: float) -> float:
        if seconds <= 0:
            return seconds
        return min(seconds, max(self.floor_s, seconds * self.factor))

    def duration(self, text: str) -> str:
        return format_duration(self.seconds(parse_duration(text)))

    def describe(self) -> str:
        factor = f"1/{round(1 / self.factor)}" if self.factor < 1 else f"{self.factor:g}"
        return f"time scale {factor}, floor {format_duration(self.floor_s)}"

    def substitute(self, subject: str, text: str, why: str) -> tuple[str, Substitution | None]:
        """`text` scaled, and the substitution that says so (None when nothing changed)."""
        scaled = self.duration(text)
        if parse_duration(scaled) == parse_duration(text):
            return str(text), None
        return scaled, Substitution(subject, str(text), scaled, f"{self.describe()}: {why}")


def _scaled(scale: TimeScale | None, subject: str, text: str, why: str, subs: list[Substitution]) -> str:
    if scale is None:
        return str(text)
    value, sub = scale.substitute(subject, text, why)
    if sub is not None:
        subs.append(sub)
    return value


# --- plan helpers ----------------------------------------------------------------------------------


def _inputs(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """A plan resource's inputs, or the object itself when given the Kubernetes object directly."""
    return obj["inputs"] if "inputs" in obj else obj  # no Kubernetes object has a top-level `inputs`


def _resources(plan: Any, token: str) -> list[Mapping[str, Any]]:
    data = getattr(plan, "data", plan)
    return [r for r in data["resources"] if r["type"] == token]


def _is_secret(value: Any) -> bool:
    return isinstance(value, Mapping) and _SECRET_SIG in value


def _label_name(name: str) -> str:
    """Kubernetes label key -> Prometheus label-name suffix, as Kubernetes discovery sanitises it."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def helm_merge(defaults: Any, overrides: Any) -> Any:
    """Helm's value coalescing: maps merge key by key, anything else (lists included) is replaced,
    and a `null` override deletes the key."""
    if not isinstance(defaults, Mapping) or not isinstance(overrides, Mapping):
        return copy.deepcopy(overrides)
    merged = copy.deepcopy(dict(defaults))
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def prometheus_cr_name(release: Mapping[str, Any]) -> str:
    """The Prometheus object's name the chart creates (`kube-prometheus-stack.fullname`-prometheus)."""
    inputs = _inputs(release)
    values = inputs.get("values") or {}
    name = str(inputs.get("name") or CHART)
    fullname = values.get("fullnameOverride") or (name if CHART in name else f"{name}-{CHART}")
    return f"{fullname[:26].rstrip('-')}-prometheus"


# --- Prometheus: scrape jobs -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScrapeTarget:
    """One address a ServiceMonitor endpoint scrapes, as the caller resolved it (a ready pod behind a
    Service whose labels match), with what Kubernetes discovery would have said about it."""

    address: str  # host:port the rehearsal reaches the pod's port on
    namespace: str
    service: str
    pod: str
    port: str  # the Service port's name: what `endpoints[].port` names
    container: str = ""
    service_labels: Mapping[str, str] = field(default_factory=dict)
    pod_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def job(self) -> str:
        """The `job` label the operator gives the series (the Service's name, unless `jobLabel`)."""
        return self.service

    def meta_labels(self) -> dict[str, str]:
        """The `__meta_kubernetes_*` labels endpoints discovery would attach to this target."""
        labels = {
            "__meta_kubernetes_namespace": self.namespace,
            "__meta_kubernetes_service_name": self.service,
            "__meta_kubernetes_endpoint_port_name": self.port,
            "__meta_kubernetes_endpoint_ready": "true",
            "__meta_kubernetes_endpoint_address_target_kind": "Pod",
            "__meta_kubernetes_endpoint_address_target_name": self.pod,
            "__meta_kubernetes_pod_name": self.pod,
            "__meta_kubernetes_pod_container_name": self.container,
            "__meta_kubernetes_pod_phase": "Running",
        }
        for prefix, source in (("service", self.service_labels), ("pod", self.pod_labels)):
            for key, value in source.items():
                labels[f"__meta_kubernetes_{prefix}_label_{_label_name(key)}"] = str(value)
                labels[f"__meta_kubernetes_{prefix}_labelpresent_{_label_name(key)}"] = "true"
        return labels


# Endpoint fields the rehearsal reproduces -> Prometheus scrape-config keys (None: handled below).
_ENDPOINT_FIELDS: dict[str, str | None] = {
    "port": None,
    "path": "metrics_path",
    "interval": None,
    "scrapeTimeout": None,
    "scheme": "scheme",
    "params": "params",
    "honorLabels": "honor_labels",
    "honorTimestamps": "honor_timestamps",
    "followRedirects": "follow_redirects",
    "enableHttp2": "enable_http2",
    "filterRunning": None,
    "relabelings": None,
    "metricRelabelings": None,
}
_MONITOR_FIELDS = {
    "endpoints",
    "selector",
    "namespaceSelector",
    "jobLabel",
    "targetLabels",
    "podTargetLabels",
    "sampleLimit",
    "targetLimit",
    "labelLimit",
    "labelNameLengthLimit",
    "labelValueLengthLimit",
}
_LIMITS = {
    "sampleLimit": "sample_limit",
    "targetLimit": "target_limit",
    "labelLimit": "label_limit",
    "labelNameLengthLimit": "label_name_length_limit",
    "labelValueLengthLimit": "label_value_length_limit",
}


def _relabel(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A RelabelConfig of the CRD (camelCase) as Prometheus writes it (snake_case, action lowercase)."""
    keys = {
        "sourceLabels": "source_labels",
        "targetLabel": "target_label",
        "separator": "separator",
        "regex": "regex",
        "replacement": "replacement",
        "modulus": "modulus",
        "action": "action",
    }
    out: dict[str, Any] = {}
    for key, value in rule.items():
        if key not in keys:
            raise MonitoringConfigError(f"relabeling field {key!r} is not supported by the rehearsal")
        out[keys[key]] = value.lower() if key == "action" else value
    return out


def _selector_relabels(selector: Mapping[str, Any], kind: str = "service") -> list[dict[str, Any]]:
    """The operator's keep/drop rules for a label selector (matchLabels and matchExpressions)."""
    out: list[dict[str, Any]] = []
    for key, value in sorted((selector.get("matchLabels") or {}).items()):
        name = _label_name(key)
        out.append(
            {
                "action": "keep",
                "source_labels": [
                    f"__meta_kubernetes_{kind}_label_{name}",
                    f"__meta_kubernetes_{kind}_labelpresent_{name}",
                ],
                "regex": f"({value});true",
            }
        )
    for expression in selector.get("matchExpressions") or []:
        name, op = _label_name(expression["key"]), expression["operator"]
        values = "|".join(expression.get("values") or [])
        both = [f"__meta_kubernetes_{kind}_label_{name}", f"__meta_kubernetes_{kind}_labelpresent_{name}"]
        present = [f"__meta_kubernetes_{kind}_labelpresent_{name}"]
        rule = {
            "In": {"action": "keep", "source_labels": both, "regex": f"({values});true"},
            "NotIn": {"action": "drop", "source_labels": both, "regex": f"({values});true"},
            "Exists": {"action": "keep", "source_labels": present, "regex": "true"},
            "DoesNotExist": {"action": "drop", "source_labels": present, "regex": "true"},
        }.get(op)
        if rule is None:
            raise MonitoringConfigError(f"selector operator {op!r} is not a Kubernetes operator")
        out.append(rule)
    return out


def job_name(namespace: str, name: str, index: int) -> str:
    """The operator's scrape-job name for a ServiceMonitor's `index`-th endpoint."""
    return f"serviceMonitor/{namespace}/{name}/{index}"


def _scrape_jobs(
    monitor: Mapping[str, Any],
    targets: Sequence[ScrapeTarget],
    scale: TimeScale | None,
    default_interval: str,
    subs: list[Substitution],
) -> list[dict[str, Any]]:
    meta = monitor["metadata"]
    ns, name = meta.get("namespace", "default"), meta["name"]
    spec = monitor["spec"]
    unknown = set(spec) - _MONITOR_FIELDS
    if unknown:
        raise MonitoringConfigError(
            f"ServiceMonitor {ns}/{name}: {sorted(unknown)} not supported by the rehearsal"
        )
    namespaces = spec.get("namespaceSelector") or {}
    jobs = []
    for index, endpoint in enumerate(spec["endpoints"]):
        job = job_name(ns, name, index)
        unknown = set(endpoint) - set(_ENDPOINT_FIELDS)
        if unknown:
            # Auth, TLS, proxies: a faithful stand-in would need the Secrets; refuse, never drop.
            raise MonitoringConfigError(
                f"{job}: endpoint fields {sorted(unknown)} not supported by the rehearsal"
            )
        if "port" not in endpoint:
            raise MonitoringConfigError(f"{job}: only endpoints naming a Service `port` are supported")
        config: dict[str, Any] = {"job_name": job, "honor_labels": False}
        for key, target_key in _ENDPOINT_FIELDS.items():
            if target_key and key in endpoint:
                config[target_key] = endpoint[key]
        interval = str(endpoint.get("interval") or default_interval)
        config["scrape_interval"] = _scaled(
            scale, f"{job} scrape_interval", interval, "a rehearsal cannot wait for scrapes", subs
        )
        if "scrapeTimeout" in endpoint:
            config["scrape_timeout"] = _scaled(
                scale,
                f"{job} scrape_timeout",
                endpoint["scrapeTimeout"],
                "must not exceed the interval",
                subs,
            )
        for key, target_key in _LIMITS.items():
            if key in spec:
                config[target_key] = spec[key]
        config["static_configs"] = [{"targets": [t.address], "labels": t.meta_labels()} for t in targets]
        relabels: list[dict[str, Any]] = [
            {"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"},
        ]
        # Stands in for kubernetes_sd_configs' `namespaces` (own namespace unless namespaceSelector).
        if not namespaces.get("any"):
            allowed = namespaces.get("matchNames") or [ns]
            relabels.append(
                {
                    "action": "keep",
                    "source_labels": ["__meta_kubernetes_namespace"],
                    "regex": "|".join(allowed),
                }
            )
        relabels += _selector_relabels(spec.get("selector") or {})
        relabels += [
            {
                "action": "keep",
                "source_labels": ["__meta_kubernetes_endpoint_port_name"],
                "regex": endpoint["port"],
            },
            {
                "source_labels": [
                    "__meta_kubernetes_endpoint_address_target_kind",
                    "__meta_kubernetes_endpoint_address_target_name",
                ],
                "separator": ";",
                "regex": "Node;(.*)",
                "replacement": "${1}",
                "target_label": "node",
            },
            {
                "source_labels": [
                    "__meta_kubernetes_endpoint_address_target_kind",
                    "__meta_kubernetes_endpoint_address_target_name",
                ],
                "separator": ";",
                "regex": "Pod;(.*)",
                "replacement": "${1}",
                "target_label": "pod",
            },
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        ]
        if endpoint.get("filterRunning", True):
            relabels.append(
                {
                    "action": "drop",
                    "source_labels": ["__meta_kubernetes_pod_phase"],
                    "regex": "(Failed|Succeeded)",
                }
            )
        for label in spec.get("targetLabels") or []:
            relabels.append(
                {
                    "source_labels": [f"__meta_kubernetes_service_label_{_label_name(label)}"],
                    "target_label": _label_name(label),
                    "regex": "(.+)",
                    "replacement": "${1}",
                }
            )
        for label in spec.get("podTargetLabels") or []:
            relabels.append(
                {
                    "source_labels": [f"__meta_kubernetes_pod_label_{_label_name(label)}"],
                    "target_label": _label_name(label),
                    "regex": "(.+)",
                    "replacement": "${1}",
                }
            )
        relabels.append(
            {
                "source_labels": ["__meta_kubernetes_service_name"],
                "target_label": "job",
                "replacement": "${1}",
            }
        )
        if spec.get("jobLabel"):
            relabels.append(
                {
                    "source_labels": [f"__meta_kubernetes_service_label_{_label_name(spec['jobLabel'])}"],
                    "target_label": "job",
                    "regex": "(.+)",
                    "replacement": "${1}",
                }
            )
        relabels.append({"target_label": "endpoint", "replacement": endpoint["port"]})
        relabels += [_relabel(rule) for rule in endpoint.get("relabelings") or []]
        config["relabel_configs"] = relabels
        if endpoint.get("metricRelabelings"):
            config["metric_relabel_configs"] = [_relabel(rule) for rule in endpoint["metricRelabelings"]]
        addresses = ", ".join(t.address for t in targets) or "none"
        subs.append(
            Substitution(
                f"{job} targets",
                f"Kubernetes endpoints discovery in namespace {ns} (Services matching "
                f"{(spec.get('selector') or {}).get('matchLabels', {})}, port {endpoint['port']})",
                f"static targets [{addresses}] with the same __meta_kubernetes_* labels and the "
                "operator's relabeling",
                "no Kubernetes API here; the rehearsal resolved the Service's ready pods itself",
            )
        )
        jobs.append(config)
    return jobs


def prometheus_config(
    service_monitors: Iterable[Mapping[str, Any]],
    targets: Mapping[str, Sequence[ScrapeTarget]],
    rule_files: Iterable[str],
    alertmanager_address: str,
    scale: TimeScale | None = None,
    *,
    release: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[Substitution]]:
    """The Prometheus config the operator would generate for these ServiceMonitors (plan resources
    or their objects), scraping `targets` (keyed by ServiceMonitor `namespace/name` or `name`),
    loading `rule_files` (paths) and alerting `alertmanager_address` (host:port).

    `release` (the kube-prometheus-stack Release resource) supplies `prometheusSpec`'s
    scrapeInterval, evaluationInterval and externalLabels, and the external labels the operator
    adds (`prometheus`, `prometheus_replica`: Alertmanager sees them on every alert)."""
    subs: list[Substitution] = []
    spec: Mapping[str, Any] = {}
    external: dict[str, str] = {}
    if release is not None:
        inputs = _inputs(release)
        spec = ((inputs.get("values") or {}).get("prometheus") or {}).get("prometheusSpec") or {}
        cr = prometheus_cr_name(release)
        external = {
            "prometheus": f"{inputs.get('namespace', 'default')}/{cr}",
            "prometheus_replica": f"prometheus-{cr}-0",
        }
        external.update({str(k): str(v) for k, v in (spec.get("externalLabels") or {}).items()})
    scrape_interval = str(spec.get("scrapeInterval") or OPERATOR_SCRAPE_INTERVAL)
    evaluation = str(spec.get("evaluationInterval") or OPERATOR_EVALUATION_INTERVAL)
    global_config: dict[str, Any] = {
        "scrape_interval": _scaled(
            scale, "global scrape_interval", scrape_interval, "a rehearsal cannot wait for scrapes", subs
        ),
        "scrape_timeout": _scaled(
            scale, "global scrape_timeout", PROMETHEUS_SCRAPE_TIMEOUT, "must not exceed the interval", subs
        ),
        "evaluation_interval": _scaled(
            scale,
            "global evaluation_interval",
            evaluation,
            "rules must be evaluated within the scaled `for:`",
            subs,
        ),
    }
    if external:
        global_config["external_labels"] = external
    jobs: list[dict[str, Any]] = []
    for monitor in service_monitors:
        obj = _inputs(monitor)
        meta = obj["metadata"]
        key = f"{meta.get('namespace', 'default')}/{meta['name']}"
        found = targets.get(key, targets.get(meta["name"], []))
        jobs += _scrape_jobs(obj, found, scale, scrape_interval, subs)
    subs.append(
        Substitution(
            "alerting",
            "Alertmanager discovered through Kubernetes (the chart's alertmanager Service, port http-web)",
            f"static {alertmanager_address}",
            "no Kubernetes API here",
        )
    )
    alerting: dict[str, Any] = {}
    if "prometheus_replica" in external:
        # As the operator does: replicas of one Prometheus send the same alert, deduplicated.
        alerting["alert_relabel_configs"] = [{"action": "labeldrop", "regex": "prometheus_replica"}]
    config = {
        "global": global_config,
        "alerting": {
            **alerting,
            "alertmanagers": [
                {
                    "api_version": "v2",
                    "path_prefix": "/",
                    "static_configs": [{"targets": [alertmanager_address]}],
                }
            ],
        },
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": jobs,
    }
    return config, subs


# --- Prometheus: rules -----------------------------------------------------------------------------


def rule_files(
    prometheus_rules: Iterable[Mapping[str, Any]], scale: TimeScale | None = None
) -> tuple[dict[str, str], list[Substitution]]:
    """File name -> rule-file YAML per PrometheusRule (plan resource or object), named like the
    operator's (`<namespace>-<name>.yaml`), the groups exactly as in the spec apart from the
    scaled `for`, `keep_firing_for` and group `interval` (each listed)."""
    files: dict[str, str] = {}
    subs: list[Substitution] = []
    for resource in prometheus_rules:
        obj = _inputs(resource)
        meta = obj["metadata"]
        groups = copy.deepcopy(list(obj["spec"]["groups"]))
        for group in groups:
            if "interval" in group:
                group["interval"] = _scaled(
                    scale,
                    f"rule group {group['name']} interval",
                    group["interval"],
                    "evaluate within the scaled `for:`",
                    subs,
                )
            for rule in group.get("rules", []):
                what = rule.get("alert") or rule.get("record")
                for key in ("for", "keep_firing_for"):
                    if key in rule:
                        rule[key] = _scaled(
                            scale,
                            f"rule {group['name']}/{what} {key}",
                            rule[key],
                            f"a rehearsal cannot wait {rule[key]}",
                            subs,
                        )
        name = f"{meta.get('namespace', 'default')}-{meta['name']}.yaml"
        files[name] = yaml.safe_dump({"groups": groups}, sort_keys=False, allow_unicode=True)
    return files, subs


# --- Alertmanager ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SinkAddress:
    """Where the sink (mlfleet/rehearse/sink.py) listens."""

    host: str
    http_port: int
    smtp_port: int

    def url(self, kind: str, receiver: str) -> str:
        return f"http://{self.host}:{self.http_port}/{kind}/{urllib.parse.quote(receiver, safe='')}"

    @property
    def smarthost(self) -> str:
        return f"{self.host}:{self.smtp_port}"


# Receiver kind -> the field holding its endpoint URL (Alertmanager 0.25, config/notifiers.go), and
# the `*_file` secrets it may read that the cluster mounts from Secrets: file field -> inline field.
_HTTP_RECEIVERS: dict[str, tuple[str, dict[str, str | None]]] = {
    "webhook_configs": ("url", {"url_file": None}),  # url_file: Alertmanager >= 0.26
    "slack_configs": ("api_url", {"api_url_file": None}),
    "pagerduty_configs": ("url", {"routing_key_file": "routing_key", "service_key_file": "service_key"}),
    "opsgenie_configs": ("api_url", {"api_key_file": "api_key"}),
    "victorops_configs": ("api_url", {"api_key_file": "api_key"}),
    "wechat_configs": ("api_url", {}),
    "telegram_configs": ("api_url", {"bot_token_file": "bot_token"}),
    "discord_configs": ("webhook_url", {"webhook_url_file": None}),
    "webex_configs": ("api_url", {}),
    "msteams_configs": ("webhook_url", {"webhook_url_file": None}),
}
_KIND = {key: key.removesuffix("_configs") for key in _HTTP_RECEIVERS}
# No endpoint field to point elsewhere (pushover), or a protocol the sink does not speak (sns).
_UNSUPPORTED_RECEIVERS = {"pushover_configs", "sns_configs"}
# Global fallbacks that would otherwise still name the real services.
_GLOBAL_ENDPOINTS = (
    "slack_api_url",
    "slack_api_url_file",
    "pagerduty_url",
    "opsgenie_api_url",
    "opsgenie_api_key_file",
    "victorops_api_url",
    "victorops_api_key_file",
    "wechat_api_url",
    "telegram_api_url",
    "webex_api_url",
    "smtp_auth_password_file",
)


def _http_config(http: Mapping[str, Any], where: str, subs: list[Substitution]) -> dict[str, Any]:
    """An http_config that works against the plain-HTTP sink: no proxy, no TLS files, no token
    endpoint; file-mounted credentials become placeholders (the sink accepts any)."""
    out = copy.deepcopy(dict(http))
    for key, why in (
        ("proxy_url", "the sink is reached directly"),
        (
            "tls_config",
            "the sink speaks plain HTTP; the CA/cert files are mounted from Secrets in the cluster",
        ),
        ("oauth2", "the token endpoint is outside this machine"),
    ):
        if key in out:
            subs.append(Substitution(f"{where} http_config.{key}", json.dumps(out.pop(key)), "removed", why))
    for parent, file_key, inline in (
        ("authorization", "credentials_file", "credentials"),
        ("basic_auth", "password_file", "password"),
        (None, "bearer_token_file", "bearer_token"),
    ):
        holder = out.get(parent) if parent else out
        if isinstance(holder, dict) and file_key in holder:
            path = holder.pop(file_key)
            holder[inline] = PLACEHOLDER_SECRET
            subs.append(
                Substitution(
                    f"{where} http_config.{parent + '.' if parent else ''}{file_key}",
                    f"read from {path} (a mounted Secret)",
                    f"{inline}: a placeholder",
                    "the Secret is not mounted here; the sink accepts any credentials",
                )
            )
    return out


def _replace_secrets(value: Any, where: str, subs: list[Substitution]) -> Any:
    """Plan secret markers (values the plan never holds) -> a named placeholder."""
    if _is_secret(value):
        subs.append(
            Substitution(
                where, "a secret from the stack's config", "a placeholder", "plans never hold secret values"
            )
        )
        return PLACEHOLDER_SECRET
    if isinstance(value, Mapping):
        return {k: _replace_secrets(v, f"{where}.{k}", subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secrets(v, f"{where}[{i}]", subs) for i, v in enumerate(value)]
    return value


def _scale_route(route: dict[str, Any], path: str, scale: TimeScale, subs: list[Substitution]) -> None:
    defaulted = route.pop("_defaulted", [])  # already scaled by alertmanager_config
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in route and key not in defaulted:
            route[key] = _scaled(
                scale, f"{path} {key}", route[key], "a rehearsal cannot wait for notification timers", subs
            )
    for i, child in enumerate(route.get("routes") or []):
        _scale_route(child, f"{path}.routes[{i}]", scale, subs)


def chart_alertmanager_config(release: Mapping[str, Any]) -> dict[str, Any]:
    """The Alertmanager config the chart renders: the stack's `alertmanager.config` merged over the
    chart's default the way Helm merges values."""
    values = _inputs(release).get("values") or {}
    return helm_merge(CHART_ALERTMANAGER_CONFIG, (values.get("alertmanager") or {}).get("config") or {})


def alertmanager_config(
    config: Mapping[str, Any], sink: SinkAddress, scale: TimeScale | None = None
) -> tuple[dict[str, Any], list[Substitution]]:
    """The Alertmanager config with every receiver's endpoint pointed at the sink, the route tree,
    receiver names, matchers and grouping kept exactly (timers scaled when `scale` is given).

    HTTP receivers post to `<sink>/<kind>/<receiver>` (webhook, slack, pagerduty, ...); e-mail goes
    to the sink's SMTP port without TLS, with an `X-Rehearsal-Receiver` header naming the receiver.
    Receivers that cannot be redirected (pushover, sns) are refused, never left pointing outside."""
    subs: list[Substitution] = []
    out: dict[str, Any] = _replace_secrets(copy.deepcopy(dict(config)), "alertmanager", subs)
    glob = out.setdefault("global", {})
    global_smarthost = glob.get("smtp_smarthost", "the global smtp_smarthost (unset)")
    for key in _GLOBAL_ENDPOINTS:
        if key in glob:
            subs.append(
                Substitution(
                    f"global.{key}", str(glob.pop(key)), "removed", "every receiver names the sink explicitly"
                )
            )
    if "smtp_smarthost" in glob or "smtp_require_tls" in glob:
        subs.append(
            Substitution(
                "global.smtp_smarthost",
                f"{glob.get('smtp_smarthost', 'unset')} (require_tls {glob.get('smtp_require_tls', True)})",
                f"{sink.smarthost} (require_tls false)",
                "mail goes to the sink's SMTP port, which has no TLS",
            )
        )
        glob["smtp_smarthost"], glob["smtp_require_tls"] = sink.smarthost, False
    if "http_config" in glob:
        glob["http_config"] = _http_config(glob["http_config"], "global", subs)
    for receiver in out.get("receivers") or []:
        name = receiver["name"]
        for key in list(receiver):
            if key == "name":
                continue
            where = f"receiver {name} {key}"
            if key in _UNSUPPORTED_RECEIVERS:
                raise MonitoringConfigError(f"{where}: cannot be pointed at the rehearsal sink")
            if key == "email_configs":
                for i, email in enumerate(receiver[key]):
                    subs.append(
                        Substitution(
                            f"{where}[{i}] smarthost",
                            str(email.get("smarthost", global_smarthost)),
                            f"{sink.smarthost} (require_tls false, header X-Rehearsal-Receiver: {name})",
                            "the sink records the mail; the header says which receiver sent it",
                        )
                    )
                    email["smarthost"], email["require_tls"] = sink.smarthost, False
                    email.setdefault("headers", {})["X-Rehearsal-Receiver"] = name
                    if "auth_password_file" in email:
                        path = email.pop("auth_password_file")
                        subs.append(
                            Substitution(
                                f"{where}[{i}] auth_password_file",
                                f"read from {path} (a mounted Secret)",
                                "removed",
                                "the sink offers no SMTP AUTH, so Alertmanager does not log in",
                            )
                        )
                    if "tls_config" in email:
                        email.pop("tls_config")
                        subs.append(
                            Substitution(f"{where}[{i}] tls_config", "set", "removed", "the sink has no TLS")
                        )
                continue
            if key not in _HTTP_RECEIVERS:
                raise MonitoringConfigError(
                    f"{where}: unknown receiver kind, cannot be pointed at the rehearsal sink"
                )
            url_field, files = _HTTP_RECEIVERS[key]
            for i, notifier in enumerate(receiver[key]):
                url = sink.url(_KIND[key], name)
                before = notifier.get(url_field) or f"the global default for {_KIND[key]}"
                subs.append(
                    Substitution(
                        f"{where}[{i}] {url_field}", str(before), url, "the sink records the notification"
                    )
                )
                notifier[url_field] = url
                for file_key, inline in files.items():
                    if file_key not in notifier:
                        continue
                    path = notifier.pop(file_key)
                    if inline:
                        notifier[inline] = PLACEHOLDER_SECRET
                    subs.append(
                        Substitution(
                            f"{where}[{i}] {file_key}",
                            f"read from {path} (a mounted Secret)",
                            f"{inline}: a placeholder" if inline else "removed",
                            "the Secret is not mounted here; the sink accepts any key",
                        )
                    )
                if "http_config" in notifier:
                    notifier["http_config"] = _http_config(notifier["http_config"], f"{where}[{i}]", subs)
    for template in out.get("templates") or []:
        subs.append(
            Substitution(
                f"templates {template}",
                "the chart's templateFiles mounted there",
                "matches no file here: notifications use Alertmanager's default templates",
                "templateFiles are not rehearsed",
            )
        )
    if scale is not None:
        route = out.setdefault("route", {})
        for key, default in ALERTMANAGER_ROUTE_DEFAULTS.items():
            if key not in route:
                # Unset at the root means Alertmanager's default, which children inherit: scale it too.
                route[key] = _scaled(
                    scale,
                    f"route {key} (Alertmanager's default)",
                    default,
                    "a rehearsal cannot wait for it",
                    subs,
                )
                route.setdefault("_defaulted", []).append(key)
        _scale_route(route, "route", scale, subs)
    return out, subs


# --- dashboards ------------------------------------------------------------------------------------


class DashboardQuery(NamedTuple):
    dashboard: str
    panel: str
    expr: str


def _panels(panels: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])  # collapsed rows nest their panels


def _variable_value(variable: Mapping[str, Any]) -> str:
    current = (variable.get("current") or {}).get("value")
    if current in ("$__all", ["$__all"]) or (not current and variable.get("includeAll")):
        return str(variable.get("allValue") or ".*")  # Grafana's "All": every value, as a regex
    if isinstance(current, list) and current:
        return str(current[0]) if len(current) == 1 else "(" + "|".join(map(str, current)) + ")"
    if current:
        return str(current)
    options = [o.get("value") for o in variable.get("options") or [] if o.get("value")]
    return str(options[0]) if options else ".*"


def dashboard_queries(
    configmaps: Iterable[Mapping[str, Any]], *, scrape_interval: str = "15s", max_data_points: int = 1000
) -> list[DashboardQuery]:
    """Every Prometheus expression of the dashboards in these ConfigMaps (plan resources or objects;
    only those labelled `grafana_dashboard: "1"`, as the Grafana sidecar loads them), with Grafana's
    variables substituted the way Grafana would on opening the dashboard:

    - `$__interval`: the dashboard's time range / `max_data_points`, at least `scrape_interval`
      (the datasource's scrape interval; Grafana's default is 15s);
    - `$__rate_interval`: max(`$__interval` + scrape interval, 4 x scrape interval), Grafana's rule;
    - `$__range` (+ `_s`, `_ms`): the dashboard's time range (Grafana's default now-6h if unset);
    - template variables: their saved current value; "All" (or no value) as `allValue` or `.*`,
      a multi-value selection as `(a|b)`; otherwise the first option."""
    scrape = parse_duration(scrape_interval)
    out: list[DashboardQuery] = []
    for resource in configmaps:
        obj = _inputs(resource)
        if (obj.get("metadata") or {}).get("labels", {}).get("grafana_dashboard") != "1":
            continue
        for text in (obj.get("data") or {}).values():
            board = json.loads(text)
            span = (board.get("time") or {}).get("from", "now-6h")
            range_s = parse_duration(span.removeprefix("now-")) if span.startswith("now-") else 6 * 3600
            interval = max(scrape, round(range_s / max_data_points))
            rate_interval = max(interval + scrape, 4 * scrape)
            values = {
                "__interval": format_duration(interval),
                "__interval_ms": str(round(interval * 1000)),
                "__rate_interval": format_duration(rate_interval),
                "__range": format_duration(range_s),
                "__range_s": str(round(range_s)),
                "__range_ms": str(round(range_s * 1000)),
            }
            for variable in (board.get("templating") or {}).get("list") or []:
                values[variable["name"]] = _variable_value(variable)

            def fill(expr: str, values: Mapping[str, str] = values) -> str:
                def one(match: re.Match[str]) -> str:
                    name = match.group(1) or match.group(2) or match.group(3)
                    return values.get(name, match.group(0))

                return re.sub(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]|\$(\w+)", one, expr)

            title = str(board.get("title") or board.get("uid") or "")
            for panel in _panels(board.get("panels") or []):
                for target in panel.get("targets") or []:
                    datasource = target.get("datasource") or panel.get("datasource") or {}
                    kind = (
                        datasource.get("type", "prometheus")
                        if isinstance(datasource, Mapping)
                        else "prometheus"
                    )
                    if target.get("expr") and kind == "prometheus":
                        out.append(
                            DashboardQuery(title, str(panel.get("title", "")), fill(str(target["expr"])))
                        )
    return out


# --- everything from a plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class Ports:
    prometheus: int = 9090
    alertmanager: int = 9093
    sink_http: int = 9095
    sink_smtp: int = 2525


@dataclass
class MonitoringConfig:
    """Everything MonitoringRehearsal runs, and every substitution made to get it."""

    host: str
    ports: Ports
    prometheus: dict[str, Any]
    rules: dict[str, str]
    alertmanager: dict[str, Any]
    substitutions: list[Substitution]

    @property
    def sink(self) -> SinkAddress:
        return SinkAddress(self.host, self.ports.sink_http, self.ports.sink_smtp)

    @classmethod
    def from_plan(
        cls,
        plan: Any,
        targets: Mapping[str, Sequence[ScrapeTarget]],
        *,
        host: str,
        ports: Ports | None = None,
        scale: TimeScale | None = None,
        alertmanager: Mapping[str, Any] | None = None,
        rules_dir: str = "rules",
    ) -> MonitoringConfig:
        """Configs for a plan (a dict as in docs/plan-format.md, or a harness Plan). `alertmanager`
        replaces the plan's Alertmanager config (named as a substitution); rule files are listed
        as `<rules_dir>/<file>` (relative: MonitoringRehearsal writes them under its work dir)."""
        ports = ports or Ports()
        scale = scale if scale is not None else TimeScale()
        releases = [r for r in _resources(plan, HELM_RELEASE) if _inputs(r).get("chart") == CHART]
        if len(releases) > 1:
            raise MonitoringConfigError(
                f"{len(releases)} {CHART} releases in the plan; the rehearsal runs one"
            )
        release = releases[0] if releases else None
        subs: list[Substitution] = [
            Substitution(
                "the chart's own monitoring",
                f"{CHART} also scrapes the kubelet, node-exporter, kube-state-metrics, the API server and "
                "loads its default (kubernetes-mixin) rules",
                "only the plan's ServiceMonitors and PrometheusRules",
                "there is no kubelet, node or Kubernetes API here to scrape",
            ),
            Substitution(
                "storage",
                "Prometheus and Alertmanager on PersistentVolumeClaims",
                "directories in the rehearsal's work dir",
                "no volume provisioner here",
            ),
        ]
        files, rule_subs = rule_files(_resources(plan, PROMETHEUS_RULE), scale)
        prom, prom_subs = prometheus_config(
            _resources(plan, SERVICE_MONITOR),
            targets,
            [f"{rules_dir}/{name}" for name in files],
            f"{host}:{ports.alertmanager}",
            scale,
            release=release,
        )
        if alertmanager is not None:
            source = dict(alertmanager)
            has_own = bool(
                release and ((_inputs(release).get("values") or {}).get("alertmanager") or {}).get("config")
            )
            subs.append(
                Substitution(
                    "alertmanager config",
                    "the plan's alertmanager.config"
                    if has_own
                    else "the chart's default (the plan sets none)",
                    "a config given by the rehearsal's caller",
                    "requested by the caller",
                )
            )
        elif release is not None:
            source = chart_alertmanager_config(release)
        else:
            source = copy.deepcopy(CHART_ALERTMANAGER_CONFIG)
        sink = SinkAddress(host, ports.sink_http, ports.sink_smtp)
        am, am_subs = alertmanager_config(source, sink, scale)
        return cls(host, ports, prom, files, am, subs + prom_subs + rule_subs + am_subs)


# --- running it ------------------------------------------------------------------------------------

Spawn = Callable[[list[str]], "subprocess.Popen[bytes]"]


@dataclass(frozen=True)
class Delivery:
    """An alert that fired in Prometheus and reached a receiver through Alertmanager's routing."""

    alertname: str
    receiver: str
    kind: str  # webhook, slack, pagerduty, email, ...
    labels: dict[str, str]  # the alert's labels as Prometheus fired it
    firing_after_s: float  # from `since` until Prometheus reported it firing
    delivered_after_s: float  # from firing in Prometheus until the sink received it
    notification: dict[str, Any]  # what the sink recorded


def _get_json(url: str, timeout: float = 5.0) -> Any:
    with OPENER.open(url, timeout=timeout) as response:
        return json.load(response)


def _mentions(record: Mapping[str, Any], alertname: str) -> bool:
    """Whether a notification the sink recorded announces `alertname` firing."""
    body = record.get("body")
    if record.get("kind") == "webhook" and isinstance(body, Mapping):
        return any(
            a.get("status") == "firing" and (a.get("labels") or {}).get("alertname") == alertname
            for a in body.get("alerts") or []
        )
    if record.get("kind") == "pagerduty" and isinstance(body, Mapping):
        if body.get("event_action", body.get("event_type")) not in ("trigger", None):
            return False
        return alertname in json.dumps(body)
    text = json.dumps(body) + str(record.get("subject", ""))
    return alertname in text and "FIRING" in text.upper()


class MonitoringRehearsal:
    """Runs Prometheus, Alertmanager and the sink for a MonitoringConfig, each bound to its host.

    `spawn(argv)` starts a process (the lead's runs it inside the rehearsal's network namespace;
    tests pass `subprocess.Popen`). Use as a context manager: everything started is stopped on exit,
    also when starting or a check fails."""

    def __init__(
        self,
        workdir: Path,
        config: MonitoringConfig,
        spawn: Spawn = subprocess.Popen,
        *,
        prometheus_bin: str = "prometheus",
        alertmanager_bin: str = "prometheus-alertmanager",
        python: str = sys.executable,
        ready_timeout: float = 30.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.config = config
        self.spawn = spawn
        self.binaries = {"prometheus": prometheus_bin, "alertmanager": alertmanager_bin, "python": python}
        self.ready_timeout = ready_timeout
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.started_at = 0.0
        host, ports = config.host, config.ports
        self.prometheus_url = f"http://{host}:{ports.prometheus}"
        self.alertmanager_url = f"http://{host}:{ports.alertmanager}"
        self.sink_url = f"http://{host}:{ports.sink_http}"

    def __enter__(self) -> MonitoringRehearsal:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.stop()

    def write_files(self) -> dict[str, Path]:
        """prometheus.yml, rules/*.yaml, alertmanager.yml under the work dir; rule paths made absolute."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        rules = self.workdir / "rules"
        rules.mkdir(exist_ok=True)
        for name, text in self.config.rules.items():
            (rules / name).write_text(text)
        prom = copy.deepcopy(self.config.prometheus)
        prom["rule_files"] = [
            str(self.workdir / p) if not Path(p).is_absolute() else p for p in prom["rule_files"]
        ]
        paths = {
            "prometheus": self.workdir / "prometheus.yml",
            "alertmanager": self.workdir / "alertmanager.yml",
        }
        paths["prometheus"].write_text(yaml.safe_dump(prom, sort_keys=False))
        paths["alertmanager"].write_text(yaml.safe_dump(self.config.alertmanager, sort_keys=False))
        return paths

    def start(self) -> None:
        paths = self.write_files()
        host, ports = self.config.host, self.config.ports
        self.started_at = time.monotonic()
        self._spawn(
            "sink",
            [
                self.binaries["python"], "-m", "mlfleet.rehearse.sink",
                "--host", host, "--port", str(ports.sink_http), "--smtp-port", str(ports.sink_smtp),
            ],
        )  # fmt: skip
        self._spawn(
            "alertmanager",
            [
                self.binaries["alertmanager"],
                f"--config.file={paths['alertmanager']}",
                f"--storage.path={self.workdir / 'alertmanager-data'}",
                f"--web.listen-address={host}:{ports.alertmanager}",
                "--cluster.listen-address=",  # one replica, no gossip (as the operator runs 1 replica)
            ],
        )
        self._spawn(
            "prometheus",
            [
                self.binaries["prometheus"],
                f"--config.file={paths['prometheus']}",
                f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
                f"--web.listen-address={host}:{ports.prometheus}",
            ],
        )
        for name, url in (
            ("sink", f"{self.sink_url}/received"),
            ("alertmanager", f"{self.alertmanager_url}/-/ready"),
            ("prometheus", f"{self.prometheus_url}/-/ready"),
        ):
            self._wait_ready(name, url)

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.processes.append((name, self.spawn(argv)))

    def _check_alive(self) -> None:
        for name, proc in self.processes:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: {proc.args!r}")

    def _wait_ready(self, name: str, url: str) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while True:
            self._check_alive()
            try:
                with OPENER.open(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} not ready at {url} after {self.ready_timeout:.0f}s")
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop everything started (SIGTERM, then SIGKILL after 10 s), newest first."""
        stop_all(proc for _name, proc in self.processes)
        self.processes.clear()

    # --- questions ---------------------------------------------------------------------------------

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's result vector (`[{"metric": {...}, "value": [t, "v"]}]`)."""
        url = f"{self.prometheus_url}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            answer = _get_json(url)
        except urllib.error.HTTPError as error:  # 400/422: a bad expression; say which
            raise MonitoringConfigError(f"query {expr!r}: {error.read().decode()}") from error
        result = answer["data"]["result"]
        return result if isinstance(result, list) else [{"metric": {}, "value": result}]

    def targets(self) -> dict[str, Any]:
        return dict(_get_json(f"{self.prometheus_url}/api/v1/targets")["data"])

    def wait_targets_up(self, timeout: float = 30.0) -> dict[str, Any]:
        """/api/v1/targets once every active target has been scraped successfully, plus
        `seconds_since_start` (when that was first seen). Raises TimeoutError with each target's
        last error otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            data = self.targets()
            active = data.get("activeTargets") or []
            if active and all(t.get("health") == "up" for t in active):
                data["seconds_since_start"] = round(time.monotonic() - self.started_at, 2)
                return data
            if time.monotonic() > deadline:
                states = [
                    (t.get("scrapePool"), t.get("scrapeUrl"), t.get("health"), t.get("lastError"))
                    for t in active
                ]
                raise TimeoutError(f"targets not up after {timeout:.0f}s: {states or 'no active targets'}")
            time.sleep(0.2)

    def received(self) -> list[dict[str, Any]]:
        return list(_get_json(f"{self.sink_url}/received"))

    def wait_alert(self, alertname: str, timeout: float = 60.0, *, since: float | None = None) -> Delivery:
        """Wait until `alertname` fires in Prometheus and a receiver gets it through Alertmanager.
        `since` (time.time()) is when the condition was caused; by default, this call."""
        start = time.time() if since is None else since
        deadline = time.monotonic() + timeout
        fired_at: float | None = None
        labels: dict[str, str] = {}
        while time.monotonic() < deadline:
            self._check_alive()
            if fired_at is None:
                for alert in _get_json(f"{self.prometheus_url}/api/v1/alerts")["data"]["alerts"]:
                    if alert["labels"].get("alertname") == alertname and alert["state"] == "firing":
                        fired_at, labels = time.time(), dict(alert["labels"])
                        break
            if fired_at is not None:
                for record in self.received():
                    if record["time"] >= start and _mentions(record, alertname):
                        return Delivery(
                            alertname=alertname,
                            receiver=str(record.get("receiver", "")),
                            kind=str(record.get("kind", "")),
                            labels=labels,
                            firing_after_s=round(fired_at - start, 2),
                            delivered_after_s=round(max(0.0, record["time"] - fired_at), 2),
                            notification=record,
                        )
            time.sleep(0.2)
        state = "fired in Prometheus but was not delivered" if fired_at else "did not fire in Prometheus"
        raise TimeoutError(f"{alertname} {state} within {timeout:.0f}s")


__all__ = [
    "CHART_ALERTMANAGER_CONFIG",
    "DashboardQuery",
    "Delivery",
    "MonitoringConfig",
    "MonitoringConfigError",
    "MonitoringRehearsal",
    "Ports",
    "ScrapeTarget",
    "SinkAddress",
    "Substitution",
    "TimeScale",
    "alertmanager_config",
    "chart_alertmanager_config",
    "dashboard_queries",
    "format_duration",
    "helm_merge",
    "job_name",
    "parse_duration",
    "prometheus_config",
    "prometheus_cr_name",
    "rule_files",
]
