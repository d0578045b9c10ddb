"""One grammar for model names, versions and aliases, enforced by the library before any I/O: every
traversal example of issue 12 is refused with one line naming the argument and the rule, and
changes nothing (on all four stores)."""

from __future__ import annotations

from typing import Any

import pytest
from mlfleet_registry import InvalidName, Registry, open_registry
from mlfleet_registry.names import check_alias, check_name, check_ref, check_version
from typer.testing import CliRunner

from mlfleet.cli import app

from .conftest import publish_kwargs

BAD_NAMES = ["", ".", "..", "a/b", "../demo", "demo/", "demo\n", " demo", "De mo", "DEMO", "a..b", "x" * 64,
             "demo\x00", "demo\t", "-demo", "dé", "a\\b"]  # fmt: skip
BAD_VERSIONS = ["", "v1", "v001", "v00001", "V0001", "v0000", "0001", "v0001/", "v0001/../v0001", "v0001\n",
                " v0001", "../../other/versions/v0001", "v" + "1" * 10, "v0001.json", "latest"]  # fmt: skip
BAD_ALIASES = ["", "production\n", "prod/uction", "..", ".", "v0001", "v12345", "Production", "prod uction",
               "x" * 64, "prod\r", "../other"]  # fmt: skip
GOOD = {"name": ["demo", "a", "breast-cancer", "m.v2_x", "x" * 63], "version": ["v0001", "v0042", "v12345"],
        "alias": ["production", "staging", "canary-2", "v1beta", "x" * 63]}  # fmt: skip


@pytest.mark.parametrize("value", BAD_NAMES)
def test_bad_model_names(value: str) -> None:
    with pytest.raises(InvalidName, match=r"^invalid model name .*: use 1-63 characters") as info:
        check_name(value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", BAD_VERSIONS)
def test_bad_versions(value: str) -> None:
    with pytest.raises(InvalidName, match=r"^invalid version .*: use 'v' and the version number") as info:
        check_version(value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", BAD_ALIASES)
def test_bad_aliases(value: str) -> None:
    with pytest.raises(InvalidName, match=r"^invalid alias .*not shaped like a version id") as info:
        check_alias(value)
    assert "\n" not in str(info.value)


def test_good_values_pass_and_refs_are_unambiguous() -> None:
    for value in GOOD["name"]:
        assert check_name(value) == value
    for value in GOOD["version"]:
        assert check_version(value) == value and check_ref(value) == value
    for value in GOOD["alias"]:
        assert check_alias(value) == value and check_ref(value) == value
    with pytest.raises(InvalidName, match="invalid version or alias ''"):
        check_ref("")
    with pytest.raises(InvalidName, match=r"invalid version or alias 'v0001/\.\./v0001'"):
        check_ref("v0001/../v0001")
    long = "x" * 500
    with pytest.raises(InvalidName) as info:
        check_name(long)
    assert len(str(info.value)) < 300 and "500 characters" in str(info.value)


def snapshot(registry: Registry) -> list[str]:
    return registry.store.list("")


def test_traversal_and_malformed_arguments_change_nothing(registry: Registry, fitted_model: Any) -> None:
    registry.publish("demo", fitted_model, **publish_kwargs())
    registry.publish("other", fitted_model, **publish_kwargs())
    registry.set_alias("demo", "production", "v0001", actor="ci", reason="ship")
    before = snapshot(registry)
    attempts = [
        # issue 12: a version argument reaching into another model deleted that model's version
        lambda: registry.delete_version("demo", "../../other/versions/v0001", actor="x", reason="x"),
        lambda: registry.delete_version("demo", "v0001/", actor="x", reason="x"),
        lambda: registry.set_alias("demo", "staging", "v0001/../v0001", actor="x", reason="x"),
        lambda: registry.set_alias("demo", "production\n", "v0001", actor="x", reason="x"),  # new alias dir
        lambda: registry.set_alias("demo", "staging", "", actor="x", reason="x"),  # promoted the latest
        lambda: registry.resolve_ref("demo", ""),
        lambda: registry.set_alias("demo", "staging", "v0001", expected="v1", actor="x", reason="x"),
        lambda: registry.manifest("../other", "v0001"),
        lambda: registry.publish("demo/../other", fitted_model, **publish_kwargs()),
        lambda: registry.publish("demo", fitted_model, **publish_kwargs(parent_version="../v0001")),
        lambda: registry.rollback("demo", "production/", actor="x", reason="x"),
        lambda: registry.load("demo", "v0001\n"),
        lambda: registry.verify("demo/.."),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidName):
            attempt()
    assert snapshot(registry) == before
    assert registry.list_versions("other") == ["v0001"]
    assert registry.aliases("demo") == {"production": "v0001"}


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory, fitted_model: Any) -> Registry:
    """A local registry with models demo and other (the CLI parses arguments the same for every store)."""
    registry = open_registry(str(tmp_path_factory.mktemp("names") / "reg"))
    registry.publish("demo", fitted_model, **publish_kwargs())
    registry.publish("other", fitted_model, **publish_kwargs())
    return registry


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["delete", "demo", "../../other/versions/v0001", "--reason", "x"], "invalid version"),
        (["delete", "demo", "v0001/", "--reason", "x"], "invalid version"),
        (
            ["promote", "demo", "v0001/../v0001", "--alias", "staging", "--reason", "x"],
            "invalid version or alias",
        ),
        (["promote", "demo", "v0001", "--alias", "production\n", "--reason", "x"], "invalid alias"),
        (["promote", "demo", "", "--alias", "staging", "--reason", "x"], "invalid version or alias ''"),
        (["promote", "demo", "v0001", "--expected", "../v0001", "--reason", "x"], "invalid expected version"),
        (["show", "demo", "../../other/versions/v0001"], "invalid version or alias"),
        (["show", "demo", ""], "invalid version or alias ''"),
        (["show", "../other"], "invalid model name"),
        (["rollback", "demo", "--alias", "../x", "--reason", "x"], "invalid alias"),
        (["verify", "DEMO"], "invalid model name"),
        (["sync", "{dst}", "--model", "a/b"], "invalid --model"),
    ],
)
def test_cli_refuses_bad_arguments_in_one_line(two_models: Registry, args: list[str], what: str) -> None:
    registry = two_models
    before = snapshot(registry)
    argv = ["models", *[a.replace("{dst}", registry.url + "-copy") for a in args], "--registry", registry.url]
    code, out, err = run_cli(*argv)
    assert code == 1, (out, err)
    assert err.startswith(f"error: {what}") and err.count("\n") == 1 and "Traceback" not in err, err
    assert snapshot(registry) == before
