"""A Kubernetes API STAND-IN (not a Kubernetes API server: none installs here, docs FACTS.md).

It answers the two calls the alert hook makes, the way the API server does for them: `GET
/apis/batch/v1/namespaces/<ns>/cronjobs/<name>` (200 with the object, 404 Status otherwise) and
`POST /apis/batch/v1/namespaces/<ns>/jobs` (201 with the object; 409 AlreadyExists Status for a
name taken), with bearer-token authentication (401 otherwise). It keeps what was created so a test
can run the Job's pod spec. No RBAC, admission, defaulting or controllers.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_CRONJOB = re.compile(r"^/apis/batch/v1/namespaces/([a-z0-9-]+)/cronjobs/([a-z0-9.-]+)$")
_JOBS = re.compile(r"^/apis/batch/v1/namespaces/([a-z0-9-]+)/jobs$")


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }


class KubeStandIn:
    def __init__(self, token: str, cronjobs: list[dict[str, Any]]) -> None:
        self.token = token
        # The API server gives every object a uid; the plan's inputs have none.
        self.cronjobs = {
            (c["metadata"]["namespace"], c["metadata"]["name"]): {
                **c,
                "metadata": {**c["metadata"], "uid": str(uuid.uuid4())},
            }
            for c in cronjobs
        }
        self.jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> KubeStandIn:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _answer(self, code: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with standin._lock:
                    standin.requests.append((self.command, self.path, code))

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {standin.token}":
                    return True
                self._answer(401, _status(401, "Unauthorized", "Unauthorized"))
                return False

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                found = _CRONJOB.match(self.path)
                cronjob = standin.cronjobs.get(found.groups()) if found else None
                if cronjob is None:
                    self._answer(404, _status(404, "NotFound", f"{self.path} not found"))
                else:
                    self._answer(200, cronjob)

            def do_POST(self) -> None:
                if not self._authorized():
                    return
                found = _JOBS.match(self.path)
                if not found:
                    self._answer(404, _status(404, "NotFound", self.path))
                    return
                job = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = (found.group(1), job["metadata"]["name"])
                with standin._lock:
                    exists = key in standin.jobs
                    if not exists:
                        standin.jobs[key] = job
                if exists:
                    self._answer(409, _status(409, "AlreadyExists", f'jobs.batch "{key[1]}" already exists'))
                else:
                    self._answer(201, job)

        return Handler
