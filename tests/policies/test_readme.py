"""policies/README.md's rules table is the pack's.

Regenerate it with `cd policies && python -m mlfleet_policies.docs`.
"""

import subprocess
import sys
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_readme_rules_table_matches_the_pack(pack) -> None:
    table = subprocess.run(
        [sys.executable, "-m", "mlfleet_policies.docs"],
        cwd=POLICIES,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    readme = (POLICIES / "README.md").read_text()
    assert table in readme, (
        "README rules table is stale: run `cd policies && python -m mlfleet_policies.docs`"
    )
    assert f"{len(pack.rules)} rules over" in readme
