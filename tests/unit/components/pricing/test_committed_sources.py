"""The committed copies of the clouds' price lists that are not Karpenter's (sources.py
COMMITTED_PRICE_FILES): Cyclenerd's pricing.yml for Cloud Storage and spotinfo's copy of AWS's spot
price feed. Fixtures are excerpts of the real files at the commits prices.json cites (values kept
as the files state them), so the table's rows can be checked against them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

from components.pricing.sources import (
    COMMITTED_PRICE_FILES,
    KARPENTER_PRICE_FILES,
    SPOTINFO_MANIFEST,
    Retrieval,
    aws_spot_feed_prices,
    cyclenerd_gcs_prices,
    cyclenerd_generated_at,
    spotinfo_fetched_at,
)
from components.pricing.table import PRICES_FILE, default_table
from tests.support import REPO_ROOT

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPT = REPO_ROOT / "scripts" / "refresh_prices.py"
AT = Retrieval("https://github.com/x", "2026-12-02")
# What prices.json cites for each file.
PRICING_YML_COMMIT = "dac31281f2a4575f0a8bff20ac04fc71a5ff2190"
SPOT_FEED_COMMIT = "69bcec6705869f89302ee456159dfe39f8dc2b7b"


def _pricing_yml() -> dict:
    return yaml.safe_load((FIXTURES / "cyclenerd_pricing.yml").read_text())


def _spot_feed() -> dict:
    return json.loads((FIXTURES / "aws_spot_feed.json").read_text())


def _usd(prices) -> dict[tuple[str, str], float]:
    return {(p.sku, p.region): p.usd for p in prices}


def test_pricing_yml_gives_the_asked_classes_per_gb_month_in_the_asked_locations() -> None:
    document = _pricing_yml()
    assert cyclenerd_generated_at(document) == "2026-08-20"
    prices = cyclenerd_gcs_prices(document, ["europe-west4", "eur4", "EU"], ["gcs-standard"], AT)
    # europe-west3 and us-central1 are not asked for; nearline is not asked for; europe-multi is EU.
    assert _usd(prices) == {
        ("gcs-standard", "europe-west4"): 0.02,
        ("gcs-standard", "eur4"): 0.044,
        ("gcs-standard", "eu"): 0.026,
    }
    assert {(p.cloud, p.service, p.unit, p.capacity) for p in prices} == {
        ("gcp", "object-storage", "GB-month", "on-demand")
    }


def test_pricing_yml_retrieval_fees_are_not_storage_prices() -> None:
    prices = cyclenerd_gcs_prices(_pricing_yml(), ["europe-west4"], ["gcs-nearline"], AT)
    assert _usd(prices) == {("gcs-nearline", "europe-west4"): 0.01}  # storage.bucket, not .retrieval
    assert len(prices) == 1


def test_spot_feed_gives_linux_prices_of_the_exact_region_once_per_size() -> None:
    types = ["m6i.large", "m6i.xlarge", "g5.xlarge", "g6.12xlarge", "g4dn.xlarge"]
    prices = aws_spot_feed_prices(_spot_feed(), ["us-east-1"], types, AT)
    # af-south-1 and the us-east-1-iah-1 Local Zone are other regions; mswin is not Linux; the
    # feed lists g6.12xlarge twice; g4dn.xlarge is not in this excerpt.
    assert _usd(prices) == {
        ("m6i.large", "us-east-1"): 0.0369,
        ("m6i.xlarge", "us-east-1"): 0.0828,
        ("g5.xlarge", "us-east-1"): 0.5089,
        ("g6.12xlarge", "us-east-1"): 2.846,
    }
    assert {(p.capacity, p.unit) for p in prices} == {("spot", "hour")}


def test_the_tables_committed_copy_rows_are_what_the_parsers_read_from_the_cited_files() -> None:
    table = default_table()
    spot_rows = [p for p in table.prices if p.source.endswith(COMMITTED_PRICE_FILES["aws-spot"].path)]
    gcs_rows = [p for p in table.prices if p.source.endswith(COMMITTED_PRICE_FILES["gcp-storage"].path)]
    assert spot_rows and gcs_rows
    assert {p.source for p in spot_rows} == {
        f"https://github.com/alexei-led/spotinfo/blob/{SPOT_FEED_COMMIT}/internal/spot/data/spot-price-data.json"
    }
    assert {p.source for p in gcs_rows} == {
        f"https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/{PRICING_YML_COMMIT}/pricing.yml"
    }
    parsed = aws_spot_feed_prices(_spot_feed(), ["us-east-1"], [p.sku for p in spot_rows], AT)
    parsed += cyclenerd_gcs_prices(
        _pricing_yml(), [p.region for p in gcs_rows], [p.sku for p in gcs_rows], AT
    )
    table_usd = _usd(spot_rows + gcs_rows)
    # Every row the excerpts cover has the same figure in the table.
    assert {key: table_usd[key] for key in _usd(parsed)} == _usd(parsed)
    assert {p.as_of for p in gcs_rows} == {"2026-08-20"}


def _clone(root: Path, files: dict[str, str]) -> Path:
    """A git repository at `root` with one commit of `files` (path -> text); its .git directory."""
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "prices"], check=True)
    return root / ".git"


def _refresh(table: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """refresh_prices.py --from committed on a copy of the repository's table at `table`."""
    table.write_text(PRICES_FILE.read_text())
    command = [sys.executable, str(SCRIPT), "--from", "committed", *args, "--output", str(table)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


# The excerpt of each cloud's Karpenter file (--from committed reads those too).
KARPENTER_FIXTURES = {"aws": "karpenter_aws_pricing.go.txt", "gcp": "karpenter_gcp_initial_prices.json"}


def _refresh_from_clones(tmp_path: Path, cloud: str, name: str, files: dict[str, str]) -> list[dict]:
    """The table's rows after `--from committed --only CLOUD` from a clone holding `files` for the
    committed file `name` and a clone of the cloud's Karpenter file (its excerpt)."""
    committed = _clone(tmp_path / name, files)
    karpenter_text = (FIXTURES / KARPENTER_FIXTURES[cloud]).read_text()
    karpenter = _clone(tmp_path / "karpenter", {KARPENTER_PRICE_FILES[cloud].path: karpenter_text})
    table = tmp_path / "prices.json"
    clones = ["--git-dir", f"{name}={committed}", "--git-dir", f"{cloud}={karpenter}"]
    result = _refresh(table, "--only", cloud, *clones)
    assert result.returncode == 0, result.stderr
    return json.loads(table.read_text())["prices"]


def test_refreshing_gcp_from_committed_clones_adds_gcs_storage_dated_by_the_generator(tmp_path: Path) -> None:
    pricing_yml = (FIXTURES / "cyclenerd_pricing.yml").read_text()
    rows = _refresh_from_clones(tmp_path, "gcp", "gcp-storage", {"pricing.yml": pricing_yml})
    gcs = {
        (p["sku"], p["region"]): p for p in rows if (p["cloud"], p["service"]) == ("gcp", "object-storage")
    }
    assert gcs[("gcs-standard", "europe-west4")]["usd"] == 0.02
    assert gcs[("gcs-standard", "europe-west4")]["asOf"] == "2026-08-20"
    assert gcs[("gcs-standard", "europe-west4")]["source"].startswith(
        "https://github.com/Cyclenerd/google-cloud-pricing-cost-calculator/blob/"
    )


def test_an_unknown_committed_file_name_is_one_line(tmp_path: Path) -> None:
    table = tmp_path / "prices.json"
    result = _refresh(table, "--git-dir", f"spot={tmp_path}")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --git-dir spot={tmp_path}: expected CLOUD=GIT_DIR with CLOUD one of aws, azure, gcp, "
        f"gcp-storage, aws-spot and an existing directory; {table} is unchanged"
    ]
    assert table.read_text() == PRICES_FILE.read_text()


