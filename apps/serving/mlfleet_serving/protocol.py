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

import httptools
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


# uvicorn's callbacks, looked up once: called as plain functions, no super() per request.
_base_headers_complete = HttpToolsProtocol.on_headers_complete


class HardenedHttpToolsProtocol(HttpToolsProtocol):
    """Bind `limits` with `hardened_protocol(limits)`; uvicorn builds one instance per connection.

    Per request this costs one Python call on top of uvicorn's (`on_headers_complete`: a header
    count, one clock read, a few attribute stores) and a few operations in `data_received`, which
    replaces uvicorn's rather than wrapping it; `on_message_begin`, `on_url`, `on_header` and
    `on_response_complete` are uvicorn's own. The head is measured only where that is cheap: a head
    that began and ended within one read no larger than `max_header_bytes` cannot exceed it, so it
    is counted (target + headers) only when it spanned reads or came in a larger read, and a head
    still unfinished after a read (rare: a slow or hostile client) is checked after that read.
    A request is in its head while `self.scope` (a new dict per request, made by uvicorn's
    `on_message_begin`) is not the scope whose head was completed last."""

    limits: ClassVar[Limits]
    _live: ClassVar[weakref.WeakSet[HardenedHttpToolsProtocol]]
    _sweeper: ClassVar[asyncio.TimerHandle | None]
    _refusals: ClassVar[int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._time = self.loop.time
        now = self._time()
        limits = self.limits
        self._max_bytes = limits.max_header_bytes
        self._max_headers = limits.max_headers
        self._header_timeout = limits.header_timeout
        self._body_timeout = limits.body_timeout
        self._done: Any = None  # the scope of the last request whose head was complete
        self._head_bytes = 0  # of the current head, counted after earlier reads (0: none yet)
        self._read = 0  # size of the current read
        self._deadline = now + limits.header_timeout
        self._since = now  # opened, or its last request's head arrived (eviction order, drain)
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
            elif conn._draining and not conn._in_head() and not conn._busy():
                if now - max(conn._since, conn._drain_from) >= DRAIN_IDLE_SECONDS:
                    transport.close()
        if cls._live:
            cls._sweeper = loop.call_later(SWEEP_SECONDS, cls._sweep, loop)

    def _expire(self) -> None:
        """A head or body deadline passed (a body deadline outlives its body: then nothing to do)."""
        self._deadline = math.inf
        cycle = self.cycle
        if self._in_head():
            timeout = self._header_timeout
            self._fail(408, "request_timeout", f"the request head was not received within {timeout:g} s")
        elif cycle is not None and cycle.more_body:
            if cycle.response_started:  # answered early (e.g. 401) and the body still trickles in
                self.transport.close()
                return
            # The app is waiting for the body: it sees a disconnect and its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
            timeout = self._body_timeout
            self._fail(408, "request_timeout", f"the request body was not received within {timeout:g} s")
        elif cycle is None:
            self.transport.close()  # opened and never sent a byte

    def _fail(self, status: int, code: str, message: str) -> None:
        self.transport.write(error_bytes(status, code, message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:  # malformed request, or a limit (see _too_large)
        status, code, message = self._reject or (400, "bad_request", f"malformed HTTP request: {msg}")
        self._fail(status, code, message)

    # Parser callbacks ----------------------------------------------------------------------------

    def _in_head(self) -> bool:
        """Between the first byte of a request and the end of its head."""
        return self.scope is not None and self.scope is not self._done

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received, inlined, plus the size of the read and the unfinished-head check.
        scope = self.scope
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        self._read = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._reject is None:
                self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self.scope is not self._done and not self.transport.is_closing():
            self._unfinished_head(began=self.scope is not scope)

    def _head_size(self) -> int:
        """Request target + headers as received (name, value, ": " and CRLF each)."""
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _unfinished_head(self, began: bool) -> None:
        """After a read that left a request head unfinished: start its deadline if it began in this
        read, bound its size and header count. (The header being received is held by the parser and
        not yet in self.headers: a head that began in this read is counted from what was parsed,
        one that began earlier by whole reads.)"""
        if began:
            if self.cycle is not None:  # a later request: its head deadline starts at its first read
                self._deadline = self._time() + self._header_timeout
            self._head_bytes = max(1, self._head_size())
        else:
            self._head_bytes += self._read
        if len(self.headers) > self._max_headers or self._head_bytes > self._max_bytes:
            self.send_400_response(self._too_large())

    def _too_large(self) -> str:
        if len(self.headers) > self._max_headers:
            self._reject = (431, "too_many_headers", f"more than {self._max_headers} request headers")
        else:
            self._reject = (
                431,
                "request_header_too_large",
                f"the request line and headers exceed {self._max_bytes} bytes",
            )
        self.headers = []  # what a header flood allocated goes now, not with the connection
        return self._reject[2]

    def on_headers_complete(self) -> None:
        if len(self.headers) > self._max_headers or (
            (self._head_bytes or self._read > self._max_bytes) and self._head_size() > self._max_bytes
        ):
            raise ValueError(self._too_large())  # httptools stops; data_received answers 431
        self._done = self.scope
        self._head_bytes = 0
        self._since = now = self._time()
        self._deadline = now + self._body_timeout
        if self._refuse:
            self.app = refuse_connection
        _base_headers_complete(self)
        if self._draining:
            self._mark_last()

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
