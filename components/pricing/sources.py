"""Reading the clouds' public price lists into price-table entries (used by scripts/refresh_prices.py).

Each parser takes one response document in the format the cloud documents and returns the entries
it could find; a SKU it cannot find is simply not returned (the table then says "no price" for it).

- AWS Price List Bulk API offer files (`products` + `terms.OnDemand[sku][term].priceDimensions`):
  https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/reading-service-price-list-file-for-services.html
  EC2 instances filtered as Karpenter's price generator does (Linux, Shared tenancy, preInstalledSw
  NA, capacitystatus Used; aws/karpenter-provider-aws pkg/providers/pricing/pricing.go).
- Azure Retail Prices API (`Items[]` with armSkuName, armRegionName, retailPrice, unitOfMeasure,
  skuName, productName, type, `NextPageLink`):
  https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices
- GCP Cloud Billing Catalog API, `services/{id}/skus` (`skus[]` with description, category.usageType,
  serviceRegions, pricingInfo[].pricingExpression.tieredRates[].unitPrice{units, nanos}):
  https://cloud.google.com/billing/v1/how-tos/catalog-api
- The price files the Karpenter providers generate and commit (KARPENTER_PRICE_FILES), and other
  committed machine copies of the clouds' price lists (COMMITTED_PRICE_FILES): snapshots any
  machine can read from GitHub, no credentials or API key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from components.pricing.table import Capacity, Price

AWS_OFFER_URL = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/{offer}/current/{region}/index.json"
AZURE_RETAIL_URL = "https://prices.azure.com/api/retail/prices"
GCP_SKUS_URL = "https://cloudbilling.googleapis.com/v1/services/{service}/skus"
GCP_COMPUTE_SERVICE = "6F81-5844-456A"  # Compute Engine's service id in the Cloud Billing Catalog


@dataclass(frozen=True)
class Retrieval:
    """Where and when a document was read: every entry parsed from it carries both."""

    source: str
    retrieved: str  # YYYY-MM-DD
    # The date the source states for its prices (a generator's run, a scheduled refresh's commit).
    as_of: str | None = None


def _entry(
    cloud: str,
    service: str,
    sku: str,
    region: str,
    unit: str,
    usd: float,
    capacity: Capacity,
    at: Retrieval,
    note: str,
) -> Price:
    return Price(
        cloud, service, sku, region, unit, round(usd, 6), capacity, at.source, at.retrieved, at.as_of, note
    )


# --- AWS ----------------------------------------------------------------------------------------


def _on_demand_usd(offer: Mapping[str, Any], sku: str, unit: str) -> float | None:
    """The first-tier on-demand USD price of a product in `unit` (Hrs, GB-Mo)."""
    for term in ((offer.get("terms") or {}).get("OnDemand") or {}).get(sku, {}).values():
        dimensions = sorted(
            (term.get("priceDimensions") or {}).values(), key=lambda d: float(d.get("beginRange") or 0)
        )
        for dimension in dimensions:
            if dimension.get("unit") == unit and "USD" in (dimension.get("pricePerUnit") or {}):
                return float(dimension["pricePerUnit"]["USD"])
    return None


def aws_offer_prices(
    offer: Mapping[str, Any], region: str, instance_types: Iterable[str], at: Retrieval
) -> list[Price]:
    """From one regional offer file (AmazonEC2, AmazonEKS, AWSELB or AmazonS3): on-demand Linux
    instance hours of `instance_types`, NAT gateway hours, the EKS cluster hour (standard support),
    the Application Load Balancer hour and S3 Standard's first-tier GB-month."""
    wanted = set(instance_types)
    out: dict[tuple[str, str], Price] = {}
    for sku, product in (offer.get("products") or {}).items():
        attributes = product.get("attributes") or {}
        if attributes.get("regionCode", region) != region:
            continue
        family, usage = product.get("productFamily"), str(attributes.get("usagetype", ""))
        found: tuple[str, str, str, str] | None = None  # service, sku, unit, note
        if (
            family == "Compute Instance"
            and attributes.get("instanceType") in wanted
            and attributes.get("operatingSystem") == "Linux"
            and attributes.get("tenancy") == "Shared"
            and attributes.get("preInstalledSw") == "NA"
            and attributes.get("capacitystatus") == "Used"
        ):
            found = ("compute", attributes["instanceType"], "Hrs", "EC2 on-demand, Linux, shared tenancy")
        elif family == "NAT Gateway" and usage.endswith("NatGateway-Hours"):
            found = ("nat-gateway", "nat-gateway", "Hrs", "NAT gateway hour (data processed billed apart)")
        elif usage.endswith("AmazonEKS-Hours:perCluster"):
            found = ("control-plane", "eks-standard-support", "Hrs", "EKS cluster hour, standard support")
        elif family == "Load Balancer-Application" and usage.endswith("LoadBalancerUsage"):
            found = ("load-balancer", "alb", "Hrs", "Application Load Balancer hour (LCUs billed apart)")
        elif (
            family == "Storage"
            and attributes.get("volumeType") == "Standard"
            and usage.endswith("TimedStorage-ByteHrs")
        ):
            found = ("object-storage", "s3-standard", "GB-Mo", "S3 Standard, first tier")
        if found is None:
            continue
        service, name, unit, note = found
        usd = _on_demand_usd(offer, sku, unit)
        if usd is not None and (service, name) not in out:
            table_unit = "hour" if unit == "Hrs" else "GB-month"
            out[(service, name)] = _entry(
                "aws", service, name, region, table_unit, usd, "on-demand", at, note
            )
    return sorted(out.values(), key=lambda p: (p.service, p.sku))


