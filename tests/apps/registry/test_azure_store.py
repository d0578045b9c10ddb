"""How the registry reaches Azure Blob: a connection string (Azurite), or the storage account from
AZURE_STORAGE_ACCOUNT_NAME (set by the stack on its pods) with DefaultAzureCredential
(Workload Identity); neither is a clear error, not an anonymous request to nowhere."""

from __future__ import annotations

import pytest
from mlfleet_registry import RegistryError
from mlfleet_registry.store import ObjectStore

AZURE_ENV = (
    "AZURE_STORAGE_ACCOUNT_NAME",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_CLIENT_ID",
    "AZURE_STORAGE_ANON",
)


@pytest.fixture(autouse=True)
def clean_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in AZURE_ENV:
        monkeypatch.delenv(name, raising=False)


def test_without_account_or_connection_string_the_error_names_both() -> None:
    with pytest.raises(RegistryError, match=r"AZURE_STORAGE_ACCOUNT_NAME.*AZURE_STORAGE_CONNECTION_STRING"):
        ObjectStore("az://models/registry")


def test_the_account_from_the_environment_uses_default_azure_credential(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from azure.identity import DefaultAzureCredential
    from azure.identity.aio import DefaultAzureCredential as AsyncDefaultAzureCredential

    # AZURE_STORAGE_ANON must not turn the pods anonymous: the stack's identity is the credential.
    monkeypatch.setenv("AZURE_STORAGE_ANON", "true")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_NAME", "mlfleetdevmodels1a2b3c")
    store = ObjectStore("az://models/registry")
    assert store.fs.account_name == "mlfleetdevmodels1a2b3c"
    assert store.fs.anon is False
    assert isinstance(store.fs.credential, AsyncDefaultAzureCredential)
    assert isinstance(store.fs.sync_credential, DefaultAzureCredential)
    assert store.fs.service_client.account_name == "mlfleetdevmodels1a2b3c"


def test_a_connection_string_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AZURE_STORAGE_CONNECTION_STRING",
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;",
    )
    store = ObjectStore("az://models/registry")
    assert store.fs.credential is None
    assert store.fs.service_client.account_name == "devstoreaccount1"
