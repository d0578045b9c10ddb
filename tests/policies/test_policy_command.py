"""`mlfleet policy check --plan` end to end: pack subprocess, gRPC, exit codes, JSON and SARIF."""

import json

from typer.testing import CliRunner

from mlfleet.cli import app
from tests.policies.harness import TAGS, plan, res

PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "redacted": True}


def write(tmp_path, *resources):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(*resources)))
    return path


def test_mandatory_violation_fails_and_reports_json(tmp_path):
    bad = res(PAB, {"bucket": "b", "blockPublicAcls": True, "secretish": SECRET})
    path = write(tmp_path, bad, res("aws:kms/key:Key", {"tags": TAGS}, "k"))
    result = CliRunner().invoke(app, ["policy", "check", "--plan", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    violations = report["stacks"][0]["violations"]
    assert [v["rule"] for v in violations][:2] == ["aws-s3-public-access-block", "aws-kms-key-rotation"]
    assert violations[0]["enforcement"] == "mandatory" and violations[0]["urn"] == bad["urn"]


def test_sarif_is_2_1_0_with_rules_and_results(tmp_path):
    path = write(tmp_path, res(PAB, {"bucket": "b"}))
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(
        app, ["policy", "check", "--plan", str(path), "--format", "sarif", "-o", str(out)]
    )
    assert result.exit_code == 1
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert len(run["tool"]["driver"]["rules"]) >= 40
    assert (
        run["results"][0]["ruleId"] == "aws-s3-public-access-block" and run["results"][0]["level"] == "error"
    )


def test_compliant_plan_passes(tmp_path):
    path = write(tmp_path, res("aws:kms/key:Key", {"tags": TAGS, "enableKeyRotation": True}, "k"))
    result = CliRunner().invoke(app, ["policy", "check", "--plan", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 mandatory" in result.stdout


def test_bad_input_is_a_clean_error(tmp_path):
    missing = CliRunner().invoke(app, ["policy", "check", "--plan", str(tmp_path / "nope.json")])
    assert (
        missing.exit_code == 2 and "mlfleet preview" in missing.output and "Traceback" not in missing.output
    )
    (tmp_path / "x.json").write_text("{}")
    wrong = CliRunner().invoke(app, ["policy", "check", "--plan", str(tmp_path / "x.json")])
    assert wrong.exit_code == 2 and "not an mlfleet plan" in wrong.output
    neither = CliRunner().invoke(app, ["policy", "check"])
    assert neither.exit_code == 2