def aws_query_offer(price_list: Iterable[str]) -> dict[str, Any]:
    """Price List Query API `GetProducts` items (each a JSON string `{"product", "terms":
    {"OnDemand": {term: ...}}}`) in the offer-file shape aws_offer_prices reads."""
    products: dict[str, Any] = {}
    on_demand: dict[str, Any] = {}
    for raw in price_list:
        item = json.loads(raw)
        sku = item["product"]["sku"]
        products[sku] = item["product"]
        on_demand[sku] = (item.get("terms") or {}).get("OnDemand") or {}
    return {"products": products, "terms": {"OnDemand": on_demand}}


def aws_spot_prices(history: Iterable[Mapping[str, Any]], region: str, at: Retrieval) -> list[Price]:
    """Linux/UNIX spot prices from DescribeSpotPriceHistory's `SpotPriceHistory`
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSpotPriceHistory.html): the
    latest price of each zone, and the highest of the zones (a node may land in any of them)."""
    latest: dict[tuple[str, str], tuple[str, float]] = {}
    for record in history:
        if record.get("ProductDescription") != "Linux/UNIX":
            continue
        zone, instance_type = str(record.get("AvailabilityZone")), str(record.get("InstanceType"))
        stamp, price = str(record.get("Timestamp")), float(record.get("SpotPrice") or 0)
        if (instance_type, zone) not in latest or stamp > latest[(instance_type, zone)][0]:
            latest[(instance_type, zone)] = (stamp, price)
    highest: dict[str, float] = {}
    for (instance_type, _zone), (_stamp, price) in latest.items():
        highest[instance_type] = max(price, highest.get(instance_type, 0.0))
    return [
        _entry(
            "aws",
            "compute",
            t,
            region,
            "hour",
            usd,
            "spot",
            at,
            "EC2 spot, Linux/UNIX, highest zone at retrieval",
        )
        for t, usd in sorted(highest.items())
    ]


# --- Azure --------------------------------------------------------------------------------------


def azure_vm_filter(region: str, vm_sizes: Iterable[str]) -> str:
    """The Retail Prices API `$filter` for the consumption prices of these VM sizes in a region."""
    sizes = " or ".join(f"armSkuName eq '{size}'" for size in sorted(vm_sizes))
    return (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' "
        f"and priceType eq 'Consumption' and ({sizes})"
    )


