"""Battery for the Azure AKS, Key Vault, SQL, storage network/auth, VM, disk and App Service rules."""

import pytest

from tests.policies.azure.test_azure_rules import AKS, GOOD_ACCOUNT, GOOD_AKS, VAULT
from tests.policies.battery import run_battery
from tests.policies.harness import TAGS, Case, res

POOL = "azure-native:containerservice:AgentPool"
GOOD_POOL = {
    "resourceGroupName": "rg",
    "resourceName": "aks",
    "agentPoolName": "gpu",
    "enableEncryptionAtHost": True,
}
HOST_ENCRYPTED_AKS = {**GOOD_AKS, "agentPoolProfiles": [{"name": "system", "enableEncryptionAtHost": True}]}
GOOD_VAULT_PROPS = {
    "tenantId": "t",
    "sku": {"family": "A", "name": "standard"},
    "enableRbacAuthorization": True,
    "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
    "publicNetworkAccess": "Disabled",
}
ACCOUNT = "azure-native:storage:StorageAccount"
NETWORKED_ACCOUNT = {
    **GOOD_ACCOUNT,
    "networkRuleSet": {"defaultAction": "Deny"},
    "allowSharedKeyAccess": False,
}
VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
LINUX = {
    "computerName": "vm",
    "adminUsername": "ops",
    "linuxConfiguration": {"disablePasswordAuthentication": True},
}
DISK = "azure-native:compute:Disk"
WEB = "azure-native:web:WebApp"


def aks(**changes: object) -> dict:
    return res(AKS, {**HOST_ENCRYPTED_AKS, **changes}, "aks")


def pool(**changes: object) -> dict:
    return res(POOL, {**GOOD_POOL, **changes}, "pool")


def vault(**changes: object) -> dict:
    return res(
        VAULT, {"resourceGroupName": "rg", "properties": {**GOOD_VAULT_PROPS, **changes}, "tags": TAGS}, "kv"
    )


def account(**changes: object) -> dict:
    return res(ACCOUNT, {**NETWORKED_ACCOUNT, **changes}, "sa")


def firewall(type_: str, start: str, end: str) -> dict:
    return res(
        type_,
        {"resourceGroupName": "rg", "serverName": "s", "startIpAddress": start, "endIpAddress": end},
        "fw",
    )


def sql_server(type_: str = "azure-native:sql:Server", **inputs: object) -> dict:
    return res(type_, {"resourceGroupName": "rg", **inputs}, "db")


def vm(os_profile: dict, **inputs: object) -> dict:
    return res(VM, {"resourceGroupName": "rg", "osProfile": os_profile, **inputs}, "vm")


def disk(**inputs: object) -> dict:
    return res(DISK, {"resourceGroupName": "rg", "creationData": {"createOption": "Empty"}, **inputs}, "disk")


def web(**inputs: object) -> dict:
    return res(WEB, {"resourceGroupName": "rg", "serverFarmId": "plan", **inputs}, "app")


CMK = {
    "type": "EncryptionAtRestWithCustomerKey",
    "diskEncryptionSetId": "/subscriptions/s/diskEncryptionSets/d",
}

