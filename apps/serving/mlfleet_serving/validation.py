"""Request body -> validated feature matrix. Every failure is a 4xx ApiError that says which row
and feature was wrong and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Literal

import numpy as np
import orjson

from mlfleet_serving import json_matrix
from mlfleet_serving.errors import ApiError

FLOAT32_MAX = float(np.finfo(np.float32).max)
FROMITER_MIN_ROWS = 16  # measured here: np.array is faster below (1 row: 1 us against 6 us)
V2_NUMERIC = {
    "FP16",
    "FP32",
    "FP64",
    "INT8",
    "INT16",
    "INT32",
    "INT64",
    "UINT8",
    "UINT16",
    "UINT32",
    "UINT64",
}


@dataclass(frozen=True)
class FeatureBounds:
    names: list[str]
    mins: np.ndarray  # -inf where the schema has no minimum
    maxs: np.ndarray  # +inf where the schema has no maximum

    all_bounded: bool = field(init=False)  # every feature has a min and max within float32's range

    def __post_init__(self) -> None:
        limit = FLOAT32_MAX
        bounded = bool((np.abs(self.mins) <= limit).all() and (np.abs(self.maxs) <= limit).all())
        object.__setattr__(self, "all_bounded", bounded)


def require_json(content_type: bytes | None) -> None:
    """415 unless the body is declared JSON: application/json (any parameters) or application/*+json."""
    if content_type == b"application/json":
        return
    if content_type is not None:
        media = content_type.split(b";", 1)[0].strip().lower()
        if media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json")):
            return
    got = (
        "no Content-Type" if content_type is None else f"Content-Type {content_type.decode('latin-1')!r:.60}"
    )
    raise ApiError(
        415,
        "unsupported_media_type",
        f"the body must be JSON sent as 'Content-Type: application/json'; got {got}",
    )


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None


def _invalid(message: str, details: Any = None) -> ApiError:
    return ApiError(422, "invalid_input", message, details)


def _to_matrix(rows: Any, n_features: int, where: str, scan: bool = False) -> np.ndarray:
    if scan:
        # numpy turns True into 1.0 when mixed with numbers; the caller saw true/false in the body.
        _explain_rows(rows, n_features, where, strict=False)
    x = _rows_matrix(rows, n_features)
    if x is None:
        try:
            x = np.array(rows)
        except ValueError:
            x = np.empty(0, dtype=object)  # ragged rows: reported below with the row that is wrong
    if x.dtype.kind not in "iuf" or x.ndim != 2 or x.shape[1] != n_features:
        _explain_rows(rows, n_features, where)
    if x.shape[0] == 0:
        raise _invalid(f"{where} is empty: send at least one row")
    return x.astype(np.float64, copy=False)


def _rows_matrix(rows: Any, n_features: int) -> np.ndarray | None:
    """Rows that are all lists of n_features numbers as a float64 matrix, in one pass over the
    values (np.fromiter: about half the time of np.array on nested lists, which must first discover
    the shape and dtype, but that costs more to set up than a few rows take); None for a few rows and
    for anything else (np.array and _explain_rows sort that out)."""
    if not isinstance(rows, list) or len(rows) < FROMITER_MIN_ROWS:
        return None
    # Every row a list of exactly n_features values (else fromiter could fill the matrix across row
    # boundaries); map() keeps both passes in C.
    if set(map(type, rows)) != {list} or set(map(len, rows)) != {n_features}:
        return None
    try:
        flat = np.fromiter(chain.from_iterable(rows), np.float64, len(rows) * n_features)
    except (TypeError, ValueError, OverflowError):  # a value that is not a number
        return None
    if np.isnan(flat).any():  # fromiter reads null as NaN: let the precise path name the value
        return None
    return flat.reshape(len(rows), n_features)


def _explain_rows(rows: Any, n_features: int, where: str, strict: bool = True) -> None:
    """Find the first bad row/value and raise a precise error for it."""
    if not isinstance(rows, list):
        raise _invalid(f"{where} must be a list of rows, each a list of {n_features} numbers")
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise _invalid(f"{where}[{i}] must be a list of {n_features} numbers, got {type(row).__name__}")
        if len(row) != n_features:
            raise _invalid(
                f"{where}[{i}] has {len(row)} features; the model expects {n_features}",
                {"row": i, "expected": n_features, "got": len(row)},
            )
        for j, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _invalid(
                    f"{where}[{i}][{j}] must be a number, got {type(value).__name__} {value!r:.40}",
                    {"row": i, "feature": j},
                )
    if not strict:
        return
    raise _invalid(f"{where} must be a non-empty list of rows of {n_features} numbers")


def rows_from_objects(rows: list[Any], names: list[str], where: str) -> list[list[Any]]:
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise _invalid(f"{where}[{i}] must be an object keyed by feature name (as the first row is)")
        missing = [n for n in names if n not in row]
        extra = [k for k in row if k not in names]
        if missing or extra:
            raise _invalid(
                f"{where}[{i}] does not match the feature schema",
                {"row": i, "missing": missing[:10], "unexpected": extra[:10]},
            )
        out.append([row[n] for n in names])
    return out


def predict_matrix(payload: Any, bounds: FeatureBounds, max_rows: int, scan: bool = False) -> np.ndarray:
    """`{"instances": [[...], ...]}` (or rows as objects keyed by feature name)."""
    if not isinstance(payload, dict) or "instances" not in payload:
        raise _invalid('the body must be an object {"instances": [[number, ...], ...]}')
    rows = payload["instances"]
    if isinstance(rows, list) and len(rows) > max_rows:
        raise ApiError(413, "batch_too_large", f"{len(rows)} rows exceed the limit of {max_rows} per request")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        rows = rows_from_objects(rows, bounds.names, "instances")
    return _to_matrix(rows, len(bounds.names), "instances", scan)


def v2_shape(payload: Any, n_features: int, max_rows: int) -> list[int]:
    """The checks of a v2 request up to its tensor's data: one input tensor of shape
    [rows, n_features] (at most max_rows) and a numeric datatype. Returns the shape."""
    n = n_features
    if not isinstance(payload, dict) or not isinstance(payload.get("inputs"), list) or not payload["inputs"]:
        raise _invalid('the body must be {"inputs": [{"name", "shape", "datatype", "data"}]}')
    if len(payload["inputs"]) != 1:
        raise _invalid(f"send exactly one input tensor of shape [rows, {n}], got {len(payload['inputs'])}")
    tensor = payload["inputs"][0]
    if not isinstance(tensor, dict):
        raise _invalid("inputs[0] must be an object with name, shape, datatype and data")
    shape, datatype = tensor.get("shape"), tensor.get("datatype")
    if isinstance(shape, list):  # 2.0 is an integer in JSON Schema (and to JSON), so take it as one
        shape = [int(s) if isinstance(s, float) and s.is_integer() else s for s in shape]
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) for s in shape)
    ):
        raise _invalid(f"inputs[0].shape must be [rows, {n}]", {"got": shape})
    if shape[1] != n:
        raise _invalid(f"inputs[0].shape[1] is {shape[1]}; the model expects {n} features")
    if shape[0] < 1:
        raise _invalid("inputs[0].shape[0] must be at least 1 row")
    if shape[0] > max_rows:
        raise ApiError(413, "batch_too_large", f"{shape[0]} rows exceed the limit of {max_rows} per request")
    if not isinstance(datatype, str) or datatype not in V2_NUMERIC:
        raise _invalid(f"inputs[0].datatype {datatype!r:.20} is not numeric; use FP32, FP64 or INT64")
    return shape


def v2_matrix(payload: Any, bounds: FeatureBounds, max_rows: int, scan: bool = False) -> np.ndarray:
    """Open Inference Protocol v2: one input tensor of shape [rows, features] (data flat or nested)."""
    n = len(bounds.names)
    shape = v2_shape(payload, n, max_rows)
    data = payload["inputs"][0].get("data")
    if not isinstance(data, list):
        raise _invalid("inputs[0].data must be a list of numbers (flat or nested)")
    if data and not isinstance(data[0], list):
        if len(data) != shape[0] * shape[1]:
            raise _invalid(
                f"inputs[0].data has {len(data)} values; shape {shape} needs {shape[0] * shape[1]}"
            )
        data = [data[i * n : (i + 1) * n] for i in range(shape[0])]
    x = _to_matrix(data, n, "inputs[0].data", scan)
    if x.shape[0] != shape[0]:
        raise _invalid(f"inputs[0].data has {x.shape[0]} rows; shape says {shape[0]}")
    return x


def body_matrix(body: bytes, v2: bool, bounds: FeatureBounds, max_rows: int) -> tuple[Any, np.ndarray]:
    """A REST body (v2 infer or /predict) as (request, feature matrix): a well-formed numeric body
    straight from the JSON text (json_matrix.py), anything else through orjson and the checks above,
    which name what is wrong. The request keeps every key but the numbers when the former took it."""
    n = len(bounds.names)
    found = json_matrix.parse(body, v2, n, max_rows)
    if found is not None:
        if not v2:
            return found.payload, found.values.reshape(-1, n)
        rows = v2_shape(found.payload, n, max_rows)[0]  # the errors of v2_matrix, in its order
        if len(found.values) == rows * n:  # else v2_matrix says which of data and shape is off
            return found.payload, found.values.reshape(rows, n)
    payload = parse_json(body)
    # A true/false among the numbers would become 1.0/0.0 in a matrix: look for them only if the
    # body has one (a scan of the body is cheaper than one over the values).
    scan = b"true" in body or b"false" in body
    parse = v2_matrix if v2 else predict_matrix
    return payload, parse(payload, bounds, max_rows, scan)


def check_values(
    x: np.ndarray, bounds: FeatureBounds, policy: Literal["reject", "clip", "flag"], per_row: bool = False
) -> tuple[np.ndarray, list[dict[str, Any]], RowErrors | None]:
    """Finite values always; schema ranges by policy. Returns the matrix to score, the flags, and
    (policy reject with `per_row`, when some but not all rows are out of range) the rows rejected:
    the matrix then holds only the rows to score."""
    # Fast path: one comparison pass; NaN compares False, so it cannot sneak through.
    if bounds.all_bounded and bool(((x >= bounds.mins) & (x <= bounds.maxs)).all()):
        return x, [], None
    # Finite, and within float32's range: the runtimes compute in float32 (scikit-learn's trees
    # convert and raise on overflow; ONNX would see inf), so a larger magnitude is not a value the
    # model can take, whatever the range policy.
    finite = np.abs(x) <= FLOAT32_MAX
    if not finite.all():
        i, j = (int(v) for v in np.argwhere(~finite)[0])
        raise _invalid(
            f"row {i} feature {bounds.names[j]!r} is not a finite number within float32's range "
            f"(|x| <= {FLOAT32_MAX:.4g})",
            {"row": i, "feature": bounds.names[j]},
        )
    low = x < bounds.mins
    high = x > bounds.maxs
    outside = low | high
    if not outside.any():
        return x, [], None
    if policy == "clip":
        return np.clip(x, bounds.mins, bounds.maxs), [], None
    cells = np.argwhere(outside)
    flags = [_cell(x, bounds, i, j) for i, j in cells[:20]]
    if policy == "reject":
        bad = np.asarray(outside.any(axis=1))
        if per_row and not bad.all():
            return x[~bad], [], _row_errors(x, bounds, outside, bad)
        first = flags[0]
        raise _invalid(
            f"row {first['row']} feature {first['feature']!r} = {first['value']:g} is outside the "
            f"schema range [{first['min']}, {first['max']}] ({len(cells)} value(s) out of range)",
            flags,
        )
    return x, flags, None


@dataclass(frozen=True)
class RowErrors:
    """The outcome of a batch in which some rows were rejected: how many rows, the indices of the
    scored ones (in order), one error per rejected row."""

    rows: int
    scored: np.ndarray
    errors: list[dict[str, Any]]


def _cell(x: np.ndarray, bounds: FeatureBounds, i: int, j: int) -> dict[str, Any]:
    return {
        "row": int(i),
        "feature": bounds.names[j],
        "value": float(x[i, j]),
        "min": float(bounds.mins[j]) if np.isfinite(bounds.mins[j]) else None,
        "max": float(bounds.maxs[j]) if np.isfinite(bounds.maxs[j]) else None,
    }


def _row_errors(x: np.ndarray, bounds: FeatureBounds, outside: np.ndarray, bad: np.ndarray) -> RowErrors:
    errors = []
    for i in np.flatnonzero(bad):
        columns = np.flatnonzero(outside[i])
        cells = [_cell(x, bounds, int(i), int(j)) for j in columns[:10]]
        first = cells[0]
        errors.append(
            {
                "row": int(i),
                "code": "out_of_range",
                "message": f"feature {first['feature']!r} = {first['value']:g} is outside the schema range "
                f"[{first['min']}, {first['max']}] ({len(columns)} value(s) out of range)",
                "details": cells,
            }
        )
    return RowErrors(len(x), np.flatnonzero(~bad), errors)
