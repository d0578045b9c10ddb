"""`mlfleet rehearse`: run what a stack's `pulumi up` deploys, for real, and prove it works.

The order is the cluster's: object store, the training Job, the serving Deployment behind its
Service, then monitoring. Each step checks one promise of the platform and names the plan resource
and field at fault when it does not hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlfleet.rehearse import images as image_builds
from mlfleet.rehearse.clouds import Bucket, CloudStandIn, create_s3_bucket, start_moto
from mlfleet.rehearse.grpc_check import check_grpc_inference
from mlfleet.rehearse.http import OPENER
from mlfleet.rehearse.identity import check_identity
from mlfleet.rehearse.kube import KubeObject, Objects, kube_objects, pod_template, replicas
from mlfleet.rehearse.kubelet import Kubelet, Pod
from mlfleet.rehearse.network import ClusterNetwork
from mlfleet.rehearse.podman import ImageConfig, Podman
from mlfleet.rehearse.podspec import PodContext, resolve_env
from mlfleet.rehearse.report import Report, StepFailed
from mlfleet.rehearse.resolved import ResolvedStack, resolve_stack
from mlfleet.rehearse.services import ServiceProxy

API_KEY_OUTPUT = "servingApiKey"

# Images we do not build and cannot pull here, and what stands in for them (matched by repository).
THIRD_PARTY = {"quay.io/minio/minio": "minio"}


@dataclass
class Roles:
    """The plan's workloads by what they do (found from the images they run)."""

    serving: list[KubeObject] = field(default_factory=list)
    training: list[KubeObject] = field(default_factory=list)
    third_party: list[tuple[KubeObject, str]] = field(default_factory=list)


