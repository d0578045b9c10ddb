"""One small object-store interface over fsspec (local dir, s3://, gs://, az://).

The registry needs only: read, overwrite-write, list, and *create-if-absent*. Create-if-absent is
the primitive behind immutable versions and compare-and-swap aliases; it is atomic where the store
offers a conditional write and check-then-write (documented as such) elsewhere.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import tempfile
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from mlfleet_registry.errors import NotFound, RegistryError, StoreUnavailable, VersionExists

T = TypeVar("T")

SUPPORTED_SCHEMES = ("file", "s3", "gs", "gcs", "az", "abfs")

# What create-if-absent means on each store (also in docs/registry.md).
ATOMIC_CREATE = {
    "file": "hard link of a fully written temp file (POSIX link(2) fails if the name exists)",
    "s3": "PutObject with If-None-Match: *",
    "gs": "upload with ifGenerationMatch=0",
    "az": "Put Blob with If-None-Match: * (overwrite=False)",
}


# Bucket / container naming rules of each cloud (checked before any request is made).
BUCKET_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "s3": (
        re.compile(r"(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
        "S3 bucket names are 3-63 lowercase letters, digits, '.' and '-', starting and ending with a "
        "letter or digit",
    ),
    "gs": (
        re.compile(r"(?!goog)(?!.*\.\.)[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]"),
        "GCS bucket names are 3-63 lowercase letters, digits, '.', '_' and '-', starting and ending with "
        "a letter or digit",
    ),
    "az": (
        re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"),
        "Azure container names are 3-63 lowercase letters, digits and single '-', starting and ending "
        "with a letter or digit",
    ),
}
MAX_PREFIX = 512
CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
PROXY_ENV = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def _check_prefix(url: str, prefix: str) -> None:
    segments = prefix.strip("/").split("/") if prefix.strip("/") else []
    if len(prefix) > MAX_PREFIX:
        raise StoreUnavailable(
            f"registry URL {url[:80]!r}...: the prefix is longer than {MAX_PREFIX} characters"
        )
    if CONTROL_OR_SPACE.search(prefix):
        raise StoreUnavailable(f"registry URL {url!r}: the prefix contains whitespace or control characters")
    if any(seg in ("", ".", "..") for seg in segments):
        raise StoreUnavailable(f"registry URL {url!r}: the prefix has an empty, '.' or '..' path segment")


def endpoint_of(scheme: str) -> str | None:
    """The endpoint override the clients will use (emulators, private endpoints), if any."""
    if scheme == "s3":
        return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    if scheme == "gs":
        return os.environ.get("STORAGE_EMULATOR_HOST") or None
    if scheme == "az" and (conn := os.environ.get("AZURE_STORAGE_CONNECTION_STRING")):
        for part in conn.split(";"):
            key, _, value = part.partition("=")
            if key.strip().lower() == "blobendpoint" and value:
                return value.strip()
    return None


def probe_endpoint(endpoint: str, timeout: float = 3.0) -> None:
    """Fail fast and clearly when an endpoint override does not accept connections (the SDKs would
    retry for up to minutes and end in a stack trace). Skipped behind a proxy."""
    if any(os.environ.get(name) for name in PROXY_ENV):
        return
    parts = urlsplit(endpoint if "//" in endpoint else f"http://{endpoint}")
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise StoreUnavailable(f"endpoint {endpoint!r} is not a valid URL: {exc}") from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise StoreUnavailable(
            f"cannot reach the object store endpoint {endpoint} ({reason}); check the endpoint variable "
            "(AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST or the connection string's BlobEndpoint) and that "
            "the service is up"
        ) from None


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(str(text).split()).split(" RequestId:")[0]  # Azure appends ids and the XML body
    return line if len(line) <= limit else line[: limit - 3] + "..."


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """(kind, detail) of a store client failure; kind is one of unreachable, permission, missing,
    not-a-directory, name-too-long, invalid, error."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None) or getattr(exc, "status", None) or getattr(exc, "code", None)
    text = _one_line(str(exc) or name)
    if name in (
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ClientConnectorError",
        "ServiceRequestError",
    ):
        return "unreachable", text
    if (
        isinstance(exc, PermissionError)
        or getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM, errno.EROFS)
        or status in (401, 403)
        or name == "ClientAuthenticationError"
    ):
        return "permission", text
    if (
        isinstance(exc, NotADirectoryError | IsADirectoryError)
        or getattr(exc, "errno", None) == errno.ENOTDIR
    ):
        return "not-a-directory", text
    if getattr(exc, "errno", None) == errno.ENAMETOOLONG:
        return "name-too-long", text
    if isinstance(exc, FileNotFoundError) or status == 404 or name == "ResourceNotFoundError":
        return "missing", text
    if getattr(exc, "errno", None) == errno.EINVAL or status == 400:
        return "invalid", text
    if isinstance(exc, ConnectionError | TimeoutError) or "connect" in name.lower():
        return "unreachable", text
    return "error", f"{name}: {text}"


