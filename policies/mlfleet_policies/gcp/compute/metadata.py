"""Instance metadata flags (`serial-port-enable`, `enable-oslogin`): strings such as "TRUE", "1", "false"."""

from __future__ import annotations

from typing import Any

from mlfleet_policies.props import get

TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def metadata_flag(props: Any, key: str) -> bool | None:
    """True/False when the key is set to a boolean-ish value, None when absent or unreadable."""
    value = get(props, f"metadata.{key}")
    text = str(value).strip().lower() if value is not None else ""
    return True if text in TRUE else False if text in FALSE else None
