"""One small object-store interface over fsspec (local dir, s3://, gs://, az://).

The registry needs only: read, overwrite-write, list, and *create-if-absent*. Create-if-absent is
the primitive behind immutable versions and compare-and-swap aliases; it is atomic where the store
offers a conditional write and check-then-write (documented as such) elsewhere.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mlfleet_registry.errors import NotFound, RegistryError, VersionExists

SUPPORTED_SCHEMES = ("file", "s3", "gs", "gcs", "az", "abfs")

# What create-if-absent means on each store (also in docs/registry.md).
ATOMIC_CREATE = {
    "file": "hard link of a fully written temp file (POSIX link(2) fails if the name exists)",
    "s3": "PutObject with If-None-Match: *",
    "gs": "upload with ifGenerationMatch=0",
    "az": "Put Blob with If-None-Match: * (overwrite=False)",
}


def _filesystem(scheme: str) -> Any:
    """Build the fsspec filesystem; endpoints come from the standard emulator/cloud env vars."""
    if scheme == "file":
        from fsspec.implementations.local import LocalFileSystem

        return LocalFileSystem()
    if scheme == "s3":
        import s3fs

        client_kwargs: dict[str, str] = {}
        if endpoint := os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"):
            client_kwargs["endpoint_url"] = endpoint
        return s3fs.S3FileSystem(client_kwargs=client_kwargs, skip_instance_cache=True)
    if scheme in ("gs", "gcs"):
        # The core class, not gcsfs' experimental zonal/HNS variant (which fake-gcs-server rejects).
        with warnings.catch_warnings():  # google-api-core nags about Python 3.11's end of life
            warnings.simplefilter("ignore", FutureWarning)
            from gcsfs.core import GCSFileSystem

        token = "anon" if os.environ.get("STORAGE_EMULATOR_HOST") else None
        return GCSFileSystem(token=token, skip_instance_cache=True)
    import adlfs

    if conn := os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        return adlfs.AzureBlobFileSystem(connection_string=conn, skip_instance_cache=True)
    # An az://container/prefix URL does not name the storage account: the stack sets it on its pods.
    account = os.environ.get("AZURE_STORAGE_ACCOUNT_NAME")
    if not account:
        raise RegistryError(
            "az:// registry URLs need the storage account: set AZURE_STORAGE_ACCOUNT_NAME (the mlfleet "
            "stacks set it on their pods) or AZURE_STORAGE_CONNECTION_STRING (e.g. for Azurite)"
        )
    # anon=False with no key, SAS or connection string: adlfs authenticates with azure-identity's
    # DefaultAzureCredential (Workload Identity token file, managed identity, az login, ...).
    return adlfs.AzureBlobFileSystem(account_name=account, anon=False, skip_instance_cache=True)


def read_url(url: str) -> bytes:
    """Read one file by local path or bucket URL, with the same endpoint settings as the registry."""
    parts = urlsplit(url)
    if len(parts.scheme) <= 1 or parts.scheme == "file":
        path = Path(parts.path if parts.scheme else url).expanduser()
        try:
            return path.read_bytes()
        except OSError as exc:
            raise NotFound(f"cannot read {path}: {exc.strerror}") from exc
    store = ObjectStore(url.rsplit("/", 1)[0])
    return store.read(url.rsplit("/", 1)[1])


class ObjectStore:
    """Keys are '/'-separated paths relative to the registry root."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower() if len(parts.scheme) > 1 else "file"  # "C:" is not a scheme
        if scheme not in SUPPORTED_SCHEMES:
            raise RegistryError(
                f"unsupported registry URL {url!r}: use a local path, file://, s3://bucket/prefix, "
                "gs://bucket/prefix or az://container/prefix"
            )
        if scheme == "file":
            local = parts.path if parts.scheme else url
            self.root = str(Path(local).expanduser().resolve())
            self.url = self.root
        else:
            if not parts.netloc:
                raise RegistryError(f"registry URL {url!r} has no bucket/container name after {scheme}://")
            scheme = {"gcs": "gs", "abfs": "az"}.get(scheme, scheme)
            self.root = f"{parts.netloc}{parts.path}".rstrip("/")
            self.url = f"{scheme}://{self.root}"
        self.scheme = scheme
        self.fs = _filesystem(scheme)
        self.atomic_create = scheme in ATOMIC_CREATE

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def read(self, key: str) -> bytes:
        try:
            return bytes(self.fs.cat_file(self._path(key)))
        except FileNotFoundError as exc:
            raise NotFound(f"{self.url}/{key} does not exist") from exc

    def exists(self, key: str) -> bool:
        try:
            self.fs.invalidate_cache()
            return bool(self.fs.exists(self._path(key)))
        except FileNotFoundError:
            return False

    def write(self, key: str, data: bytes) -> None:
        """Overwrite; atomic for readers on object stores, temp file + rename on a local dir."""
        if self.scheme == "file":
            target = Path(self._path(key))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._local_temp(target, data)
            os.replace(tmp, target)
            return
        self.fs.pipe_file(self._path(key), data)

    def create(self, key: str, data: bytes) -> None:
        """Create `key` only if absent, else raise VersionExists. Readers never see partial data."""
        path = self._path(key)
        if self.scheme == "file":
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._local_temp(target, data)
            try:
                os.link(tmp, target)
            except FileExistsError as exc:
                raise VersionExists(f"{self.url}/{key} already exists") from exc
            finally:
                os.unlink(tmp)
            return
        try:
            self.fs.pipe_file(path, data, mode="create")
        except FileExistsError as exc:
            raise VersionExists(f"{self.url}/{key} already exists") from exc
        self.fs.invalidate_cache()

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is fine (a delete that was interrupted can simply re-run)."""
        try:
            self.fs.rm_file(self._path(key))
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache()

    def list(self, prefix: str) -> list[str]:
        """Every key below `prefix` (recursive), relative to the root, sorted."""
        self.fs.invalidate_cache()
        base = self._path(prefix).rstrip("/")
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return []
        root = self.root.rstrip("/") + "/"
        keys = []
        for item in found:
            item = item.replace("\\", "/")
            if self.scheme == "file" and ".tmp-" in item.rsplit("/", 1)[-1]:
                continue  # a local writer's temp file, not (yet) an object
            keys.append(item[len(root) :] if item.startswith(root) else item)
        return sorted(keys)

    @staticmethod
    def _local_temp(target: Path, data: bytes) -> str:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.tmp-{uuid.uuid4().hex[:6]}")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return tmp
