"""A well-formed numeric request body straight to a float64 matrix, without Python lists.

orjson.loads makes one Python float per value and the matrix is then built from those objects:
for 512 rows of 30 features that was ~0.8 ms of the event loop's time per request, more than the
ONNX inference itself. simdjson (PyPI `pysimdjson`) parses the body into its own tape and
`Array.as_buffer(of_type="d")` copies an array's numbers, flattened, into one C buffer that numpy
wraps without a copy (pysimdjson 7.0.2, simdjson/csimdjson.pyx `Array.as_buffer` and
simdjson/util.h `flatten_array`: it converts every scalar with simdjson's `get<double>()`, which
takes integers and doubles and raises TypeError for true/false/null/strings/objects; nested arrays
at any depth are flattened, so the structure is checked here before the buffer is trusted: every row
an array of n_features elements, and no array inside a row, which the body's count of "[" shows).

This path only *accepts*: `parse` returns None for anything it does not take (not JSON as simdjson
reads it, a UTF-8 byte order mark (orjson rejects it, simdjson skips it), duplicate keys (orjson
keeps the last, simdjson's lookup the first), rows as objects, ragged or nested rows, a value that
is not a number, a flat v2 `data` whose length is not rows x features, too many rows), and the
caller then takes the orjson path, which produces the precise error or the same matrix. So every
error message stays that of validation.py, and what this path accepts equals what orjson + the
old matrix build accept (tests/apps/serving/test_json_matrix.py checks both on the dataset and on
every malformed body of the validation tests).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import orjson
import simdjson

_BOM = b"\xef\xbb\xbf"
_OPEN = ord("[")
# A parser keeps buffers sized for the largest document it has parsed (~13x the body for a body of
# small integers, measured here); one that parsed a larger body than this is dropped after use.
KEEP_PARSER_MAX_BYTES = 1 << 20  # the default body limit (settings.max_body_bytes)
NUMPY_COUNT_MIN_BYTES = 4096  # measured here: bytes.count(b"[") is ~5x slower than numpy on 124 KB
_local = threading.local()


class Body:
    """What `parse` found: the request without its numbers (`payload`: every other key as plain
    Python, for the options; for v2 `inputs` is `[tensor without data]`), the values as a flat
    float64 array, and for nested data the number of rows (each then known to hold `n_features`
    values); `rows` is None for v2 flat data (length checked against the shape by the caller)."""

    __slots__ = ("payload", "rows", "values")

    def __init__(self, payload: dict[str, Any], values: np.ndarray, rows: int | None) -> None:
        self.payload, self.values, self.rows = payload, values, rows


def _parser() -> Any:
    """This thread's parser (a simdjson parser keeps its buffers between documents, and must not be
    reused while proxies of its last document are alive: each call here drops them before it returns)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = simdjson.Parser()
    return parser


def parse(body: bytes, v2: bool, n_features: int, max_rows: int) -> Body | None:
    """The body of POST /predict (`v2` False: `{"instances": [[...], ...]}`) or of v2 infer
    (`{"inputs": [{..., "data": [...]}]}`, data flat or nested), else None (see the module doc)."""
    if body.startswith(_BOM):
        return None
    try:
        doc = _parser().parse(body)
    except RuntimeError:  # a proxy outlived its call (should not happen), or a big integer
        _local.parser = None  # a new parser next time, in case it was the former
        return None
    except Exception:  # noqa: BLE001 - not JSON as simdjson reads it: orjson gives the error
        return None
    try:
        found = _v2(doc, n_features, max_rows) if v2 else _predict(doc, n_features, max_rows)
    except Exception:  # noqa: BLE001 - a value simdjson will not give as a number, a row that is no list
        return None
    finally:
        del doc  # the proxies go before the parser is used again
        if len(body) > KEEP_PARSER_MAX_BYTES:
            _local.parser = None
    if found is None:
        return None
    # Every "[" of the body is an array or inside a string. The numbers' part holds exactly its own
    # array and one per row (nested), so no array hid inside a row (e.g. [] and [1, 2] in place of
    # two numbers flatten to the right count); the rest of the body holds what its re-serialization
    # shows (a "[" written as \u005b there only makes this path decline).
    expected = 1 + (found.rows or 0) + orjson.dumps(found.payload).count(b"[")
    if len(body) < NUMPY_COUNT_MIN_BYTES:
        brackets = body.count(b"[")
    else:
        brackets = int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == _OPEN))
    return found if brackets == expected else None


def _plain(obj: Any, skip: str) -> dict[str, Any] | None:
    """The object's members except `skip` as plain Python; None if a key repeats."""
    out: dict[str, Any] = {}
    count = 0
    for key in obj:
        count += 1
        if key != skip:
            value = obj[key]
            out[key] = (
                value.as_dict()
                if isinstance(value, simdjson.Object)
                else (value.as_list() if isinstance(value, simdjson.Array) else value)
            )
    return out if count == len(out) + (skip in obj) else None


def _rows(rows: Any, n_features: int, max_rows: int) -> Body | None:
    """A non-empty array of at most max_rows arrays of exactly n_features numbers."""
    if not isinstance(rows, simdjson.Array) or not 0 < len(rows) <= max_rows:
        return None
    elements: Any = rows  # arrays, or anything else: len() of a number raises (caught by parse)
    if set(map(len, elements)) != {n_features}:
        return None
    values = np.frombuffer(rows.as_buffer(of_type="d"), dtype=np.float64)
    if len(values) != len(rows) * n_features:  # a row held a nested array
        return None
    return Body({}, values, len(rows))


def _predict(doc: Any, n_features: int, max_rows: int) -> Body | None:
    if not isinstance(doc, simdjson.Object):
        return None
    payload = _plain(doc, "instances")
    found = _rows(doc.get("instances"), n_features, max_rows) if payload is not None else None
    if found is None or payload is None:
        return None
    found.payload = payload
    return found


def _v2(doc: Any, n_features: int, max_rows: int) -> Body | None:
    if not isinstance(doc, simdjson.Object):
        return None
    inputs = doc.get("inputs")
    if not isinstance(inputs, simdjson.Array) or len(inputs) != 1:
        return None
    tensor = inputs[0]
    if not isinstance(tensor, simdjson.Object):
        return None
    payload, meta = _plain(doc, "inputs"), _plain(tensor, "data")
    data = tensor.get("data")
    if payload is None or meta is None or not isinstance(data, simdjson.Array) or len(data) == 0:
        return None
    if isinstance(data[0], simdjson.Array):
        found = _rows(data, n_features, max_rows)
    elif len(data) <= max_rows * n_features:
        values = np.frombuffer(data.as_buffer(of_type="d"), dtype=np.float64)
        found = Body({}, values, None) if len(values) == len(data) else None
    else:
        found = None
    if found is None:
        return None
    payload["inputs"] = [meta]
    found.payload = payload
    return found
