"""The price-list parsers against excerpts of the real response formats (fixtures/, numbers made
up), and refresh_prices.py's behaviour without a network."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from components.pricing.sources import (
    Retrieval,
    aws_offer_prices,
    aws_query_offer,
    aws_spot_prices,
    azure_retail_prices,
    gcp_machine_prices,
    karpenter_gcp_prices,
    karpenter_generated_at,
    karpenter_go_prices,
)
from components.pricing.table import PRICES_FILE, Price
from tests.support import REPO_ROOT, free_port

FIXTURES = Path(__file__).parent / "fixtures"
AT = Retrieval("https://example.com/price-list", "2026-12-02")
SCRIPT = REPO_ROOT / "scripts" / "refresh_prices.py"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _prices(prices: list[Price]) -> dict[tuple[str, str, str], float]:
    return {(p.service, p.sku, p.capacity): p.usd for p in prices}


def test_aws_offer_file_gives_the_standard_support_cluster_hour_only() -> None:
    prices = aws_offer_prices(_fixture("aws_eks_offer.json"), "us-east-1", [], AT)
    assert _prices(prices) == {("control-plane", "eks-standard-support", "on-demand"): 0.11}
    assert all(p.source == AT.source and p.retrieved == AT.retrieved for p in prices)


def test_aws_s3_takes_the_first_storage_tier_of_standard() -> None:
    prices = aws_offer_prices(_fixture("aws_s3_offer.json"), "us-east-1", [], AT)
    assert _prices(prices) == {("object-storage", "s3-standard", "on-demand"): 0.025}
    assert prices[0].unit == "GB-month"


def test_aws_get_products_gives_linux_shared_on_demand_and_the_nat_hour() -> None:
    offer = aws_query_offer(_fixture("aws_ec2_get_products.json")["PriceList"])
    prices = aws_offer_prices(offer, "us-east-1", ["m6i.large"], AT)
    assert _prices(prices) == {
        ("compute", "m6i.large", "on-demand"): 0.1,  # not Windows, Dedicated or a reservation
        ("nat-gateway", "nat-gateway", "on-demand"): 0.05,  # the hour, not the bytes
    }


def test_aws_instance_types_not_asked_for_are_left_out() -> None:
    offer = aws_query_offer(_fixture("aws_ec2_get_products.json")["PriceList"])
    assert ("compute", "m6i.large", "on-demand") not in _prices(
        aws_offer_prices(offer, "us-east-1", ["g5.xlarge"], AT)
    )


def test_aws_spot_is_the_highest_zone_of_each_zones_latest_linux_price() -> None:
    prices = aws_spot_prices(_fixture("aws_spot_price_history.json")["SpotPriceHistory"], "us-east-1", AT)
    assert _prices(prices) == {("compute", "g5.xlarge", "spot"): 0.45}


def test_azure_linux_pay_as_you_go_spot_and_first_tier_blob() -> None:
    prices = azure_retail_prices(_fixture("azure_retail_prices.json")["Items"], AT)
    assert _prices(prices) == {
        ("compute", "Standard_D8s_v5", "on-demand"): 0.5,  # not Windows, Low Priority or a reservation
        ("compute", "Standard_D8s_v5", "spot"): 0.1,
        ("object-storage", "blob-hot-zrs", "on-demand"): 0.03,  # data stored, first tier
    }
    assert {p.region for p in prices} == {"westeurope"}


def test_gcp_machine_price_is_cores_plus_memory_plus_gpus_in_the_region() -> None:
    skus = _fixture("gcp_compute_skus.json")["skus"]
    prices = _prices(
        gcp_machine_prices(skus, "europe-west4", ["n2-standard-8", "g2-standard-8", "e2-standard-4"], AT)
    )
    assert prices[("compute", "n2-standard-8", "on-demand")] == pytest.approx(8 * 0.04 + 32 * 0.005)
    assert prices[("compute", "n2-standard-8", "spot")] == pytest.approx(8 * 0.01 + 32 * 0.001)
    assert prices[("compute", "g2-standard-8", "on-demand")] == pytest.approx(8 * 0.03 + 32 * 0.004 + 0.6)
    # No G2 spot SKUs and no E2 SKUs in the excerpt: no price rather than a guess.
    assert ("compute", "g2-standard-8", "spot") not in prices
    assert not any(sku == "e2-standard-4" for _, sku, _ in prices)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_prices", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refreshed_prices_replace_their_entries_and_the_rest_are_kept() -> None:
    script = _script()
    old = [
        Price(
            "aws", "compute", "m6i.large", "us-east-1", "hour", 0.09, "on-demand", "https://a", "2026-01-01"
        ),
        Price("gcp", "control-plane", "gke", "*", "hour", 0.1, "on-demand", "https://b", "2026-01-01"),
    ]
    new = [
        Price(
            "aws", "compute", "m6i.large", "us-east-1", "hour", 0.096, "on-demand", "https://c", "2026-12-02"
        )
    ]
    merged = {(p.sku, p.source) for p in script.merge(old, new)}
    assert merged == {("m6i.large", "https://c"), ("gke", "https://b")}


def test_the_stacks_regions_are_found_per_cloud() -> None:
    regions = _script().stack_regions()
    assert (
        "us-east-1" in regions["aws"]
        and "europe-west4" in regions["gcp"]
        and "westeurope" in regions["azure"]
    )


def test_without_a_network_it_stops_with_one_line_and_leaves_the_table_unchanged(tmp_path: Path) -> None:
    table = tmp_path / "prices.json"
    table.write_text(PRICES_FILE.read_text())
    # A proxy on a closed loopback port: every HTTPS request fails the way an offline machine does.
    closed = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "HTTPS_PROXY": closed, "https_proxy": closed, "NO_PROXY": "", "no_proxy": ""}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--only", "azure", "--output", str(table)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach prices.azure.com"), result.stderr
    assert "Traceback" not in result.stderr
    assert table.read_text() == PRICES_FILE.read_text()


# --- the Karpenter providers' generated price files (fixtures: excerpts of the real files at the
# commits prices.json names, lines kept verbatim) ---------------------------------------------------


def _karpenter_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_karpenter_azure_file_gives_the_asked_sizes_of_the_asked_region_dated_by_its_generator() -> None:
    text = _karpenter_text("karpenter_azure_pricing.go.txt")
    at = Retrieval("https://github.com/x", "2026-12-02", karpenter_generated_at(text))
    sizes = ["Standard_NC4as_T4_v3", "Standard_D4s_v5", "Standard_NM16ads_MA35D", "Standard_E2s_v5"]
    prices = karpenter_go_prices(text, "azure", ["westeurope"], sizes, at)
    # westus's NC4as_T4_v3 (0.631) is another region; a key with trailing blanks is still found.
    assert _prices(prices) == {
        ("compute", "Standard_D4s_v5", "on-demand"): 0.23,
        ("compute", "Standard_NC4as_T4_v3", "on-demand"): 0.658,
        ("compute", "Standard_NM16ads_MA35D", "on-demand"): 2.535,
    }
    assert {(p.region, p.as_of, p.unit) for p in prices} == {("westeurope", "2026-06-18", "hour")}


def test_karpenter_aws_file_reads_several_types_per_line() -> None:
    text = _karpenter_text("karpenter_aws_pricing.go.txt")
    at = Retrieval("https://github.com/x", "2026-12-02", karpenter_generated_at(text))
    prices = karpenter_go_prices(text, "aws", ["us-east-1", "us-west-2"], ["g5.xlarge", "m6i.large"], at)
    assert _prices(prices) == {
        ("compute", "g5.xlarge", "on-demand"): 1.006,
        ("compute", "m6i.large", "on-demand"): 0.096,
    }
    assert prices[0].as_of == "2026-07-20"


def test_karpenter_gcp_file_gives_on_demand_and_spot_of_the_region() -> None:
    document = json.loads(_karpenter_text("karpenter_gcp_initial_prices.json"))
    prices = karpenter_gcp_prices(document, ["europe-west4"], ["g2-standard-8", "n1-standard-4"], AT)
    assert _prices(prices) == {
        ("compute", "g2-standard-8", "on-demand"): 0.897202,
        ("compute", "g2-standard-8", "spot"): 0.47082,
    }


def _run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_refreshing_from_a_karpenter_clone_cites_the_file_at_its_commit(tmp_path: Path) -> None:
    clone = tmp_path / "karpenter-provider-azure"
    target = clone / "pkg/providers/pricing/zz_generated.pricing.go"
    target.parent.mkdir(parents=True)
    target.write_text(_karpenter_text("karpenter_azure_pricing.go.txt"))
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "prices"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    table = tmp_path / "prices.json"
    table.write_text(PRICES_FILE.read_text())
    result = _run_script(
        "--from", "karpenter", "--only", "azure", "--git-dir", f"azure={clone}/.git", "--output", str(table)
    )
    assert result.returncode == 0, result.stderr
    after = json.loads(table.read_text())["prices"]
    vms = {p["sku"]: p for p in after if p["cloud"] == "azure" and p["service"] == "compute"}
    assert vms["Standard_NC4as_T4_v3"]["usd"] == 0.658 and vms["Standard_D4s_v5"]["usd"] == 0.23
    source = (
        "https://github.com/Azure/karpenter-provider-azure/blob/"
        f"{commit.stdout.strip()}/pkg/providers/pricing/zz_generated.pricing.go"
    )
    assert {(p["source"], p["asOf"], p["region"]) for p in vms.values()} == {
        (source, "2026-06-18", "westeurope")
    }
    # What it did not refresh keeps its own source and date.
    before = {(p["cloud"], p["sku"], p["capacity"]): p for p in json.loads(PRICES_FILE.read_text())["prices"]}
    kept = {(p["cloud"], p["sku"], p["capacity"]): p for p in after if p["cloud"] != "azure"}
    assert kept == {k: v for k, v in before.items() if k[0] != "azure"}


def test_a_wrong_git_dir_is_one_line_and_the_table_is_unchanged(tmp_path: Path) -> None:
    table = tmp_path / "prices.json"
    table.write_text(PRICES_FILE.read_text())
    missing = f"gcp={tmp_path}/missing"
    result = _run_script("--from", "karpenter", "--git-dir", missing, "--output", str(table))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --git-dir {missing}: expected CLOUD=GIT_DIR with CLOUD one of aws, azure, gcp "
        f"and an existing directory; {table} is unchanged"
    ]
    assert table.read_text() == PRICES_FILE.read_text()


def test_refreshing_from_github_offline_stops_with_one_line(tmp_path: Path) -> None:
    table = tmp_path / "prices.json"
    table.write_text(PRICES_FILE.read_text())
    closed = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "HTTPS_PROXY": closed, "https_proxy": closed, "NO_PROXY": "", "no_proxy": ""}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--from", "karpenter", "--only", "gcp", "--output", str(table)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach api.github.com"), result.stderr
    assert table.read_text() == PRICES_FILE.read_text()
