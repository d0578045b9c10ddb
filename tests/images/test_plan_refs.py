"""The plan pushes exactly the ref each workload runs, before it runs it; the tag is the app's content
tag, the one the rehearsal's build cache keys on too (components/image_content.py)."""

from __future__ import annotations

import shlex
from typing import Any

import pulumi

from components.image_content import content_tag
from components.image_push import pushed_image
from mlfleet.engine.harness import preview_stack, run_program
from mlfleet.rehearse.images import app_for_image, apps_with_images
from tests.support import REPO_ROOT

COMMAND = "command:local:Command"
WORKLOADS = ("kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob")


def _images(resource: dict[str, Any]) -> list[str]:
    spec = resource["inputs"]["spec"]
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"]["spec"]
    return [c["image"] for c in spec["template"]["spec"]["containers"]]


def _pushes(plan: Any) -> dict[str, dict[str, Any]]:
    """ref -> the Command that pushes it."""
    out = {}
    for command in plan.of_type(COMMAND):
        words = shlex.split(command["inputs"]["create"])
        assert words[:3] == ["mlfleet", "images", "push"], words
        out[words[words.index("--ref") + 1]] = command
    return out


def test_every_workload_image_is_pushed_by_a_command_it_depends_on() -> None:
    plan = preview_stack("dev")
    pushes = _pushes(plan)
    apps = apps_with_images(REPO_ROOT)
    assert {app_for_image(ref, apps) for ref in pushes} == {"serving", "trainer"}
    checked = 0
    for token in WORKLOADS:
        for workload in plan.of_type(token):
            for image in _images(workload):
                app = app_for_image(image, apps)
                if app is None:
                    continue  # not one of our images (e.g. an add-on's)
                assert image in pushes, f"{workload['name']} runs {image}, which no command pushes"
                assert pushes[image]["urn"] in workload["dependencies"], workload["name"]
                assert image.endswith(f":{content_tag(app)}")
                checked += 1
    assert checked >= 2  # the serving Deployment and the training Job/CronJob at least


def test_a_pinned_image_tag_pushes_nothing() -> None:
    plan = preview_stack("dr")  # mlfleet:serving.imageTag and trainingJob.imageTag are digests
    assert plan.of_type(COMMAND) == []
    serving = [d for d in plan.of_type("kubernetes:apps/v1:Deployment") if d["name"].endswith("-serving")]
    assert serving and all("@sha256:" in _images(d)[0] for d in serving)


class _Registry:
    def __init__(self, url: str) -> None:
        self.repository_urls = {"serving": pulumi.Output.from_input(url)}


def test_one_push_per_registry_app_and_tag() -> None:
    def program() -> None:
        registry = _Registry("registry.example/mlfleet-serving")
        first = pushed_image("push-serving", registry, "serving", "src-0123456789abcdef")
        second = pushed_image("push-serving", registry, "serving", "src-0123456789abcdef")
        pulumi.export("refs", pulumi.Output.all(first, second))

    plan = run_program(program, check=False)
    (command,) = plan.of_type(COMMAND)
    assert command["inputs"]["create"] == (
        "mlfleet images push --app serving --ref registry.example/mlfleet-serving:src-0123456789abcdef"
    )
    assert plan.outputs["refs"] == ["registry.example/mlfleet-serving:src-0123456789abcdef"] * 2
