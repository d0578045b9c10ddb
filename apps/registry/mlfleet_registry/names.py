"""The one grammar for model names, version ids and aliases (enforced by every Registry method, so
the CLI, the model server, the trainer and sync all get it).

Each of them becomes one path segment of an object key, so the rules are those of a safe segment:
- model name / alias: 1-63 characters from lowercase letters, digits, '.', '_' and '-', starting
  with a letter or digit (so no '/', '\\', no '.' or '..' segment, no whitespace or control
  characters, nothing that needs quoting in a URL);
- an alias must not look like a version id (`v` + digits), so `promote demo v0003` is never ambiguous;
- version id: 'v' followed by the number, zero-padded to at least four digits and at most nine
  (v0001 ... v999999999); exactly the form the registry allocates (no v01, no v00001).
A bad value raises InvalidName naming the argument, its value (escaped, so it stays on one line)
and the rule. Nothing is read or written before the check.
"""

from __future__ import annotations

import re

from mlfleet_registry.errors import InvalidName

MAX_NAME = 63
NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
VERSION_RE = re.compile(r"v(\d{4,9})")
NAME_RULE = (
    f"1-{MAX_NAME} characters from lowercase letters, digits, '.', '_' and '-', starting with a letter or "
    "digit (no '/', whitespace, control characters or '..')"
)
ALIAS_RULE = NAME_RULE + ", and not shaped like a version id (v0001)"
VERSION_RULE = "'v' and the version number zero-padded to 4-9 digits, e.g. v0001 or v12345"


def _shown(value: object) -> str:
    text = repr(value)  # repr escapes newlines and control characters: the message stays one line
    return text if len(text) <= 80 else text[:60] + f"...' ({len(str(value))} characters)"


def check_name(value: object, what: str = "model name") -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value) or ".." in value:
        raise InvalidName(f"invalid {what} {_shown(value)}: use {NAME_RULE}")
    return value


def check_alias(value: object, what: str = "alias") -> str:
    if not isinstance(value, str) or not NAME_RE.fullmatch(value) or ".." in value or is_version(value):
        raise InvalidName(f"invalid {what} {_shown(value)}: use {ALIAS_RULE}")
    return value


def is_version(value: object) -> bool:
    """True for a canonical version id (v0001, v12345), False for anything else."""
    if not isinstance(value, str):
        return False
    match = VERSION_RE.fullmatch(value)
    if match is None:
        return False
    number = int(match.group(1))
    return number > 0 and value == format_version(number)


def check_version(value: object, what: str = "version") -> str:
    if not is_version(value):
        raise InvalidName(f"invalid {what} {_shown(value)}: use {VERSION_RULE}")
    return str(value)


def check_ref(value: object, what: str = "version or alias") -> str:
    """A version id or an alias (what `show`/`promote` accept)."""
    if is_version(value):
        return str(value)
    if isinstance(value, str) and NAME_RE.fullmatch(value) and ".." not in value:
        return check_alias(value, what)
    raise InvalidName(
        f"invalid {what} {_shown(value)}: use a version id ({VERSION_RULE}) or an alias ({ALIAS_RULE})"
    )


def format_version(number: int) -> str:
    return f"v{number:04d}"


def version_number(version: str) -> int:
    """The number of a canonical version id, -1 for anything else (sorts first)."""
    return int(version[1:]) if is_version(version) else -1
