"""The credentialed `pulumi preview --diff` of each stack (same-repository PRs only, docs/delivery.md
"Credentialed previews"), made fit for a PR comment: redacted and bounded.

preview.yml's `cloud-preview` jobs write, per stack, `<stack>.txt` (the CLI's output with `--diff
--color never`) and `<stack>.status` (`ok`, `failed` or `skipped: <why>`) into one directory;
`mlfleet diff --cloud-previews DIR` reads them into the sticky comment's section.

Pulumi already prints secret values as `[secret]`; the redaction here is for what a provider or a
program may still print: cloud access keys, bearer tokens and passwords in property values, PEM
blocks, AWS account ids. The `[urn=...]` and `[provider=...]` lines are dropped (long, and the
resource line above names the type and the name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mlfleet.diff.errors import DiffError

STATUSES = ("ok", "failed", "skipped")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S), "[redacted PEM]"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "[redacted access key]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 [redacted]"),
    # `password: "..."`, also inside a JSON/YAML string value (`password: \"...\"`): the value goes.
    (
        re.compile(
            r'(?i)((?:password|passwd|secret|token|api[_-]?key|credentials?)\w*(?:\\?")?\s*[:=]\s*)(\\?")[^"\\]*'
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])"), "[account]"),
)
_NOISE = re.compile(r"^\s*\[(?:urn|provider)=")


@dataclass(frozen=True)
class CloudPreview:
    stack: str
    status: str  # ok | failed | skipped
    text: str
    note: str = ""  # the status line's reason (skipped: ...)


def redact(text: str) -> str:
    text = _ANSI.sub("", text)
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines() if not _NOISE.match(line)).strip("\n")


def bounded(text: str, limit: int) -> str:
    """At most `limit` characters: the start of the diff and, always, its `Resources:` summary."""
    if len(text) <= limit:
        return text
    head, sep, summary = text.rpartition("\nResources:")
    tail = f"{sep}{summary}" if sep else ""
    keep = max(limit - len(tail) - 80, 0)
    cut = (head if sep else text)[:keep]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    dropped = len(text) - len(cut) - len(tail)
    return f"{cut}\n… {dropped} characters cut: the whole output is in the run's log{tail}"


def load_previews(directory: Path) -> dict[str, CloudPreview]:
    """Stack -> its preview, from `<stack>.status` (+ `<stack>.txt`) files; a directory that does not
    exist means no credentialed previews ran (forks): an empty result."""
    if not directory.is_dir():
        return {}
    out: dict[str, CloudPreview] = {}
    for status_file in sorted(directory.glob("*.status")):
        stack = status_file.stem
        status, _, note = status_file.read_text().strip().partition(":")
        if status not in STATUSES:
            raise DiffError(f"{status_file}: status {status!r} is not one of {', '.join(STATUSES)}")
        text_file = directory / f"{stack}.txt"
        text = text_file.read_text(errors="replace") if text_file.exists() else ""
        out[stack] = CloudPreview(stack, status, redact(text), note.strip())
    return out
