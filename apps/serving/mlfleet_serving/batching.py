"""Adaptive batching, and inference off the event loop for large requests.

A request with fewer rows than `offload_min_rows` is scored inline on the event loop: for a few
rows, handing the work to a thread costs more than the inference itself (ONNX Runtime scores a row
in ~11 us), so the single-row path costs what it did. A larger request goes to its model's
`Batcher`: one batch at a time runs in a worker thread (the loop's default executor) while the loop
goes on reading, validating and answering other requests (ONNX Runtime and scikit-learn's trees
release the GIL while they compute). The requests that arrive while a batch runs wait in a queue;
the next batch takes all of them, up to `batch_max_rows` rows, stacks them into one matrix, scores
it in one runtime call and gives each caller its own rows. So batches grow with the load (adaptive:
no fixed wait on an idle server) and large requests stop queueing behind each other on the loop.
`batch_max_wait_ms` (default 0) makes the batcher wait that long after a batch's first request for
more to merge, trading latency for fewer, larger calls (worth it with the scikit-learn runtime,
whose per-call cost is high).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

import numpy as np

from mlfleet_serving.models import ServedModel
from mlfleet_serving.runtime import Predict, PredictProba
from mlfleet_serving.settings import ServingSettings

Outcome = tuple[np.ndarray, np.ndarray | None]  # labels / values, class probabilities if asked


class _Job:
    __slots__ = ("future", "proba", "x")

    def __init__(self, x: np.ndarray, proba: bool, future: asyncio.Future[Outcome]) -> None:
        self.x, self.proba, self.future = x, proba, future


def run_model(predict: Predict, predict_proba: PredictProba | None, x: np.ndarray, proba: bool) -> Outcome:
    """One runtime call: labels, and the class probabilities when asked (from the same run)."""
    if proba:
        assert predict_proba is not None  # the caller answered 422 for a model without them
        return predict_proba(x)
    return predict(x), None


def run_batch(predict: Predict, predict_proba: PredictProba | None, jobs: list[_Job]) -> list[Outcome]:
    """Score the jobs' rows in one call and split the result back per job (in the worker thread)."""
    proba = any(job.proba for job in jobs)
    if len(jobs) == 1:
        return [run_model(predict, predict_proba, jobs[0].x, proba)]
    y, p = run_model(predict, predict_proba, np.concatenate([job.x for job in jobs]), proba)
    bounds = np.cumsum([len(job.x) for job in jobs])[:-1]
    ys = np.split(y, bounds)
    ps = np.split(p, bounds) if p is not None else [None] * len(jobs)
    return [(y_, p_ if job.proba else None) for job, y_, p_ in zip(jobs, ys, ps, strict=True)]


class Batcher:
    """Merges the large requests for one served model into batches scored off the event loop."""

    def __init__(
        self,
        predict: Predict,
        predict_proba: PredictProba | None,
        max_rows: int,
        max_wait_seconds: float,
        observe: Callable[[int], None],
    ) -> None:
        self.predict, self.predict_proba = predict, predict_proba
        self.max_rows, self.max_wait = max_rows, max_wait_seconds
        self.observe = observe  # called with the number of requests merged into each batch
        self.jobs: deque[_Job] = deque()
        self.task: asyncio.Task[None] | None = None  # the drain loop while batches are pending

    async def submit(self, x: np.ndarray, proba: bool) -> Outcome:
        loop = asyncio.get_running_loop()
        job = _Job(x, proba, loop.create_future())
        self.jobs.append(job)
        if self.task is None:
            self.task = loop.create_task(self._drain())
        return await job.future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.jobs:
                if self.max_wait > 0 and sum(len(job.x) for job in self.jobs) < self.max_rows:
                    await asyncio.sleep(self.max_wait)
                jobs = self._take()
                self.observe(len(jobs))
                try:
                    outcomes = await loop.run_in_executor(
                        None, run_batch, self.predict, self.predict_proba, jobs
                    )
                except Exception as exc:  # noqa: BLE001 - the model failed: every caller of the batch gets it
                    for job in jobs:
                        if not job.future.done():
                            job.future.set_exception(exc)
                    continue
                for job, outcome in zip(jobs, outcomes, strict=True):
                    if not job.future.done():  # a caller that went away has a cancelled future
                        job.future.set_result(outcome)
        finally:
            self.task = None

    def _take(self) -> list[_Job]:
        """The queued jobs in arrival order up to max_rows rows (always at least one)."""
        jobs = [self.jobs.popleft()]
        rows = len(jobs[0].x)
        while self.jobs and rows + len(self.jobs[0].x) <= self.max_rows:
            job = self.jobs.popleft()
            rows += len(job.x)
            jobs.append(job)
        return jobs


def batcher_for(served: ServedModel, settings: ServingSettings, observe: Callable[[int], None]) -> Batcher:
    """The served model's batcher, made on first use (one per loaded version)."""
    batcher: Batcher | None = served.batcher
    if batcher is None:
        batcher = served.batcher = Batcher(
            served.predict,
            served.predict_proba,
            settings.batch_max_rows,
            settings.batch_max_wait_ms / 1000.0,
            observe,
        )
    return batcher
