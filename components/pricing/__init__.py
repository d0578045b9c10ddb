"""Cloud prices for cost estimates: a dated table with the source of every price (prices.json)."""

from components.pricing.table import (
    HOURS_PER_MONTH,
    Price,
    PriceTable,
    PriceTableError,
    default_table,
    hourly,
    load,
    monthly_storage,
)

__all__ = [
    "HOURS_PER_MONTH",
    "Price",
    "PriceTable",
    "PriceTableError",
    "default_table",
    "hourly",
    "load",
    "monthly_storage",
]
