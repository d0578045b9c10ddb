"""The two Kubernetes API calls the receiver makes, over plain HTTPS with the pod's service account.

Its Role allows exactly these: `get` on its CronJobs, `create` on Jobs, in its namespace
(components/kubernetes/alert_hook.py).
"""

from __future__ import annotations

import copy
import json
import os
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# In-cluster defaults (kubernetes.io "Accessing the Kubernetes API from a Pod"): the API server's
# address from the injected service env, the projected token and CA of the service account.
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
INSTANTIATE = "cronjob.kubernetes.io/instantiate"


class KubeError(RuntimeError):
    """The API answered an error or could not be reached (answered 502: Alertmanager retries)."""


def job_from_cronjob(cronjob: dict[str, Any], name: str) -> dict[str, Any]:
    """What `kubectl create job <name> --from=cronjob/<cronjob>` sends (kubernetes/kubectl
    pkg/cmd/create/create_job.go `createJobFromCronJob`): the jobTemplate's spec and labels, its
    annotations plus `cronjob.kubernetes.io/instantiate: manual`, owned by the CronJob."""
    template = cronjob["spec"]["jobTemplate"]
    meta = template.get("metadata") or {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cronjob["metadata"]["namespace"],
            "annotations": {INSTANTIATE: "manual", **(meta.get("annotations") or {})},
            "labels": dict(meta.get("labels") or {}),
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": cronjob["metadata"]["name"],
                    "uid": cronjob["metadata"]["uid"],
                }
            ],
        },
        "spec": copy.deepcopy(template["spec"]),
    }


@dataclass(frozen=True)
class KubeApi:
    base_url: str
    token_file: Path
    ca_file: Path | None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("https://", "http://")):
            raise KubeError(f"the API server URL must be http(s), got {self.base_url!r}")

    @classmethod
    def from_env(cls) -> KubeApi:
        """`MLFLEET_HOOK_KUBE_API` (a URL) overrides the in-cluster address (tests, out-of-cluster)."""
        url = os.environ.get("MLFLEET_HOOK_KUBE_API")
        if url is None:
            host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
            if not host or not port:
                raise KubeError("not in a cluster: set MLFLEET_HOOK_KUBE_API to the API server's URL")
            url = f"https://{host}:{port}"
        token = Path(os.environ.get("MLFLEET_HOOK_KUBE_TOKEN_FILE", SERVICE_ACCOUNT_DIR / "token"))
        ca = SERVICE_ACCOUNT_DIR / "ca.crt"
        return cls(url.rstrip("/"), token, ca if url.startswith("https:") and ca.exists() else None)

    def get_cronjob(self, namespace: str, name: str) -> dict[str, Any]:
        status, body = self._call("GET", f"/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}")
        if status != 200:
            raise KubeError(f"GET cronjob {namespace}/{name}: HTTP {status} {body.get('message', '')}")
        return body

    def create_job(self, job: dict[str, Any]) -> bool:
        """True: created; False: a Job of that name exists (this window's run already started)."""
        namespace = job["metadata"]["namespace"]
        status, body = self._call("POST", f"/apis/batch/v1/namespaces/{namespace}/jobs", job)
        if status == 409:
            return False
        if status != 201:
            name = job["metadata"]["name"]
            raise KubeError(f"POST job {namespace}/{name}: HTTP {status} {body.get('message', '')}")
        return True

    def _call(self, method: str, path: str, payload: Any = None) -> tuple[int, dict[str, Any]]:
        # Read per call: projected service-account tokens are rotated by the kubelet.
        token = self.token_file.read_text().strip()
        # base_url is checked to be http(s) in __post_init__.
        request = urllib.request.Request(  # noqa: S310
            self.base_url + path,
            data=None if payload is None else json.dumps(payload).encode(),
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=context) as response:  # noqa: S310
                return response.status, json.loads(response.read(1 << 20) or b"{}")
        except urllib.error.HTTPError as err:
            try:
                detail = json.loads(err.read(1 << 16) or b"{}")
            except ValueError:
                detail = {}
            return err.code, detail if isinstance(detail, dict) else {}
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise KubeError(f"{method} {path}: {err}") from err
