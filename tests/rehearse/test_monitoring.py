"""The rehearsal's monitoring half: config builders (pure), the sink, and the real Prometheus and
Alertmanager running the `local` stack's monitoring against the serving app's real metrics."""

from __future__ import annotations

import json
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlfleet.engine.harness import Plan
from mlfleet.rehearse.monitoring import (
    CONFIG_MAP,
    PROMETHEUS_RULE,
    SERVICE_MONITOR,
    MonitoringConfig,
    MonitoringConfigError,
    MonitoringRehearsal,
    Ports,
    ScrapeTarget,
    SinkAddress,
    TimeScale,
    alertmanager_config,
    chart_alertmanager_config,
    dashboard_queries,
    format_duration,
    parse_duration,
    prometheus_config,
    rule_files,
)
from mlfleet.rehearse.resolved import resolve_stack
from tests.support import REPO_ROOT, free_port, require_tool

SINK = SinkAddress("127.0.0.1", 18095, 12525)
SERVING_LABELS = {
    "app.kubernetes.io/instance": "mlfleet-local-serving",
    "app.kubernetes.io/name": "mlfleet-serving",
}

# A config in the shape the stack is getting (receivers from stack config, routes by severity).
OWN_ALERTMANAGER: dict[str, Any] = {
    "global": {
        "smtp_smarthost": "smtp.example.com:587",
        "smtp_from": "alerts@example.com",
        "slack_api_url_file": "/etc/alertmanager/secrets/slack/url",
    },
    "route": {
        "receiver": "team-mail",
        "group_by": ["alertname", "model"],
        "routes": [
            {"receiver": "oncall", "matchers": ['severity = "page"'], "group_wait": "10s"},
            {
                "receiver": "tickets",
                "matchers": ['severity = "ticket"'],
                "routes": [{"receiver": "retrain", "matchers": ['action = "retrain"'], "continue": True}],
            },
        ],
    },
    "receivers": [
        {
            "name": "team-mail",
            "email_configs": [{"to": "ml@example.com", "auth_password_file": "/etc/am/smtp"}],
        },
        {
            "name": "oncall",
            "pagerduty_configs": [{"routing_key_file": "/etc/alertmanager/secrets/pd/key"}],
            "slack_configs": [{"channel": "#oncall"}],
        },
        {
            "name": "tickets",
            "slack_configs": [{"api_url": "https://hooks.slack.com/services/T/B/X", "channel": "#ml"}],
        },
        {
            "name": "retrain",
            "webhook_configs": [
                {
                    "url": "https://ci.example.com/hooks/retrain",
                    "http_config": {"authorization": {"credentials_file": "/etc/am/ci-token"}},
                }
            ],
        },
    ],
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    """The local stack's resources with secrets resolved, as the rehearsal reads them (the chart's
    Alertmanager config holds receiver credentials, so the plan file shows it only as a marker)."""
    resolved = resolve_stack(REPO_ROOT, "local")
    return Plan({"resources": resolved.resources, "outputs": resolved.outputs})


def serving_target(address: str) -> ScrapeTarget:
    return ScrapeTarget(
        address=address,
        namespace="mlfleet",
        service="mlfleet-local-serving",
        pod="mlfleet-local-serving-6c9f-0",
        port="http",
        container="serving",
        service_labels={**SERVING_LABELS, "app.kubernetes.io/part-of": "mlfleet"},
    )


def plan_alertmanager(plan: Plan) -> dict[str, Any] | None:
    """The stack's own Alertmanager config once the chart values carry one (else None)."""
    release = plan.one("kubernetes:helm.sh/v3:Release")
    if (release["inputs"]["values"].get("alertmanager") or {}).get("config"):
        return chart_alertmanager_config(release)
    return None


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


# --- pure builders ---------------------------------------------------------------------------------


def test_durations_and_time_scale() -> None:
    assert parse_duration("1h30m") == 5400 and parse_duration("500ms") == 0.5
    assert format_duration(5400) == "1h30m" and format_duration(0.5) == "500ms"
    scale = TimeScale()
    assert scale.duration("5m") == "5s" and scale.duration("1h") == "1m"
    assert scale.duration("15s") == "1s"  # floor
    assert scale.duration("500ms") == "500ms"  # never longer than the original
    with pytest.raises(MonitoringConfigError):
        parse_duration("5 minutes")


def test_service_monitor_becomes_the_operators_job(plan: Plan) -> None:
    monitor = plan.one(SERVICE_MONITOR)
    target = serving_target("127.0.0.1:8080")
    config, subs = prometheus_config(
        [monitor],
        {"mlfleet/mlfleet-local-serving": [target]},
        ["rules/monitoring-mlfleet-serving.yaml"],
        "127.0.0.1:9093",
        TimeScale(),
        release=plan.one("kubernetes:helm.sh/v3:Release"),
    )
    (job,) = config["scrape_configs"]
    endpoint = monitor["inputs"]["spec"]["endpoints"][0]
    assert job["job_name"] == "serviceMonitor/mlfleet/mlfleet-local-serving/0"
    assert job["metrics_path"] == endpoint["path"]
    assert job["scrape_interval"] == "1s"
    assert job["static_configs"] == [{"targets": ["127.0.0.1:8080"], "labels": target.meta_labels()}]
    keeps = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert {
        "action": "keep",
        "source_labels": ["__meta_kubernetes_endpoint_port_name"],
        "regex": "http",
    } in keeps
    for key, value in SERVING_LABELS.items():
        name = key.replace(".", "_").replace("/", "_")
        assert {
            "action": "keep",
            "source_labels": [
                f"__meta_kubernetes_service_label_{name}",
                f"__meta_kubernetes_service_labelpresent_{name}",
            ],
            "regex": f"({value});true",
        } in keeps
    assert {r.get("target_label") for r in job["relabel_configs"]} >= {
        "namespace",
        "service",
        "pod",
        "job",
        "endpoint",
    }
    assert config["global"]["external_labels"] == {
        "prometheus": "monitoring/kube-prometheus-stack-prometheus",
        "prometheus_replica": "prometheus-kube-prometheus-stack-prometheus-0",
    }
    assert config["alerting"]["alertmanagers"][0]["static_configs"] == [{"targets": ["127.0.0.1:9093"]}]
    said = [str(s) for s in subs]
    assert any(s.startswith(f"{job['job_name']} scrape_interval: {endpoint['interval']} -> 1s") for s in said)
    assert any(s.startswith("global evaluation_interval: 30s -> 1s") for s in said)
    assert any(s.startswith(f"{job['job_name']} targets:") for s in said)


def test_unsupported_endpoint_fields_are_refused() -> None:
    monitor = {
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {
            "selector": {},
            "endpoints": [{"port": "web", "bearerTokenSecret": {"name": "t", "key": "k"}}],
        },
    }
    with pytest.raises(MonitoringConfigError, match="bearerTokenSecret"):
        prometheus_config([monitor], {}, [], "127.0.0.1:9093")


def test_generated_prometheus_config_passes_promtool(plan: Plan, tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    config = MonitoringConfig.from_plan(
        plan, {"mlfleet-local-serving": [serving_target("127.0.0.1:8080")]}, host="127.0.0.1"
    )
    rehearsal = MonitoringRehearsal(tmp_path, config)
    paths = rehearsal.write_files()
    result = subprocess.run(
        [promtool, "check", "config", str(paths["prometheus"])], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rules found" not in result.stdout  # sanity: the plan has more than two
    assert f"SUCCESS: {len(config.rules)} rule files found" in result.stdout


def test_rule_files_are_the_plans_groups_apart_from_named_for_changes(plan: Plan) -> None:
    rules = plan.one(PROMETHEUS_RULE)
    files, subs = rule_files([rules], TimeScale())
    assert list(files) == ["monitoring-mlfleet-serving.yaml"]
    written = yaml.safe_load(files["monitoring-mlfleet-serving.yaml"])["groups"]
    said = {s.subject: s for s in subs}
    expected = json.loads(json.dumps(rules["inputs"]["spec"]["groups"]))
    for group in expected:
        for rule in group["rules"]:
            if "for" in rule:
                sub = said.pop(f"rule {group['name']}/{rule['alert']} for")
                assert sub.cluster == rule["for"]
                rule["for"] = sub.rehearsal
    assert written == expected  # exprs, labels, annotations untouched
    assert not said  # nothing else changed
    unscaled, none = rule_files([rules])
    assert (
        not none
        and yaml.safe_load(unscaled["monitoring-mlfleet-serving.yaml"])["groups"]
        == rules["inputs"]["spec"]["groups"]
    )


def test_every_receiver_points_at_the_sink_and_the_route_tree_is_kept(tmp_path: Path) -> None:
    config, subs = alertmanager_config(OWN_ALERTMANAGER, SINK, TimeScale())
    receivers = {r["name"]: r for r in config["receivers"]}
    assert list(receivers) == [r["name"] for r in OWN_ALERTMANAGER["receivers"]]
    assert receivers["oncall"]["pagerduty_configs"][0]["url"] == "http://127.0.0.1:18095/pagerduty/oncall"
    assert "routing_key_file" not in receivers["oncall"]["pagerduty_configs"][0]
    assert receivers["oncall"]["slack_configs"][0]["api_url"] == "http://127.0.0.1:18095/slack/oncall"
    assert receivers["tickets"]["slack_configs"][0]["api_url"] == "http://127.0.0.1:18095/slack/tickets"
    hook = receivers["retrain"]["webhook_configs"][0]
    assert hook["url"] == "http://127.0.0.1:18095/webhook/retrain"
    assert "credentials_file" not in hook["http_config"]["authorization"]
    mail = receivers["team-mail"]["email_configs"][0]
    assert (mail["smarthost"], mail["require_tls"]) == ("127.0.0.1:12525", False)
    assert mail["headers"]["X-Rehearsal-Receiver"] == "team-mail"
    assert "auth_password_file" not in mail and "slack_api_url_file" not in config["global"]
    # Nothing still names a real endpoint or a file that is not mounted here.
    for text in strings(config):
        assert not text.startswith(("https://", "/etc/")), text
        assert not text.startswith("http://") or text.startswith("http://127.0.0.1:18095/"), text

    # The tree is the same apart from scaled timers.
    def shape(route: dict[str, Any]) -> Any:
        return (
            route.get("receiver"),
            route.get("matchers"),
            route.get("group_by"),
            route.get("continue"),
            [shape(r) for r in route.get("routes", [])],
        )

    assert shape(config["route"]) == shape(OWN_ALERTMANAGER["route"])
    assert config["route"]["routes"][0]["group_wait"] == "1s"
    said = [str(s) for s in subs]
    for fragment in (
        "receiver oncall pagerduty_configs[0] url",
        "receiver oncall pagerduty_configs[0] routing_key_file",
        "receiver oncall slack_configs[0] api_url",
        "receiver tickets slack_configs[0] api_url: https://hooks.slack.com/services/T/B/X -> http://127.0.0.1:18095",
        "receiver retrain webhook_configs[0] url: https://ci.example.com/hooks/retrain ->",
        "http_config.authorization.credentials_file",
        "receiver team-mail email_configs[0] smarthost: smtp.example.com:587 -> 127.0.0.1:12525",
        "global.slack_api_url_file",
        "route group_wait (Alertmanager's default): 30s -> 1s",
        "route.routes[0] group_wait: 10s -> 1s",
    ):
        assert any(fragment in s for s in said), fragment
    amtool = require_tool("amtool")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_receivers_that_cannot_be_redirected_are_refused() -> None:
    config = {
        "route": {"receiver": "p"},
        "receivers": [{"name": "p", "pushover_configs": [{"user_key": "u"}]}],
    }
    with pytest.raises(MonitoringConfigError, match="pushover_configs"):
        alertmanager_config(config, SINK)


def test_chart_defaults_merge_like_helm() -> None:
    release = {
        "inputs": {"chart": "kube-prometheus-stack", "values": {"alertmanager": {"config": OWN_ALERTMANAGER}}}
    }
    merged = chart_alertmanager_config(release)
    assert merged["route"]["routes"] == OWN_ALERTMANAGER["route"]["routes"]  # lists replaced whole
    assert merged["route"]["repeat_interval"] == "12h"  # the chart's default stays unless overridden
    assert merged["receivers"] == OWN_ALERTMANAGER["receivers"]
    assert merged["inhibit_rules"] and merged["global"]["resolve_timeout"] == "5m"


def test_plan_secrets_become_named_placeholders() -> None:
    marker = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "redacted": True}
    config = {
        "route": {"receiver": "pd"},
        "receivers": [{"name": "pd", "pagerduty_configs": [{"routing_key": marker}]}],
    }
    out, subs = alertmanager_config(config, SINK)
    assert out["receivers"][0]["pagerduty_configs"][0]["routing_key"] == "rehearsal-placeholder-secret"
    assert any("routing_key: a secret from the stack's config -> a placeholder" in str(s) for s in subs)


def test_dashboard_queries_cover_every_panel_and_fill_variables(plan: Plan) -> None:
    from components.kubernetes.monitoring.dashboards import dashboards_json, panel_queries

    queries = dashboard_queries(plan.of_type(CONFIG_MAP))
    expected = [q for board in dashboards_json().values() for q in panel_queries(board)]
    assert sorted(q.expr for q in queries) == sorted(expected)
    assert {q.dashboard for q in queries} == {"mlfleet serving", "mlfleet GPU training"}
    board = {
        "title": "t",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {"name": "model", "current": {"value": "iris"}},
                {"name": "variant", "includeAll": True, "current": {"value": "$__all"}},
                {"name": "route", "current": {"value": ["/a", "/b"]}},
            ]
        },
        "panels": [
            {
                "type": "row",
                "panels": [
                    {
                        "title": "p",
                        "targets": [
                            {
                                "expr": 'rate(x{model="$model",variant=~"${variant}",route=~"[[route]]"}'
                                "[$__rate_interval]) * $__range_s"
                            },
                            {"expr": "ignored", "datasource": {"type": "loki"}},
                        ],
                    }
                ],
            }
        ],
    }
    configmap = {"metadata": {"labels": {"grafana_dashboard": "1"}}, "data": {"t.json": json.dumps(board)}}
    (query,) = dashboard_queries([configmap])
    assert query == ("t", "p", 'rate(x{model="iris",variant=~".*",route=~"(/a|/b)"}[1m]) * 3600')


