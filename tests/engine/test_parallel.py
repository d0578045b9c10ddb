"""`mlfleet preview --all` in worker processes: scheduling, and the same plans as in-process."""

from __future__ import annotations

from pathlib import Path

from mlfleet.engine.parallel import preview_in_process, preview_many, schedule
from mlfleet.engine.plan import dumps
from mlfleet.engine.project import load_project

REPO = Path(__file__).resolve().parents[2]


def test_stacks_of_one_cloud_share_a_worker() -> None:
    project = load_project(REPO)
    buckets = schedule(project, ["dev", "staging", "prod", "gcp-dev", "azure-dev", "local"], jobs=2)
    assert sorted(map(sorted, buckets)) == [["azure-dev", "gcp-dev", "local"], ["dev", "prod", "staging"]]
    assert schedule(project, ["dev", "prod"], jobs=4) == [["dev", "prod"]]


def test_workers_give_byte_identical_plans_and_keep_order() -> None:
    project = load_project(REPO)
    stacks = ["local", "dev"]  # two clouds: two worker processes
    parallel = preview_many(project, stacks, jobs=2)
    assert [r.stack for r in parallel] == stacks
    serial = list(preview_in_process(project, stacks))
    for ours, theirs in zip(parallel, serial, strict=True):
        assert ours.error is None and theirs.error is None
        assert ours.plan is not None and theirs.plan is not None
        assert dumps(ours.plan) == dumps(theirs.plan)
