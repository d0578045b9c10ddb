"""MLServer (Seldon) for the benchmark: its own virtual environment, a model repository holding
the same scikit-learn model as ours, and the command that serves it.

The environment is `.tools/mlserver-venv` (ignored by git), made with the project's uv from
`bench/mlserver-requirements.txt` plus scikit-learn at the version this project runs, so that
MLServer's `joblib.load` gets the very model our server serves. Setting names are MLServer 1.7.1's
(`mlserver/settings.py`: env prefix `MLSERVER_`, `http_port`, `grpc_port`, `metrics_port`, `host`,
`debug`, `parallel_workers` default 1; `mlserver_sklearn/sklearn.py`: `model.joblib`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import sklearn

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".tools" / "mlserver-venv"
REQUIREMENTS = Path(__file__).resolve().parent / "mlserver-requirements.txt"
UV = ROOT / ".tools" / "uv" / "bin" / "uv"


def ensure_env() -> Path:
    """The `mlserver` executable, installing the environment on first use (or when pins change)."""
    stamp = VENV / ".pins"
    want = REQUIREMENTS.read_text() + f"scikit-learn=={sklearn.__version__}\n"
    exe = VENV / "bin" / "mlserver"
    if exe.exists() and stamp.exists() and stamp.read_text() == want:
        return exe
    if not UV.exists():
        raise SystemExit(f"{UV} not found: run `make uv` first (the bench installs MLServer with it)")
    print(f"installing MLServer into {VENV} (once) ...", flush=True)
    subprocess.run(
        [str(UV), "venv", "--quiet", "--allow-existing", "--python", sys.executable, str(VENV)], check=True
    )
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(VENV / "bin" / "python"),
            "-r",
            str(REQUIREMENTS),
            f"scikit-learn=={sklearn.__version__}",
        ],
        check=True,
    )
    stamp.write_text(want)
    return exe


def model_repository(work: Path, name: str, version: str, model: object) -> Path:
    """A one-model MLServer repository: model-settings.json + model.joblib (the same estimator)."""
    folder = work / "mlserver-models" / name
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, folder / "model.joblib")
    settings = {
        "name": name,
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": version},
    }
    (folder / "model-settings.json").write_text(json.dumps(settings))
    return folder.parent


def command_and_env(
    exe: Path, repository: Path, port: int, grpc_port: int, metrics_port: int
) -> tuple[list[str], dict[str, str]]:
    """`mlserver start` on 127.0.0.1 with its defaults except the ports and debug logging off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLSERVER_")}
    env.update(
        {
            "MLSERVER_HOST": "127.0.0.1",
            "MLSERVER_HTTP_PORT": str(port),
            "MLSERVER_GRPC_PORT": str(grpc_port),
            "MLSERVER_METRICS_PORT": str(metrics_port),
            "MLSERVER_DEBUG": "false",
        }
    )
    return [str(exe), "start", str(repository)], env
