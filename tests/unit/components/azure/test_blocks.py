"""Azure Key Vault, storage, ACR and identities on the azure-dev plan."""

from __future__ import annotations

from tests.unit.components.plans import encryption_key, typed

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def test_storage_account_is_locked_down_and_uses_the_vault_key(azure_plan):
    account = azure_plan.one("azure-native:storage:StorageAccount")["inputs"]
    assert account["allowBlobPublicAccess"] is False
    assert account["allowSharedKeyAccess"] is False
    assert account["minimumTlsVersion"] == "TLS1_2"
    assert account["enableHttpsTrafficOnly"] is True
    rules = account["networkRuleSet"]
    assert rules["defaultAction"] == "Deny"
    assert rules["ipRules"] == [{"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}]
    encryption = account["encryption"]
    assert encryption["keySource"] == "Microsoft.Keyvault"
    assert encryption["keyVaultProperties"]["keyName"] == "mlfleet-azure-dev-key"
    identity = typed(
        azure_plan, "azure-native:managedidentity:UserAssignedIdentity", "mlfleet-azure-dev-key-user"
    )
    assert encryption["encryptionIdentity"]["encryptionUserAssignedIdentity"] == identity["outputs"]["id"]


def test_blob_versioning_retention_lifecycle_and_diagnostics(azure_plan):
    service = azure_plan.one("azure-native:storage:BlobServiceProperties")["inputs"]
    assert service["isVersioningEnabled"] is True
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    rule = azure_plan.one("azure-native:storage:ManagementPolicy")["inputs"]["policy"]["rules"][0]
    assert rule["definition"]["actions"]["version"]["delete"] == {"daysAfterCreationGreaterThan": 30}
    assert azure_plan.one("azure-native:storage:BlobContainer")["inputs"]["publicAccess"] == "None"
    diagnostics = azure_plan.one("azure-native:monitor:DiagnosticSetting")["inputs"]
    assert diagnostics["resourceUri"].endswith("/blobServices/default")
    assert {log["category"] for log in diagnostics["logs"]} == {
        "StorageRead",
        "StorageWrite",
        "StorageDelete",
    }


def test_key_vault_rbac_purge_protection_and_key_rotation(azure_plan):
    vault = azure_plan.one("azure-native:keyvault:Vault")["inputs"]["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enablePurgeProtection"] is True
    assert vault["enableSoftDelete"] is True
    key = encryption_key(azure_plan, "azure-native:keyvault:Key")["inputs"]["properties"]
    action = key["rotationPolicy"]["lifetimeActions"][0]
    assert action == {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}}


def test_acr_is_premium_private_encrypted_with_retention(azure_plan):
    registry = azure_plan.one("azure-native:containerregistry:Registry")["inputs"]
    assert registry["sku"] == {"name": "Premium"}
    assert registry["adminUserEnabled"] is False
    assert registry["publicNetworkAccess"] == "Disabled"
    assert registry["encryption"]["status"] == "enabled"
    assert registry["policies"]["retentionPolicy"] == {"status": "enabled", "days": 7}


def test_role_assignments_are_scoped_and_never_owner_or_contributor(azure_plan):
    for assignment in azure_plan.of_type("azure-native:authorization:RoleAssignment"):
        inputs = assignment["inputs"]
        assert not inputs["roleDefinitionId"].endswith((OWNER, CONTRIBUTOR))
        assert "/resourceGroups/" in inputs["scope"], inputs["scope"]
    serving = [
        a
        for a in azure_plan.of_type("azure-native:authorization:RoleAssignment")
        if a["name"].startswith("mlfleet-azure-dev-id-serving")
    ]
    container = azure_plan.one("azure-native:storage:BlobContainer")
    assert serving[0]["inputs"]["scope"] == container["outputs"]["id"]
    assert serving[0]["inputs"]["roleDefinitionId"].endswith("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")


def test_github_deployer_is_a_federated_managed_identity(azure_plan):
    credentials = {
        c["inputs"]["subject"]: c["inputs"]
        for c in azure_plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
        if c["inputs"]["issuer"] == "https://token.actions.githubusercontent.com"
    }
    # The deploy jobs' identity and the drift jobs' read-only identity.
    assert set(credentials) == {
        "repo:example-org/mlfleet:ref:refs/heads/main",
        "repo:example-org/mlfleet:environment:drift",
    }
    assert all(c["audiences"] == ["api://AzureADTokenExchange"] for c in credentials.values())
    for identity in ("deployer", "drift"):
        role = typed(
            azure_plan, "azure-native:authorization:RoleDefinition", f"mlfleet-azure-dev-id-{identity}"
        )
        assert all("*" not in action for action in role["inputs"]["permissions"][0]["actions"])
        assert role["inputs"]["assignableScopes"] == [role["inputs"]["scope"]]
