"""ImagePush: `pulumi up` builds and pushes an app image to the cell's registry before the workloads
that run it (docs/delivery.md "How images reach the registry").

One `command:local:Command` (pulumi-command 1.2.1, its SDK's `local/command.py` docstrings: `create`
runs on create and, without an `update` command, again when an input changes; not at all when the
inputs are unchanged) runs the one push entry point, `mlfleet images
push`, on the machine running `pulumi up` (the CI runner, or a laptop). Its command line names the
full ref, so a new content tag is a changed input (a new push) and an unchanged app is no step at
all. The ref handed to the workloads is an Output of the command, so Pulumi creates or updates the
Deployments, Jobs and CronJobs only after the push succeeded.

On ACR (public network access disabled) the entry point runs the build as an ACR Task on the
registry's agent pool in the cell's VNet; on ECR and Artifact Registry it builds with podman on the
runner and pushes with the deployer's credentials.
"""

from __future__ import annotations

import shlex
import weakref

import pulumi
from pulumi_command import local

from components.container_registry import ContainerRegistry

COMMAND = ("mlfleet", "images", "push")

# One push per (registry, app, tag): serving, the training CronJob and the alert hook share it.
_pushes: weakref.WeakKeyDictionary[object, dict[tuple[str, str], pulumi.Output[str]]] = (
    weakref.WeakKeyDictionary()
)


def push_command(app: str, ref: str, acr_agent_pool: str | None) -> str:
    """The command line `pulumi up` runs (shell-quoted: it runs under /bin/sh -c)."""
    args = [*COMMAND, "--app", app, "--ref", ref]
    if acr_agent_pool:
        args += ["--acr-agent-pool", acr_agent_pool]
    return shlex.join(args)


class ImagePush(pulumi.ComponentResource):
    # `<repository>:<tag>`, resolved once the image is in the registry.
    ref: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        app: str,
        repository_url: pulumi.Input[str],
        tag: str,
        acr_agent_pool: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("mlfleet:images:ImagePush", name, None, opts)
        ref = pulumi.Output.concat(repository_url, ":", tag)
        create = pulumi.Output.all(ref, acr_agent_pool).apply(
            lambda values: push_command(app, values[0], values[1])
        )
        command = local.Command(name, create=create, opts=pulumi.ResourceOptions(parent=self))
        # An Output of the command: whatever takes this ref waits for the push.
        self.ref = pulumi.Output.all(ref, command.create).apply(lambda values: values[0])
        self.register_outputs({"ref": self.ref})


def pushed_image(
    name: str,
    registry: ContainerRegistry,
    app: str,
    tag: str,
    opts: pulumi.ResourceOptions | None = None,
) -> pulumi.Output[str]:
    """The ref of `app`'s image at `tag` in `registry`, pushed by this update if it is not there."""
    pushes = _pushes.setdefault(registry, {})
    if (app, tag) not in pushes:
        pool = getattr(registry, "push_agent_pool", None)
        push = ImagePush(name, app, registry.repository_urls[app], tag, pool, opts)
        pushes[(app, tag)] = push.ref
    return pushes[(app, tag)]
