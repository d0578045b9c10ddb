"""Inference runtimes: the scikit-learn model itself, or an ONNX Runtime session compiled from it
at load time. The compiled one is used only if it reproduces scikit-learn's predictions exactly on
the verification rows, and for a classifier with `predict_proba` also its class probabilities
(within PROBA_ATOL: ONNX computes them in float32); otherwise we fall back to scikit-learn (and log
why)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import numpy as np

log = logging.getLogger("mlfleet.serving")

Predict = Callable[[np.ndarray], np.ndarray]
# Labels and class probabilities [rows, classes] (columns in the order of the model's classes_).
PredictProba = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
PROBA_ATOL = 1e-5


class Runtime(NamedTuple):
    predict: Predict
    predict_proba: PredictProba | None  # None: not a classifier with predict_proba
    name: str  # onnx | sklearn


class RuntimeError_(Exception):
    """The model cannot be compiled or does not verify."""


def sklearn_predictor(model: Any) -> Predict:
    predict = model.predict
    return lambda x: np.asarray(predict(x))


def sklearn_proba(model: Any) -> PredictProba | None:
    if getattr(model, "classes_", None) is None or not hasattr(model, "predict_proba"):
        return None
    predict, proba = model.predict, model.predict_proba
    return lambda x: (np.asarray(predict(x)), np.asarray(proba(x), dtype=np.float64))


def onnx_predictor(model: Any, n_features: int) -> tuple[Predict, PredictProba | None]:
    import onnxruntime as ort
    from skl2onnx import to_onnx

    sample = np.zeros((1, n_features), dtype=np.float32)
    try:
        onx = to_onnx(model, sample, options={id(model): {"zipmap": False}})
    except Exception as exc:  # skl2onnx raises many types for unsupported estimators
        raise RuntimeError_(f"cannot convert to ONNX: {exc}") from exc
    opts = ort.SessionOptions()
    # One thread, no spinning: the server is pinned to a core and its concurrency comes from
    # requests, not from parallel operators. Spinning pool threads would steal that core from the
    # event loop between calls.
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    session = ort.InferenceSession(onx.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    run = _direct_run(session, input_name, n_features)
    classes = getattr(model, "classes_", None)
    if classes is None or len(session.get_outputs()) < 2:
        output_name = session.get_outputs()[0].name

        def predict(x: np.ndarray) -> np.ndarray:
            result = run([output_name], {input_name: x.astype(np.float32, copy=False)})[0]
            return np.asarray(result).reshape(-1)

        return predict, None

    # Classifiers: take the label from the probabilities, rounded so that a float32 sum of an exact
    # tie (e.g. 25 of 50 trees) is still a tie and breaks to the first class as scikit-learn does.
    proba_name = session.get_outputs()[1].name
    labels = np.asarray(classes)

    def predict_label(x: np.ndarray) -> np.ndarray:
        proba = run([proba_name], {input_name: x.astype(np.float32, copy=False)})[0]
        return labels[np.argmax(np.round(proba, 5), axis=1)]

    def predict_proba(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        proba = run([proba_name], {input_name: x.astype(np.float32, copy=False)})[0]  # one run, both
        return labels[np.argmax(np.round(proba, 5), axis=1)], proba.astype(np.float64)

    return predict_label, predict_proba


def _direct_run(session: Any, input_name: str, n_features: int) -> Callable[..., Any]:
    """The native run of the session, without the Python wrapper's per-call checks (about 10 us
    of a 1-row call); the public `run` if this onnxruntime version does not have it."""
    native = getattr(session, "_sess", None)
    if native is not None:
        try:
            sample = np.zeros((1, n_features), dtype=np.float32)
            native.run([session.get_outputs()[0].name], {input_name: sample}, None)
        except Exception:  # noqa: BLE001 - any surprise: use the public API
            native = None
    if native is None:
        return session.run  # type: ignore[no-any-return]
    native_run = native.run
    return lambda names, feed: native_run(names, feed, None)


def build_predictor(
    model: Any, n_features: int, verify_rows: np.ndarray, mode: Literal["auto", "onnx", "sklearn"]
) -> Runtime:
    """The fastest runtime that gives scikit-learn's exact predictions on `verify_rows` (and its
    class probabilities, within PROBA_ATOL, when the model has them)."""
    reference = Runtime(sklearn_predictor(model), sklearn_proba(model), "sklearn")
    if mode == "sklearn":
        return reference
    try:
        predict, predict_proba = onnx_predictor(model, n_features)
        compiled = Runtime(predict, predict_proba, "onnx")
        verify(reference, compiled, verify_rows)
        return compiled
    except RuntimeError_ as exc:
        if mode == "onnx":
            raise
        log.warning("using scikit-learn runtime: %s", exc)
        return reference


def verify(reference: Runtime, compiled: Runtime, rows: np.ndarray) -> None:
    """RuntimeError_ unless `compiled` answers as `reference` does on `rows`: labels exactly (values
    of a regressor within float32 rounding), probabilities within PROBA_ATOL."""
    expected = reference.predict(rows)
    got = compiled.predict(rows)
    if expected.dtype.kind == "f":
        same = bool(np.allclose(got.astype(np.float64), expected, rtol=1e-5, atol=1e-6))
    else:
        same = bool(np.array_equal(got.astype(expected.dtype), expected))
    if not same:
        raise RuntimeError_("ONNX predictions differ from scikit-learn's on the verification rows")
    if reference.predict_proba is None:
        return
    if compiled.predict_proba is None:
        raise RuntimeError_("the ONNX model has no class probabilities output")
    labels, proba = compiled.predict_proba(rows)
    _, expected_proba = reference.predict_proba(rows)
    if not np.array_equal(labels.astype(expected.dtype), expected):
        raise RuntimeError_("ONNX labels from probabilities differ from scikit-learn's predictions")
    if proba.shape != expected_proba.shape or not np.allclose(proba, expected_proba, rtol=0, atol=PROBA_ATOL):
        worst = float(np.max(np.abs(proba - expected_proba))) if proba.shape == expected_proba.shape else None
        raise RuntimeError_(
            f"ONNX class probabilities differ from scikit-learn's (max difference {worst}, "
            f"tolerance {PROBA_ATOL}) on the verification rows"
        )


def verification_rows(
    mins: np.ndarray, maxs: np.ndarray, bin_edges: list[np.ndarray], rows: int = 512, seed: int = 0
) -> np.ndarray:
    """Rows spread over each feature's reference range (also hitting the bin edges themselves)."""
    rng = np.random.default_rng(seed)
    n = len(mins)
    lo = np.where(np.isfinite(mins), mins, -1.0)
    hi = np.where(np.isfinite(maxs), maxs, 1.0)
    for i, edges in enumerate(bin_edges):
        finite = edges[np.isfinite(edges)] if len(edges) else edges
        if len(finite):
            lo[i] = min(lo[i], float(finite.min())) if np.isfinite(mins[i]) else float(finite.min())
            hi[i] = max(hi[i], float(finite.max())) if np.isfinite(maxs[i]) else float(finite.max())
    x = rng.uniform(lo, hi, size=(rows, n))
    return np.asarray(x, dtype=np.float64)