def azure_retail_prices(items: Iterable[Mapping[str, Any]], at: Retrieval) -> list[Price]:
    """Linux pay-as-you-go and Spot VM hours, and Blob storage GB-months, from Retail Prices items.
    Windows meters, Low Priority meters, reservations and non-USD prices are skipped."""
    out: dict[tuple[str, str, str, str], Price] = {}
    for item in items:
        if item.get("currencyCode", "USD") != "USD" or item.get("type") != "Consumption":
            continue
        region, sku_name = str(item.get("armRegionName", "")), str(item.get("skuName", ""))
        product, usd = str(item.get("productName", "")), float(item.get("retailPrice") or 0)
        if item.get("serviceName") == "Virtual Machines" and item.get("unitOfMeasure") == "1 Hour":
            if "Windows" in product or "Low Priority" in sku_name:
                continue
            capacity: Capacity = "spot" if sku_name.endswith(" Spot") else "on-demand"
            size = str(item.get("armSkuName", ""))
            key = ("compute", size, region, capacity)
            note = f"{product}, {sku_name}"
            out.setdefault(key, _entry("azure", "compute", size, region, "hour", usd, capacity, at, note))
        elif (
            item.get("serviceName") == "Storage"
            and "Block Blob" in product
            and str(item.get("meterName", "")).endswith("Data Stored")
            and item.get("unitOfMeasure") == "1 GB/Month"
            and float(item.get("tierMinimumUnits") or 0) == 0
        ):
            tier, _, redundancy = sku_name.partition(" ")
            sku = f"blob-{tier.lower()}-{redundancy.lower()}"
            key = ("object-storage", sku, region, "on-demand")
            note = f"{product}, {item.get('meterName')}, first tier"
            out.setdefault(
                key, _entry("azure", "object-storage", sku, region, "GB-month", usd, "on-demand", at, note)
            )
    return sorted(out.values(), key=lambda p: (p.service, p.region, p.sku, p.capacity))


# --- GCP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineShape:
    """A predefined machine type: vCPUs, memory (GB) and attached GPUs (model as the catalog
    names it, e.g. "Nvidia L4")."""

    vcpus: int
    memory_gb: float
    gpus: int = 0
    gpu_model: str = ""


# The machine types of our GKE pools (components/gcp/gke_cluster.py defaults). Shapes from
# https://cloud.google.com/compute/docs/general-purpose-machines (E2, N2 standard: 4 GB per vCPU)
# and https://cloud.google.com/compute/docs/accelerator-optimized-machines (g2-standard-8: 8 vCPUs,
# 32 GB, one L4).
MACHINES: dict[str, MachineShape] = {
    "e2-standard-4": MachineShape(4, 16),
    "n2-standard-8": MachineShape(8, 32),
    "g2-standard-8": MachineShape(8, 32, 1, "Nvidia L4"),
}


def _unit_price(sku: Mapping[str, Any]) -> float | None:
    for info in sku.get("pricingInfo") or []:
        rates = ((info.get("pricingExpression") or {}).get("tieredRates")) or []
        for rate in sorted(rates, key=lambda r: float(r.get("startUsageAmount") or 0)):
            price = rate.get("unitPrice") or {}
            if price.get("currencyCode", "USD") == "USD":
                return float(price.get("units") or 0) + float(price.get("nanos") or 0) / 1e9
    return None


def _catalog_rate(skus: Iterable[Mapping[str, Any]], region: str, what: str, spot: bool) -> float | None:
    """The hourly rate of the SKU whose description names `what` ("N2 Instance Core"), in `region`,
    on-demand or spot (usageType Preemptible); custom, sole-tenant and commitment SKUs excluded."""
    for sku in skus:
        description = str(sku.get("description", ""))
        usage = (sku.get("category") or {}).get("usageType")
        if region not in (sku.get("serviceRegions") or []) or what not in description:
            continue
        if any(word in description for word in ("Custom", "Sole Tenancy", "Commitment", "Reserved")):
            continue
        if usage != ("Preemptible" if spot else "OnDemand"):
            continue
        return _unit_price(sku)
    return None


