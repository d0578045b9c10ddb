"""Model (de)serialisation with skops: loading never executes arbitrary code from a bucket."""

from __future__ import annotations

import hashlib
from typing import Any

from mlfleet_registry.errors import IntegrityError, RegistryError

MODEL_FILE = "model.skops"

# skops trusts plain containers and numpy arrays by default; anything else it reports as untrusted.
# We accept exactly the scikit-learn / numpy / scipy types an estimator is built from and refuse
# every other type (a crafted artifact naming e.g. os.system never gets constructed).
TRUSTED_MODULE_PREFIXES = ("sklearn.", "numpy.", "scipy.")
TRUSTED_EXACT = frozenset({"builtins.slice", "builtins.float", "builtins.int", "builtins.bool"})


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_model(model: Any) -> bytes:
    import skops.io as sio

    return bytes(sio.dumps(model))


def trusted_types_for(data: bytes, where: str) -> list[str]:
    """The explicit allowlist for this artifact, or RegistryError naming the first foreign type."""
    import skops.io as sio

    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not (t.startswith(TRUSTED_MODULE_PREFIXES) or t in TRUSTED_EXACT)]
    if refused:
        raise RegistryError(
            f"{where} contains types outside the trusted allowlist ({', '.join(sorted(refused))}); "
            "refusing to load it. Only scikit-learn/numpy/scipy objects are accepted."
        )
    return list(untrusted)


def load_model(data: bytes, where: str) -> Any:
    import skops.io as sio

    try:
        return sio.loads(data, trusted=trusted_types_for(data, where))
    except RegistryError:
        raise
    except Exception as exc:
        raise IntegrityError(f"{where} could not be decoded as a skops artifact: {exc}") from exc


def check_hash(data: bytes, expected: str, where: str) -> None:
    actual = sha256_hex(data)
    if actual != expected:
        raise IntegrityError(
            f"{where}: sha256 {actual} does not match the manifest ({expected}); the file was altered "
            "or truncated. Re-publish the model or re-run `mlfleet models sync` from a good registry."
        )
