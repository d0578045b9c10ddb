"""Battery for the AWS RDS, EBS/EFS, load balancer, CloudFront, EC2 public IP, Lambda, Secrets Manager,
SQS/SNS and DynamoDB rules."""

import pytest

from tests.policies.battery import run_battery
from tests.policies.harness import PROD_TAGS, TAGS, Case, res

RDS = "aws:rds/instance:Instance"
AURORA = "aws:rds/cluster:Cluster"
GOOD_RDS = {
    "instanceClass": "db.t4g.small",
    "engine": "postgres",
    "publiclyAccessible": False,
    "storageEncrypted": True,
    "backupRetentionPeriod": 7,
    "deletionProtection": True,
    "tags": PROD_TAGS,
}


def rds(**changes: object) -> dict:
    return res(RDS, {**GOOD_RDS, **changes}, "db")


INSTANCE = "aws:ec2/instance:Instance"
GOOD_INSTANCE = {
    "ami": "ami-1",
    "instanceType": "t3.micro",
    "rootBlockDevice": {"encrypted": True},
    "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}],
    "associatePublicIpAddress": False,
}
LT = "aws:ec2/launchTemplate:LaunchTemplate"


def instance(**changes: object) -> dict:
    return res(INSTANCE, {**GOOD_INSTANCE, **changes}, "vm")


def lt(**inputs: object) -> dict:
    return res(LT, {"imageId": "ami-1", **inputs}, "lt")


LISTENER = "aws:lb/listener:Listener"
REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
FORWARD = [{"type": "forward", "targetGroupArn": "tg"}]


def listener(protocol: str, port: int, actions: list, type_: str = LISTENER) -> dict:
    return res(
        type_,
        {"loadBalancerArn": "lb", "protocol": protocol, "port": port, "defaultActions": actions},
        f"l{port}",
    )


CF = "aws:cloudfront/distribution:Distribution"
GOOD_CF = {
    "enabled": True,
    "defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https", "targetOriginId": "o"},
    "viewerCertificate": {"acmCertificateArn": "arn:acm", "minimumProtocolVersion": "TLSv1.2_2021"},
}


def cf(**changes: object) -> dict:
    return res(CF, {**GOOD_CF, **changes}, "cdn")


SECRET = "aws:secretsmanager/secret:Secret"


def secret(name: str = "db-password", **inputs: object) -> dict:
    return res(
        SECRET, {"name": name, **inputs}, name, {"arn": f"arn:aws:secretsmanager:us-east-1:1:secret:{name}"}
    )


def rotation(secret_name: str) -> dict:
    arn = f"arn:aws:secretsmanager:us-east-1:1:secret:{secret_name}"
    inputs = {"secretId": arn, "rotationLambdaArn": "fn", "rotationRules": {"automaticallyAfterDays": 30}}
    return res("aws:secretsmanager/secretRotation:SecretRotation", inputs, f"{secret_name}-rotation")


