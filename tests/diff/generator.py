"""scripts/gen_replacements.py loaded as a module, for tests of its readers."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from mlfleet.engine.harness import REPO_ROOT


def load_generator() -> ModuleType:
    script = REPO_ROOT / "scripts" / "gen_replacements.py"
    spec = importlib.util.spec_from_file_location("gen_replacements", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
