"""The credentialed `pulumi preview --diff` section of the sticky PR comment.

The fixture (tests/diff/cloud_previews/) is written in the CLI's `--diff` format as Pulumi's docs
show it: `~ aws:s3/bucket:Bucket: (update)` with `[id=]`, `[urn=]`, `[provider=]` lines and
property diffs (pulumi/docs, the pulumi-aws 7.0 migration guide's tags example; the "details" view
of pulumi/infrastructure-as-code-workshop lab 04, "Updating your infrastructure"), with the summary
block `Resources:` / `~ N to update` / `N changes. M unchanged` of `pulumi preview`. The stack's
resources are the dev stack's real names; one failed stack (an STS AccessDenied) and one skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlfleet.diff.cloud_preview import bounded, load_previews, redact
from mlfleet.diff.compare import compare_all
from mlfleet.diff.errors import DiffError
from mlfleet.diff.render import MAX_COMMENT_CHARS, markdown

FIXTURE = Path(__file__).parent / "cloud_previews"


def comment(max_chars: int = MAX_COMMENT_CHARS) -> str:
    return markdown(compare_all({}, {}), cloud_previews=load_previews(FIXTURE), max_chars=max_chars)


def test_the_comment_shows_each_stacks_real_preview_with_its_status() -> None:
    body = comment()
    assert "#### `pulumi preview --diff` (read-only cloud credentials)" in body
    assert "✅ <code>dev</code>: ok" in body and "~ aws:s3/bucket:Bucket: (update)" in body
    assert '+ team       : "ml-platform"' in body and "4 changes. 150 unchanged" in body
    assert "❌ <code>staging</code>: failed" in body and "AccessDenied" in body
    assert "⏭️ <code>prod</code>: skipped (no AWS_ACCOUNT_ID variable)" in body
    # One comment: the offline diff's marker heads it.
    assert body.startswith("<!-- mlfleet-diff -->")


def test_secrets_account_ids_and_noise_are_redacted() -> None:
    body = comment()
    assert "hunter2" not in body and "[redacted]" in body
    assert "123456789012" not in body and "arn:aws:iam::[account]:policy/" in body
    assert "[urn=" not in body and "[provider=" not in body
    assert "stringData: [secret]" in body  # Pulumi's own masking is kept as it is


@pytest.mark.parametrize(
    ("raw", "gone", "kept"),
    [
        ("key: AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE", "[redacted access key]"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGci", "Bearer [redacted]"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "MIIE", "[redacted PEM]"),
        ("\x1b[32m+ created\x1b[0m", "\x1b[", "+ created"),
    ],
)
def test_redaction(raw: str, gone: str, kept: str) -> None:
    assert gone not in redact(raw) and kept in redact(raw)


def test_a_long_preview_is_cut_but_keeps_its_summary() -> None:
    text = (
        "\n".join(f"    + aws:s3/bucket:Bucket: (create) {i}" for i in range(2000))
        + "\nResources:\n    + 2000 to create"
    )
    cut = bounded(text, 4000)
    assert len(cut) <= 4000 and cut.endswith("Resources:\n    + 2000 to create")
    assert "characters cut: the whole output is in the run's log" in cut


def test_the_section_shrinks_with_the_comment(tmp_path: Path) -> None:
    lines = "\n".join(f"    + aws:s3/bucket:Bucket: (create) bucket-{i}" for i in range(400))
    (tmp_path / "dev.txt").write_text(f"{lines}\nResources:\n    + 400 to create\n")
    (tmp_path / "dev.status").write_text("ok\n")
    previews = load_previews(tmp_path)
    full = markdown(compare_all({}, {}), cloud_previews=previews)
    small = markdown(compare_all({}, {}), cloud_previews=previews, max_chars=len(full) - 5000)
    assert len(small) <= len(full) - 5000 and small.rstrip().endswith("</details>")
    assert "+ 400 to create" in small and "characters cut" in small


def test_no_directory_means_no_section_and_a_bad_status_is_an_error(tmp_path: Path) -> None:
    assert load_previews(tmp_path / "absent") == {}
    assert "pulumi preview --diff` (read-only" not in markdown(compare_all({}, {}))
    (tmp_path / "dev.status").write_text("maybe\n")
    with pytest.raises(DiffError, match="not one of ok, failed, skipped"):
        load_previews(tmp_path)