CASES = [
    Case(
        "azure-aks-rbac-enabled",
        [aks(), aks(enableRBAC=True)],
        [aks(enableRBAC=False)],
        "enableRBAC is false",
    ),
    Case(
        "azure-aks-no-node-public-ip",
        [aks(), pool()],
        [aks(agentPoolProfiles=[{"name": "system", "enableNodePublicIP": True}])],
        "node pool 'system' gives nodes public IPs",
        variants=[([pool(enableNodePublicIP=True)], "node pool 'gpu' gives nodes public IPs")],
    ),
    Case(
        "azure-aks-authorized-ip-ranges",
        [aks(), aks(apiServerAccessProfile={"authorizedIPRanges": ["203.0.113.0/24"]})],
        [aks(apiServerAccessProfile={"enablePrivateCluster": False})],
        "public API server with no apiServerAccessProfile.authorizedIPRanges",
        variants=[([aks(apiServerAccessProfile={"authorizedIPRanges": ["0.0.0.0/0"]})], "admits 0.0.0.0/0")],
    ),
    Case(
        "azure-aks-host-encryption",
        [aks(), pool()],
        [pool(enableEncryptionAtHost=False)],
        "node pool 'gpu' has no encryption at host",
        variants=[
            ([aks(agentPoolProfiles=[{"name": "system"}])], "node pool 'system' has no encryption at host")
        ],
    ),
    Case(
        "azure-keyvault-network-acls",
        [vault()],
        [vault(networkAcls=None)],
        "properties.networkAcls.defaultAction is 'Allow'",
    ),
    Case(
        "azure-keyvault-public-network-access",
        [vault()],
        [vault(publicNetworkAccess="Enabled")],
        "properties.publicNetworkAccess is 'Enabled'",
    ),
    Case(
        "azure-keyvault-rbac-authorization",
        [vault()],
        [vault(enableRbacAuthorization=False)],
        "enableRbacAuthorization is not true",
    ),
    Case(
        "azure-sql-no-open-firewall",
        [
            firewall("azure-native:sql:FirewallRule", "203.0.113.0", "203.0.113.255"),
            firewall("azure-native:sql:FirewallRule", "0.0.0.0", "0.0.0.0"),
        ],
        [firewall("azure-native:sql:FirewallRule", "0.0.0.0", "255.255.255.255")],
        "admits every address",
        variants=[
            (
                [firewall("azure-native:dbforpostgresql:FirewallRule", "0.0.0.0", "255.255.255.255")],
                "every address",
            ),
            (
                [firewall("azure-native:dbformysql:FirewallRule", "0.0.0.0", "255.255.255.255")],
                "every address",
            ),
        ],
    ),
    Case(
        "azure-sql-public-network-access",
        [
            sql_server(publicNetworkAccess="Disabled"),
            sql_server("azure-native:dbforpostgresql:Server", network={"publicNetworkAccess": "Disabled"}),
        ],
        [sql_server()],
        "publicNetworkAccess is 'Enabled'",
        variants=[
            (
                [sql_server("azure-native:dbformysql:Server", network={"publicNetworkAccess": "Enabled"})],
                "network.publicNetworkAccess is 'Enabled'",
            )
        ],
    ),
    Case(
        "azure-sql-min-tls",
        [sql_server(minimalTlsVersion="1.2")],
        [sql_server(minimalTlsVersion="1.0")],
        "minimalTlsVersion is '1.0'",
        variants=[([sql_server()], "minimalTlsVersion is 'unset'")],
    ),
    Case(
        "azure-storage-default-network-deny",
        [account(), account(networkRuleSet=None, publicNetworkAccess="Disabled")],
        [account(networkRuleSet=None)],
        "networkRuleSet.defaultAction is 'Allow'",
    ),
    Case(
        "azure-storage-no-shared-key",
        [account()],
        [account(allowSharedKeyAccess=None)],
        "allowSharedKeyAccess is not false",
    ),
    Case(
        "azure-vm-no-password-auth",
        [vm(LINUX), vm({"computerName": "win", "adminUsername": "ops", "windowsConfiguration": {}})],
        [vm({**LINUX, "linuxConfiguration": {}, "adminPassword": "x"})],
        "Linux password authentication is allowed",
        variants=[
            (
                [
                    res(
                        VMSS,
                        {
                            "resourceGroupName": "rg",
                            "virtualMachineProfile": {
                                "osProfile": {
                                    **LINUX,
                                    "linuxConfiguration": {"disablePasswordAuthentication": False},
                                }
                            },
                        },
                        "ss",
                    )
                ],
                "password authentication is allowed",
            )
        ],
    ),
    Case(
        "azure-vm-encryption-at-host",
        [vm(LINUX, securityProfile={"encryptionAtHost": True})],
        [vm(LINUX)],
        "securityProfile.encryptionAtHost is not true",
        variants=[([res(VMSS, {"resourceGroupName": "rg"}, "ss")], "virtualMachineProfile.securityProfile")],
    ),
    Case(
        "azure-disk-encryption",
        [disk(encryption=CMK), disk(encryptionSettingsCollection={"enabled": True})],
        [disk()],
        "platform-managed keys only",
        variants=[
            (
                [disk(encryption=CMK, encryptionSettingsCollection={"enabled": False})],
                "Azure Disk Encryption off",
            )
        ],
    ),
    Case(
        "azure-webapp-https-only",
        [web(httpsOnly=True, siteConfig={"minTlsVersion": "1.2"})],
        [web()],
        "httpsOnly is not true",
        variants=[([web(httpsOnly=True, siteConfig={"minTlsVersion": "1.0"})], "minTlsVersion is '1.0'")],
    ),
    Case(
        "azure-webapp-no-plain-ftp",
        [web(siteConfig={"ftpsState": "Disabled"})],
        [web(siteConfig={"ftpsState": "AllAllowed"})],
        "ftpsState is 'AllAllowed'",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
