"""The resource types this stack's program registers, for its deployers' policies (docs/delivery.md).

`recording()` wraps the program (__main__.py): a stack transformation notes the type token of every
resource constructed inside it, and `registered_types(...)` is an Output of those tokens that
resolves when the program has built everything. A deployer identity created early (with the storage
blocks) thereby gets a policy for exactly the types its stack creates, including the cluster,
monitoring and budget created after it, and the policy is in the plan like any input.

Outside `recording()` (a block built alone, e.g. in a unit test) `registered_types` returns None and
callers grant their cloud's whole table. The Output is always resolved when recording ends, also when
the program fails, so no registration waits forever.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pulumi


class _Ledger:
    def __init__(self) -> None:
        self.types: set[str] = set()
        self.open = True
        self._loop = asyncio.get_event_loop()
        self._waiting: list[tuple[tuple[str, ...], asyncio.Future[list[str]], asyncio.Future[bool]]] = []

    def record(self, args: pulumi.ResourceTransformationArgs) -> None:
        if self.open:
            self.types.add(args.type_)

    def output(self, prefixes: tuple[str, ...]) -> pulumi.Output[list[str]]:
        value: asyncio.Future[list[str]] = self._loop.create_future()
        known: asyncio.Future[bool] = self._loop.create_future()
        secret: asyncio.Future[bool] = self._loop.create_future()
        secret.set_result(False)
        self._waiting.append((prefixes, value, known))
        return pulumi.Output(set(), value, known, secret)

    def close(self) -> None:
        self.open = False
        for prefixes, value, known in self._waiting:
            value.set_result(sorted(t for t in self.types if t.startswith(prefixes)))
            known.set_result(True)


_active: _Ledger | None = None
T = TypeVar("T")


@contextmanager
def recording() -> Iterator[None]:
    """Record the types of the resources constructed inside; resolve `registered_types` at the end."""
    global _active
    ledger = _Ledger()
    pulumi.runtime.register_stack_transformation(ledger.record)
    _active = ledger
    try:
        yield
    finally:
        _active = None
        ledger.close()


def registered_types(*prefixes: str) -> pulumi.Output[list[str]] | None:
    """The sorted type tokens starting with one of `prefixes` that the program registers (None when
    the program is not recording)."""
    return None if _active is None else _active.output(prefixes)


def derived(policy: Callable[[list[str] | None], T], *prefixes: str) -> pulumi.Input[T]:
    """`policy(types)` for the types the program registers with these prefixes, or `policy(None)` (the
    whole table) when the program is not recording."""
    types = registered_types(*prefixes)
    return policy(None) if types is None else types.apply(policy)
