"""Running a Pulumi Python program on the SDK's mock runtime, in this process."""

from __future__ import annotations

import asyncio
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import resource as resource_runtime
from pulumi.runtime import rpc, settings
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from mlfleet.engine.mocks import PlanMocks
from mlfleet.engine.recorder import RecordingMonitor, Registration, struct_to_dict


class ProgramError(Exception):
    """The program raised; `where` is the innermost frame inside the project, if any."""

    def __init__(self, error: BaseException, where: str | None) -> None:
        self.error = error
        self.where = where
        super().__init__(str(error))


@contextmanager
def _without_stack_traces() -> Iterator[None]:
    """Skip the SDK's per-resource stack capture while on mocks.

    Registering a resource walks the whole Python stack and turns every frame into a protobuf
    source position (`pulumi.runtime.resource._get_stack_trace`, pulumi 3.x): about a tenth of a
    preview's CPU here (cProfile of `preview --all`, 2026-12). Only the engine's own monitor reads the
    RegisterResourceRequest, and it records no source positions, so the run sends an empty trace.
    Restored afterwards; a later SDK without the function is left alone.
    """
    original = getattr(resource_runtime, "_get_stack_trace", None)
    if original is None:
        yield
        return
    resource_runtime._get_stack_trace = source_pb2.StackTrace  # type: ignore[attr-defined]
    try:
        yield
    finally:
        resource_runtime._get_stack_trace = original  # type: ignore[attr-defined]


@contextmanager
def _project_environment(directory: Path) -> Iterator[None]:
    """Like the language host: cwd and sys.path at the project, restored afterwards."""
    old_cwd = Path.cwd()
    old_path = list(sys.path)
    os.chdir(directory)
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path


def run_on_mocks(
    fn: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    directory: Path | None = None,
) -> tuple[list[Registration], dict[str, Any]]:
    """Run `fn` as a Pulumi program on the mock runtime; return registrations and stack outputs."""
    _ensure_event_loop()
    mocks = PlanMocks()
    monitor = RecordingMonitor(mocks)
    # A fresh root stack and settings per run: otherwise one run's resources and exports leak.
    settings.reset_options(project=project, stack=stack, preview=False)
    pulumi.runtime.set_all_config(config, secret_keys)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    settings.SETTINGS.rpc_manager.clear()
    root_dir = directory or Path.cwd()
    captured: dict[str, Any] = {}

    def program() -> None:
        fn()
        root = settings.get_root_resource()
        exports = dict(getattr(root, "outputs", {}) or {})
        struct = _sync_await(rpc.serialize_properties(exports, {}))
        captured.update(struct_to_dict(struct))

    try:
        with _project_environment(root_dir), _without_stack_traces():
            _sync_await(run_pulumi_func(program))
    except Exception as exc:
        raise ProgramError(exc, _innermost_project_frame(exc, root_dir)) from exc
    finally:
        settings.reset_options()
    return monitor.registrations, captured


def _ensure_event_loop() -> None:
    """The SDK drives the program with `asyncio.get_event_loop()`, which raises in the main thread
    once an earlier `asyncio.run()` in this process has closed its loop and unset it (Python 3.11):
    give the thread a loop again."""
    try:
        loop = asyncio.get_event_loop()
        if not loop.is_closed():
            return
    except RuntimeError:
        pass
    asyncio.set_event_loop(asyncio.new_event_loop())


def run_main(main: Path) -> Callable[[], Any]:
    def fn() -> None:
        runpy.run_path(str(main), run_name="__main__")

    return fn


def _innermost_project_frame(exc: BaseException, directory: Path) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    root = str(directory.resolve())
    venv = os.sep + ".venv" + os.sep
    for frame in reversed(frames):
        if frame.filename.startswith(root) and venv not in frame.filename:
            rel = os.path.relpath(frame.filename, root)
            return f"{rel}:{frame.lineno}"
    return None
