# ruff: noqa: E501  (the strings are the exact program text the patches carry)
"""Writes the scenario patches of tests/diff/scenarios again, when the lines they touch moved.

Run it inside a clean clone of this repository (it edits, diffs and resets that clone):
    git clone --shared . /tmp/scenarios && cd /tmp/scenarios && python <this checkout>/tests/diff/scenarios/make_patches.py
then re-run tests/diff/test_scenarios.py and update the expectations that changed.
"""

import pathlib
import subprocess

OUT = pathlib.Path(__file__).resolve().parent


def sh(*a: str) -> str:
    return subprocess.run(a, check=True, capture_output=True, text=True).stdout


def reset() -> None:
    sh("git", "checkout", "-q", "--", ".")
    sh("git", "clean", "-fdq")


def edit(path: str, old: str, new: str, count: int = 1) -> None:
    p = pathlib.Path(path)
    s = p.read_text()
    assert s.count(old) >= 1, (path, old)
    p.write_text(s.replace(old, new, count))


def append(path: str, text: str) -> None:
    p = pathlib.Path(path)
    p.write_text(p.read_text() + text)


def save(name: str) -> None:
    diff = sh("git", "diff", "-U2")
    assert diff, name
    (OUT / name).write_text(diff)
    reset()


EXTRA_K8S = """
# --- scenario: a resource with options (tests/diff/scenarios) ---
import pulumi_kubernetes as _k8s  # noqa: E402

_k8s.core.v1.ConfigMap(
    "scenario-settings",
    metadata={"name": "scenario-settings", "namespace": "mlfleet"},
    data=%s,
    opts=pulumi.ResourceOptions(%s),
)
"""
reset()
# 1 VPC CIDR (dev)
edit("stacks/Pulumi.dev.yaml", "  mlfleet:cluster:\n", "  mlfleet:cluster:\n    networkCidr: 10.64.0.0/16\n")
save("vpc-cidr.patch")
# 2 EKS cluster role renamed (dev): the role's logical name, no alias
edit(
    "components/aws/eks_cluster.py",
    'cluster_role = aws.iam.Role(\n            f"{name}-cluster",',
    'cluster_role = aws.iam.Role(\n            f"{name}-control-plane",',
)
save("eks-cluster-role-rename.patch")
# 3 Job pod template (local)
edit("stacks/Pulumi.local.yaml", "mlfleet-trainer:0.1.0", "mlfleet-trainer:0.2.0")
save("job-pod-template.patch")
# 4 alias rename (local)
edit(
    "components/kubernetes/service_account.py",
    """        f"{name}-sa",""",
    """        f"{name}-serviceaccount",""",
)
edit(
    "components/kubernetes/service_account.py",
    """        automount_service_account_token=False,
        opts=opts,""",
    """        automount_service_account_token=False,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=f"{name}-sa")])),""",
)
save("alias-rename.patch")
# 5 replaceOnChanges (local): base adds the resource, the change edits data
# (a ConfigMap's data is force-new already: pulumi-kubernetes replaces it; labels are not)
ROC = EXTRA_K8S.replace('"namespace": "mlfleet"}', '"namespace": "mlfleet", "labels": {"tier": "a"}}')
append("__main__.py", ROC % ('{"mode": "a"}', 'replace_on_changes=["metadata.labels"]'))
save("replace-on-changes.base.patch")
append("__main__.py", ROC % ('{"mode": "a"}', 'replace_on_changes=["metadata.labels"]'))
sh("git", "commit", "-qam", "base")
edit("__main__.py", '{"tier": "a"}', '{"tier": "b"}')
save("replace-on-changes.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 6 ignoreChanges (local)
append("__main__.py", EXTRA_K8S % ('{"mode": "a"}', 'ignore_changes=["data"]'))
save("ignore-changes.base.patch")
append("__main__.py", EXTRA_K8S % ('{"mode": "a"}', 'ignore_changes=["data"]'))
sh("git", "commit", "-qam", "base")
edit("__main__.py", '{"mode": "a"}', '{"mode": "b"}')
save("ignore-changes.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 7 protected bucket delete (prod): the replica region goes, with its protected buckets and key
edit("stacks/Pulumi.prod.yaml", "    replicationRegion: us-west-2\n", "")
save("protected-bucket-delete.patch")
# 8 retainOnDelete delete (local)
append("__main__.py", EXTRA_K8S % ('{"mode": "a"}', "retain_on_delete=True"))
save("retain-on-delete.base.patch")
append("__main__.py", EXTRA_K8S % ('{"mode": "a"}', "retain_on_delete=True"))
sh("git", "commit", "-qam", "base")
p = pathlib.Path("__main__.py")
s = p.read_text()
p.write_text(s[: s.index("\n# --- scenario")] + "\n")
save("retain-on-delete.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 9 nested secret (local): what `pulumi config set --secret --path mlfleet:monitoring.receivers.local.webhook.secret` writes
SECRET_A = "          secret:\n            secure: v1:AAAAAAAAAAAAAAAAAAAAAHNjZW5hcmlvLXRva2VuLWE=\n"
SECRET_B = "          secret:\n            secure: v1:AAAAAAAAAAAAAAAAAAAAAHNjZW5hcmlvLXRva2VuLWI=\n"
URL = "          url: http://alert-webhook.monitoring.svc:8080/alerts\n"
edit("stacks/Pulumi.local.yaml", URL, URL + SECRET_A)
save("nested-secret.patch")
# 10 secret rotation (local): a new ciphertext
edit("stacks/Pulumi.local.yaml", URL, URL + SECRET_A)
save("secret-rotation.base.patch")
edit("stacks/Pulumi.local.yaml", URL, URL + SECRET_A)
sh("git", "commit", "-qam", "base")
edit("stacks/Pulumi.local.yaml", SECRET_A, SECRET_B)
save("secret-rotation.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 11 plain -> secret, same value (local)
append("__main__.py", EXTRA_K8S % ('{"token": "same-value-0001"}', ""))
save("plain-to-secret.base.patch")
append("__main__.py", EXTRA_K8S % ('{"token": "same-value-0001"}', ""))
sh("git", "commit", "-qam", "base")
edit("__main__.py", '{"token": "same-value-0001"}', '{"token": pulumi.Output.secret("same-value-0001")}')
save("plain-to-secret.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 12 huge diff (local): 400 long updates and 60 deletes
HUGE = """
# --- scenario: many resources (tests/diff/scenarios) ---
import pulumi_kubernetes as _k8s  # noqa: E402

for _i in range(400):
    _k8s.core.v1.ServiceAccount(f"scenario-bulk-{_i}", metadata={"annotations": {"payload": "x" * 300 + "%s"}})
for _i in range(%d):
    _k8s.core.v1.ConfigMap(f"scenario-gone-{_i}", data={"payload": "y"})
"""
append("__main__.py", HUGE % ("0", 60))
save("huge-diff.base.patch")
append("__main__.py", HUGE % ("0", 60))
sh("git", "commit", "-qam", "base")
edit("__main__.py", '"x" * 300 + "0"', '"x" * 300 + "1"')
edit("__main__.py", "range(60)", "range(0)")
save("huge-diff.patch")
sh("git", "reset", "-q", "--hard", "HEAD~1")
# 13 policy: a new violation against the base branch's result (local)
# (the program itself rejects most bad config, e.g. ':latest' images: a debug pod added in code)
append(
    "__main__.py",
    """
# --- scenario: a debug pod (tests/diff/scenarios) ---
import pulumi_kubernetes as _k8s  # noqa: E402

_k8s.core.v1.Pod(
    "scenario-debug",
    metadata={"name": "debug", "namespace": "mlfleet"},
    spec={"containers": [{"name": "debug", "image": "busybox:1.36", "securityContext": {"privileged": True}}]},
)
""",
)
save("policy-new-violation.patch")
print(sorted(p.name for p in OUT.glob("*.patch")))
