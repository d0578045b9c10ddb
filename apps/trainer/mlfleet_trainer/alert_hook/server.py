"""The receiver's HTTP front, hardened like the serving app: a bearer token from a mounted Secret
(constant-time compare), bounded bodies, socket timeouts, bounded concurrency, no stack traces or
secrets in answers or logs. `POST /alerts` (Alertmanager's webhook), `GET /healthz` (probes).

Settings (environment; a wrong one is a one-line error at start):
  MLFLEET_HOOK_TOKEN_FILE    file holding the bearer token Alertmanager sends (the Secret's key)
  MLFLEET_HOOK_NAMESPACE     namespace of the training CronJobs and of the Jobs created
  MLFLEET_HOOK_CRONJOBS      JSON {model: CronJob name}
  MLFLEET_HOOK_WINDOW_SECONDS  at most one run per model per window (default 21600: 6 h)
  MLFLEET_HOOK_CANARY_ALIAS / MLFLEET_HOOK_PRIMARY_ALIAS  the rollback's aliases (candidate/production)
  MLFLEET_REGISTRY           the registry the rollback moves aliases in
  MLFLEET_HOOK_HOST / MLFLEET_HOOK_PORT  listen address (default 0.0.0.0:8080)
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mlfleet_trainer.alert_hook.alerts import Limiter, PayloadError, Request, job_name, requests
from mlfleet_trainer.alert_hook.kube import KubeApi, KubeError, job_from_cronjob

log = logging.getLogger("mlfleet.alert_hook")

MAX_BODY = 1 << 20  # Alertmanager sends one group per request; 1 MiB is thousands of alerts
READ_TIMEOUT = 10.0  # seconds a client may take to send its request
MAX_CONCURRENT = 4  # requests handled at once; more get 503 (Alertmanager retries)
MIN_TOKEN = 32


class SettingsError(ValueError):
    """A setting is missing or wrong: printed as one line, exit 2."""


@dataclass(frozen=True)
class HookSettings:
    token: str
    namespace: str
    cronjobs: Mapping[str, str]
    window: float = 21600.0
    canary_alias: str = "candidate"
    primary_alias: str = "production"
    registry_url: str | None = None
    host: str = "0.0.0.0"
    port: int = 8080

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HookSettings:
        def need(key: str) -> str:
            value = env.get(key)
            if not value:
                raise SettingsError(f"{key} is not set")
            return value

        token_file = Path(need("MLFLEET_HOOK_TOKEN_FILE"))
        try:
            token = token_file.read_text().strip()
        except OSError as err:
            raise SettingsError(
                f"MLFLEET_HOOK_TOKEN_FILE: cannot read {token_file}: {err.strerror}"
            ) from None
        if len(token) < MIN_TOKEN:
            raise SettingsError(f"MLFLEET_HOOK_TOKEN_FILE: the token is shorter than {MIN_TOKEN} characters")
        try:
            cronjobs = json.loads(need("MLFLEET_HOOK_CRONJOBS"))
            window = float(env.get("MLFLEET_HOOK_WINDOW_SECONDS", "21600"))
            port = int(env.get("MLFLEET_HOOK_PORT", "8080"))
        except ValueError as err:
            raise SettingsError(f"MLFLEET_HOOK_CRONJOBS/WINDOW_SECONDS/PORT: {err}") from None
        if not isinstance(cronjobs, dict) or not all(isinstance(v, str) for v in cronjobs.values()):
            raise SettingsError('MLFLEET_HOOK_CRONJOBS must be a JSON object {"<model>": "<cronjob>"}')
        if window <= 0:
            raise SettingsError("MLFLEET_HOOK_WINDOW_SECONDS must be positive")
        return cls(
            token=token,
            namespace=need("MLFLEET_HOOK_NAMESPACE"),
            cronjobs=cronjobs,
            window=window,
            canary_alias=env.get("MLFLEET_HOOK_CANARY_ALIAS", "candidate"),
            primary_alias=env.get("MLFLEET_HOOK_PRIMARY_ALIAS", "production"),
            registry_url=env.get("MLFLEET_REGISTRY"),
            host=env.get("MLFLEET_HOOK_HOST", "0.0.0.0"),
            port=port,
        )


@dataclass
class Receiver:
    """Acts on requests: one at a time (the limiter's state and the API calls are serialized)."""

    settings: HookSettings
    kube: Callable[[], KubeApi] = KubeApi.from_env
    clock: Callable[[], float] = time.time
    limiter: Limiter = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.limiter = Limiter(self.settings.window, self.clock)

    def handle(self, payload: Any) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {"started": [], "skipped": []}
        with self._lock:
            for request in requests(payload):
                refusal = self.limiter.refusal(request)
                if refusal is None:
                    outcome, acted = self._act(request)
                    if acted:
                        self.limiter.ran(request)
                else:
                    outcome, acted = refusal, False
                done["started" if acted else "skipped"].append(f"{request.action} {request.model}: {outcome}")
                log.info("%s %s (%s): %s", request.action, request.model, request.alertname, outcome)
        return done

    def _act(self, request: Request) -> tuple[str, bool]:
        if request.action == "retrain":
            return self._retrain(request.model)
        return self._rollback(request)

    def _retrain(self, model: str) -> tuple[str, bool]:
        cronjob = self.settings.cronjobs.get(model)
        if cronjob is None:
            return f"no training CronJob for model {model!r} (MLFLEET_HOOK_CRONJOBS)", False
        api = self.kube()
        job = job_from_cronjob(
            api.get_cronjob(self.settings.namespace, cronjob),
            job_name(cronjob, self.clock(), self.settings.window),
        )
        name = job["metadata"]["name"]
        # A Job of this name exists: this window's run was already started (restart, second replica).
        return (f"created Job {name}", True) if api.create_job(job) else (f"Job {name} already exists", True)

    def _rollback(self, request: Request) -> tuple[str, bool]:
        from mlfleet_registry import RegistryError, open_registry, rollback_canary

        s = self.settings
        try:
            moved = rollback_canary(
                open_registry(s.registry_url),
                request.model,
                canary=s.canary_alias,
                primary=s.primary_alias,
                actor="mlfleet-alert-hook",
                reason=f"alert {request.alertname} ({request.fingerprint})",
            )
        except RegistryError as err:
            raise KubeError(f"rollback of {request.model}: {err}") from err
        if moved is None:
            return f"{s.canary_alias} already serves {s.primary_alias}'s version (or is not set)", True
        return f"{s.canary_alias} -> {moved} ({s.primary_alias}'s version)", True


class _Handler(BaseHTTPRequestHandler):
    server: HookServer
    timeout = READ_TIMEOUT  # socket timeout: a slow client cannot hold a thread
    server_version = "mlfleet-alert-hook"
    sys_version = ""

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self) -> None:
        if self.path != "/alerts":
            self._answer(404, {"error": "not found"})
            return
        if not self.server.slots.acquire(blocking=False):
            self._answer(503, {"error": "busy"})
            return
        try:
            self._alerts()
        finally:
            self.server.slots.release()

    def _alerts(self) -> None:
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.receiver.settings.token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            self._answer(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._answer(411, {"error": "Content-Length required"})
            return
        if int(length) > MAX_BODY:
            self._answer(413, {"error": f"body over {MAX_BODY} bytes"})
            return
        try:
            payload = json.loads(self.rfile.read(int(length)))
            self._answer(200, self.server.receiver.handle(payload))
        except (ValueError, PayloadError) as err:  # JSON errors are ValueErrors
            self._answer(400, {"error": str(err)[:200]})
        except KubeError as err:
            log.error("action failed: %s", err)
            self._answer(502, {"error": "the action failed; see the receiver's log"})

    def _answer(self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


class HookServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 16

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        super().__init__((receiver.settings.host, receiver.settings.port), _Handler)


def main(argv: list[str] | None = None) -> int:
    import argparse

    argparse.ArgumentParser(
        prog="python -m mlfleet_trainer.alert_hook",
        description="The closed loop's Alertmanager webhook receiver (retrain, rollback).",
        epilog=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = HookSettings.from_env(os.environ)
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    server = HookServer(Receiver(settings))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    log.info("listening on %s:%d", *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
