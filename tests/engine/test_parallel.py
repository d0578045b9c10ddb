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
    # GCP's imports are the largest: gcp-dev gets a worker with the cheapest group (local), and the
    # AWS stacks and azure-dev share the other.
    assert sorted(map(sorted, buckets)) == [["azure-dev", "dev", "prod", "staging"], ["gcp-dev", "local"]]
    assert schedule(project, ["dev", "prod"], jobs=4) == [["dev", "prod"]]


def test_multi_cell_stacks_are_scheduled_by_their_cells_clouds() -> None:
    """staging-global and prod-global (AWS + GCP cells) go where GCP is imported, dr (AWS + Azure)
    where Azure is: no worker imports all three clouds."""
    project = load_project(REPO)
    buckets = schedule(project, project.stacks(), jobs=2)
    (gcp,) = [b for b in buckets if "gcp-dev" in b]
    assert {"staging-global", "prod-global"} <= set(gcp)
    (azure,) = [b for b in buckets if "azure-dev" in b]
    assert {"dr", "dev", "staging", "prod"} <= set(azure)
    assert sorted(s for b in buckets for s in b) == sorted(project.stacks())


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
