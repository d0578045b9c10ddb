"""ModelInferRequest -> the v2 request as a dict (what REST's JSON parses to), and a scored request
-> ModelInferResponse. With the dict, validation (shape, datatype, rows, ranges), the options
(`outputs`, `parameters.row_errors`) and their error messages are REST's own (validation.py,
scoring.py): gRPC adds no rules of its own."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from mlfleet_serving.errors import ApiError
from mlfleet_serving.grpc import grpc_predict_v2_pb2 as pb
from mlfleet_serving.models import ServedModel
from mlfleet_serving.scoring import Scored, _datatype
from mlfleet_serving.validation import RowErrors

# Which InferTensorContents field carries a datatype (grpc_predict_v2.proto's comments on it).
CONTENTS_FIELD = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}
# raw_input_contents: little-endian, row-major (the proto's comment on raw_input_contents).
RAW_DTYPE = {
    "BOOL": "?",
    "INT8": "<i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "UINT8": "<u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
}
# Rows rejected under per-row outcomes have no value; a tensor cannot hold a null, so they get this
# placeholder and are listed in the response parameter `errors` (REST v2 puts null there).
_MISSING = {"INT64": 0, "UINT64": 0, "FP64": float("nan"), "BOOL": False, "BYTES": b""}


def _invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_input", message)


def _parameter(value: pb.InferParameter) -> Any:
    which = value.WhichOneof("parameter_choice")
    return None if which is None else getattr(value, which)


def request_payload(request: pb.ModelInferRequest) -> dict[str, Any]:
    """The request as the v2 JSON dict REST's code takes (inputs with flat `data`)."""
    raw = request.raw_input_contents
    if raw and len(raw) != len(request.inputs):
        raise _invalid(
            f"raw_input_contents has {len(raw)} entries; send one per input ({len(request.inputs)})"
        )
    inputs = []
    for i, tensor in enumerate(request.inputs):
        data: list[Any]
        if raw:
            dtype = RAW_DTYPE.get(tensor.datatype)
            if dtype is None:
                data = []  # validation reports the datatype
            elif len(raw[i]) % np.dtype(dtype).itemsize:
                raise _invalid(
                    f"raw_input_contents[{i}] has {len(raw[i])} bytes, not a whole number of "
                    f"{tensor.datatype} values"
                )
            else:
                data = np.frombuffer(raw[i], dtype=dtype).tolist()
        else:
            field = CONTENTS_FIELD.get(tensor.datatype)
            data = [] if field is None else list(getattr(tensor.contents, field))
        inputs.append(
            {"name": tensor.name, "shape": list(tensor.shape), "datatype": tensor.datatype, "data": data}
        )
    payload: dict[str, Any] = {"inputs": inputs}
    if request.id:
        payload["id"] = request.id
    if request.parameters:
        payload["parameters"] = {k: _parameter(v) for k, v in request.parameters.items()}
    if request.outputs:
        payload["outputs"] = [{"name": output.name} for output in request.outputs]
    return payload


def _full(values: np.ndarray, rows: RowErrors | None, missing: Any) -> np.ndarray:
    """The values at their rows of the request, `missing` at rejected rows."""
    if rows is None:
        return values
    dtype = object if isinstance(missing, bytes) else np.result_type(values.dtype, np.asarray(missing).dtype)
    out = np.full((rows.rows, *values.shape[1:]), missing, dtype=dtype)
    out[rows.scored] = values
    return out


def _fill(tensor: Any, datatype: str, values: np.ndarray, raw: list[bytes] | None) -> None:
    """Put a tensor's values in its contents, or in `raw` when the client sent raw inputs."""
    if datatype == "BYTES":
        items = [v if isinstance(v, bytes) else str(v).encode() for v in values.reshape(-1).tolist()]
        if raw is None:
            tensor.contents.bytes_contents.extend(items)
        else:  # each element: 4-byte little-endian length, then the bytes
            raw.append(b"".join(len(item).to_bytes(4, "little") + item for item in items))
    elif raw is None:
        getattr(tensor.contents, CONTENTS_FIELD[datatype]).extend(values.reshape(-1).tolist())
    else:
        raw.append(np.ascontiguousarray(values, dtype=RAW_DTYPE[datatype]).tobytes())


def infer_response(
    scored: Scored, served: ServedModel, request_id: str, raw_outputs: bool
) -> pb.ModelInferResponse:
    """The response REST v2 would give, as tensors: `predict` [rows] and, when asked, `probabilities`
    [rows, classes] (FP64, parameter `classes` as JSON); range flags and per-row errors as JSON
    string parameters `flags` and `errors`."""
    rows = scored.rows
    payload = scored.payload or {}
    response = pb.ModelInferResponse(
        model_name=served.name, model_version=served.version, id=str(payload.get("id") or request_id)
    )
    raw: list[bytes] | None = [] if raw_outputs else None
    for name in scored.outputs:
        tensor = response.outputs.add(name=name)
        if name == "predict":
            datatype = _datatype(scored.y)
            values = _full(scored.y, rows, _MISSING[datatype])
        else:
            assert scored.proba is not None
            datatype = "FP64"
            values = _full(scored.proba, rows, _MISSING[datatype])
            tensor.parameters["classes"].string_param = orjson.dumps(served.proba_classes).decode()
        tensor.datatype = datatype
        tensor.shape.extend(values.shape)
        _fill(tensor, datatype, values, raw)
    if raw:
        response.raw_output_contents.extend(raw)
    if scored.flags:
        response.parameters["flags"].string_param = orjson.dumps(scored.flags).decode()
    if rows is not None:
        response.parameters["errors"].string_param = orjson.dumps(rows.errors).decode()
    return response
