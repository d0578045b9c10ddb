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


class RowError(BaseModel):
    row: int = Field(description="index of the row in `instances`")
    code: str = Field(description="out_of_range")
    message: str
    details: list[dict[str, Any]] = Field(description="the out-of-range values: feature, value, min, max")


class PredictResponse(BaseModel):
    predictions: list[Any] = Field(description="one per row; null for a row listed in `errors`")
    model: str
    version: str
    variant: str = Field(description="primary or canary")
    probabilities: list[list[float] | None] | None = Field(
        default=None, description="with return_probabilities: per row, one per class in `classes` order"
    )
    classes: list[Any] | None = Field(default=None, description="the columns of `probabilities`")
    flags: list[dict[str, Any]] | None = Field(default=None, description="out-of-range values (policy flag)")
    errors: list[RowError] | None = Field(
        default=None,
        description="rows rejected under range_policy=reject (the others are scored); absent when none",
    )


class V2Output(BaseModel):
    name: str = Field(description="predict, or probabilities when asked for in `outputs`")
    shape: list[int]
    datatype: str
    data: list[Any]
    parameters: dict[str, Any] | None = Field(default=None, description="probabilities: {classes}")


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
PROBABILITIES = "return class probabilities (classifiers with predict_proba)"
ALL_OR_NOTHING = "true: a row out of the schema range (range_policy=reject) fails the whole request"
ROW_ERRORS = {
    "enum": ["report", "fail"],
    "default": "report",
    "description": "a row out of the schema range (range_policy=reject): report (its outputs are null "
    "and it is listed in errors, the other rows are scored; a request whose every row is rejected is "
    "a 422) or fail (422 for the whole request)",
}
# all_or_nothing is the older spelling of row_errors; a body gives one of them.
ONE_OF_BOTH = {"not": {"required": ["row_errors", "all_or_nothing"]}}
V2_PARAMETERS = {
    "type": "object",
    "properties": {
        "row_errors": ROW_ERRORS,
        "all_or_nothing": {"type": "boolean", "default": False, "description": ALL_OR_NOTHING},
    },
    **ONE_OF_BOTH,
}

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
                    },
                    "return_probabilities": {"type": "boolean", "default": False},
                    "row_errors": ROW_ERRORS,
                    "all_or_nothing": {"type": "boolean", "default": False},
                },
                **ONE_OF_BOTH,
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
                    "parameters": V2_PARAMETERS,
                    "outputs": {"type": "array", "items": {"type": "object"}},
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
        415: "body not sent as Content-Type: application/json",
        422: "invalid input (shape, dtype, non-finite, out of range)",
        429: "rate limit exceeded (see Retry-After)",
        503: "no model loaded yet",
    }.items()
}


def _number(low: float, high: float) -> dict[str, Any]:
    return {"type": "number", "minimum": low, "maximum": high}


def model_bodies(
    names: list[str],
    mins: list[float],
    maxs: list[float],
    range_policy: str,
    max_rows: int,
    probabilities: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The /predict and v2 infer request bodies for the served model: exactly the bodies the server
    accepts, as far as JSON Schema can say it (per feature: a number within float32's range, and
    within the schema range under the `reject` policy; rows all lists or all objects keyed by
    feature; at most max_rows). What it cannot say: that a v2 tensor's data holds shape[0] rows, and
    the byte limit on the body."""
    from mlfleet_serving.validation import FLOAT32_MAX, V2_NUMERIC

    n = len(names)

    def bound(value: float, default: float) -> float:
        return value if range_policy == "reject" and abs(value) <= FLOAT32_MAX else default

    numbers = [
        _number(bound(lo, -FLOAT32_MAX), bound(hi, FLOAT32_MAX)) for lo, hi in zip(mins, maxs, strict=True)
    ]
    as_list = {"type": "array", "prefixItems": numbers, "items": False, "minItems": n, "maxItems": n}
    as_object = {
        "type": "object",
        "properties": dict(zip(names, numbers, strict=True)),
        "required": names,
        "additionalProperties": False,
    }
    rows = {"minItems": 1, "maxItems": max_rows, "type": "array"}
    predict = {
        "type": "object",
        "required": ["instances"],
        "properties": {
            "instances": {
                "description": "rows: number lists in schema order, or objects keyed by feature (all alike)",
                "oneOf": [{**rows, "items": as_list}, {**rows, "items": as_object}],
            },
            "return_probabilities": (
                {"type": "boolean", "default": False, "description": PROBABILITIES}
                if probabilities
                else {"const": False, "description": "this model has no class probabilities"}
            ),
            "row_errors": ROW_ERRORS,
            "all_or_nothing": {"type": "boolean", "default": False, "description": ALL_OR_NOTHING},
        },
        **ONE_OF_BOTH,
    }
    output_names = ["predict", "probabilities"] if probabilities else ["predict"]
    outputs = {
        "type": "array",
        "minItems": 1,
        "uniqueItems": True,
        "description": "the output tensors wanted (default: predict)",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"enum": output_names}, "parameters": {"type": "object"}},
        },
    }
    # Flat data (row after row) cannot be checked per feature; the range is float32's.
    any_number = _number(-FLOAT32_MAX, FLOAT32_MAX)
    tensor = {
        "type": "object",
        "required": ["name", "shape", "datatype", "data"],
        "properties": {
            "name": {"type": "string"},
            "shape": {
                "type": "array",
                "prefixItems": [
                    {"type": "integer", "minimum": 1, "maximum": max_rows},
                    {"type": "integer", "const": n},
                ],
                "items": False,
                "minItems": 2,
                "maxItems": 2,
            },
            "datatype": {"type": "string", "enum": sorted(V2_NUMERIC)},
            "data": {
                "oneOf": [
                    {**rows, "items": as_list},
                    {"type": "array", "minItems": n, "maxItems": n * max_rows, "items": any_number},
                ]
            },
            "parameters": {"type": "object"},
        },
    }
    v2 = {
        "type": "object",
        "required": ["inputs"],
        "properties": {
            "id": {"type": "string"},
            "parameters": V2_PARAMETERS,
            "outputs": outputs,
            "inputs": {"type": "array", "minItems": 1, "maxItems": 1, "items": tensor},
        },
    }
    return predict, v2
