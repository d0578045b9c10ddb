"""Reading plans and plan directories: clean, actionable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlfleet.diff.errors import DiffError
from mlfleet.diff.load import load_plan, load_plans, load_policy
from mlfleet.engine.plan import dumps
from tests.diff.plans import plan


def write(path: Path, data: object) -> Path:
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_directory_of_plans_keyed_by_stack(tmp_path: Path) -> None:
    write(tmp_path / "a.json", dumps(plan("dev")))
    write(tmp_path / "b.json", dumps(plan("prod")))
    (tmp_path / "notes.txt").write_text("ignored")
    assert sorted(load_plans(tmp_path)) == ["dev", "prod"]


def test_single_plan_file(tmp_path: Path) -> None:
    assert list(load_plans(write(tmp_path / "x.json", plan("staging")))) == ["staging"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a JSON plan"),
        ({"hello": 1}, 'not an mlfleet plan (expected "format": "mlfleet.plan"'),
        ([1, 2], "not an mlfleet plan"),
        ({**plan(), "version": 2}, "plan format version 2, but this mlfleet reads version 1"),
        ({k: v for k, v in plan().items() if k != "resources"}, "plan key 'resources' is missing"),
        ({**plan(), "resources": [{"type": "x"}]}, "resources[0] has no 'urn'"),
    ],
)
def test_bad_plans(tmp_path: Path, content: object, message: str) -> None:
    path = write(tmp_path / "p.json", content)
    with pytest.raises(DiffError) as err:
        load_plan(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_missing_paths_say_how_to_make_plans(tmp_path: Path) -> None:
    with pytest.raises(DiffError, match=r"no such plan or directory; write plans with `mlfleet preview"):
        load_plans(tmp_path / "nope")
    with pytest.raises(DiffError, match=r"no plans \(\*\.json\) in this directory"):
        load_plans(tmp_path)


def test_two_plans_of_one_stack_in_a_directory(tmp_path: Path) -> None:
    write(tmp_path / "a.json", plan("dev"))
    write(tmp_path / "b.json", plan("dev"))
    with pytest.raises(DiffError, match="stack 'dev' is also in"):
        load_plans(tmp_path)


def test_policy_report(tmp_path: Path) -> None:
    report = {"stacks": [{"stack": "dev", "resources": 3, "mandatory": 0, "advisory": 1, "violations": []}]}
    assert load_policy(write(tmp_path / "p.json", report))[0]["stack"] == "dev"
    with pytest.raises(DiffError, match="not a policy report"):
        load_policy(write(tmp_path / "q.json", plan()))
    with pytest.raises(DiffError, match="no such policy report"):
        load_policy(tmp_path / "missing.json")