def gcp_machine_prices(
    skus: Sequence[Mapping[str, Any]], region: str, machine_types: Iterable[str], at: Retrieval
) -> list[Price]:
    """On-demand and spot hours of predefined machine types: vCPUs x core rate + GB x RAM rate (+ GPUs
    x GPU rate for accelerator-optimized types), from the Compute Engine SKUs."""
    out = []
    for machine in sorted(machine_types):
        shape = MACHINES.get(machine)
        if shape is None:
            continue
        family = machine.split("-", 1)[0].upper()
        for capacity in ("on-demand", "spot"):
            spot = capacity == "spot"
            core = _catalog_rate(skus, region, f"{family} Instance Core", spot)
            ram = _catalog_rate(skus, region, f"{family} Instance Ram", spot)
            gpu = _catalog_rate(skus, region, f"{shape.gpu_model} GPU", spot) if shape.gpus else 0.0
            if core is None or ram is None or gpu is None:
                continue
            usd = shape.vcpus * core + shape.memory_gb * ram + shape.gpus * gpu
            note = f"{shape.vcpus} x {family} core + {shape.memory_gb:g} GB x RAM" + (
                f" + {shape.gpus} x {shape.gpu_model}" if shape.gpus else ""
            )
            out.append(_entry("gcp", "compute", machine, region, "hour", usd, capacity, at, note))  # type: ignore[arg-type]
    return out


# --- Karpenter providers' generated price files ---------------------------------------------------


@dataclass(frozen=True)
class CommittedFile:
    """A price file a public repository generates from a cloud's price list and commits."""

    repo: str  # owner/name on GitHub
    path: str
    note: str  # what the file holds and how it was generated (read from the generator's code)


KARPENTER_PRICE_FILES: dict[str, CommittedFile] = {
    # hack/code/prices_gen + pkg/providers/pricing/pricing.go: EC2 on-demand, Linux, shared tenancy,
    # preInstalledSw NA, capacitystatus Used; us-east-1 only in this file.
    "aws": CommittedFile(
        "aws/karpenter-provider-aws",
        "pkg/providers/pricing/zz_generated.pricing_aws.go",
        "AWS Price List API (AmazonEC2, Linux, shared tenancy, preInstalledSw NA, capacitystatus Used, "
        "OnDemand) as generated into Karpenter's price file",
    ),
    # pkg/providers/pricing/pricing.go FetchPricing: Retail Prices API, priceType Consumption, USD,
    # serviceName 'Virtual Machines'; ' Windows' products and ' Low Priority' meters dropped; the
    # generated file keeps the on-demand map only (spot is fetched live, not committed).
    "azure": CommittedFile(
        "Azure/karpenter-provider-azure",
        "pkg/providers/pricing/zz_generated.pricing.go",
        "Azure Retail Prices API (Virtual Machines, Consumption, USD, Linux: Windows products and Low "
        "Priority meters dropped) as generated into Karpenter's price file",
    ),
    # pkg/providers/pricing/instanceprice/instanceprice.go: the `hour` and `hourSpot` columns of
    # https://gcloud-compute.com/machine-types-regions.csv (Cyclenerd's table built from the Cloud
    # Billing Catalog SKUs), refreshed weekly by .github/workflows/update-pricing.yaml. A G2 machine's
    # price includes its L4 GPU (kubernetes/autoscaler gce_price_info.go: "price of this gpu is
    # counted into G2 machine-type price").
    "gcp": CommittedFile(
        "cloudpilot-ai/karpenter-provider-gcp",
        "pkg/providers/pricing/initial-prices.json",
        "GCE machine-type hour (vCPUs, memory and, for G2/A2, the attached GPUs) from the gcloud-compute.com "
        "price table as committed by karpenter-provider-gcp's weekly price refresh",
    ),
}
_GENERATED_AT = re.compile(r"generated at (\d{4}-\d{2}-\d{2})T")
# `"us-east-1": {` (aws) or `initialOnDemandPrices["westeurope"] = map[string]float64{` (azure)
_GO_REGION = re.compile(r'^\s*(?:\w+\[)?"([a-z0-9-]+)"\]?\s*(?::|=\s*map\[[^\]]+\][\w.]+)\s*\{\s*$')
_GO_PRICE = re.compile(r'"([^"]+)"\s*:\s*([0-9]+(?:\.[0-9]+)?)')


