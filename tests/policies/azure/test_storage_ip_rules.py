"""azure-storage-default-network-deny and the registry sync's narrow exception: an Azure registry that
admits the primary cell's NAT egress address (public network access Enabled, default Deny, one ipRule)
passes; anything that turns the firewall into a formality or that Azure would refuse fails."""

from __future__ import annotations

import pytest

from mlfleet.policycheck.analyzer import PolicyPackProcess
from tests.policies.azure.test_azure_rules import GOOD_ACCOUNT
from tests.policies.battery import run_battery, violations
from tests.policies.harness import Case, res

RULE = "azure-storage-default-network-deny"
ACCOUNT = "azure-native:storage:StorageAccount"


def account(*ranges: str, access: str | None = "Enabled", action: str = "Deny") -> dict:
    rules = [{"iPAddressOrRange": r, "action": "Allow"} for r in ranges]
    inputs = {
        **GOOD_ACCOUNT,
        "allowSharedKeyAccess": False,
        "networkRuleSet": {"defaultAction": action, "bypass": "AzureServices", "ipRules": rules},
    }
    if access is not None:
        inputs["publicNetworkAccess"] = access
    return res(ACCOUNT, inputs, "sa")


CASE = Case(
    RULE,
    # The sync's source (one NAT Elastic IP), a configured office range, and no rule at all.
    [account("198.51.100.64"), account("198.51.100.64", "203.0.113.0/24"), account(access=None)],
    [account("0.0.0.0/0")],
    "admits 4,294,967,296 addresses",
    variants=[
        ([account("198.51.100.64", action="Allow")], "networkRuleSet.defaultAction is 'Allow'"),
        ([account("10.50.0.0/16")], "private range Azure refuses"),
        ([account("198.51.100.64/32")], "/32 prefix Azure refuses"),
        ([account("2001:db8::1")], "IPv6"),
        ([account("not-an-address")], "not an IPv4 address"),
    ],
)


def test_battery(pack: PolicyPackProcess) -> None:
    run_battery(pack, CASE)


@pytest.mark.parametrize(
    ("ranges", "flagged"),
    [
        (("100.64.0.0/16",), False),  # the widest range allowed (edge)
        (("100.64.0.0/15",), True),  # one bit wider
        (("172.32.0.1",), False),  # just outside 172.16.0.0/12
        (("172.31.255.1",), True),  # inside it
    ],
)
def test_range_edges(pack: PolicyPackProcess, ranges: tuple[str, ...], flagged: bool) -> None:
    assert bool(violations(pack, CASE, [account(*ranges)])) is flagged


def test_disabled_public_access_ignores_the_rules(pack: PolicyPackProcess) -> None:
    # No public endpoint: the ipRules cannot admit anything (Azure ignores them).
    assert violations(pack, CASE, [account("0.0.0.0/0", access="Disabled", action="Allow")]) == []
