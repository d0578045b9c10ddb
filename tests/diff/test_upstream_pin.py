"""scripts/gen_replacements.py reads a bridged provider's Terraform sources only at the commit the Pulumi
release bridges (its `upstream` submodule, or the pseudo-version in provider/go.mod), on small git
mirrors built here in the shapes pulumi-tls and pulumi-gcp use."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.diff.generator import load_generator


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _commit(work: Path, files: dict[str, str], tag: str) -> str:
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text, encoding="utf-8")
    _git(work, "add", "-A")
    _git(work, "commit", "-q", "-m", tag)
    _git(work, "tag", tag)
    return _git(work, "rev-parse", "HEAD")


def _mirror(mirrors: Path, work: Path, repo: str) -> None:
    _git(mirrors, "clone", "-q", "--mirror", str(work), str(mirrors / repo.replace("/", "+") / "repo"))


@pytest.fixture
def mirrors(tmp_path: Path) -> tuple[Path, str, str]:
    """terraform-provider-tls with tags v1 and v2; pulumi-tls v5 requiring v1 by pseudo-version and
    pulumi-gcp v9 pointing its `upstream` submodule at v2."""
    root = tmp_path / "mirrors"
    root.mkdir()
    tf = tmp_path / "tf"
    tf.mkdir()
    _git(tf, "init", "-q")
    first = _commit(tf, {"internal/provider/resource_x.go": "package provider\n"}, "v1")
    second = _commit(tf, {"internal/provider/resource_x.go": "package provider // v2\n"}, "v2")
    _mirror(root, tf, "hashicorp/terraform-provider-tls")

    tls = tmp_path / "pulumi-tls"
    tls.mkdir()
    _git(tls, "init", "-q")
    go_mod = (
        "module github.com/pulumi/pulumi-tls/provider/v5\n\nrequire (\n"
        f"\tgithub.com/hashicorp/terraform-provider-tls v1.2.1-0.20260130152455-{first[:12]} // indirect\n)\n"
    )
    _commit(tls, {"provider/go.mod": go_mod}, "v5")
    _mirror(root, tls, "pulumi/pulumi-tls")

    gcp = tmp_path / "pulumi-gcp"
    gcp.mkdir()
    _git(gcp, "init", "-q")
    (gcp / "README.md").write_text("gcp\n", encoding="utf-8")
    _git(gcp, "add", "README.md")
    _git(gcp, "update-index", "--add", "--cacheinfo", f"160000,{second},upstream")
    _git(gcp, "commit", "-q", "-m", "v9")
    _git(gcp, "tag", "v9")
    _mirror(root, gcp, "pulumi/pulumi-gcp")
    return root, first, second


def _check(root: Path, pulumi: tuple[str, str], upstream_ref: str) -> None:
    gen = load_generator()
    tf_repo = "hashicorp/terraform-provider-tls"
    gen.check_upstream(
        gen.Mirror(root, gen.Source(*pulumi)), gen.Mirror(root, gen.Source(tf_repo, upstream_ref)), tf_repo
    )


def test_the_commit_a_go_mod_pseudo_version_names_is_accepted(mirrors: tuple[Path, str, str]) -> None:
    root, first, _ = mirrors
    _check(root, ("pulumi/pulumi-tls", "v5"), "v1")
    _check(root, ("pulumi/pulumi-tls", "v5"), first)


def test_any_other_terraform_ref_stops_the_generator(mirrors: tuple[Path, str, str]) -> None:
    root, first, _ = mirrors
    with pytest.raises(SystemExit, match=f"v5 bridges {first[:12]}: point SOURCES at that commit"):
        _check(root, ("pulumi/pulumi-tls", "v5"), "v2")


def test_an_upstream_submodule_pins_the_commit(mirrors: tuple[Path, str, str]) -> None:
    root, _, second = mirrors
    _check(root, ("pulumi/pulumi-gcp", "v9"), "v2")
    with pytest.raises(SystemExit, match=f"v9 bridges {second}"):
        _check(root, ("pulumi/pulumi-gcp", "v9"), "v1")
