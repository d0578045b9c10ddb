"""uvicorn's httptools protocol with the limits it lacks, and a drain that loses no request.

uvicorn gives us the keep-alive timeout (`timeout_keep_alive`), the graceful-shutdown timeout and
the listen backlog, and we use them. It bounds an unfinished request head only with the pure-Python
h11 parser (`h11_max_incomplete_event_size`, also set), which is several times slower than
httptools; httptools itself buffers a request line or header of any size, has no header count
limit, and uvicorn arms no timer until a first response has been sent (a connection that never
completes a request head is kept forever). `limit_concurrency` answers 503 only once a request head
is complete, so idle sockets up to the limit still shut out everyone else. This subclass adds, per
connection and at almost no per-request cost (deadlines are checked by one timer every 0.25 s):

- request line + headers bounded in bytes (`max_header_bytes`) and in count (`max_headers`):
  431 in the JSON error shape, then close. At most one socket read (uvloop: 256 KiB) is buffered
  beyond the limit, so memory per connection is bounded whatever the client sends;
- a deadline for the request head (`header_timeout_seconds`, from the connection's opening or the
  first byte of a later request) and for the body once the head is in (`body_timeout_seconds`):
  408 if the request had started, a silent close for a connection that never sent a byte;
- a connection cap (`max_connections`): past it the connection that has waited longest without a
  request in progress (idle keep-alive, never sent a request, or still trickling its head) is
  closed to make room; only when every connection is busy is the new one refused with a 503
  (`too_many_connections`, `Retry-After: 1`, `Connection: close`);
- every protocol-level error (400 malformed request, 408, 431, 503) in the JSON error shape;
- a drain on SIGTERM (uvicorn calls `shutdown` on every connection after it stops accepting): a
  request in progress, and the requests the client has already sent on that keep-alive
  connection, are answered, the last one with `Connection: close`; an idle connection is closed
  only after it has stayed idle for `DRAIN_IDLE_SECONDS`, so a request already on its way (or
  sitting unread in the socket buffer of a busy server) is answered instead of reset.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import weakref
from typing import Any, ClassVar

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

log = logging.getLogger("mlfleet.serving")

DRAIN_IDLE_SECONDS = 1.0
SWEEP_SECONDS = 0.25
_REASONS = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class Limits:
    def __init__(
        self,
        max_header_bytes: int,
        max_headers: int,
        header_timeout: float,
        body_timeout: float,
        max_connections: int,
    ) -> None:
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_connections = max_connections


def error_bytes(status: int, code: str, message: str, extra: bytes = b"") -> bytes:
    """A complete HTTP/1.1 error response in the JSON error shape, closing the connection."""
    request_id = os.urandom(8).hex()
    body = orjson.dumps({"error": {"code": code, "message": message}, "request_id": request_id})
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Error")),
            b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body),
            b"x-request-id: " + request_id.encode() + b"\r\n",
            extra,
            b"connection: close\r\n\r\n",
            body,
        ]
    )


async def refuse_connection(scope: Any, receive: Any, send: Any) -> None:
    """The app of a connection accepted past the cap while every other one was busy."""
    request_id = os.urandom(8).hex()
    body = orjson.dumps(
        {
            "error": {
                "code": "too_many_connections",
                "message": "the server is at its connection limit with every connection busy; "
                "retry after 1 s (or on another replica)",
            },
            "request_id": request_id,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
                (b"x-request-id", request_id.encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HardenedHttpToolsProtocol(HttpToolsProtocol):
    """Bind `limits` with `hardened_protocol(limits)`; uvicorn builds one instance per connection."""

    limits: ClassVar[Limits]
    _live: ClassVar[weakref.WeakSet[HardenedHttpToolsProtocol]]
    _sweeper: ClassVar[asyncio.TimerHandle | None]
    _refusals: ClassVar[int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        now = self.loop.time()
        self._in_head = False  # between the first byte of a request and the end of its head
        self._began = False  # a request began during the current data_received
        self._started = False  # any request ever began on this connection
        self._head_bytes = 0
        self._head_count = 0
        self._deadline = now + self.limits.header_timeout
        self._since = now  # when this connection last became idle (opened or answered)
        self._reject: tuple[int, str, str] | None = None
        self._draining = False
        self._drain_from = 0.0
        self._marked: RequestResponseCycle | None = None
        self._refuse = False

    # Connection lifecycle ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        cls = type(self)
        cls._live.add(self)
        if cls._sweeper is None:
            cls._sweeper = self.loop.call_later(SWEEP_SECONDS, cls._sweep, self.loop)
        if len(self.connections) > self.limits.max_connections:
            self._make_room()

    def _busy(self) -> bool:
        return bool(self.pipeline) or (self.cycle is not None and not self.cycle.response_complete)

    def _make_room(self) -> None:
        victim: HardenedHttpToolsProtocol | None = None
        for other in type(self)._live:
            if other is self or other._busy() or other.transport is None or other.transport.is_closing():
                continue
            if victim is None or other._since < victim._since:
                victim = other
        if victim is not None:
            victim.transport.close()
            return
        self._refuse = True
        cls = type(self)
        cls._refusals += 1
        if cls._refusals == 1 or cls._refusals % 1000 == 0:
            log.warning(
                "connection limit reached with every connection busy: refusing with 503",
                extra={"max_connections": self.limits.max_connections, "refusals": cls._refusals},
            )

    @classmethod
    def _sweep(cls, loop: asyncio.AbstractEventLoop) -> None:
        """Every SWEEP_SECONDS: expire request-head and body deadlines; close drained idle ones."""
        cls._sweeper = None
        now = loop.time()
        for conn in list(cls._live):
            transport = conn.transport
            if transport is None or transport.is_closing():
                continue
            if conn._deadline <= now:
                conn._expire()
            elif conn._draining and not conn._in_head and not conn._busy():
                if now - max(conn._since, conn._drain_from) >= DRAIN_IDLE_SECONDS:
                    transport.close()
        if cls._live:
            cls._sweeper = loop.call_later(SWEEP_SECONDS, cls._sweep, loop)

    def _expire(self) -> None:
        self._deadline = math.inf
        cycle = self.cycle
        if self._in_head:
            timeout = self.limits.header_timeout
            self._fail(408, "request_timeout", f"the request head was not received within {timeout:g} s")
        elif cycle is not None and cycle.more_body:
            if cycle.response_started:  # answered early (e.g. 401) and the body still trickles in
                self.transport.close()
                return
            # The app is waiting for the body: it sees a disconnect and its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
            timeout = self.limits.body_timeout
            self._fail(408, "request_timeout", f"the request body was not received within {timeout:g} s")
        elif cycle is None and not self._started:
            self.transport.close()  # opened and never sent a byte

    def _fail(self, status: int, code: str, message: str) -> None:
        self.transport.write(error_bytes(status, code, message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:  # malformed request, or a limit (see on_header)
        status, code, message = self._reject or (400, "bad_request", f"malformed HTTP request: {msg}")
        self._fail(status, code, message)

    # Parser callbacks ----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        in_head, counted = self._in_head, self._head_bytes
        self._began = False
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            if in_head and not self._began:
                # The whole read was request head (the parser holds what is not a complete header
                # yet, which the callbacks do not show): count all of it.
                self._head_bytes = counted + len(data)
            if self._head_bytes > self.limits.max_header_bytes:
                self._reject = (
                    431,
                    "request_header_too_large",
                    f"the request line and headers exceed {self.limits.max_header_bytes} bytes",
                )
                self.send_400_response("")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._began = True
        self._head_bytes = self._head_count = 0
        if self._started:
            self._deadline = self.loop.time() + self.limits.header_timeout
        self._started = True

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._head_bytes += len(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        self._head_bytes += len(name) + len(value) + 4
        if self._head_count > self.limits.max_headers:
            self._reject = (431, "too_many_headers", f"more than {self.limits.max_headers} request headers")
            raise ValueError(self._reject[2])  # httptools stops; uvicorn calls send_400_response
        if self._head_bytes > self.limits.max_header_bytes:
            self._reject = (
                431,
                "request_header_too_large",
                f"the request line and headers exceed {self.limits.max_header_bytes} bytes",
            )
            raise ValueError(self._reject[2])
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._deadline = self.loop.time() + self.limits.body_timeout
        if self._refuse:
            self.app = refuse_connection
        super().on_headers_complete()
        if self._draining:
            self._mark_last()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._deadline = math.inf

    def on_response_complete(self) -> None:
        self._since = self.loop.time()
        super().on_response_complete()

    # Drain -----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """uvicorn has stopped accepting. Answer what this connection already carries, the last
        request with Connection: close; idle connections are closed by the sweep."""
        self._draining = True
        self._drain_from = self.loop.time()
        if self._busy():
            self._mark_last()

    def _mark_last(self) -> None:
        last = self.pipeline[0][0] if self.pipeline else self.cycle
        if last is None or last is self._marked:
            return
        previous = self._marked
        if previous is not None and not previous.response_started:
            previous.keep_alive = True  # a later request arrived: that one closes the connection
        if last.keep_alive:
            last.keep_alive = False
            self._marked = last


def hardened_protocol(limits: Limits) -> type[HardenedHttpToolsProtocol]:
    """A protocol class bound to `limits` (uvicorn takes a class, and builds it per connection)."""
    return type(
        "MlfleetHttpProtocol",
        (HardenedHttpToolsProtocol,),
        {"limits": limits, "_live": weakref.WeakSet(), "_sweeper": None, "_refusals": 0},
    )
