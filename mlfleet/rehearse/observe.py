"""The monitoring half of the rehearsal: the plan's Prometheus and Alertmanager scrape the running
serving pods, the dashboards' queries return data, and induced faults page the plan's receivers.

Prometheus, Alertmanager and the alert sink run in their own network namespace on the cluster
bridge (mlfleet/rehearse/monitoring.py builds their configs from the plan). Faults are induced the
way they happen in production, never by editing the pods:
- drift: a batch of production-like rows shifted to the top of every feature's training range;
- model not ready + 5xx: a version whose artifact is corrupt is promoted (running replicas keep
  the verified model; a replica started by scale-up cannot load one, answers 503 and reports
  mlfleet_model_ready 0), then the alias is rolled back as the runbook says.
"""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Any

from mlfleet.rehearse.http import http_status
from mlfleet.rehearse.kube import KubeObject, Objects, pod_template, selector_matches
from mlfleet.rehearse.monitoring import (
    MonitoringConfig,
    MonitoringRehearsal,
    ScrapeTarget,
    dashboard_queries,
)
from mlfleet.rehearse.network import ClusterNetwork
from mlfleet.rehearse.report import StepFailed
from mlfleet.rehearse.runner import _Load, _post

if TYPE_CHECKING:
    from mlfleet.rehearse.resolved import ResolvedStack
    from mlfleet.rehearse.runner import Rehearsal

# Dashboard panels whose metrics no rehearsal can produce: there is no GPU or kubelet here.
NO_DATA_HERE = ("DCGM_", "kube_node", "kube_pod", "container_", "node_")


def scrape_targets(rehearsal: Rehearsal, objects: Objects) -> dict[str, list[ScrapeTarget]]:
    """ServiceMonitor -> Services whose labels match -> their endpoints, as the operator resolves them."""
    targets: dict[str, list[ScrapeTarget]] = {}
    for monitor in objects.of_kind("ServiceMonitor"):
        found: list[ScrapeTarget] = []
        for proxy in rehearsal.proxies:
            service = proxy.service
            if service.namespace != monitor.namespace or not selector_matches(
                monitor.spec.get("selector"), service.labels
            ):
                continue
            for endpoint in monitor.spec.get("endpoints") or []:
                port = next(
                    (p for p in service.spec.get("ports") or [] if p.get("name") == endpoint.get("port")),
                    None,
                )
                if port is None:
                    raise StepFailed(
                        f"{monitor.where('spec.endpoints.port')} is {endpoint.get('port')!r}, a port Service "
                        f"{service.name} does not name: Prometheus would scrape nothing"
                    )
                for pod in proxy.endpoints:
                    number = proxy.target_port(port, pod)
                    meta, _ = pod_template(_workload(rehearsal, pod.pod))
                    found.append(
                        ScrapeTarget(
                            address=f"{pod.ip}:{number}",
                            namespace=service.namespace,
                            service=service.name,
                            pod=pod.pod,
                            port=str(endpoint.get("port")),
                            service_labels=service.labels,
                            pod_labels=meta.get("labels") or {},
                        )
                    )
        targets[monitor.name] = found
    return targets


def _workload(rehearsal: Rehearsal, pod_name: str) -> KubeObject:
    return next(p.workload for pods in rehearsal.pods.values() for p in pods if p.name == pod_name)


