"""Errors raised by building blocks and config loading: what was wrong, where, and how to fix it."""

from __future__ import annotations


class MlfleetError(Exception):
    """Base class: the message is meant for a human and printed without a traceback."""


class ComponentArgumentError(MlfleetError, ValueError):
    """A building block got an argument it cannot honour."""

    def __init__(self, component: str, argument: str, problem: str, fix: str) -> None:
        self.component = component
        self.argument = argument
        self.problem = problem
        self.fix = fix
        super().__init__(f"{component}: argument '{argument}' {problem}. Fix: {fix}")


class ConfigError(MlfleetError):
    """A stack file value is missing or wrong; names the stack file and key."""

    def __init__(self, stack_file: str, key: str, problem: str, fix: str) -> None:
        self.stack_file = stack_file
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{stack_file}: config key '{key}' {problem}. Fix: {fix}")