class Rehearsal:
    def __init__(
        self,
        project_dir: Path,
        stack: str,
        *,
        workdir: Path | None = None,
        keep: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.project_dir = project_dir.resolve()
        self.stack = stack
        self.keep = keep
        self.report = Report(stack, progress=progress)
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix=f"mlfleet-rehearse-{stack}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)  # it holds the stack's resolved secrets
        self.pods: dict[str, list[Pod]] = {}
        self.proxies: list[ServiceProxy] = []
        self.cloud: CloudStandIn | None = None

    # -- orchestration ---------------------------------------------------------------------------
    def run(self) -> Report:
        started = time.monotonic()
        try:
            self._run()
        except StepFailed:
            pass
        finally:
            self.report.seconds = time.monotonic() - started
            if self._own_workdir and not self.keep:
                shutil.rmtree(self.workdir, ignore_errors=True)
        return self.report

    def _run(self) -> None:
        with self.report.step("plan") as step:
            resolved = resolve_stack(self.project_dir, self.stack)
            objects = Objects(kube_objects(resolved.resources))
            roles = self._roles(objects)
            step.details.append(
                f"{len(resolved.plan['resources'])} resources; workloads: "
                + ", ".join(f"{w.kind} {w.name}" for w in objects.workloads())
            )
        podman = Podman()
        with self.report.step("images") as step:
            base = image_builds.base_image(self.project_dir)
            configs = self._images(podman, base, objects, step.details)
        with ClusterNetwork(podman, base, self.stack) as cluster:
            kubelet = Kubelet(podman, cluster, objects, configs, self.workdir)
            self._deploy(resolved, objects, roles, cluster, kubelet)
            if self.keep:
                print(f"--keep: cluster network {cluster.name} stays up; press Ctrl-C to stop it")
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()

    def _roles(self, objects: Objects) -> Roles:
        apps = image_builds.apps_with_images(self.project_dir)
        roles = Roles()
        for workload in objects.workloads():
            _, spec = pod_template(workload)
            image = spec["containers"][0]["image"]
            app = image_builds.app_for_image(image, apps)
            if app == "serving":
                roles.serving.append(workload)
            elif app == "trainer":
                roles.training.append(workload)
            else:
                repository = image.split("@")[0].rsplit(":", 1)[0]
                if repository not in THIRD_PARTY:
                    raise StepFailed(
                        f"{workload.where('containers[0].image')}: {image} is neither built from this "
                        "repository nor has a stand-in here",
                        "add a stand-in to mlfleet/rehearse/runner.py THIRD_PARTY",
                    )
                roles.third_party.append((workload, THIRD_PARTY[repository]))
        if not roles.serving or not roles.training:
            raise StepFailed("the plan deploys no serving Deployment or no training Job/CronJob")
        return roles

    def _images(
        self, podman: Podman, base: str, objects: Objects, details: list[str]
    ) -> dict[str, ImageConfig]:
        apps = image_builds.apps_with_images(self.project_dir)
        built: dict[str, image_builds.BuiltImage] = {}
        configs: dict[str, ImageConfig] = {}
        for workload in objects.workloads():
            _, spec = pod_template(workload)
            for container in spec["containers"]:
                ref = container["image"]
                app = image_builds.app_for_image(ref, apps)
                if app is None or ref in configs:
                    continue
                if app not in built:
                    built[app] = image_builds.build(podman, self.project_dir, app, base)
                    what = "cached" if built[app].cached else f"built in {built[app].seconds:.0f} s"
                    details.append(f"apps/{app}/Dockerfile -> {built[app].ref} ({what})")
                podman.run("tag", built[app].ref, ref)
                details.append(f"  tagged as the plan's {ref}")
                configs[ref] = podman.image_config(ref)
        return configs

    # -- the deployment --------------------------------------------------------------------------
    def _deploy(
        self,
        resolved: ResolvedStack,
        objects: Objects,
        roles: Roles,
        cluster: ClusterNetwork,
        kubelet: Kubelet,
    ) -> None:
        services = {
            (s.namespace, s.name): ServiceProxy(s, cluster.infra(f"svc-{s.name}"))
            for s in objects.of_kind("Service")
        }
        self.proxies = list(services.values())
        hosts = {name: proxy.ip for proxy in self.proxies for name in proxy.dns_names()}
        cloud = resolved.outputs.get("cloud", "kubernetes")
        serving_env = self._static_env(roles.serving[0], objects)
        registry_url = serving_env.get("MLFLEET_REGISTRY", "")

        with self.report.step("object store") as step:
            exported = resolved.outputs.get("modelRegistryUrl")
            if exported is not None and exported != registry_url:
                raise StepFailed(
                    f"the serving Deployment reads MLFLEET_REGISTRY={registry_url}, but the stack exports "
                    f"modelRegistryUrl={exported}: what ML engineers publish to is not what serving reads"
                )
            for workload, kind in roles.third_party:
                self._third_party(workload, kind, cluster, step.details)
            if cloud != "kubernetes":
                infra = cluster.infra("cloud-storage")
                account = _storage_account(resolved)
                self.cloud = CloudStandIn(cloud, Bucket.parse(registry_url), infra, self.workdir, account)
                self.cloud.start()
                self.report.substitute(*self.cloud.substitutions)
            step.details.append(f"registry {registry_url}")
            self._start_proxies(services, step.details)

        with self.report.step("workload identity") as step:
            faults: list[str] = []
            for workload in [*roles.training, *roles.serving]:
                meta, spec = pod_template(workload)
                bound = objects.get(
                    "ServiceAccount", workload.namespace, spec.get("serviceAccountName") or "default"
                )
                found, notes = check_identity(cloud, resolved.resources, workload, meta, bound)
                faults += found
                step.details += [note for note in notes if note not in step.details]
            if faults:
                raise StepFailed("\n".join(faults))

        with self.report.step("training job") as step:
            job = roles.training[0]
            pod = self.start_pod(job, 0, objects, kubelet, hosts, resolved)
            deadline = float(
                pod_template(job)[1].get("activeDeadlineSeconds")
                or job.spec.get("activeDeadlineSeconds")
                or 900
            )
            code, seconds, log = kubelet.run_to_completion(pod, min(deadline, 900))
            if code != 0:
                raise StepFailed(
                    f"{job.where('containers[0]')}: the training pod exited with code {code}:\n{log}",
                    "the pod ran with the plan's own image, command, env and mounts; fix what the log says",
                )
            step.details.append(
                f"{job.kind} {job.name} completed in {seconds:.0f} s as user {pod.runs[0].user}"
            )
            step.details.append("command: " + " ".join(pod.runs[0].command))
            version = self._check_published(serving_env, step.details)

        with self.report.step("serving ready") as step:
            serving = roles.serving[0]
            count = replicas(serving)
            pods = [self.start_pod(serving, i, objects, kubelet, hosts, resolved) for i in range(count)]
            for pod in pods:
                seconds = kubelet.wait_ready(pod)
                step.details.append(f"pod {pod.name} Ready through its readiness probe after {seconds:.1f} s")
            self._start_proxies(services, step.details)

        with self.report.step("authenticated prediction") as step:
            service = self._service_for(serving)
            url = f"http://{service.ip}:{_http_port(service)}"
            key_header, key = _api_key(resolved.outputs)
            row = self._example_row(serving_env)
            status, body, headers = _post(f"{url}/predict", {"instances": [row]}, {key_header: key})
            if status != 200:
                raise StepFailed(
                    f"an authenticated POST /predict via Service {service.service.name} answered {status}: "
                    f"{body[:300]!r}",
                    f"the key is the stack output {API_KEY_OUTPUT}; the pods must accept it",
                )
            if headers.get("x-model-version") != version:
                raise StepFailed(
                    f"served version {headers.get('x-model-version')} is not the trained {version}"
                )
            anonymous, _, _ = _post(f"{url}/predict", {"instances": [row]}, {})
            if anonymous != 401:
                raise StepFailed(f"an unauthenticated POST /predict answered {anonymous}, not 401")
            step.details.append(
                f"POST {url}/predict with the stack's {API_KEY_OUTPUT}: 200 from {version}; without it: 401"
            )

        with self.report.step("gRPC inference") as step:
            served, how = check_grpc_inference(
                service.service, service.ip, serving, objects, serving_env, key, row
            )
            if served != version:
                raise StepFailed(f"gRPC ModelInfer was answered by {served!r}, not the trained {version}")
            step.details.append(
                f"ModelInfer via Service {service.service.name} port grpc ({how}) with the stack's "
                f"{API_KEY_OUTPUT}: answered by {version}"
            )

        from mlfleet.rehearse.observe import rehearse_monitoring

        rehearse_monitoring(
            self, resolved, objects, cluster, serving_env, url, key_header, key, row,
            kubelet=kubelet, serving=serving, hosts=hosts,
        )  # fmt: skip

        with self.report.step("hot swap") as step:
            outcome = _Load(f"{url}/predict", {"instances": [row]}, {key_header: key})
            with outcome.running():
                second = self.start_pod(job, 1, objects, kubelet, hosts, resolved)
                code, seconds, log = kubelet.run_to_completion(second, 900)
                if code != 0:
                    raise StepFailed(
                        f"{job.where('containers[0]')}: the second training run exited {code}:\n{log}"
                    )
                new_version = self._check_published(serving_env, [])
                swapped = outcome.wait_for_version(new_version, timeout=90)
            step.details.append(
                f"second training run published {new_version} in {seconds:.0f} s; serving switched "
                f"{f'after {swapped:.1f} s' if swapped is not None else 'NOT within 90 s'}; "
                f"{outcome.ok} requests answered, {outcome.failed} failed"
            )
            if swapped is None:
                raise StepFailed(f"serving never answered with {new_version} after the alias moved")
            if outcome.failed:
                raise StepFailed(f"{outcome.failed} requests failed during the swap: {outcome.errors[:3]}")

    # -- helpers -----------------------------------------------------------------------------------
    def _static_env(self, workload: KubeObject, objects: Objects) -> dict[str, str]:
        meta, spec = pod_template(workload)
        ctx = PodContext(workload.name, workload.namespace, meta, spec, workload, self.workdir)
        return resolve_env(ctx, spec["containers"][0], objects)

    def start_pod(
        self, workload: KubeObject, index: int, objects: Objects, kubelet: Kubelet, hosts: dict[str, str],
        resolved: ResolvedStack,
    ) -> Pod:  # fmt: skip
        meta, spec = pod_template(workload)
        name = f"{workload.name}-{index}"
        ctx = PodContext(name, workload.namespace, meta, spec, workload, self.workdir / "volumes")
        account_name = spec.get("serviceAccountName") or "default"
        account = objects.get("ServiceAccount", workload.namespace, account_name)
        if account is None and account_name != "default":
            raise StepFailed(
                f"{workload.where('spec.serviceAccountName')} is {account_name!r}, which the stack lacks: "
                "the pod would never be created (serviceaccount not found)"
            )
        if self.cloud is not None:
            env, mounts, notes = self.cloud.inject(meta, account, resolved.outputs.get("region"), spec)
            ctx.injected_env, ctx.injected_mounts = env, mounts
            self.report.substitute(*notes)
        pod = kubelet.start(ctx, hosts)
        for run in pod.runs:
            self.report.substitute(*run.substitutions)
        self.pods.setdefault(workload.name, []).append(pod)
        return pod

    def _third_party(
        self, workload: KubeObject, kind: str, cluster: ClusterNetwork, details: list[str]
    ) -> None:
        """MinIO (quay.io, not pullable here) -> moto_server on the pod's port, with the plan's bucket."""
        _, spec = pod_template(workload)
        container = spec["containers"][0]
        port = next(int(p["containerPort"]) for p in container.get("ports") or [])
        infra = cluster.infra(f"pod-{workload.name}")
        endpoint = start_moto(infra, port, self.workdir / f"{workload.name}.log")
        # The plan's command creates the registry bucket (`mkdir -p /data/<bucket>`): do the same.
        for bucket in _mkdir_buckets(" ".join(container.get("command") or [])):
            create_s3_bucket(endpoint, bucket)
        # moto does not serve MinIO's health paths: the stand-in is Ready once it answers S3.
        probed = {k: v for k, v in container.items() if k not in ("readinessProbe", "livenessProbe")}
        ports = {p["name"]: int(p["containerPort"]) for p in container.get("ports") or [] if p.get("name")}
        pod = Pod(
            f"{workload.name}-0", workload, infra.container, infra.ip, {**spec, "containers": [probed]}, ports
        )
        self.pods.setdefault(workload.name, []).append(pod)
        self.report.substitute(
            f"{kind} ({container['image']}, not pullable here) -> moto_server on the pod's port {port} with "
            "the buckets its command creates; Ready once it answers S3 (moto has no MinIO health paths)"
        )
        details.append(f"{workload.kind} {workload.name}: stand-in on {infra.ip}:{port}")

    def _start_proxies(self, services: dict[tuple[str, str], ServiceProxy], details: list[str]) -> None:
        for proxy in services.values():
            if proxy.endpoints:
                continue
            for pods in self.pods.values():
                for pod in pods:
                    if proxy.selects(pod.workload):
                        proxy.add(pod)
            if proxy.endpoints:
                proxy.start(self.workdir)
                details.append(
                    f"Service {proxy.service.name} ({proxy.ip}) -> "
                    + ", ".join(e.pod for e in proxy.endpoints)
                )
                self.report.substitute(
                    "kube-proxy -> haproxy on each Service's own IP, endpoints gated by readiness"
                )

    def _service_for(self, workload: KubeObject) -> ServiceProxy:
        for proxy in self.proxies:
            if proxy.selects(workload):
                return proxy
        raise StepFailed(f"no Service selects the pods of {workload.kind} {workload.name}")

    def _registry(self, serving_env: dict[str, str]) -> Any:
        """The registry as the pods see it (through the emulator), opened from this machine."""
        from mlfleet_registry import open_registry

        with _environ(self._client_env(serving_env)):
            return open_registry(serving_env["MLFLEET_REGISTRY"])

    def _object_store_env(self, serving_env: dict[str, str]) -> dict[str, str]:
        """In-cluster object store: its Service address as seen from this machine."""
        env = {k: v for k, v in serving_env.items() if k.startswith("AWS_")}
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
        if endpoint:
            for proxy in self.proxies:
                for name in proxy.dns_names():
                    if f"//{name}:" in endpoint:
                        env["AWS_ENDPOINT_URL_S3"] = endpoint.replace(f"//{name}:", f"//{proxy.ip}:")
        return env

    def _check_published(self, serving_env: dict[str, str], details: list[str]) -> str:
        model, alias = serving_env.get("MLFLEET_MODEL", ""), serving_env.get("MLFLEET_ALIAS", "production")
        registry = self._registry(serving_env)
        with _environ(self._client_env(serving_env)):
            aliases = registry.aliases(model)
            models = registry.list_models()
        if alias not in aliases:
            raise StepFailed(
                f"the training Job finished but model {model!r} has no alias {alias!r} in "
                f"{serving_env['MLFLEET_REGISTRY']} (models there: {models}); the serving Deployment "
                f"(MLFLEET_MODEL={model}, MLFLEET_ALIAS={alias}) would never become ready",
                "the trainer must publish the model the serving Deployment serves and move its alias",
            )
        details.append(f"registry {serving_env['MLFLEET_REGISTRY']}: {model} {alias} -> {aliases[alias]}")
        with _environ(self._client_env(serving_env)):
            details.append(_signature_note(registry, model, str(aliases[alias])))
        return str(aliases[alias])

    def _example_row(self, serving_env: dict[str, str]) -> dict[str, float]:
        """A production-like row: the middle of every feature's training range."""
        manifest = self.manifest(serving_env)
        return {f.name: ((f.min or 0.0) + (f.max or 0.0)) / 2 for f in manifest.feature_schema}

    def manifest(self, serving_env: dict[str, str]) -> Any:
        """The manifest of the version the serving alias points at."""
        registry = self._registry(serving_env)
        model, alias = serving_env["MLFLEET_MODEL"], serving_env.get("MLFLEET_ALIAS", "production")
        with _environ(self._client_env(serving_env)):
            return registry.manifest(model, registry.resolve(model, alias))

    def promote_corrupt_version(self, serving_env: dict[str, str]) -> str:
        """A bad release: a new version whose artifact does not match its digest, promoted."""
        registry = self._registry(serving_env)
        model, alias = serving_env["MLFLEET_MODEL"], serving_env.get("MLFLEET_ALIAS", "production")
        with _environ(self._client_env(serving_env)):
            current = registry.resolve(model, alias)
            loaded = registry.load(model, current)
            manifest = loaded.manifest
            bad = registry.publish(
                model, loaded.model, metrics=manifest.metrics, params=manifest.params,
                feature_schema=manifest.feature_schema,
                reference_stats=manifest.reference_stats, data_fingerprint=manifest.data_fingerprint,
                task=manifest.task, classes=manifest.classes, code_version="rehearsal-fault",
                parent_version=current, created_by="mlfleet-rehearse", reason="rehearsal: a corrupt release",
            )  # fmt: skip
            digest = next(iter(bad.files.values()))
            registry.store.write(registry.blob_key(model, digest), b"not a model")
            registry.set_alias(  # verify=False: the fault is promoting what the server must refuse
                model, alias, bad.version, expected=current, actor="mlfleet-rehearse", reason="fault",
                verify=False,
            )  # fmt: skip
        return str(bad.version)

    def rollback(self, serving_env: dict[str, str]) -> str:
        registry = self._registry(serving_env)
        model, alias = serving_env["MLFLEET_MODEL"], serving_env.get("MLFLEET_ALIAS", "production")
        with _environ(self._client_env(serving_env)):
            return str(registry.rollback(model, alias, actor="mlfleet-rehearse", reason="runbook: roll back"))

    def _client_env(self, serving_env: dict[str, str]) -> dict[str, str]:
        return self.cloud.host_env() if self.cloud else self._object_store_env(serving_env)


def _signature_note(registry: Any, model: str, version: str) -> str:
    """How the published version is signed, checked with the stand-in of the pods' verify keys."""
    body = registry.manifest(model, version).model_dump(mode="json")
    signature = body.get("signature")
    if not signature:
        return f"{model} {version} is unsigned (the stack sets no MLFLEET_SIGNING_KEY)"
    problem = registry.signature_problem(body, f"{model} {version}")
    verified = "verified with the pods' MLFLEET_VERIFY_KEYS" if registry.verifier else "not verified"
    return f"{model} {version} signed {signature['alg']} by key {signature['key_id']}: {problem or verified}"


def _http_port(proxy: ServiceProxy) -> int:
    ports = proxy.service.spec.get("ports") or []
    chosen = next((p for p in ports if p.get("name") == "http"), ports[0])
    return int(chosen["port"])


def _mkdir_buckets(command: str) -> list[str]:
    import re

    return re.findall(r"mkdir -p /data/([a-z0-9.-]+)", command)


def _storage_account(resolved: ResolvedStack) -> str | None:
    for resource in resolved.resources:
        if resource["type"] == "azure-native:storage:StorageAccount" and "models" in resource["name"]:
            return resource["inputs"].get("accountName") or resource["outputs"].get("name")
    return None


def _api_key(outputs: dict[str, Any]) -> tuple[str, str]:
    """(header, key) a client uses, from the stack's outputs (`pulumi stack output --show-secrets`)."""
    value = outputs.get(API_KEY_OUTPUT)
    if not value:
        raise StepFailed(
            f"the stack exports no {API_KEY_OUTPUT}: clients have no way to get the serving credential",
            "export the provisioned API key as a secret stack output",
        )
    return str(outputs.get(f"{API_KEY_OUTPUT}Header") or "x-api-key"), str(value)


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(  # noqa: S310 (http to the rehearsal's own pods)
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json", **headers}
    )
    try:
        with OPENER.open(request, timeout=10) as response:
            return int(response.status), response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}
    except OSError as exc:
        return 0, str(exc).encode(), {}


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class _Load:
    """Steady requests (`workers` threads) while something changes; counts answers by status."""

    def __init__(
        self,
        url: str,
        body: dict[str, Any],
        headers: dict[str, str],
        *,
        workers: int = 4,
        pause: float = 0.01,
    ) -> None:
        self.url, self.body, self.headers = url, body, headers
        self.workers, self.pause = workers, pause
        self.statuses: dict[int, int] = {}
        self.errors: list[str] = []
        self.versions: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def failed(self) -> int:
        # 429 is the server's rate limit working, not a failure of what the load is watching.
        return sum(n for status, n in self.statuses.items() if status not in (200, 429))

    @contextlib.contextmanager
    def running(self) -> Iterator[_Load]:
        threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=15)

    def _loop(self) -> None:
        while not self._stop.is_set():
            status, body, headers = _post(self.url, self.body, self.headers)
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.versions.append((time.monotonic(), headers.get("x-model-version", "")))
                elif status != 429:
                    self.errors.append(f"{status}: {body[:120]!r}")
            time.sleep(self.pause if status != 429 else 0.05)

    def wait_for_version(self, version: str, timeout: float) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if any(v == version for t, v in self.versions[-20:]):
                return time.monotonic() - started
            time.sleep(0.5)
        return None
