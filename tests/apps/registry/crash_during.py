"""Run a registry operation in this process and SIGKILL it at a chosen point (used by the crash tests).

usage: python crash_during.py publish <registry-url> <torn-blob|before-manifest>
       python crash_during.py sync <src-url> <dst-url> <nth-manifest>
       python crash_during.py step <registry-url> <create|delete> <key-regex> <operation> [args...]
           SIGKILL on the first ObjectStore.<create|delete> of a key matching <key-regex> (before it
           happens), while running <operation>: publish NAME | promote NAME ALIAS VERSION |
           promote-prechecked NAME ALIAS VERSION (its tombstone pre-check passed before a delete
           started) | delete NAME VERSION
"""

from __future__ import annotations

import os
import re
import signal
import sys
from typing import Any

from mlfleet_registry import Registry, open_registry, sync_registries
from mlfleet_registry.store import ObjectStore

PUBLISH_KWARGS: dict[str, Any] = {
    "metrics": {},
    "params": {},
    "feature_schema": [],
    "reference_stats": {},
    "data_fingerprint": "x",
    "task": "classification",
    "classes": [0, 1, 2],
    "code_version": "crash",
    "parent_version": None,
    "created_by": "crash",
    "reason": "crash",
}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    operation = sys.argv[1]
    if operation == "publish":
        url, point = sys.argv[2], sys.argv[3]
        original_write, original_create = ObjectStore.write, ObjectStore.create

        def torn_write(self: ObjectStore, key: str, data: bytes) -> None:
            original_write(self, key, data[: len(data) // 2])  # what a crash mid-upload can leave
            die()

        def create(self: ObjectStore, key: str, data: bytes) -> None:
            if key.endswith("manifest.json"):
                die()
            original_create(self, key, data)

        if point == "torn-blob":
            ObjectStore.write = torn_write  # type: ignore[method-assign]
        else:
            ObjectStore.create = create  # type: ignore[method-assign]
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier

        features, target = load_iris(return_X_y=True)
        model = DecisionTreeClassifier(random_state=0).fit(features, target)
        open_registry(url).publish("demo", model, **PUBLISH_KWARGS)
    elif operation == "sync":
        src, dst, nth = sys.argv[2], sys.argv[3], int(sys.argv[4])
        original_create = ObjectStore.create
        seen = {"manifests": 0}

        def create_then_die(self: ObjectStore, key: str, data: bytes) -> None:
            if key.endswith("manifest.json"):
                seen["manifests"] += 1
                if seen["manifests"] == nth:
                    die()
            original_create(self, key, data)

        ObjectStore.create = create_then_die  # type: ignore[method-assign]
        sync_registries(open_registry(src), open_registry(dst))
    elif operation == "step":
        step(sys.argv[2], sys.argv[3], re.compile(sys.argv[4]), sys.argv[5], sys.argv[6:])
    print("finished without crashing", file=sys.stderr)
    sys.exit(3)


def step(url: str, method: str, pattern: re.Pattern[str], op: str, args: list[str]) -> None:
    original = getattr(ObjectStore, method)

    def killing(self: ObjectStore, key: str, *rest: Any) -> Any:
        if pattern.search(key):
            die()
        return original(self, key, *rest)

    setattr(ObjectStore, method, killing)
    registry = open_registry(url)
    if op == "publish":
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier

        features, target = load_iris(return_X_y=True)
        model = DecisionTreeClassifier(random_state=0).fit(features, target)
        registry.publish(args[0], model, **PUBLISH_KWARGS)
    elif op in ("promote", "promote-prechecked"):
        if op == "promote-prechecked":
            Registry._refuse_tombstoned = lambda *_: None  # type: ignore[method-assign]
        registry.set_alias(args[0], args[1], args[2], actor="crash", reason="crash")
    elif op == "delete":
        registry.delete_version(args[0], args[1], actor="crash", reason="crash")


if __name__ == "__main__":
    main()
