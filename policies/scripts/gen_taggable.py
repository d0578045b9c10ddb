"""Regenerate mlfleet_policies/data/taggable_types.json from the installed provider SDKs.

A resource type is taggable when its constructor accepts `tags` (AWS, azure-native) or `labels`
(GCP). Reading the SDK sources (not importing them) keeps this to a few seconds; rerun it after
bumping a provider: `uv run --frozen python policies/scripts/gen_taggable.py`.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

TOKEN = re.compile(r"super\(\w+, __self__\)\.__init__\(\s*'([^']+)'")
PROVIDERS = {"pulumi_aws": "tags", "pulumi_azure_native": "tags", "pulumi_gcp": "labels"}
OUT = Path(__file__).resolve().parent.parent / "mlfleet_policies" / "data" / "taggable_types.json"


def taggable_types(package: str, prop: str) -> list[str]:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    setter = f'__props__.__dict__["{prop}"] = {prop}'
    found: set[str] = set()
    for path in Path(spec.origin).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for match in TOKEN.finditer(text):
            # Only the constructor part (before super().__init__) counts; `get()` sets every output.
            start = text.rfind("def _internal_init", 0, match.start())
            if start != -1 and setter in text[start : match.start()]:
                found.add(match.group(1))
    return sorted(found)


def main() -> None:
    data = {package: taggable_types(package, prop) for package, prop in PROVIDERS.items()}
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print({k: len(v) for k, v in data.items()}, "->", OUT)


if __name__ == "__main__":
    main()