CASES = [
    Case(
        "aws-rds-not-public",
        [rds()],
        [rds(publiclyAccessible=True)],
        "publiclyAccessible is true",
    ),
    Case(
        "aws-rds-storage-encrypted",
        [rds(), res(AURORA, {"engine": "aurora-postgresql", "storageEncrypted": True}, "aurora")],
        [rds(storageEncrypted=None)],
        "storageEncrypted is not true",
        variants=[([res(AURORA, {"engine": "aurora-postgresql"}, "aurora")], "storageEncrypted is not true")],
    ),
    Case(
        "aws-rds-backup-retention",
        [rds(), rds(backupRetentionPeriod=35)],
        [rds(backupRetentionPeriod=None)],
        "backupRetentionPeriod is 1 day(s), at least 7 required",
        variants=[([rds(backupRetentionPeriod=0)], "backupRetentionPeriod is 0 day(s)")],
    ),
    Case(
        "aws-rds-deletion-protection",
        [rds(), rds(deletionProtection=False, tags=TAGS)],
        [rds(deletionProtection=False)],
        "prod database without deletionProtection",
    ),
    Case(
        "aws-ebs-encrypted",
        [
            res("aws:ebs/volume:Volume", {"availabilityZone": "a", "size": 10, "encrypted": True}, "vol"),
            instance(),
            lt(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]),
        ],
        [res("aws:ebs/volume:Volume", {"availabilityZone": "a", "size": 10}, "vol")],
        "encrypted is not true",
        variants=[
            ([instance(rootBlockDevice={})], "rootBlockDevice is not encrypted"),
            ([instance(ebsBlockDevices=[{"deviceName": "/dev/sdf"}])], "ebsBlockDevices[0] is not encrypted"),
            (
                [lt(blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 20}}])],
                "(/dev/xvda)",
            ),
            ([res("aws:ebs/encryptionByDefault:EncryptionByDefault", {"enabled": False}, "d")], "turned off"),
        ],
    ),
    Case(
        "aws-efs-encrypted",
        [res("aws:efs/fileSystem:FileSystem", {"encrypted": True}, "fs")],
        [res("aws:efs/fileSystem:FileSystem", {}, "fs")],
        "encrypted is not true",
    ),
    Case(
        "aws-lb-listener-tls",
        [listener("HTTPS", 443, FORWARD), listener("HTTP", 80, REDIRECT), listener("TLS", 8443, FORWARD)],
        [listener("HTTP", 80, FORWARD)],
        "listener on port 80 uses HTTP without redirecting to HTTPS",
        variants=[
            ([listener("TCP", 5432, FORWARD, "aws:alb/listener:Listener")], "port 5432 uses TCP"),
            (
                [
                    res(
                        "aws:elb/loadBalancer:LoadBalancer",
                        {
                            "listeners": [
                                {
                                    "lbPort": 80,
                                    "lbProtocol": "http",
                                    "instancePort": 80,
                                    "instanceProtocol": "http",
                                }
                            ]
                        },
                        "clb",
                    )
                ],
                "listener on port 80 uses http",
            ),
        ],
    ),
    Case(
        "aws-cloudfront-https-only",
        [cf()],
        [cf(defaultCacheBehavior={"viewerProtocolPolicy": "allow-all", "targetOriginId": "o"})],
        "defaultCacheBehavior.viewerProtocolPolicy is allow-all",
        variants=[
            (
                [cf(orderedCacheBehaviors=[{"pathPattern": "/a", "viewerProtocolPolicy": "allow-all"}])],
                "orderedCacheBehaviors[0]",
            ),
            (
                [cf(viewerCertificate={"acmCertificateArn": "arn:acm", "minimumProtocolVersion": "TLSv1"})],
                "is TLSv1",
            ),
        ],
    ),
    Case(
        "aws-ec2-no-public-ip",
        [instance(), lt(networkInterfaces=[{"associatePublicIpAddress": "false"}])],
        [instance(associatePublicIpAddress=True)],
        "associatePublicIpAddress is true",
        variants=[([lt(networkInterfaces=[{"associatePublicIpAddress": "true"}])], "networkInterfaces[0]")],
    ),
    Case(
        "aws-lambda-no-public-url",
        [
            res(
                "aws:lambda/functionUrl:FunctionUrl",
                {"functionName": "f", "authorizationType": "AWS_IAM"},
                "u",
            )
        ],
        [res("aws:lambda/functionUrl:FunctionUrl", {"functionName": "f", "authorizationType": "NONE"}, "u")],
        "authorizationType NONE",
    ),
    Case(
        "aws-lambda-no-public-permission",
        [
            res(
                "aws:lambda/permission:Permission",
                {
                    "action": "lambda:InvokeFunction",
                    "function": "f",
                    "principal": "s3.amazonaws.com",
                    "sourceArn": "arn:aws:s3:::b",
                },
                "p",
            ),
            res(
                "aws:lambda/permission:Permission",
                {"action": "lambda:InvokeFunction", "function": "f", "principal": "*", "sourceAccount": "1"},
                "p2",
            ),
        ],
        [
            res(
                "aws:lambda/permission:Permission",
                {"action": "lambda:InvokeFunction", "function": "f", "principal": "*"},
                "p",
            )
        ],
        "grants lambda:InvokeFunction to principal '*'",
    ),
    Case(
        "aws-lambda-environment-kms",
        [
            res(
                "aws:lambda/function:Function",
                {"role": "r", "environment": {"variables": {"A": "1"}}, "kmsKeyArn": "k"},
                "f",
            ),
            res("aws:lambda/function:Function", {"role": "r"}, "g"),
        ],
        [res("aws:lambda/function:Function", {"role": "r", "environment": {"variables": {"A": "1"}}}, "f")],
        "no kmsKeyArn",
    ),
    Case(
        "aws-secretsmanager-rotation",
        [secret(), rotation("db-password")],
        [secret(), rotation("other")],
        "secret db-password has no rotation",
    ),
    Case("aws-secretsmanager-cmk", [secret(kmsKeyId="k")], [secret()], "no kmsKeyId"),
    Case(
        "aws-sqs-encrypted",
        [
            res("aws:sqs/queue:Queue", {}, "q"),
            res("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": False, "kmsMasterKeyId": "k"}, "k"),
        ],
        [res("aws:sqs/queue:Queue", {"sqsManagedSseEnabled": False}, "q")],
        "sqsManagedSseEnabled is false",
    ),
    Case(
        "aws-sns-encrypted",
        [res("aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/aws/sns"}, "t")],
        [res("aws:sns/topic:Topic", {}, "t")],
        "no kmsMasterKeyId",
    ),
    Case(
        "aws-dynamodb-pitr",
        [res("aws:dynamodb/table:Table", {"hashKey": "id", "pointInTimeRecovery": {"enabled": True}}, "t")],
        [res("aws:dynamodb/table:Table", {"hashKey": "id"}, "t")],
        "pointInTimeRecovery.enabled is not true",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_battery(pack, case: Case) -> None:
    run_battery(pack, case)
