"""TrainingJob: Job or CronJob, GPU/CPU/any pool selection, trainer identity, hardened pod."""

from __future__ import annotations

import pytest

from components.errors import ComponentArgumentError
from components.training_job import TrainingJobArgs, training_job
from mlfleet.engine.harness import preview_stack, run_program

IMAGE = "registry.example.com/trainer@sha256:" + "a" * 64


def _pod(job: dict) -> dict:
    spec = job["spec"]
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def test_dev_runs_a_job_on_the_gpu_pool_with_the_trainer_identity():
    plan = preview_stack("dev")
    assert not plan.of_type("kubernetes:batch/v1:CronJob")
    job = plan.one("kubernetes:batch/v1:Job")["inputs"]
    pod = _pod(job)
    assert pod["nodeSelector"] == {"mlfleet.io/pool": "gpu"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert pod["serviceAccountName"] == "trainer"
    account = next(
        r["inputs"]
        for r in plan.of_type("kubernetes:core/v1:ServiceAccount")
        if r["inputs"]["metadata"]["name"] == "trainer"
    )
    role = plan.outputs["workloadIdentities"]["trainer"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}


def test_prod_schedule_makes_a_cronjob_that_never_overlaps():
    plan = preview_stack("prod")
    assert not plan.of_type("kubernetes:batch/v1:Job")
    cron = plan.one("kubernetes:batch/v1:CronJob")["inputs"]
    assert cron["spec"]["schedule"] == "0 3 * * 1"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert _pod(cron)["nodeSelector"] == {"mlfleet.io/pool": "gpu"}


def test_local_runs_anywhere_without_gpus():
    pod = _pod(preview_stack("local").one("kubernetes:batch/v1:Job")["inputs"])
    assert "nodeSelector" not in pod and "tolerations" not in pod
    assert "nvidia.com/gpu" not in pod["containers"][0]["resources"]["limits"]


def test_cpu_pool_job_asks_for_no_gpu_and_does_not_tolerate_the_taint():
    import pulumi_kubernetes as k8s

    def program() -> None:
        provider = k8s.Provider("k")
        args = TrainingJobArgs(image=IMAGE, registry_url="s3://b/models", model="iris", pool="cpu")
        training_job("t", args, provider, {"owner": "ml"})

    plan = run_program(program)
    pod = _pod(plan.one("kubernetes:batch/v1:Job")["inputs"])
    assert pod["nodeSelector"] == {"mlfleet.io/pool": "cpu"}
    assert "tolerations" not in pod
    assert "nvidia.com/gpu" not in pod["containers"][0]["resources"]["limits"]
    assert pod["containers"][0]["image"] == IMAGE


@pytest.mark.parametrize(
    ("argument", "changes"),
    [
        ("image", {"image": "trainer:latest"}),
        ("pool", {"pool": "tpu"}),
        ("gpus", {"gpus": 0}),
        ("schedule", {"schedule": "every monday"}),
        ("deadline_seconds", {"deadline_seconds": 5}),
    ],
)
def test_bad_arguments_name_the_argument(argument, changes):
    base = {"image": IMAGE, "registry_url": "s3://b/models", "model": "iris"}
    with pytest.raises(ComponentArgumentError, match=argument):
        TrainingJobArgs(**{**base, **changes})
