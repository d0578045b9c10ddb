"""The dated price table: every price is sourced and dated, look-ups find exactly what is listed and
nothing else, and a malformed file is a one-line error naming the entry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.pricing.table import HOURS_PER_MONTH, PriceTableError, default_table, hourly, load, parse

ENTRY = {
    "cloud": "aws",
    "service": "compute",
    "sku": "m6i.large",
    "region": "us-east-1",
    "unit": "hour",
    "usd": 0.096,
    "capacity": "on-demand",
    "source": "https://example.com/prices",
    "retrieved": "2026-12-02",
}


def _doc(*entries: dict) -> dict:
    return {"format": "mlfleet.prices", "version": 1, "prices": list(entries)}


def test_every_price_names_an_https_source_and_a_date() -> None:
    table = default_table()
    assert table.prices, "the repository's table is empty"
    for price in table.prices:
        assert price.source.startswith("https://")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.retrieved)
        assert price.as_of is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", price.as_of)


def test_the_stacks_default_aws_instance_types_are_priced_in_us_east_1() -> None:
    from components.aws.eks_cluster import CPU_INSTANCE, GPU_INSTANCE, SYSTEM_INSTANCE

    for sku in (SYSTEM_INSTANCE, CPU_INSTANCE, GPU_INSTANCE):
        price = hourly("aws", "us-east-1", sku)
        assert price is not None and price.unit == "hour" and price.usd > 0, sku


def test_lookups_return_none_for_what_is_not_listed() -> None:
    table = parse(_doc(ENTRY))
    assert table.hourly("aws", "us-east-1", "m6i.large").usd == 0.096  # type: ignore[union-attr]
    assert table.hourly("aws", "us-west-2", "m6i.large") is None  # no other region is assumed
    assert table.hourly("aws", "us-east-1", "m6i.large", "spot") is None  # nor a spot price
    assert table.monthly_storage("aws", "us-east-1", "s3-standard") is None


def test_a_region_independent_fee_applies_in_every_region() -> None:
    fee = {**ENTRY, "service": "control-plane", "sku": "gke", "cloud": "gcp", "region": "*", "usd": 0.1}
    table = parse(_doc(fee))
    assert table.control_plane("gcp", "europe-west4", "gke").monthly() == pytest.approx(0.1 * HOURS_PER_MONTH)  # type: ignore[union-attr]


def test_monthly_counts_730_hours_per_node() -> None:
    price = parse(_doc(ENTRY)).hourly("aws", "us-east-1", "m6i.large")
    assert price is not None
    assert price.monthly(3) == pytest.approx(0.096 * 730 * 3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source": None}, "source"),
        ({"usd": -1}, "usd"),
        ({"capacity": "reserved"}, "capacity"),
        ({"unit": "month"}, "unit"),
        ({"source": "http://example.com"}, "https"),
        ({"retrieved": None}, "retrieved"),
        ({"retrieved": ""}, "retrieved.*YYYY-MM-DD"),
        ({"retrieved": "last week"}, "retrieved.*YYYY-MM-DD"),
        ({"asOf": "2026-13-01"}, "asOf.*YYYY-MM-DD"),
    ],
)
def test_bad_entries_are_one_line_errors_naming_the_entry(change: dict, message: str) -> None:
    entry = {k: v for k, v in {**ENTRY, **change}.items() if v is not None}
    with pytest.raises(PriceTableError, match=rf"prices\[0\].*{message}") as error:
        parse(_doc(entry))
    assert "\n" not in str(error.value)


def test_a_price_listed_twice_is_an_error() -> None:
    with pytest.raises(PriceTableError, match="listed twice"):
        parse(_doc(ENTRY, {**ENTRY, "usd": 0.1}))


def test_a_file_that_is_not_a_price_table_says_so(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"format": "something"}))
    with pytest.raises(PriceTableError, match="not a price table"):
        load(path)
    path.write_text("{")
    with pytest.raises(PriceTableError, match="not JSON"):
        load(path)
