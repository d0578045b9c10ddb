"""Push one app image to a registry: the one entry point `pulumi up` runs (a `command:local:Command`
per registry and app, components/image_push.py) before the workloads that use the image.

Registries with immutable tags (ECR, Artifact Registry) refuse a second push of a tag, and a tag is
the app's content key (components/image_content.py): so a ref already in the registry is left alone
("unchanged": nothing built, nothing pushed). Otherwise the image is built with podman from
apps/<app>/Dockerfile and pushed. Logins use the machine's cloud credentials (the CI job's OIDC
session): ECR through `aws ecr get-login-password`, Artifact Registry through
`gcloud auth print-access-token`, both handed to podman on stdin, never in arguments or logs.

ACR's public network access is disabled, so nothing outside the VNet can push to it: with
`acr_agent_pool` the build runs as an ACR Task on the registry's agent pool inside the VNet
(`az acr build --agent-pool`), which uploads the build context through the control plane.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from components.image_content import DEPLOY_BASE_IMAGE, context_files, dockerfile
from mlfleet.rehearse.errors import RehearsalError
from mlfleet.rehearse.images import podman_build
from mlfleet.rehearse.podman import Podman

ECR_HOST = re.compile(r"^\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$")
GAR_HOST = re.compile(r"^[a-z0-9-]+-docker\.pkg\.dev$")
ACR_HOST = re.compile(r"^([a-z0-9]+)\.azurecr\.io$")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")


class PushError(Exception):
    """A push that failed, with the one thing to do about it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message} ({fix})")


@dataclass(frozen=True)
class PushResult:
    ref: str
    pushed: bool
    digest: str | None  # sha256:... of what was pushed (None when unchanged or pushed by ACR Tasks)


def split_ref(ref: str) -> tuple[str, str, str]:
    """(host, repository path, tag) of `host/path:tag`; a ref without both is refused."""
    host, _, rest = ref.partition("/")
    path, _, tag = rest.rpartition(":")
    if not host or not path or not tag or "@" in ref:
        raise PushError(f"--ref {ref!r} is not <registry host>/<repository>:<tag>", "pass the plan's ref")
    return host, path, tag


def _tls(host: str) -> list[str]:
    # Only a registry on this machine's loopback is spoken to over plain HTTP.
    return ["--tls-verify=false"] if host.split(":")[0] in LOOPBACK else []


def _run(args: list[str], what: str, fix: str, input_text: str | None = None, timeout: float = 600) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, input=input_text, timeout=timeout)
    except FileNotFoundError:
        raise PushError(f"{what}: {args[0]} is not installed", fix) from None
    if result.returncode != 0:
        raise PushError(f"{what} failed: {(result.stderr or result.stdout).strip()[-1500:]}", fix)
    return result.stdout


def login(podman: Podman, host: str) -> None:
    """Log podman (and skopeo, which reads the same auth file) in to a cloud registry."""
    ecr = ECR_HOST.match(host)
    if ecr:
        token = _run(
            ["aws", "ecr", "get-login-password", "--region", ecr.group(1)],
            "aws ecr get-login-password",
            "run with the stack's deployer credentials (ecr:GetAuthorizationToken)",
        )
        user = "AWS"
    elif GAR_HOST.match(host):
        token = _run(
            ["gcloud", "auth", "print-access-token"],
            "gcloud auth print-access-token",
            "run with the stack's deployer credentials (google-github-actions/auth)",
        )
        user = "oauth2accesstoken"
    else:
        return  # a registry this machine is already logged in to, or one without auth
    podman.run("login", "--username", user, "--password-stdin", host, input_text=token.strip())


def exists(ref: str, host: str) -> bool:
    """Whether the registry already holds `ref` (skopeo reads only the manifest)."""
    result = subprocess.run(
        ["skopeo", "inspect", "--raw", *_tls(host), f"docker://{ref}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode == 0:
        return True
    if "manifest unknown" in result.stderr or "not found" in result.stderr.lower():
        return False
    raise PushError(
        f"cannot read {ref} from its registry: {result.stderr.strip()[-800:]}",
        "check the registry is reachable and the credentials may read it (skopeo inspect)",
    )


def push(
    app: str,
    ref: str,
    repo_root: Path,
    base_image: str = DEPLOY_BASE_IMAGE,
    podman_flags: str | None = None,
) -> PushResult:
    """Build `apps/<app>/Dockerfile` on `base_image` and push it as `ref`, unless `ref` is there."""
    host = split_ref(ref)[0]
    if not dockerfile(repo_root, app).is_file():
        raise PushError(f"apps/{app}/Dockerfile is not under {repo_root}", "run from the repository root")
    try:
        podman = Podman(podman_flags)
        login(podman, host)
        if exists(ref, host):
            return PushResult(ref, pushed=False, digest=None)
        podman_build(podman, repo_root, app, base_image, ref)
        with tempfile.TemporaryDirectory() as tmp:
            digest_file = Path(tmp) / "digest"
            podman.run("push", *_tls(host), "--digestfile", str(digest_file), ref, timeout=3600)
            digest = digest_file.read_text().strip()
    except RehearsalError as exc:  # podman's own failures, already one line with a fix
        raise PushError(str(exc), "see the podman output above") from None
    return PushResult(ref, pushed=True, digest=digest)


def push_with_acr_task(app: str, ref: str, agent_pool: str, repo_root: Path, base_image: str) -> PushResult:
    """`az acr build` on the registry's agent pool in the VNet: ACR refuses pushes from outside it.
    Only the image's context files are uploaded (az acr build would send the whole directory)."""
    host, path, tag = split_ref(ref)
    acr = ACR_HOST.match(host)
    if acr is None:
        raise PushError(f"--acr-agent-pool needs an ACR ref (<name>.azurecr.io/...), got {ref!r}", "drop it")
    with tempfile.TemporaryDirectory() as tmp:
        for file in context_files(repo_root, app):
            staged = Path(tmp) / file.relative_to(repo_root)
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, staged)
        _acr_build(acr.group(1), agent_pool, app, f"{path}:{tag}", Path(tmp), base_image)
    return PushResult(ref, pushed=True, digest=None)


def _acr_build(registry: str, agent_pool: str, app: str, image: str, context: Path, base_image: str) -> None:
    _run(
        [
            "az", "acr", "build",
            "--registry", registry,
            "--agent-pool", agent_pool,
            "--image", image,
            "--file", str(context / "apps" / app / "Dockerfile"),
            "--build-arg", f"BASE_IMAGE={base_image}",
            "--build-arg", f"REVISION={image.rsplit(':', 1)[1]}",
            str(context),
        ],
        "az acr build",
        "run with the stack's deployer credentials (listBuildSourceUploadUrl, scheduleRun, runs/read)",
        timeout=3600,
    )  # fmt: skip
