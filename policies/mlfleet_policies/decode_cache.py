"""Decode a resource's properties once per analyzer call instead of once per policy, and run only
the policies that can apply to the resource's type.

pulumi_policy's servicer builds `unknown_checking_proxy(deserialize_properties(MessageToDict(msg)))`
for the same request message once for *every* resource policy in `Analyze` (and its provider's
properties too), and for every resource once per stack policy in `AnalyzeStack`. With ~70 rules
that decoding is almost all of the pack's time. `install()` wraps those two servicer methods so
that, for the duration of one call, each protobuf message is decoded once and every policy gets
the same read-only proxy. The wire protocol, the policies' arguments and their order are
unchanged; the pack still runs under the real CLI exactly as before.

`ApplicablePolicies` is the pack's policy list: inside `Analyze` iterating it yields only the
policies whose rule declares the request's type (or no type: rules over every type), in pack
order, so the servicer does not even build arguments for the other ~60 rules. Everywhere else
(GetAnalyzerInfo, Configure, AnalyzeStack) it is the full list.

Rules must treat their props as read-only (CrossGuard's contract; remediations return new maps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import Policy
from pulumi_policy import policy as _policy

_state = threading.local()  # the servicer runs calls on a thread pool: one cache per thread


def _memo(stage: str, real: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`real(value)` memoised on the identity of `value` while a call's cache is active."""

    def cached(value: Any, *args: Any, **kwargs: Any) -> Any:
        cache = getattr(_state, "cache", None)
        if cache is None or args or kwargs:
            return real(value, *args, **kwargs)
        key = (stage, id(value))
        hit = cache.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        result = real(value)
        cache[key] = (value, result)  # keeps `value` alive, so its id cannot be reused meanwhile
        return result

    return cached


class _JsonFormat:
    """`google.protobuf.json_format` with a memoised MessageToDict (everything else passed through)."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.MessageToDict = _memo("dict", real.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _memo_method(stage: str, real: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """A servicer method of one request message (resource options, provider), memoised likewise."""

    def cached(self: Any, request: Any) -> Any:
        cache = getattr(_state, "cache", None)
        if cache is None:
            return real(self, request)
        key = (stage, id(self), id(request))
        hit = cache.get(key)
        if hit is not None and hit[0] is request:
            return hit[1]
        result = real(self, request)
        cache[key] = (request, result)
        return result

    return cached


class ApplicablePolicies(list[Policy]):
    """The pack's policies; during one `Analyze` call, only those that apply to its resource type."""

    def __init__(self, policies: Iterable[Policy], types: Mapping[str, tuple[str, ...]]) -> None:
        super().__init__(policies)
        self._types = dict(types)  # policy name -> resource types (empty: every type)
        self._by_type: dict[str, list[Policy]] = {}

    def for_type(self, resource_type: str) -> list[Policy]:
        found = self._by_type.get(resource_type)
        if found is None:
            found = [
                p
                for p in list.__iter__(self)
                if not self._types.get(p.name) or resource_type in self._types[p.name]
            ]
            self._by_type[resource_type] = found
        return found

    def __iter__(self) -> Iterator[Policy]:
        resource_type = getattr(_state, "resource_type", None)
        if resource_type is None:
            return list.__iter__(self)
        return iter(self.for_type(resource_type))


def _scoped(method: Callable[..., Any], by_type: bool) -> Callable[..., Any]:
    def call(self: Any, request: Any, context: Any) -> Any:
        _state.cache = {}
        _state.resource_type = request.type if by_type else None
        try:
            return method(self, request, context)
        finally:
            _state.cache = None
            _state.resource_type = None

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    call._mlfleet_decode_cache = True  # type: ignore[attr-defined]
    return call


def install() -> None:
    """Idempotent; call before constructing the PolicyPack."""
    servicer: Any = _policy._PolicyAnalyzerServicer
    if getattr(servicer.Analyze, "_mlfleet_decode_cache", False):
        return
    module: Any = _policy
    module.json_format = _JsonFormat(module.json_format)
    module.deserialize_properties = _memo("deserialized", module.deserialize_properties)
    module.unknown_checking_proxy = _memo("proxy", module.unknown_checking_proxy)
    servicer._get_resource_options = _memo_method("options", servicer._get_resource_options)
    servicer._get_provider_resource = _memo_method("provider", servicer._get_provider_resource)
    servicer.Analyze = _scoped(servicer.Analyze, by_type=True)
    servicer.AnalyzeStack = _scoped(servicer.AnalyzeStack, by_type=False)
