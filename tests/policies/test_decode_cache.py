"""The pack's speed-ups (decode once per call, type-filtered policy list) change no result: every
battery fixture, analyzed by the stock pulumi_policy servicer and by the optimised one, gives the
same diagnostics in the same order. Run in a subprocess: install() patches pulumi_policy for good."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.policies.aws.test_aws_rules import CASES as AWS
from tests.policies.azure.test_azure_rules import CASES as AZURE
from tests.policies.gcp.test_gcp_rules import CASES as GCP
from tests.policies.harness import plan
from tests.policies.kubernetes.test_pod_rules import CASES as PODS
from tests.policies.kubernetes.test_serving_rules import CASES as SERVING
from tests.policies.mlops.test_mlops_rules import CASES as MLOPS

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, time
from google.protobuf import json_format
from pulumi_policy import EnforcementLevel
from pulumi_policy.policy import _PolicyAnalyzerServicer
from mlfleet.policycheck.convert import ROOT_STACK_TYPE, PlanIndex
from mlfleet_policies import decode_cache
from mlfleet_policies.pack import all_rules, applicable_policies

plans = json.load(sys.stdin)
rules = all_rules()

def run(servicer):
    out = []
    for p in plans:
        index = PlanIndex(p)
        for r in index.resources:
            if r["type"] != ROOT_STACK_TYPE:
                out.append(json_format.MessageToDict(servicer.Analyze(index.analyze_request(r), None)))
        out.append(json_format.MessageToDict(servicer.AnalyzeStack(index.stack_request(), None)))
    return out

def servicer(policies):
    return _PolicyAnalyzerServicer("p", "0.1.0", policies, EnforcementLevel.ADVISORY)

t = time.perf_counter()
stock = run(servicer([r.policy for r in rules]))
t_stock = time.perf_counter() - t
decode_cache.install()
fast_policies = applicable_policies(rules)
t = time.perf_counter()
fast = run(servicer(fast_policies))
t_fast = time.perf_counter() - t
json.dump({"stock": stock, "fast": fast, "t_stock": t_stock, "t_fast": t_fast}, sys.stdout)
"""


def test_optimised_servicer_gives_identical_diagnostics() -> None:
    cases = [*AWS, *GCP, *AZURE, *PODS, *SERVING, *MLOPS]
    plans = [plan(*case.good, *case.bad) for case in cases]
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(plans),
        capture_output=True,
        text=True,
        cwd=REPO / "policies",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    diagnostics = sum(len(r.get("diagnostics", [])) for r in out["stock"])
    print(
        f"stock servicer {out['t_stock']:.3f} s, optimised {out['t_fast']:.3f} s, {diagnostics} diagnostics"
    )
    assert diagnostics >= len(cases)  # every bad fixture is flagged at least once
    assert out["fast"] == out["stock"]
