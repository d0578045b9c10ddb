"""What an app image is made of, and the content tag named after it (one source of truth for the
program's default image tags and the rehearsal's build cache).

An image's content is its base image reference, its Dockerfile and ignore file, and every file the
Dockerfile's COPY/ADD lines take from the build context. The default tag of an app image is a hash
of that content: a change to apps/serving gives a new tag (a new, never-colliding immutable tag and a
rolling update), an unchanged app keeps its tag (nothing to push).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# The base the deploy builds use (the Dockerfiles' BASE_IMAGE has no default on purpose). Part of
# the content key: moving the base gives every app a new tag.
# The digest is NOT verified against Docker Hub (checked 2026-12-02, no registry access here):
# - docker-library/repo-info repos/python/remote/3.11-slim-bookworm.md, the registry-side record of
#   the tag, does not list it in the two stored versions (commits 33a22f41, bc9bbb47: the 2026-08-25
#   build of Python 3.11.16, index sha256:0bee7276... and sha256:fe556eaf..., amd64 sha256:2fc9207f...);
#   the index digest changes at every rebuild, and the older versions are not stored here.
# - Several unrelated public repositories pin the same digest as python:3.11-slim-bookworm, one
#   recording it as the OCI index of 3.11.16-slim-bookworm (official-images revision fe89472b,
#   linux/amd64 manifest sha256:bb3a5d38...). So it is most likely a real, older index digest of
#   this tag, not the current one. Before a deploy build relies on it, run
#   `docker buildx imagetools inspect docker.io/library/python@sha256:2e32f7d3...` (it must list
#   linux/amd64 python 3.11) or move it to the tag's current digest from that command.
DEPLOY_BASE_IMAGE = (
    "docker.io/library/python:3.11-slim-bookworm"
    "@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91"
)
TAG_PREFIX = "src-"


def dockerfile(repo_root: Path, app: str) -> Path:
    return repo_root / "apps" / app / "Dockerfile"


def copy_sources(path: Path) -> list[str]:
    """Context paths the Dockerfile's COPY/ADD lines read (not `--from=` stage copies)."""
    sources: list[str] = []
    for line in path.read_text().splitlines():
        words = line.split()
        if not words or words[0].upper() not in ("COPY", "ADD"):
            continue
        if any(w.startswith("--from") for w in words):
            continue
        paths = [w for w in words[1:] if not w.startswith("--")]
        sources += paths[:-1]
    return sources


def _head(repo_root: Path, app: str) -> list[Path]:
    path = dockerfile(repo_root, app)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: an app image needs apps/{app}/Dockerfile")
    return [part for part in (path, path.with_name("Dockerfile.dockerignore")) if part.exists()]


def _sources(repo_root: Path, app: str) -> list[Path]:
    """The files the Dockerfile's COPY lines take, caches and bytecode left out, in a stable order."""
    files: list[Path] = []
    for source in sorted(set(copy_sources(dockerfile(repo_root, app)))):
        root = repo_root / source
        found = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        files += [f for f in found if "__pycache__" not in f.parts and f.suffix != ".pyc"]
    return [f for f in files if ".egg-info" not in str(f)]


def context_files(repo_root: Path, app: str) -> list[Path]:
    """The build context the image is made of: the Dockerfile, its ignore file and the COPY sources
    (what a remote build needs uploaded, nothing else of the repository)."""
    return list(dict.fromkeys([*_head(repo_root, app), *_sources(repo_root, app)]))


def content_key(repo_root: Path, app: str, base_ref: str) -> str:
    """16 hex digits of the image's content: the base reference, the Dockerfile and ignore file, and
    every COPY source by path and content."""
    digest = hashlib.sha256(base_ref.encode())
    for part in _head(repo_root, app):
        digest.update(part.read_bytes())
    for file in _sources(repo_root, app):
        digest.update(str(file.relative_to(repo_root)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def content_tag(app: str, repo_root: Path = REPO_ROOT, base_ref: str = DEPLOY_BASE_IMAGE) -> str:
    """The default immutable tag of `app`'s image as the deploy builds it: `src-<content key>`."""
    return TAG_PREFIX + content_key(repo_root, app, base_ref)