HINTS = {
    "unreachable": "cannot reach the store; check the endpoint, network and that the service is up",
    "permission": "permission denied; check the credentials and that this identity may use the registry",
    "missing": "the bucket/container or path does not exist; check the URL or create it",
    "not-a-directory": "a file is in the way where the registry needs a directory",
    "name-too-long": "a path component is longer than the filesystem allows",
    "invalid": "the store rejected the request as invalid; check the bucket name and prefix",
    "error": "the store failed",
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
            if "\x00" in local:
                raise StoreUnavailable(f"registry path {local!r} contains a NUL character")
            self.root = str(Path(local).expanduser().resolve())
            self.url = self.root
            _check_local_root(Path(self.root))
        else:
            if not parts.netloc:
                raise RegistryError(f"registry URL {url!r} has no bucket/container name after {scheme}://")
            scheme = {"gcs": "gs", "abfs": "az"}.get(scheme, scheme)
            pattern, rule = BUCKET_RULES[scheme]
            if not pattern.fullmatch(parts.netloc):
                raise StoreUnavailable(
                    f"invalid bucket/container name {parts.netloc[:80]!r} in {url[:120]!r}: {rule}"
                )
            _check_prefix(url, parts.path)
            self.root = f"{parts.netloc}{parts.path}".rstrip("/")
            self.url = f"{scheme}://{self.root}"
            self.bucket = parts.netloc
        self.scheme = scheme
        # Probed once, lazily, before the first request (constructing a store does no I/O).
        self._endpoint = endpoint_of(scheme) if scheme != "file" else None
        try:
            self.fs = _filesystem(scheme)
        except RegistryError:
            raise
        except Exception as exc:  # noqa: BLE001 - e.g. a malformed connection string: one line
            raise StoreUnavailable(f"cannot open {self.url}: {describe_failure(exc)[1]}") from None
        self.atomic_create = scheme in ATOMIC_CREATE

    def _guard(self, op: str, key: str, action: Callable[[], T], missing_ok: bool = False) -> T:
        """Run one client call; any failure of the store becomes one StoreUnavailable line naming the
        operation, the object and the cause (FileNotFoundError passes through when `missing_ok`)."""
        if self._endpoint is not None:
            probe_endpoint(self._endpoint)
            self._endpoint = None
        try:
            return action()
        except RegistryError:
            raise
        except FileNotFoundError:
            if missing_ok:
                raise
            where = f"{getattr(self, 'url', '?')}/{key}".rstrip("/")
            raise StoreUnavailable(f"cannot {op} {where}: {HINTS['missing']}") from None
        except Exception as exc:  # the I/O boundary: every client error becomes one line
            kind, detail = describe_failure(exc)
            if kind == "missing" and missing_ok:
                raise FileNotFoundError(detail) from exc
            where = f"{getattr(self, 'url', '?')}/{key}".rstrip("/")
            raise StoreUnavailable(f"cannot {op} {where}: {HINTS[kind]} ({detail})") from None

    def check_exists(self) -> None:
        """StoreUnavailable unless the bucket/container (or local directory) exists and is readable."""
        if self.scheme == "file":
            root = Path(self.root)
            if not root.exists():
                raise StoreUnavailable(f"no registry at {self.url}: the directory does not exist")
            if not root.is_dir():
                raise StoreUnavailable(f"no registry at {self.url}: it is a file, not a directory")
            if not os.access(root, os.R_OK | os.X_OK):
                raise StoreUnavailable(f"cannot read {self.url}: permission denied")
            return
        found = self._guard("check the bucket of", "", lambda: self.fs.exists(self.bucket))
        if not found:
            raise StoreUnavailable(
                f"no registry at {self.url}: bucket/container {self.bucket!r} does not exist (or this "
                "identity cannot see it); check the URL"
            )

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def read(self, key: str) -> bytes:
        try:
            return bytes(self._guard("read", key, lambda: self.fs.cat_file(self._path(key)), missing_ok=True))
        except FileNotFoundError as exc:
            raise NotFound(f"{self.url}/{key} does not exist") from exc

    def exists(self, key: str) -> bool:
        def check() -> bool:
            self.fs.invalidate_cache()
            return bool(self.fs.exists(self._path(key)))

        try:
            return self._guard("check", key, check, missing_ok=True)
        except FileNotFoundError:
            return False

    def write(self, key: str, data: bytes) -> None:
        """Overwrite; atomic for readers on object stores, temp file + rename on a local dir."""
        if self.scheme == "file":

            def replace() -> None:
                target = Path(self._path(key))
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self._local_temp(target, data), target)

            self._guard("write", key, replace)
            return
        self._guard("write", key, lambda: self.fs.pipe_file(self._path(key), data))

    def create(self, key: str, data: bytes) -> None:
        """Create `key` only if absent, else raise VersionExists. Readers never see partial data."""
        path = self._path(key)
        if self.scheme == "file":

            def link() -> None:
                target = Path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._local_temp(target, data)
                try:
                    os.link(tmp, target)
                except FileExistsError as exc:
                    raise VersionExists(f"{self.url}/{key} already exists") from exc
                finally:
                    os.unlink(tmp)

            self._guard("create", key, link)
            return

        def put() -> None:
            try:
                self.fs.pipe_file(path, data, mode="create")
            except FileExistsError as exc:
                raise VersionExists(f"{self.url}/{key} already exists") from exc

        self._guard("create", key, put)
        self.fs.invalidate_cache()

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is fine (a delete that was interrupted can simply re-run)."""
        try:
            self._guard("delete", key, lambda: self.fs.rm_file(self._path(key)), missing_ok=True)
        except FileNotFoundError:
            pass
        self.fs.invalidate_cache()

    def list(self, prefix: str) -> list[str]:
        """Every key below `prefix` (recursive), relative to the root, sorted."""
        self.fs.invalidate_cache()
        base = self._path(prefix).rstrip("/")
        try:
            found = self._guard("list", prefix, lambda: self.fs.find(base), missing_ok=True)
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


def _check_local_root(root: Path) -> None:
    """A registry directory must be creatable: every existing ancestor a directory, no name too long."""
    for part in root.parts:
        if len(part.encode()) > 255:
            raise StoreUnavailable(
                f"registry path {str(root)[:80]}...: a path component is longer than 255 bytes"
            )
    if len(str(root).encode()) > 3800:
        raise StoreUnavailable(f"registry path {str(root)[:80]}... is longer than the filesystem allows")
    probe = root
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        what = "the registry path" if probe == root else f"{probe} (a parent of the registry path)"
        raise StoreUnavailable(f"cannot use {root} as a registry: {what} is a file, not a directory")
