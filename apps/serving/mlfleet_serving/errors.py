"""One JSON error shape for every failure: {"error": {"code", "message", "details"}, "request_id"}."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger("mlfleet.serving")


class ApiError(Exception):
    """A client-facing error: HTTP status, stable machine code, human message with the fix."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(
    request_id: str,
    status: int,
    code: str,
    message: str,
    details: Any = None,
    extra_headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message}, "request_id": request_id}
    if details is not None:
        body["error"]["details"] = details
    headers = {"x-request-id": request_id, **(extra_headers or {})}
    if status == 429 and isinstance(details, dict) and "retry_after_seconds" in details:
        headers["retry-after"] = str(details["retry_after_seconds"])
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _request_id(request: Request) -> str:
    return str(request.scope.get("mlfleet", {}).get("request_id", ""))


def install_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(_request_id(request), exc.status, exc.code, exc.message, exc.details)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        # Starlette puts `Allow` on its 405s (RFC 9110 requires it): keep the exception's headers.
        return error_response(
            _request_id(request), exc.status_code, code, str(exc.detail), extra_headers=exc.headers
        )

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return error_response(
            _request_id(request), 422, "invalid_request", "the request is not valid", details
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        # Never a stack trace to the client; the log has it, keyed by the request id.
        log.error("unhandled error", exc_info=exc, extra={"request_id": _request_id(request)})
        return error_response(
            _request_id(request), 500, "internal_error", "internal error; see the server log"
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
