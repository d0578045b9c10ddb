"""The dated price table (prices.json): typed entries and look-ups.

Every entry names its SKU, region, unit, USD price, capacity type, the source it was read from and
the date; a price that could not be sourced is simply absent, and every look-up returns None for it
(callers say "no price", they never guess). `scripts/refresh_prices.py` rewrites the file from the
clouds' public price lists in the same format.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

PRICES_FILE = Path(__file__).parent / "prices.json"
FORMAT = "mlfleet.prices"
VERSION = 1
# Hours in a month as the clouds' calculators count them (365 * 24 / 12 = 730).
HOURS_PER_MONTH = 730

Cloud = Literal["aws", "gcp", "azure"]
Capacity = Literal["on-demand", "spot"]
CAPACITIES: tuple[Capacity, ...] = ("on-demand", "spot")
# What a price is for: a node or VM hour, a managed control plane hour, a NAT gateway hour, a
# load balancer hour, a GB-month of object storage.
SERVICES = ("compute", "control-plane", "nat-gateway", "load-balancer", "object-storage")
UNITS = {"hour", "GB-month"}
# A price that does not depend on the region (the managed control planes' flat fees).
ANY_REGION = "*"


class PriceTableError(ValueError):
    """The price file is malformed: the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Price:
    cloud: str
    service: str
    sku: str
    region: str
    unit: str
    usd: float
    capacity: Capacity
    source: str
    retrieved: str
    # The date the source states for the price (e.g. when its generator ran), if it states one.
    as_of: str | None = None
    note: str = ""

    @property
    def date(self) -> str:
        return self.as_of or self.retrieved

    def monthly(self, quantity: float = 1.0) -> float:
        """USD per month for `quantity` units running all month (hourly prices) or stored (GB-month)."""
        per_month = self.usd * HOURS_PER_MONTH if self.unit == "hour" else self.usd
        return per_month * quantity

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "cloud": self.cloud,
            "service": self.service,
            "sku": self.sku,
            "region": self.region,
            "unit": self.unit,
            "usd": self.usd,
            "capacity": self.capacity,
            "source": self.source,
            "retrieved": self.retrieved,
        }
        if self.as_of:
            out["asOf"] = self.as_of
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class PriceTable:
    prices: tuple[Price, ...]
    path: Path = PRICES_FILE

    def find(
        self, cloud: str, service: str, sku: str, region: str, capacity: Capacity = "on-demand"
    ) -> Price | None:
        """The entry for exactly this SKU, region and capacity type (or a region-independent one)."""
        for candidate_region in (region, ANY_REGION):
            for price in self.prices:
                if (price.cloud, price.service, price.sku, price.region, price.capacity) == (
                    cloud,
                    service,
                    sku,
                    candidate_region,
                    capacity,
                ):
                    return price
        return None

    def hourly(self, cloud: str, region: str, sku: str, capacity: Capacity = "on-demand") -> Price | None:
        """A node's or VM's price per hour: EC2 instance type, GCE machine type, Azure VM size."""
        return self.find(cloud, "compute", sku, region, capacity)

    def control_plane(self, cloud: str, region: str, sku: str) -> Price | None:
        return self.find(cloud, "control-plane", sku, region)

    def nat_gateway(self, cloud: str, region: str) -> Price | None:
        return self.find(cloud, "nat-gateway", "nat-gateway", region)

    def load_balancer(self, cloud: str, region: str, sku: str) -> Price | None:
        return self.find(cloud, "load-balancer", sku, region)

    def monthly_storage(self, cloud: str, region: str, sku: str) -> Price | None:
        """Object storage per GB-month (S3 storage class, GCS class, Blob redundancy and tier)."""
        return self.find(cloud, "object-storage", sku, region)

    def dates(self) -> tuple[str, str] | None:
        """The oldest and newest price date in the table (None for an empty table)."""
        dates = sorted(p.date for p in self.prices)
        return (dates[0], dates[-1]) if dates else None


