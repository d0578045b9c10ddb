"""The simdjson body path (json_matrix.py) against the orjson path it stands in front of: the same
matrix and options for every body it takes, the same error for every body it does not."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
import pytest
from mlfleet_serving import json_matrix
from mlfleet_serving.errors import ApiError
from mlfleet_serving.reference_model import reference_data
from mlfleet_serving.scoring import predict_options, v2_options
from mlfleet_serving.validation import FeatureBounds, body_matrix, parse_json, predict_matrix, v2_matrix

from tests.apps.serving.conftest import VALID_ROW
from tests.apps.serving.test_validation import MALFORMED_INSTANCES, MALFORMED_TENSORS

X, _, NAMES = reference_data()
N = len(NAMES)
BOUNDS = FeatureBounds(NAMES, np.full(N, -np.inf), np.full(N, np.inf))
MAX_ROWS = 600
ROW = ",".join(str(v) for v in VALID_ROW)


def _old(body: bytes, v2: bool) -> tuple[Any, np.ndarray]:
    """The path before json_matrix: orjson, then the matrix build with its checks."""
    payload = parse_json(body)
    parse = v2_matrix if v2 else predict_matrix
    return payload, parse(payload, BOUNDS, MAX_ROWS, b"true" in body or b"false" in body)


def _outcome(fn: Any, body: bytes, v2: bool) -> Any:
    """What a caller sees: the matrix and the options, or the error."""
    try:
        payload, x = fn(body, v2)
        options = v2_options(payload) if v2 else predict_options(payload)
    except ApiError as exc:
        return ("error", exc.status, exc.code, exc.message, exc.details)
    return ("ok", x.dtype.str, x.shape, x.tobytes(), options, payload.get("id"))


def _new(body: bytes, v2: bool) -> tuple[Any, np.ndarray]:
    return body_matrix(body, v2, BOUNDS, MAX_ROWS)


def _tensor(rows: np.ndarray | list[Any], nested: bool, **extra: Any) -> dict[str, Any]:
    data = rows.tolist() if isinstance(rows, np.ndarray) else rows
    n_rows = len(data)
    return {
        "inputs": [
            {
                "name": "x",
                "shape": [n_rows, N],
                "datatype": "FP64",
                "data": data if nested else [v for row in data for v in row],
            }
        ],
        **extra,
    }


WELL_FORMED: list[tuple[bytes, bool]] = [
    *[(json.dumps({"instances": X[:k].tolist()}).encode(), False) for k in (1, 15, 16, 512)],
    (orjson.dumps({"instances": X.tolist()}), False),  # every dataset row, orjson's number format
    (json.dumps({"instances": np.rint(X[:20]).astype(int).tolist()}).encode(), False),  # integers
    (
        json.dumps(
            {"instances": X[:3].tolist(), "return_probabilities": True, "row_errors": "fail"}
        ).encode(),
        False,
    ),
    (json.dumps({"id": "a[b]", "instances": X[:2].tolist(), "all_or_nothing": False}).encode(), False),
    (b'\n {"instances" : [[' + ROW.encode() + b"] ] }\t", False),
    *[(json.dumps(_tensor(X[:k], nested)).encode(), True) for k in (1, 64, 569) for nested in (False, True)],
    (
        json.dumps(
            _tensor(
                X[:4],
                False,
                id="req-1",
                outputs=[{"name": "predict"}, {"name": "probabilities"}],
                parameters={"row_errors": "report"},
            )
        ).encode(),
        True,
    ),
]


@pytest.mark.parametrize(("body", "v2"), WELL_FORMED)
def test_well_formed_bodies_take_the_fast_path_and_equal_the_old_one(body: bytes, v2: bool) -> None:
    assert json_matrix.parse(body, v2, N, MAX_ROWS) is not None
    new = _outcome(_new, body, v2)
    assert new[0] == "ok"
    assert new == _outcome(_old, body, v2)


def _body(value: Any) -> bytes:
    return json.dumps(value).encode()


SIXTEEN = ",".join([f"[{ROW}]"] * 16)
# Bodies the simdjson path must not take or must read exactly as orjson does: the validation tests'
# malformed bodies, and what is special to simdjson (a byte order mark, duplicate keys, integers
# beyond 64 bits, arrays inside rows whose flattened count is right, "[" escaped in a string).
MALFORMED: list[tuple[bytes, bool]] = [
    *[(_body(body), False) for body, _ in MALFORMED_INSTANCES],
    *[(_body({"inputs": [tensor]}), True) for tensor, _ in MALFORMED_TENSORS],
    *[
        (b'{"instances": [[' + literal + b"," + ROW.split(",", 1)[1].encode() + b"]]}", False)
        for literal in (b"NaN", b"Infinity", b"1e400", b"-1e400")
    ],
    (b"\xef\xbb\xbf" + _body({"instances": [VALID_ROW]}), False),
    (
        b'{"instances": [['
        + ROW.encode()
        + b']], "instances": [['
        + ROW.replace("17.99", "1.0").encode()
        + b"]]}",
        False,
    ),
    (
        b'{"return_probabilities": false, "instances": [['
        + ROW.encode()
        + b']], "return_probabilities": true}',
        False,
    ),
    (b'{"instances": [[18446744073709551616,' + ROW.split(",", 1)[1].encode() + b"]]}", False),
    (b'{"instances": [[-9223372036854775809,' + ROW.split(",", 1)[1].encode() + b"]]}", False),
    (b'{"instances": [[18446744073709551615,' + ROW.split(",", 1)[1].encode() + b"]]}", False),
    # 30 elements per row, 30 x rows numbers in all, but [] and [a, b] in place of two numbers:
    (_body({"instances": [[[], [1.0, 2.0], *VALID_ROW[2:]]]}), False),
    (_body({"instances": [VALID_ROW] * 16 + [[[], [1.0, 2.0], *VALID_ROW[2:]]]}), False),
    (_body({"instances": [[[1.0], *VALID_ROW[1:]]]}), False),
    (b'{"instances": [' + SIXTEEN.encode() + b"," + b"[" + ROW.encode() + b"]" * 2 + b"}", False),
    (_body({"id": "\\u005b", "instances": [VALID_ROW]}), False),
    (b'{"id": "\\u005b", "instances": [[' + ROW.encode() + b"]]}", False),
    (_body({"instances": [VALID_ROW] * (MAX_ROWS + 1)}), False),
    (_body({"instances": [dict(zip(NAMES, VALID_ROW, strict=True))]}), False),
    (_body({"instances": ["x" * N]}), False),
    (_body({"instances": [VALID_ROW, 5]}), False),
    (_body({"instances": [VALID_ROW], "return_probabilities": "yes"}), False),
    (b"", False),
    (b'{"instances": [[' + ROW.encode() + b"]]} trailing", False),
    (_body(_tensor([[[], [1.0, 2.0], *VALID_ROW[2:]]], False)), True),
    (_body(_tensor([[[], [1.0, 2.0], *VALID_ROW[2:]]], True)), True),
    (_body({"inputs": [{"name": "x", "shape": [3, N], "datatype": "FP64", "data": VALID_ROW * 2}]}), True),
    (_body({"inputs": [{"name": "x", "shape": [2, N], "datatype": "FP64", "data": [VALID_ROW]}]}), True),
    (_body({"inputs": [{"name": "x", "shape": [1, N], "datatype": "FP64", "data": [VALID_ROW, 1.0]}]}), True),
    (_body({"inputs": [{"name": "x", "shape": [1, N], "datatype": "FP64", "data": [1.0, VALID_ROW]}]}), True),
    (_body({"inputs": [{"name": "x", "shape": [1, N], "datatype": "BOOL", "data": [True] * N}]}), True),
    (
        _body({"inputs": [{"name": "x", "shape": [1.0, float(N)], "datatype": "FP32", "data": VALID_ROW}]}),
        True,
    ),
    (
        _body({"inputs": [{"name": "x", "shape": [MAX_ROWS + 1, N], "datatype": "FP32", "data": VALID_ROW}]}),
        True,
    ),
    (
        b'{"inputs": [{"name": "x", "shape": [1, 30], "datatype": "FP64", "data": ['
        + ROW.encode()
        + b'], "shape": [2, 30]}]}',
        True,
    ),
    (
        _body(
            {
                "inputs": [{"name": "x", "shape": [1, N], "datatype": "FP64", "data": VALID_ROW}],
                "outputs": [{"name": "nope"}],
            }
        ),
        True,
    ),
    (
        _body(
            {
                "inputs": [{"name": "x", "shape": [1, N], "datatype": "FP64", "data": VALID_ROW}],
                "parameters": [],
            }
        ),
        True,
    ),
    (_body({"inputs": []}), True),
    (_body([VALID_ROW]), True),
]


@pytest.mark.parametrize(("body", "v2"), MALFORMED)
def test_other_bodies_answer_as_the_old_path(body: bytes, v2: bool) -> None:
    assert _outcome(_new, body, v2) == _outcome(_old, body, v2)


def test_a_bad_body_does_not_stick_in_the_parser() -> None:
    """The parser is reused per thread: bodies it declined mid-way leave it usable."""
    for body, v2 in MALFORMED:
        _outcome(_new, body, v2)
    body = _body({"instances": X[:5].tolist()})
    assert json_matrix.parse(body, False, N, MAX_ROWS) is not None