def rehearse_monitoring(
    rehearsal: Rehearsal,
    resolved: ResolvedStack,
    objects: Objects,
    cluster: ClusterNetwork,
    serving_env: dict[str, str],
    url: str,
    key_header: str,
    key: str,
    row: dict[str, float],
    *,
    kubelet: Any,
    serving: KubeObject,
    hosts: dict[str, str],
) -> None:
    report = rehearsal.report
    with report.step("prometheus scrapes serving") as step:
        infra = cluster.infra("monitoring")
        targets = scrape_targets(rehearsal, objects)
        if not any(targets.values()):
            raise StepFailed("no ServiceMonitor selects the serving Service: Prometheus would scrape nothing")
        # The resolved resources: the Alertmanager config holds the receivers' secrets (a Pulumi secret).
        config = MonitoringConfig.from_plan({"resources": resolved.resources}, targets, host=infra.ip)
        report.substitute(*(str(s) for s in config.substitutions))
        logs = rehearsal.workdir / "monitoring"
        logs.mkdir(exist_ok=True)
        monitoring = MonitoringRehearsal(
            logs, config, lambda argv: infra.spawn(argv, log=logs / f"{argv[0].rsplit('/', 1)[-1]}.log")
        )
        monitoring.start()
        try:
            with step_guard(step):
                up = monitoring.wait_targets_up(timeout=90)
        except StepFailed:
            monitoring.stop()
            raise
        step.details.append(
            f"{len(up.get('activeTargets') or [])} target(s) up through ServiceMonitor(s) "
            f"{', '.join(k for k, v in targets.items() if v)} after {up['seconds_since_start']:.1f} s"
        )
    try:
        _drift_alert(rehearsal, monitoring, url, key_header, key, row, serving_env)
        _not_ready_alert(
            rehearsal,
            monitoring,
            serving_env,
            kubelet,
            serving,
            objects,
            hosts,
            resolved,
            key_header,
            key,
            row,
        )
        _dashboards(rehearsal, monitoring, objects, url, key_header, key, row, serving_env)
    finally:
        monitoring.stop()


class step_guard:
    """Turns a monitoring timeout into a failed step instead of a traceback."""

    def __init__(self, step: Any) -> None:
        self.step = step

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, TimeoutError | RuntimeError):
            raise StepFailed(str(exc)) from exc


def _dashboards(
    rehearsal: Rehearsal, monitoring: MonitoringRehearsal, objects: Objects, url: str, header: str, key: str,
    row: dict[str, float], serving_env: dict[str, str],
) -> None:  # fmt: skip
    """Every panel's query returns data, or (for panels counting events that did not happen, such as
    5xx) every metric it reads has series: the panel is wired to what the server exports."""
    with rehearsal.report.step("dashboards have data") as step:
        for _ in range(20):  # traffic so rates and histograms have samples
            _post(f"{url}/predict", {"instances": [row]}, {header: key})
        time.sleep(3)
        configmaps = [{"inputs": o.body} for o in objects.of_kind("ConfigMap")]
        empty: list[str] = []
        answered = wired = 0
        not_here: list[str] = []
        for query in dashboard_queries(configmaps):
            label = f"{query.dashboard} / {query.panel}"
            if any(marker in query.expr for marker in NO_DATA_HERE):
                not_here.append(f"{label} (needs GPUs, a kubelet or kube-state-metrics)")
                continue
            if "shadow" in query.expr and not serving_env.get("MLFLEET_SHADOW_ALIAS"):
                not_here.append(f"{label} (the stack configures no shadow alias)")
                continue
            if _query_until(monitoring, query.expr, seconds=10):
                answered += 1
            elif all(monitoring.query(f"count({{__name__={name!r}}})") for name in _metric_names(query.expr)):
                wired += 1  # series exist; the event the panel counts did not occur in this window
            else:
                empty.append(f"{label}: {query.expr}")
        step.details.append(
            f"{answered} panel queries return data, {wired} more read existing series (no such events now)"
        )
        step.details += [f"not checked here: {item}" for item in not_here]
        if empty:
            raise StepFailed("dashboard queries read metrics no pod exports:\n" + "\n".join(empty))
        rehearsal.report.substitute(
            "Grafana -> its dashboards' queries run against Prometheus (no Grafana server here)"
        )


