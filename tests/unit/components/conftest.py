"""The storage and identity blocks of each stack's plan, computed once per test session."""

from __future__ import annotations

import pytest

from mlfleet.engine.harness import Plan, preview_stack
from tests.unit.components.plans import storage_layer


@pytest.fixture(scope="session")
def dev_plan() -> Plan:
    return storage_layer(preview_stack("dev"))


@pytest.fixture(scope="session")
def prod_plan() -> Plan:
    return storage_layer(preview_stack("prod"))


@pytest.fixture(scope="session")
def gcp_plan() -> Plan:
    return storage_layer(preview_stack("gcp-dev"))


@pytest.fixture(scope="session")
def azure_plan() -> Plan:
    return storage_layer(preview_stack("azure-dev"))
