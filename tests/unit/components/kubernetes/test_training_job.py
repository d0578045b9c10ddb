"""TrainingJob: Job or CronJob, GPU/CPU/any pool selection, trainer identity, hardened pod."""

from __future__ import annotations

import pytest
from mlfleet_trainer.config import DEFAULT_MODEL_NAME

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
    # Bound by EKS Pod Identity: no IRSA annotation (it would shadow Pod Identity's credentials).
    assert "eks.amazonaws.com/role-arn" not in (account["metadata"].get("annotations") or {})
    role = plan.outputs["workloadIdentities"]["trainer"]
    associations = plan.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert any(
        a["inputs"]["serviceAccount"] == "trainer" and a["inputs"]["roleArn"] == role for a in associations
    )


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


def _preview_local_with(tmp_path, changes: dict) -> dict:
    import dataclasses

    import yaml

    from mlfleet.engine.harness import REPO_ROOT
    from mlfleet.engine.preview import run_preview
    from mlfleet.engine.project import load_project

    config = yaml.safe_load((REPO_ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]
    config.update(changes)
    (tmp_path / "Pulumi.trial.yaml").write_text(yaml.safe_dump({"config": config}))
    project = dataclasses.replace(load_project(REPO_ROOT), stack_config_dir=tmp_path)
    return run_preview(REPO_ROOT, "trial", project)


def test_stack_training_config_is_mounted_read_only_and_the_trainer_reads_it(tmp_path):
    from mlfleet_trainer.config import load_effective_config

    from mlfleet.engine.harness import Plan

    trainer_config = {"seed": 7, "params": {"n_estimators": 200}, "data": {"test_size": 0.2}}
    plan = Plan(
        _preview_local_with(
            tmp_path,
            {
                "mlfleet:trainingJob": {
                    "image": "localhost:5001/mlfleet-trainer:0.1.0",
                    "config": trainer_config,
                },
            },
        )
    )
    (config_map,) = [
        r for r in plan.of_type("kubernetes:core/v1:ConfigMap") if r["name"].endswith("-train-config")
    ]
    pod = _pod(plan.one("kubernetes:batch/v1:Job")["inputs"])
    (container,) = pod["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "train-config")
    volume = next(v for v in pod["volumes"] if v["name"] == "train-config")
    assert mount["readOnly"] is True
    assert volume["configMap"]["name"] == config_map["inputs"]["metadata"]["name"]
    directory, file_name = env["MLFLEET_TRAIN_CONFIG"].rsplit("/", 1)
    assert directory == mount["mountPath"]
    # What the trainer in the pod would load: the mounted file, with the stack's model name.
    mounted = tmp_path / file_name
    mounted.write_text(config_map["inputs"]["data"][file_name])
    loaded = load_effective_config(None, {**env, "MLFLEET_TRAIN_CONFIG": str(mounted)})
    assert (loaded.seed, loaded.params, loaded.data.test_size) == (7, {"n_estimators": 200}, 0.2)
    (serving,) = [
        r for r in plan.of_type("kubernetes:apps/v1:Deployment") if r["name"] == "mlfleet-trial-serving"
    ]
    serving_env = {
        e["name"]: e.get("value")
        for e in serving["inputs"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert loaded.model_name == env["MLFLEET_MODEL"] == serving_env["MLFLEET_MODEL"] == DEFAULT_MODEL_NAME


def test_without_stack_training_config_nothing_is_mounted():
    pod = _pod(preview_stack("dev").one("kubernetes:batch/v1:Job")["inputs"])
    env = {e["name"] for e in pod["containers"][0]["env"]}
    assert "MLFLEET_TRAIN_CONFIG" not in env
    assert [v["name"] for v in pod["volumes"]] == ["tmp"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"data": {"sorce": "s3://x/y.csv"}},
            ["stacks/Pulumi.trial.yaml", "mlfleet:trainingJob.config.data.sorce"],
        ),
        ({"params": "many"}, ["mlfleet:trainingJob.config.params", "valid dictionary"]),
        ({"model_name": "other"}, ["mlfleet:trainingJob.config.model_name", "mlfleet:serving.model"]),
    ],
)
def test_a_bad_stack_training_config_names_the_key(tmp_path, config, expected):
    from mlfleet.engine.errors import PreviewError

    with pytest.raises(PreviewError) as info:
        _preview_local_with(
            tmp_path,
            {"mlfleet:trainingJob": {"image": "localhost:5001/mlfleet-trainer:0.1.0", "config": config}},
        )
    for fragment in expected:
        assert fragment in str(info.value)
