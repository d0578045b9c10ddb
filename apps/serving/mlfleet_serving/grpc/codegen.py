"""Regenerate the committed stubs: `cd apps/serving && python -m mlfleet_serving.grpc.codegen`.
Runs protoc from grpcio-tools GENERATOR in a throwaway environment (uv), so the project's lock file
does not carry the generator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

GENERATOR = "grpcio-tools==1.71.0"
PROTOS = ("mlfleet_serving/grpc/grpc_predict_v2.proto", "mlfleet_serving/grpc/health.proto")


def main() -> int:
    root = Path(__file__).resolve().parents[2]  # apps/serving: protoc's include root, so the
    # generated imports read `from mlfleet_serving.grpc import ...`
    uv = shutil.which("uv") or str(root.parents[1] / ".tools" / "uv" / "bin" / "uv")
    command = [
        uv,
        "run",
        "--no-project",
        "--isolated",
        "--with",
        GENERATOR,
        "python",
        "-m",
        "grpc_tools.protoc",
    ]
    command += ["-I", ".", "--python_out=.", "--pyi_out=.", "--grpc_python_out=.", *PROTOS]
    return subprocess.run(command, cwd=root, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