# --- the sink --------------------------------------------------------------------------------------


@pytest.mark.integration
def test_sink_records_posts_and_mail_and_stops_on_sigterm() -> None:
    http, smtp = free_port(), free_port()
    argv = [sys.executable, "-m", "mlfleet.rehearse.sink", "--host", "127.0.0.1", "--port", str(http)]
    proc = subprocess.Popen([*argv, "--smtp-port", str(smtp)], cwd=REPO_ROOT, stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and b"sink listening" in proc.stdout.readline()
        request = urllib.request.Request(
            f"http://127.0.0.1:{http}/webhook/oncall",
            data=json.dumps({"alerts": [{"labels": {"alertname": "A"}}]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        with smtplib.SMTP("127.0.0.1", smtp, timeout=5) as client:
            client.sendmail(
                "am@example.com",
                ["ml@example.com"],
                "Subject: [FIRING:1] A\r\nX-Rehearsal-Receiver: team-mail\r\n\r\n.leading dot\r\nbody\r\n",
            )
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/received", timeout=5) as response:
            received = json.load(response)
        assert [(r["kind"], r["receiver"]) for r in received] == [
            ("webhook", "oncall"),
            ("email", "team-mail"),
        ]
        assert received[0]["body"]["alerts"][0]["labels"]["alertname"] == "A"
        assert received[1]["subject"] == "[FIRING:1] A" and received[1]["rcpt_to"] == ["ml@example.com"]
        assert ".leading dot" in received[1]["body"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- end to end with the real binaries -------------------------------------------------------------


@pytest.fixture
def serving_metrics() -> Iterator[tuple[Any, int]]:
    """The serving app's real metrics registry on a tiny prometheus_client server on 127.0.0.1."""
    sys.path.insert(0, str(REPO_ROOT / "apps" / "serving"))
    from mlfleet_serving.metrics import ServingMetrics
    from prometheus_client import start_http_server

    metrics = ServingMetrics()
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=metrics.registry)
    try:
        yield metrics, port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def amtool_route(config_path: Path, labels: dict[str, str]) -> str:
    """The receiver Alertmanager's routing tree picks for `labels`, according to the real amtool."""
    amtool = require_tool("amtool")
    pairs = [f"{k}={v}" for k, v in labels.items()]
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config_path}", *pairs],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().split(",")[0]


@pytest.mark.integration
def test_model_not_ready_pages_the_right_receiver_and_dashboards_have_data(
    plan: Plan, serving_metrics: tuple[Any, int], tmp_path: Path
) -> None:
    prometheus = require_tool("prometheus")
    alertmanager = require_tool("prometheus-alertmanager")
    metrics, port = serving_metrics
    model, version = "breast-cancer", "v3"
    # Every series of the contract once (what a serving replica exposes after traffic), then the
    # condition: no verified model loaded.
    for status in ("200", "503"):
        metrics.observe_request("/v2/models/{name}/infer", model, version, "primary", status, 0.004)
    metrics.child(metrics.in_flight, "/v2/models/{name}/infer").set(0)
    metrics.child(metrics.batch_size, model, "primary").observe(4)
    metrics.child(metrics.predictions, model, version, "primary", "1").inc(3)
    metrics.child(metrics.drift, model, version, "mean radius").set(0.01)
    metrics.child(metrics.model_info, model, version, "production", "primary").set(1)
    metrics.child(metrics.model_created, model, version, "primary").set(time.time() - 3600)
    metrics.child(metrics.model_loaded, model, "primary").set(time.time() - 60)
    metrics.child(metrics.load_failures, model, "production", "hash_mismatch").inc()
    metrics.child(metrics.shadow_predictions, model, "v4").inc(10)
    metrics.child(metrics.shadow_disagreements, model, "v4").inc(1)
    metrics.child(metrics.model_ready, model, "primary").set(0)
    condition_at = time.time()

    own = plan_alertmanager(plan)
    ports = Ports(free_port(), free_port(), free_port(), free_port())
    config = MonitoringConfig.from_plan(
        plan,
        {"mlfleet/mlfleet-local-serving": [serving_target(f"127.0.0.1:{port}")]},
        host="127.0.0.1",
        ports=ports,
        alertmanager=None if own else OWN_ALERTMANAGER,
    )
    log = (tmp_path / "servers.log").open("wb")

    def spawn(argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)

    try:
        with MonitoringRehearsal(
            tmp_path, config, spawn, prometheus_bin=prometheus, alertmanager_bin=alertmanager
        ) as rehearsal:
            up = rehearsal.wait_targets_up(timeout=30)
            (target,) = up["activeTargets"]
            assert target["scrapePool"] == "serviceMonitor/mlfleet/mlfleet-local-serving/0"
            assert {k: target["labels"][k] for k in ("namespace", "service", "pod", "endpoint", "job")} == {
                "namespace": "mlfleet",
                "service": "mlfleet-local-serving",
                "pod": "mlfleet-local-serving-6c9f-0",
                "endpoint": "http",
                "job": "mlfleet-local-serving",
            }
            delivery = rehearsal.wait_alert("MlfleetModelNotReady", timeout=40, since=condition_at)
            assert delivery.labels["severity"] == "page" and delivery.labels["model"] == model
            expected = amtool_route(tmp_path / "alertmanager.yml", delivery.labels)
            assert delivery.receiver == expected
            if own is None:
                assert expected == "oncall"
            print(
                f"\nfirst scrape after {up['seconds_since_start']}s; MlfleetModelNotReady firing "
                f"{delivery.firing_after_s}s after the condition, delivered to {delivery.receiver} "
                f"({delivery.kind}) {delivery.delivered_after_s}s later"
            )
            # Two scrapes at least, so rate() over the panel windows has two samples.
            time.sleep(2)
            empty = [
                (q.panel, q.expr)
                for q in dashboard_queries(plan.of_type(CONFIG_MAP))
                if q.dashboard == "mlfleet serving" and not rehearsal.query(q.expr)
            ]
            assert not empty, f"serving dashboard queries without data: {empty}"
    finally:
        log.close()
