"""EBS volumes, instance root/attached volumes and launch template block devices are encrypted."""

from collections.abc import Iterator

from pulumi_policy import Severity

from mlfleet_policies.props import get, items
from mlfleet_policies.rule import Resource, RuleMeta, resource_rule


def check(r: Resource) -> Iterator[str]:
    if r.type == "aws:ebs/volume:Volume":
        if get(r.props, "encrypted") is not True:
            yield "encrypted is not true"
    elif r.type == "aws:ebs/encryptionByDefault:EncryptionByDefault":
        if get(r.props, "enabled", True) is not True:
            yield "EBS encryption by default is turned off"
    elif r.type == "aws:ec2/instance:Instance":
        devices = [("rootBlockDevice", get(r.props, "rootBlockDevice", {}))]
        devices += [
            (f"ebsBlockDevices[{i}]", d) for i, d in enumerate(items(get(r.props, "ebsBlockDevices")))
        ]
        for where, device in devices:
            if get(device, "encrypted") is not True:
                yield f"{where} is not encrypted"
    else:
        for i, mapping in enumerate(items(get(r.props, "blockDeviceMappings"))):
            ebs = get(mapping, "ebs")
            if ebs is not None and str(get(ebs, "encrypted", "")).lower() != "true":
                yield f"blockDeviceMappings[{i}] ({get(mapping, 'deviceName')}) is not encrypted"


RULE = resource_rule(
    RuleMeta(
        id="aws-ebs-encrypted",
        description="EBS volumes must be encrypted.",
        severity=Severity.HIGH,
        remediation=(
            "Set encrypted=true (and kmsKeyId) on every volume and block device, or enable "
            "aws.ebs.EncryptionByDefault in the account."
        ),
        frameworks=("cis", "pci-dss", "hipaa", "gdpr", "iso27001"),
        topics=("aws", "ebs", "encryption-at-rest"),
    ),
    [
        "aws:ebs/volume:Volume",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",
        "aws:ec2/instance:Instance",
        "aws:ec2/launchTemplate:LaunchTemplate",
    ],
    check,
)
