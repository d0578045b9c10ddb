"""Property-based fuzzing of the real server from its OpenAPI schema: no input yields a 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.apps.serving.conftest import KEY


def test_schemathesis_finds_no_server_errors(server: str, tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "schemathesis"
    # Pin the path parameters so that the model routes are reached, not only their 404s.
    (tmp_path / "schemathesis.toml").write_text(
        '[parameters]\n"path.model_name" = "breast-cancer"\n"path.model_version" = "v0001"\n'
    )
    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{server}/openapi.json",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--seed",
            "1",
            "--generation-deterministic",
            "-H",
            f"X-API-Key: {KEY}",
        ],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Missing test data" not in result.stdout
    assert " 0 generated" not in result.stdout