def _is_day(value: Any) -> bool:
    try:
        return isinstance(value, str) and datetime.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _entry(raw: Any, index: int, path: Path) -> Price:
    where = f"{path}: prices[{index}]"
    if not isinstance(raw, dict):
        raise PriceTableError(f"{where} is not an object; see docs/pricing.md for the entry format")
    missing = [
        k
        for k in ("cloud", "service", "sku", "region", "unit", "usd", "capacity", "source", "retrieved")
        if k not in raw
    ]
    if missing:
        raise PriceTableError(f"{where} lacks {', '.join(missing)}: every price names its source and date")
    if raw["service"] not in SERVICES:
        raise PriceTableError(f"{where}.service is {raw['service']!r}; use one of {', '.join(SERVICES)}")
    if raw["unit"] not in UNITS:
        raise PriceTableError(f"{where}.unit is {raw['unit']!r}; use hour or GB-month")
    if raw["capacity"] not in CAPACITIES:
        raise PriceTableError(f"{where}.capacity is {raw['capacity']!r}; use on-demand or spot")
    usd = raw["usd"]
    if isinstance(usd, bool) or not isinstance(usd, int | float) or usd < 0:
        raise PriceTableError(f"{where}.usd is {usd!r}; use a non-negative number of US dollars")
    if not str(raw["source"]).startswith("https://"):
        raise PriceTableError(
            f"{where}.source is {raw['source']!r}; use the https URL the price was read from"
        )
    for key in ("retrieved", "asOf"):
        if key in raw and not _is_day(raw[key]):
            raise PriceTableError(f"{where}.{key} is {raw[key]!r}; every price is dated: use YYYY-MM-DD")
    return Price(
        cloud=str(raw["cloud"]),
        service=str(raw["service"]),
        sku=str(raw["sku"]),
        region=str(raw["region"]),
        unit=str(raw["unit"]),
        usd=float(usd),
        capacity=raw["capacity"],
        source=str(raw["source"]),
        retrieved=str(raw["retrieved"]),
        as_of=str(raw["asOf"]) if raw.get("asOf") else None,
        note=str(raw.get("note", "")),
    )


def parse(document: Any, path: Path = PRICES_FILE) -> PriceTable:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PriceTableError(f'{path}: not a price table (expected "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise PriceTableError(
            f"{path}: price table version {document.get('version')!r}, this code reads {VERSION}"
        )
    entries = document.get("prices")
    if not isinstance(entries, list):
        raise PriceTableError(f'{path}: "prices" must be a list')
    prices = tuple(_entry(raw, i, path) for i, raw in enumerate(entries))
    seen: set[tuple[str, ...]] = set()
    for price in prices:
        key = (price.cloud, price.service, price.sku, price.region, price.capacity)
        if key in seen:
            raise PriceTableError(
                f"{path}: {'/'.join(key)} is listed twice; keep one price per SKU, region and capacity"
            )
        seen.add(key)
    return PriceTable(prices, path)


def document(prices: list[Price]) -> dict[str, Any]:
    """The file's JSON document for these prices (what refresh_prices.py writes)."""
    ordered = sorted(prices, key=lambda p: (p.cloud, p.service, p.region, p.sku, p.capacity))
    return {
        "format": FORMAT,
        "version": VERSION,
        "currency": "USD",
        "hoursPerMonth": HOURS_PER_MONTH,
        "policy": "docs/pricing.md: every price names its source and dates; a price that cannot be "
        "sourced is left out (the cost delta says 'no price')",
        "prices": [p.to_dict() for p in ordered],
    }


def load(path: Path = PRICES_FILE) -> PriceTable:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceTableError(
            f"{path}: no price table; run scripts/refresh_prices.py or restore the file"
        ) from None
    except json.JSONDecodeError as exc:
        raise PriceTableError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return parse(raw, path)


@cache
def default_table() -> PriceTable:
    """The repository's table, read once per process."""
    return load()


def hourly(cloud: str, region: str, sku: str, capacity: Capacity = "on-demand") -> Price | None:
    return default_table().hourly(cloud, region, sku, capacity)


def monthly_storage(cloud: str, region: str, sku: str) -> Price | None:
    return default_table().monthly_storage(cloud, region, sku)
