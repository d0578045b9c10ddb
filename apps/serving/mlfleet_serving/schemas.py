"""OpenAPI documentation of the bodies. The hot path parses JSON itself (orjson + numpy), so these
models describe the contract without costing a pydantic round trip per request."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_input, unauthenticated")
    message: str = Field(description="what was wrong and how to fix it")
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail
    request_id: str


class PredictResponse(BaseModel):
    predictions: list[Any]
    model: str
    version: str
    variant: str = Field(description="primary or canary")
    flags: list[dict[str, Any]] | None = Field(default=None, description="out-of-range values (policy flag)")


class V2Output(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    data: list[Any]


class V2InferResponse(BaseModel):
    model_name: str
    model_version: str
    id: str
    outputs: list[V2Output]
    parameters: dict[str, Any] | None = None


class V2TensorMetadata(BaseModel):
    name: str
    datatype: str
    shape: list[int]


class V2ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[V2TensorMetadata]
    outputs: list[V2TensorMetadata]
    parameters: dict[str, Any]


class V2ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


NUMBER = {"type": "number"}

PREDICT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["instances"],
                "properties": {
                    "instances": {
                        "type": "array",
                        "minItems": 1,
                        "description": "rows: number lists (schema order) or objects keyed by feature",
                        "items": {"oneOf": [{"type": "array", "items": NUMBER}, {"type": "object"}]},
                    }
                },
            }
        }
    },
}

V2_INFER_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["inputs"],
                "properties": {
                    "id": {"type": "string"},
                    "parameters": {"type": "object"},
                    "inputs": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["name", "shape", "datatype", "data"],
                            "properties": {
                                "name": {"type": "string"},
                                "shape": {"type": "array", "items": {"type": "integer"}},
                                "datatype": {"type": "string", "enum": ["FP32", "FP64", "INT32", "INT64"]},
                                "data": {"type": "array"},
                                "parameters": {"type": "object"},
                            },
                        },
                    },
                },
            }
        }
    },
}

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "malformed JSON",
        401: "missing or invalid credentials",
        404: "unknown model or version",
        413: "body or batch too large",
        422: "invalid input (shape, dtype, non-finite, out of range)",
        429: "rate limit exceeded (see Retry-After)",
        503: "no model loaded yet",
    }.items()
}