def karpenter_generated_at(text: str) -> str | None:
    """The date in a generated Go price file's `// generated at 2026-07-20T...` line."""
    found = _GENERATED_AT.search(text)
    return found.group(1) if found else None


def karpenter_go_prices(
    text: str, cloud: str, regions: Iterable[str], skus: Iterable[str], at: Retrieval
) -> list[Price]:
    """On-demand hours of `skus` in `regions` from a generated Go price map (karpenter-provider-aws's
    zz_generated.pricing_aws.go, karpenter-provider-azure's zz_generated.pricing.go)."""
    wanted_regions, wanted = set(regions), set(skus)
    note = KARPENTER_PRICE_FILES[cloud].note
    region: str | None = None
    out: dict[tuple[str, str], Price] = {}
    for line in text.splitlines():
        header = _GO_REGION.match(line)
        if header:
            region = header.group(1)
            continue
        if region not in wanted_regions:
            continue
        for sku, usd in _GO_PRICE.findall(line):
            sku = sku.strip()  # the azure file has keys with trailing blanks
            if sku in wanted:
                out.setdefault(
                    (region, sku),
                    _entry(cloud, "compute", sku, region, "hour", float(usd), "on-demand", at, note),
                )
    return sorted(out.values(), key=lambda p: (p.region, p.sku))


def karpenter_gcp_prices(
    document: Mapping[str, Any], regions: Iterable[str], machine_types: Iterable[str], at: Retrieval
) -> list[Price]:
    """On-demand and spot hours of `machine_types` in `regions` from karpenter-provider-gcp's
    initial-prices.json (`{"prices": {region: {"on_demand": {type: usd}, "spot": {...}}}}`)."""
    wanted = set(machine_types)
    note = KARPENTER_PRICE_FILES["gcp"].note
    out: list[Price] = []
    for region in sorted(set(regions)):
        by_capacity = (document.get("prices") or {}).get(region) or {}
        for key, capacity in (("on_demand", "on-demand"), ("spot", "spot")):
            for machine, usd in sorted((by_capacity.get(key) or {}).items()):
                if machine in wanted and isinstance(usd, int | float) and usd > 0:
                    out.append(
                        _entry("gcp", "compute", machine, region, "hour", float(usd), capacity, at, note)  # type: ignore[arg-type]
                    )
    return out


# --- Other committed copies of the clouds' price lists -------------------------------------------

COMMITTED_PRICE_FILES: dict[str, CommittedFile] = {
    # build/pricing.pl + build/mapping.csv: the Cloud Billing Catalog SKUs (storage.standard ->
    # "Standard Storage <location>" etc.), one GB-month per storage class and location, regenerated
    # by .github/workflows/build-pricing.yml; the file's `about.generated` line dates the run.
    "gcp-storage": CommittedFile(
        "Cyclenerd/google-cloud-pricing-cost-calculator",
        "pricing.yml",
        "Cloud Billing Catalog (Cloud Storage data stored, per GB-month) as generated into "
        "Cyclenerd/google-cloud-pricing-cost-calculator's pricing.yml",
    ),
    # internal/spot/data/spot-price-manifest.json: a raw copy of AWS's spot price feed
    # https://website.spot.ec2.aws.a2z.com/spot.json (what aws.amazon.com/ec2/spot/pricing shows).
    "aws-spot": CommittedFile(
        "alexei-led/spotinfo",
        "internal/spot/data/spot-price-data.json",
        "AWS spot price feed (website.spot.ec2.aws.a2z.com/spot.json: Linux/UNIX, one price per "
        "region and instance type) as committed by alexei-led/spotinfo",
    ),
}
# spotinfo's record of each fetch of the spot feed: payload.sha256 and sources[].fetched_at.
SPOTINFO_MANIFEST = "internal/spot/data/spot-price-manifest.json"
# pricing.yml names GCS locations by region, dual-region (eur4) or multi-region group; Cloud Storage
# names the multi-regions EU, US, ASIA (https://cloud.google.com/storage/docs/locations).
_GCS_MULTI_REGIONS = {"europe-multi": "eu", "us-multi": "us", "asia-multi": "asia"}
_GCS_CLASSES = {"archiv": "archive"}  # pricing.yml's spelling -> the storageClass name


