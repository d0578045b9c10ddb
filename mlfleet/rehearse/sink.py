"""The rehearsal's notification sink: where every Alertmanager receiver is pointed instead of Slack,
PagerDuty, a webhook or a mail server, so a rehearsal can see what would have been delivered.

    python -m mlfleet.rehearse.sink --host H --port P --smtp-port Q

- HTTP on P: every POST is recorded (path, JSON body, time) and answered 200 `{"ok": true}` (the
  success shape of Slack and PagerDuty); `GET /received` returns everything recorded, as JSON.
- SMTP on Q: a minimal server (RFC 5321 without AUTH and STARTTLS: Alertmanager then sends without
  them) recording every message (envelope, headers, body, time).

Standard library only (no SMTP library in the lock), one asyncio loop; SIGTERM/SIGINT close both
listeners and exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import json
import signal
import time
from typing import Any

# Alertmanager's payloads are small; anything larger is a bug worth failing on.
MAX_BODY = 8 * 1024 * 1024


class Sink:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    # --- HTTP -------------------------------------------------------------------------------------

    async def handle_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one_request(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, target, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            raise ValueError("body too large")
        raw = await reader.readexactly(length) if length else b""
        path = target.split("?", 1)[0]
        if method == "GET" and path == "/received":
            status, body = 200, json.dumps(self.received).encode()
        elif method == "POST":
            try:
                parsed: Any = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode("utf-8", "replace")
            parts = path.strip("/").split("/")
            self.received.append(
                {
                    "protocol": "http",
                    "path": path,
                    # Paths are /<kind>/<receiver>[/...] (see monitoring.SinkAddress.url).
                    "kind": parts[0],
                    "receiver": parts[1] if len(parts) > 1 else "",
                    "headers": {k: v for k, v in headers.items() if k in ("content-type", "user-agent")},
                    "body": parsed,
                    "time": time.time(),
                }
            )
            status, body = 200, b'{"ok": true, "status": "success"}'
        else:
            status, body = 404, b'{"error": "not found"}'
        keep_alive = headers.get("connection", "").lower() != "close"
        reason = {200: "OK", 404: "Not Found"}[status]
        connection = "keep-alive" if keep_alive else "close"
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: {connection}\r\n\r\n"
        )
        writer.write(head.encode() + body)
        await writer.drain()
        return keep_alive

    # --- SMTP -------------------------------------------------------------------------------------

    async def handle_smtp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(text: str) -> None:
            writer.write(f"{text}\r\n".encode())

        mail_from, rcpt_to = "", list[str]()
        try:
            reply("220 mlfleet-rehearsal-sink ESMTP")
            await writer.drain()
            while line := await reader.readline():
                command = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = command[:4].upper()
                if verb in ("EHLO", "HELO"):
                    # No AUTH, no STARTTLS advertised: Alertmanager (require_tls: false) sends plainly.
                    reply(
                        "250-mlfleet-rehearsal-sink\r\n250-8BITMIME\r\n250 SMTPUTF8"
                        if verb == "EHLO"
                        else "250 ok"
                    )
                elif verb == "MAIL":
                    mail_from, rcpt_to = command.partition(":")[2].strip().strip("<>"), []
                    reply("250 ok")
                elif verb == "RCPT":
                    rcpt_to.append(command.partition(":")[2].strip().strip("<>"))
                    reply("250 ok")
                elif verb == "DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    self._record_mail(mail_from, rcpt_to, await self._read_data(reader))
                    reply("250 ok: queued")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    break
                elif verb in ("RSET", "NOOP"):
                    reply("250 ok")
                else:
                    reply("502 command not implemented")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @staticmethod
    async def _read_data(reader: asyncio.StreamReader) -> bytes:
        lines: list[bytes] = []
        size = 0
        while (line := await reader.readline()) not in (b".\r\n", b".\n", b""):
            # Dot-stuffing (RFC 5321 4.5.2): a leading "." was doubled by the client.
            lines.append(line[1:] if line.startswith(b"..") else line)
            size += len(line)
            if size > MAX_BODY:
                raise ValueError("message too large")
        return b"".join(lines)

    def _record_mail(self, mail_from: str, rcpt_to: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = [
            part.get_content()
            for part in message.walk()
            if part.get_content_maintype() == "text" and not part.is_multipart()
        ]
        self.received.append(
            {
                "protocol": "smtp",
                "path": "",
                "kind": "email",
                # Set by monitoring.alertmanager_config so a mail names the receiver that sent it.
                "receiver": str(message.get("X-Rehearsal-Receiver", "")),
                "mail_from": mail_from,
                "rcpt_to": rcpt_to,
                "subject": str(message.get("Subject", "")),
                "body": "\n".join(str(p) for p in parts),
                "time": time.time(),
            }
        )


async def serve(host: str, port: int, smtp_port: int) -> None:
    sink = Sink()
    http = await asyncio.start_server(sink.handle_http, host, port)
    smtp = await asyncio.start_server(sink.handle_smtp, host, smtp_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"sink listening: http://{host}:{port} smtp://{host}:{smtp_port}", flush=True)
    await stop.wait()
    for server in (http, smtp):
        server.close()
        await server.wait_closed()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port, args.smtp_port))


if __name__ == "__main__":
    main()
