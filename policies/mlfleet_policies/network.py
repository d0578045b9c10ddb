"""Which source ranges count as "the whole internet", and the one port it may reach (HTTPS)."""

from __future__ import annotations

from collections.abc import Iterable

PUBLIC_SOURCES = frozenset({"0.0.0.0/0", "::/0", "*", "internet", "any"})
HTTPS_PORT = 443


def is_public(source: object) -> bool:
    return str(source).strip().lower() in PUBLIC_SOURCES


def any_public(sources: Iterable[object]) -> bool:
    return any(is_public(s) for s in sources)


def only_https(from_port: object, to_port: object) -> bool:
    """True when a port range is exactly 443; ports arrive as floats (protobuf Struct numbers)."""
    try:
        return float(str(from_port)) == HTTPS_PORT and float(str(to_port)) == HTTPS_PORT
    except ValueError:
        return False


def port_text(port: object) -> str:
    """443.0 -> '443' (protobuf numbers are floats); anything else as given."""
    return str(int(port)) if isinstance(port, float) and port.is_integer() else str(port)