def _metric_names(expr: str) -> list[str]:
    """Metric names a PromQL expression reads (identifiers before `{` or `[`, minus functions)."""
    import re

    names = re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{|\[)", expr)
    return sorted(set(names))


def _query_until(monitoring: MonitoringRehearsal, expr: str, seconds: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + seconds
    while True:
        result = monitoring.query(expr)
        if result or time.monotonic() > deadline:
            return result
        time.sleep(1)


def _drift_alert(
    rehearsal: Rehearsal, monitoring: MonitoringRehearsal, url: str, header: str, key: str,
    row: dict[str, float], serving_env: dict[str, str],
) -> None:  # fmt: skip
    with rehearsal.report.step("alert: drifted inputs") as step, step_guard(step):
        manifest = rehearsal.manifest(serving_env)
        shifted = {
            f.name: float(f.max if f.max is not None else row[f.name]) for f in manifest.feature_schema
        }
        since = time.time()
        for _ in range(20):
            status, body, _ = _post(f"{url}/predict", {"instances": [shifted] * 50}, {header: key})
            if status != 200:
                raise StepFailed(f"a drifted but in-range batch was refused with {status}: {body[:200]!r}")
        delivery = monitoring.wait_alert("MlfleetFeatureDrift", timeout=120, since=since)
        step.details.append(_delivered(delivery))


def _not_ready_alert(
    rehearsal: Rehearsal, monitoring: MonitoringRehearsal, serving_env: dict[str, str], kubelet: Any,
    serving: KubeObject, objects: Objects, hosts: dict[str, str], resolved: ResolvedStack, header: str,
    key: str, row: dict[str, float],
) -> None:  # fmt: skip
    with rehearsal.report.step("alert: model not ready, 5xx") as step, step_guard(step):
        bad = rehearsal.promote_corrupt_version(serving_env)
        step.details.append(f"promoted {bad}, whose artifact fails its digest check")
        extra = rehearsal.start_pod(
            serving, len(rehearsal.pods.get(serving.name, [])), objects, kubelet, hosts, resolved
        )
        ready_url = extra.probe_url("readinessProbe") or ""
        since = time.time()
        deadline = time.monotonic() + 60
        while http_status(ready_url) == 0 and time.monotonic() < deadline:
            time.sleep(0.5)  # the server is up (answers, not ready) once its first load failed
        target = f"http://{extra.ip}:{extra.ports.get('http', 8080)}/predict"

        _rescrape(rehearsal, monitoring, objects, resolved, extra)
        # Clients reach a replica until its readiness failures remove it from the Service (up to
        # periodSeconds x failureThreshold): those requests get the server's 503. Keep them coming while
        # waiting, so the error counter rises between scrapes (rate() needs an increase, not a value).
        load = _Load(target, {"instances": [row]}, {header: key}, workers=1, pause=0.2)
        with load.running():
            for alert in ("MlfleetModelNotReady", "MlfleetHighErrorRate"):
                step.details.append(_delivered(monitoring.wait_alert(alert, timeout=120, since=since)))
        step.details.insert(
            1,
            f"scale-up replica {extra.name} not ready (readiness {http_status(ready_url)}): "
            f"{load.statuses.get(503, 0)} of {sum(load.statuses.values())} requests sent to it answered 503",
        )
        if not load.statuses.get(503):
            raise StepFailed(f"the not-ready replica answered {dict(load.statuses)}, not 503")
        rolled = rehearsal.rollback(serving_env)
        step.details.append(f"rolled back production -> {rolled} (the runbook's `mlfleet models rollback`)")
        seconds = kubelet.wait_ready(extra, timeout=120)
        step.details.append(f"{extra.name} Ready {seconds:.1f} s after the rollback")


def _rescrape(
    rehearsal: Rehearsal, monitoring: MonitoringRehearsal, objects: Objects, resolved: ResolvedStack, pod: Any
) -> None:
    """A new pod behind the Service is discovered by Prometheus (Endpoints list not-ready addresses
    too): add it to the Service's endpoints, rewrite the scrape config and reload Prometheus (SIGHUP)."""
    for proxy in rehearsal.proxies:
        if proxy.selects(pod.workload):
            proxy.add(pod)
    config = MonitoringConfig.from_plan(
        {"resources": resolved.resources}, scrape_targets(rehearsal, objects), host=monitoring.config.host
    )
    monitoring.config = config
    monitoring.write_files()
    for name, process in monitoring.processes:
        if name == "prometheus":
            process.send_signal(signal.SIGHUP)


def _delivered(delivery: Any) -> str:
    return (
        f"{delivery.alertname} fired {delivery.firing_after_s:.1f} s after the fault and reached receiver "
        f"{delivery.receiver!r} ({delivery.kind}) {delivery.delivered_after_s:.1f} s later"
    )