def _manifest(payload: str, fetched_at: str) -> str:
    """A spot-price manifest in spotinfo's format (spot-price-manifest.json) for `payload`."""
    sha = hashlib.sha256(payload.encode()).hexdigest()
    return json.dumps(
        {
            "schema_version": "spotinfo.snapshot-manifest/v1",
            "payload": {"file": "spot-price-data.json", "form": "raw-source", "sha256": sha},
            "sources": [{"fetched_at": fetched_at, "url": "https://website.spot.ec2.aws.a2z.com/spot.json"}],
        }
    )


def test_a_manifest_dates_the_feed_only_when_it_describes_that_very_file() -> None:
    feed = (FIXTURES / "aws_spot_feed.json").read_text()
    assert spotinfo_fetched_at(_manifest(feed, "2026-08-10T06:54:02Z"), feed.encode()) == "2026-08-10"
    assert spotinfo_fetched_at(_manifest(feed + " ", "2026-08-10T06:54:02Z"), feed.encode()) is None
    assert spotinfo_fetched_at("not json", feed.encode()) is None


def test_refreshing_aws_spot_from_a_clone_is_dated_by_the_matching_manifest(tmp_path: Path) -> None:
    feed = (FIXTURES / "aws_spot_feed.json").read_text()
    files = {
        COMMITTED_PRICE_FILES["aws-spot"].path: feed,
        SPOTINFO_MANIFEST: _manifest(feed, "2026-08-10T06:54:02Z"),
    }
    rows = _refresh_from_clones(tmp_path, "aws", "aws-spot", files)
    spot_rows = {p["sku"]: p for p in rows if (p["cloud"], p["capacity"]) == ("aws", "spot")}
    assert spot_rows["m6i.large"]["usd"] == 0.0369 and spot_rows["g5.xlarge"]["usd"] == 0.5089
    # The sizes the excerpt holds are refreshed and dated by the manifest; the others keep their rows.
    in_excerpt = {"m6i.large", "m6i.xlarge", "m6i.2xlarge", "g5.xlarge", "g6.xlarge"}
    assert {sku: row["asOf"] for sku, row in spot_rows.items() if sku in in_excerpt} == dict.fromkeys(
        in_excerpt, "2026-08-10"
    )
    spot_before = [p for p in default_table().prices if (p.cloud, p.capacity) == ("aws", "spot")]
    kept = {p.sku: p.as_of for p in spot_before if p.sku not in in_excerpt}
    assert {sku: spot_rows[sku]["asOf"] for sku in kept} == kept