def cyclenerd_generated_at(document: Mapping[str, Any]) -> str | None:
    """The day in pricing.yml's `about.generated` line ("Thu Aug 20 04:22:20 2026")."""
    stamp = str((document.get("about") or {}).get("generated") or "")
    try:
        return datetime.strptime(stamp, "%a %b %d %H:%M:%S %Y").date().isoformat()
    except ValueError:
        return None


def cyclenerd_gcs_prices(
    document: Mapping[str, Any], locations: Iterable[str], skus: Iterable[str], at: Retrieval
) -> list[Price]:
    """GB-month prices of the storage classes `skus` ("gcs-standard") in `locations` (lower-case:
    europe-west4, eur4, eu) from pricing.yml's `storage.bucket.<class>[-dual|-multi].cost.<where>.month`."""
    wanted, wanted_skus = {location.lower() for location in locations}, set(skus)
    note = COMMITTED_PRICE_FILES["gcp-storage"].note
    out: list[Price] = []
    buckets = ((document.get("storage") or {}).get("bucket")) or {}
    for name, spec in sorted(buckets.items()):
        storage_class = str(name).split("-", 1)[0]
        sku = f"gcs-{_GCS_CLASSES.get(storage_class, storage_class)}"
        if sku not in wanted_skus:
            continue
        for location, cost in sorted(((spec or {}).get("cost") or {}).items()):
            location = _GCS_MULTI_REGIONS.get(str(location), str(location)).lower()
            usd = (cost or {}).get("month")
            if location in wanted and isinstance(usd, int | float) and not isinstance(usd, bool):
                out.append(
                    _entry("gcp", "object-storage", sku, location, "GB-month", usd, "on-demand", at, note)
                )
    return out


def spotinfo_fetched_at(manifest_text: str, payload: bytes) -> str | None:
    """The day spotinfo fetched the spot feed, from its manifest, when the manifest's sha256 is the
    payload's (else None: the manifest describes another fetch)."""
    try:
        manifest = json.loads(manifest_text)
    except json.JSONDecodeError:
        return None
    if not isinstance(manifest, dict):
        return None
    if (manifest.get("payload") or {}).get("sha256") != hashlib.sha256(payload).hexdigest():
        return None
    fetched = [str(source.get("fetched_at") or "") for source in manifest.get("sources") or []]
    return next((stamp[:10] for stamp in fetched if stamp), None)


def _feed_linux_usd(size: Mapping[str, Any]) -> float | None:
    """A spot feed size's Linux price; None where the feed says "N/A*" (not offered)."""
    for column in size.get("valueColumns") or []:
        usd = str(((column.get("prices") or {}).get("USD")) or "")
        if column.get("name") == "linux" and re.fullmatch(r"[0-9.]+(E-?[0-9]+)?", usd):
            return float(usd)
    return None


def aws_spot_feed_prices(
    document: Mapping[str, Any], regions: Iterable[str], instance_types: Iterable[str], at: Retrieval
) -> list[Price]:
    """Linux spot hours of `instance_types` in `regions` (exact region names: us-east-1's Local Zones
    are regions of their own in the feed) from AWS's spot price feed
    (`config.regions[].instanceTypes[].sizes[].valueColumns[name=linux].prices.USD`)."""
    wanted_regions, wanted = set(regions), set(instance_types)
    note = COMMITTED_PRICE_FILES["aws-spot"].note
    out: dict[tuple[str, str], Price] = {}  # the feed lists some sizes twice: the first is kept
    for region in (document.get("config") or {}).get("regions") or []:
        name = str(region.get("region", ""))
        sizes = [size for family in region.get("instanceTypes") or [] for size in family.get("sizes") or []]
        for size in sizes if name in wanted_regions else []:
            sku, usd = str(size.get("size")), _feed_linux_usd(size)
            if sku in wanted and usd is not None:
                price = _entry("aws", "compute", sku, name, "hour", usd, "spot", at, note)
                out.setdefault((name, sku), price)
    return sorted(out.values(), key=lambda p: (p.region, p.sku))
