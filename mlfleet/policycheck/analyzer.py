"""Run the policy pack the way the Pulumi CLI does: as a subprocess speaking the analyzer gRPC protocol.

The pack's `__main__.py` starts a gRPC server on 127.0.0.1 and prints its port on stdout; we then
call GetAnalyzerInfo, Configure, Analyze per resource and AnalyzeStack. One process serves many
stacks (Configure again per stack), which keeps `--all` fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from mlfleet.policycheck.convert import ROOT_STACK_TYPE, PlanIndex
from mlfleet.policycheck.errors import PolicyCheckError
from mlfleet.policycheck.pack_config import configure_request
from mlfleet.policycheck.results import RuleInfo, StackResult, Violation

START_TIMEOUT_S = 60.0


def _name(enum: Any, value: int, prefix: str = "") -> str:
    return str(enum.Name(value)).removeprefix(prefix).lower()


class PolicyPackProcess:
    """`with PolicyPackProcess(pack_dir, project=..., stack=...) as pack: pack.check(plan, config)`."""

    def __init__(self, pack_dir: Path, project: str = "project", stack: str = "stack", config: Any = None):
        self.pack_dir = pack_dir = pack_dir.resolve()
        main = pack_dir / "__main__.py"
        if not main.is_file():
            raise PolicyCheckError(f"{pack_dir}: no __main__.py; pass the policy pack directory (policies/)")
        # The environment the CLI gives a policy pack (see pulumi_policy's _configure_runtime_settings).
        env = dict(os.environ)
        env.update(
            PULUMI_PROJECT=project,
            PULUMI_STACK=stack,
            PULUMI_DRY_RUN="true",
            PULUMI_CONFIG=json.dumps(
                {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
            ),
        )
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-u", str(main)],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        port = self._read_port()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)]
        )
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
        self.info: analyzer_pb2.AnalyzerInfo = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        self.rules = {
            p.name: RuleInfo(
                id=p.name,
                description=p.description,
                severity=_name(analyzer_pb2.PolicySeverity, p.severity, "POLICY_SEVERITY_"),
                enforcement=_name(analyzer_pb2.EnforcementLevel, p.enforcementLevel),
                remediation=p.remediation_steps,
                tags=tuple(p.tags),
                url=p.url,
            )
            for p in self.info.policies
        }

    def _read_port(self) -> int:
        line: list[bytes] = []
        assert self._proc.stdout is not None
        reader = threading.Thread(target=lambda: line.append(self._proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(START_TIMEOUT_S)
        text = line[0].decode().strip() if line else ""
        if not text.isdigit():
            self._stderr.seek(0)
            tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-15:]
            self.close()
            raise PolicyCheckError(
                f"policy pack {self.pack_dir} did not start (expected its port on stdout, got {text!r}).\n"
                + "\n".join(tail)
                + "\nFix: run `python policies/__main__.py` to see the error; "
                + "`make install` installs the pack."
            )
        return int(text)

    def check(
        self, plan: Mapping[str, Any], config: Mapping[str, Any], config_source: str = "config"
    ) -> StackResult:
        """Configure for this stack, analyze every resource, then the stack; violations sorted."""
        start = time.perf_counter()
        self.stub.Configure(configure_request(self.info, config, config_source))
        index = PlanIndex(plan)
        diagnostics: list[tuple[str, Any]] = []
        analyzed = 0
        for resource in index.resources:
            if resource.get("type") == ROOT_STACK_TYPE:
                continue
            analyzed += 1
            response = self.stub.Analyze(index.analyze_request(resource))
            diagnostics.extend((str(resource["urn"]), d) for d in response.diagnostics)
        response = self.stub.AnalyzeStack(index.stack_request())
        diagnostics.extend(("", d) for d in response.diagnostics)
        violations = [self._violation(urn, d) for urn, d in diagnostics]
        violations.sort(key=Violation.sort_key)
        return StackResult(
            stack=str(plan.get("stack", "?")),
            resources=analyzed,
            seconds=time.perf_counter() - start,
            source="",
            violations=violations,
        )

    def _violation(self, resource_urn: str, diag: analyzer_pb2.AnalyzeDiagnostic) -> Violation:
        rule = self.rules.get(diag.policyName)
        return Violation(
            rule=diag.policyName,
            severity=_name(analyzer_pb2.PolicySeverity, diag.severity, "POLICY_SEVERITY_"),
            enforcement=_name(analyzer_pb2.EnforcementLevel, diag.enforcementLevel),
            urn=diag.urn or resource_urn,
            # The pack prefixes the description; keep the specific part (the description is the rule's).
            message=diag.message.removeprefix(diag.description).strip() or diag.description,
            remediation=rule.remediation if rule else "",
        )

    def close(self) -> None:
        if getattr(self, "_channel", None) is not None:
            self._channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.close()
