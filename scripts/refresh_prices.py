#!/usr/bin/env python3
"""Refresh components/pricing/prices.json from the clouds' public price lists, dated today.

    .venv/bin/python scripts/refresh_prices.py [--only aws|gcp|azure ...] [--output FILE]
    .venv/bin/python scripts/refresh_prices.py --from karpenter [--git-dir CLOUD=GIT_DIR ...]
    .venv/bin/python scripts/refresh_prices.py --from committed [--git-dir NAME=GIT_DIR ...]

What it asks for: the instance types, machine types and VM sizes the table already lists plus the
defaults of our cluster modules, in the regions our stacks use (stacks/*.yaml), and the NAT gateway,
EKS cluster, Application Load Balancer, S3 Standard and Blob storage prices there.

- AWS: the Price List Bulk API's regional offer files for EKS, ELB and S3 (no credentials). EC2
  instance and NAT gateway prices come from the Price List Query API (GetProducts, filtered as
  Karpenter does) and spot prices from EC2 DescribeSpotPriceHistory: both need AWS credentials
  (any account; read-only `pricing:GetProducts`, `ec2:DescribeSpotPriceHistory`) because the EC2
  offer file of a region is several GB. Without credentials those are skipped with a note.
- Azure: the Retail Prices API, no credentials.
- GCP: the Cloud Billing Catalog API needs an API key: create one in a project with the Cloud
  Billing API enabled (https://cloud.google.com/billing/v1/how-tos/catalog-api) and pass it in
  GCP_PRICING_API_KEY (never on the command line, never committed). Without it GCP is skipped.

`--from karpenter` reads instead the price files the Karpenter providers generate from those price
lists and commit (components/pricing/sources.py KARPENTER_PRICE_FILES): AWS and Azure on-demand, GCP
on-demand and spot, no credentials or key. It reads the newest commit of each file from GitHub, or
from a local clone given with `--git-dir aws=/path/to/karpenter-provider-aws/.git`; each price's
source is the file's URL at that commit.

`--from committed` reads those and the other committed copies of the price lists
(components/pricing/sources.py COMMITTED_PRICE_FILES): Cloud Storage GB-months from
Cyclenerd/google-cloud-pricing-cost-calculator's pricing.yml (`--git-dir gcp-storage=...`) and AWS
spot hours from the copy of AWS's spot price feed in alexei-led/spotinfo (`--git-dir aws-spot=...`).

Entries it refreshes are replaced; every other entry is kept as it is (with its own source and
date). When a host cannot be reached it stops with one line and leaves the file unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from components.pricing.sources import (  # noqa: E402
    AWS_OFFER_URL,
    AZURE_RETAIL_URL,
    COMMITTED_PRICE_FILES,
    GCP_COMPUTE_SERVICE,
    GCP_SKUS_URL,
    KARPENTER_PRICE_FILES,
    SPOTINFO_MANIFEST,
    CommittedFile,
    Retrieval,
    aws_offer_prices,
    aws_query_offer,
    aws_spot_feed_prices,
    aws_spot_prices,
    azure_retail_prices,
    azure_vm_filter,
    cyclenerd_gcs_prices,
    cyclenerd_generated_at,
    gcp_machine_prices,
    karpenter_gcp_prices,
    karpenter_generated_at,
    karpenter_go_prices,
    spotinfo_fetched_at,
)
from components.pricing.table import PRICES_FILE, Price, document, load  # noqa: E402

TIMEOUT = 60
# Offer files small enough to download whole (AmazonEC2's are several GB: Query API instead).
AWS_OFFERS = ("AmazonEKS", "AWSELB", "AmazonS3")
# Karpenter's on-demand filter (aws/karpenter-provider-aws pkg/providers/pricing/pricing.go).
EC2_FILTERS = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
    "marketoption": "OnDemand",
}


class PriceListError(Exception):
    """A price list could not be read: the message is the one line to print."""


def fetch_bytes(url: str, accept: str = "application/json") -> bytes:
    host = urllib.parse.urlsplit(url).hostname
    if not url.startswith("https://"):
        raise PriceListError(f"{url}: only https price lists are read")
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 (https only)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (https URLs only)
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        raise PriceListError(f"{host} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PriceListError(f"cannot reach {host} ({reason}); refreshing needs internet access") from None


def fetch_json(url: str) -> Any:
    try:
        return json.loads(fetch_bytes(url))
    except json.JSONDecodeError as exc:
        host = urllib.parse.urlsplit(url).hostname
        raise PriceListError(f"{host} did not answer JSON ({exc.msg})") from None


def _aws_ec2(region: str, types: set[str], today: str) -> list[Price]:
    """On-demand instance and NAT gateway hours (Query API) and spot prices (EC2), with credentials."""
    import boto3
    import botocore.exceptions

    try:
        pricing = boto3.client("pricing", region_name="us-east-1")

        def products(filters: dict[str, str]) -> list[str]:
            terms = [
                {"Type": "TERM_MATCH", "Field": k, "Value": v}
                for k, v in {**filters, "regionCode": region}.items()
            ]
            pages = pricing.get_paginator("get_products").paginate(ServiceCode="AmazonEC2", Filters=terms)
            return [item for page in pages for item in page["PriceList"]]

        items = [item for t in sorted(types) for item in products({**EC2_FILTERS, "instanceType": t})]
        items += products({"productFamily": "NAT Gateway"})
        query = Retrieval(
            f"https://api.pricing.us-east-1.amazonaws.com (GetProducts AmazonEC2 {region})", today
        )
        out = aws_offer_prices(aws_query_offer(items), region, types, query)
        ec2 = boto3.client("ec2", region_name=region)
        now = datetime.datetime.now(datetime.UTC)
        pages = ec2.get_paginator("describe_spot_price_history").paginate(
            InstanceTypes=sorted(types), ProductDescriptions=["Linux/UNIX"], StartTime=now
        )
        history = [record for page in pages for record in page["SpotPriceHistory"]]
        spot = Retrieval(f"https://ec2.{region}.amazonaws.com (DescribeSpotPriceHistory)", today)
        return out + aws_spot_prices(
            [{**r, "Timestamp": str(r.get("Timestamp"))} for r in history], region, spot
        )
    except botocore.exceptions.NoCredentialsError:
        print(
            f"aws {region}: EC2 instance, NAT and spot prices skipped (no AWS credentials)", file=sys.stderr
        )
        return []
    except botocore.exceptions.EndpointConnectionError as exc:
        raise PriceListError(
            f"cannot reach {exc.kwargs.get('endpoint_url')}; refreshing needs internet access"
        ) from None


def stack_regions() -> dict[str, set[str]]:
    """cloud -> regions the stacks deploy to (mlfleet:region, mlfleet:cells, replication regions)."""
    out: dict[str, set[str]] = {}
    for path in sorted((REPO / "stacks").glob("Pulumi.*.yaml")):
        config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
        cells = config.get("mlfleet:cells") or [
            {"cloud": config.get("mlfleet:cloud"), "region": config.get("mlfleet:region")}
        ]
        for cell in cells:
            if cell.get("cloud") in ("aws", "gcp", "azure") and cell.get("region"):
                out.setdefault(cell["cloud"], set()).add(cell["region"])
        replica = (config.get("mlfleet:modelBucket") or {}).get("replicationRegion")
        if replica:
            out.setdefault("aws", set()).add(replica)
    return out


def machine_types(cloud: str, table_prices: Iterable[Price]) -> set[str]:
    """What the table lists for a cloud plus the cluster modules' defaults."""
    listed = {p.sku for p in table_prices if p.cloud == cloud and p.service == "compute"}
    if cloud == "aws":
        from components.aws.eks_cluster import CPU_INSTANCE, GPU_INSTANCE, SYSTEM_INSTANCE

        return listed | {SYSTEM_INSTANCE, CPU_INSTANCE, GPU_INSTANCE}
    if cloud == "gcp":
        from components.gcp.gke_cluster import CPU_MACHINE, GPU_MACHINE, SYSTEM_MACHINE

        return listed | {SYSTEM_MACHINE, CPU_MACHINE, GPU_MACHINE}
    from components.azure.aks_cluster import CPU_VM, GPU_VM, SYSTEM_VM

    return listed | {SYSTEM_VM, CPU_VM, GPU_VM}


# The storage class of our GCS buckets (components/gcp/model_bucket.py sets none: STANDARD).
GCS_DEFAULT_CLASS = "gcs-standard"


def refresh_aws(regions: set[str], types: set[str], today: str) -> list[Price]:
    out: list[Price] = []
    for region in sorted(regions):
        for offer in AWS_OFFERS:
            url = AWS_OFFER_URL.format(offer=offer, region=region)
            out += aws_offer_prices(fetch_json(url), region, types, Retrieval(url, today))
        out += _aws_ec2(region, types, today)
    return out


def refresh_azure(regions: set[str], sizes: set[str], today: str) -> list[Price]:
    out: list[Price] = []
    for region in sorted(regions):
        filters = [
            azure_vm_filter(region, sizes),
            f"serviceName eq 'Storage' and armRegionName eq '{region}' and priceType eq 'Consumption'"
            " and contains(productName, 'Block Blob')",
        ]
        for expression in filters:
            url: str | None = f"{AZURE_RETAIL_URL}?{urllib.parse.urlencode({'$filter': expression})}"
            first = url
            while url:
                page = fetch_json(url)
                out += azure_retail_prices(page.get("Items") or [], Retrieval(str(first), today))
                url = page.get("NextPageLink") or None
    return out


def refresh_gcp(regions: set[str], machines: set[str], today: str, api_key: str) -> list[Price]:
    skus: list[dict[str, Any]] = []
    base = GCP_SKUS_URL.format(service=GCP_COMPUTE_SERVICE)
    token = ""
    while True:
        query = {"key": api_key, "currencyCode": "USD", **({"pageToken": token} if token else {})}
        page = fetch_json(f"{base}?{urllib.parse.urlencode(query)}")
        skus += page.get("skus") or []
        token = page.get("nextPageToken") or ""
        if not token:
            break
    # The key never goes into the table: the source is the catalog URL without it.
    return [
        p
        for region in sorted(regions)
        for p in gcp_machine_prices(skus, region, machines, Retrieval(base, today))
    ]


def _git(git_dir: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PriceListError(f"git --git-dir {git_dir} {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def file_at(repo: str, path: str, commit: str, git_dir: Path | None) -> str:
    """A file of a public repository at a commit, from a local clone or from GitHub."""
    if git_dir is not None:
        return _git(git_dir, "show", f"{commit}:{path}")
    return fetch_bytes(f"https://raw.githubusercontent.com/{repo}/{commit}/{path}", "text/plain").decode(
        "utf-8"
    )


def committed_file(spec: CommittedFile, git_dir: Path | None, today: str) -> tuple[str, Retrieval, str]:
    """The newest committed version of a generated price file, where it was read and the commit: the
    file's URL at the commit that last changed it, dated by that commit (or the date the file says it
    was generated)."""
    if git_dir is not None:
        last_change = _git(git_dir, "log", "-1", "--format=%H %cs", "HEAD", "--", spec.path)
        commit, _, date = last_change.partition(" ")
        if not commit:
            raise PriceListError(f"{git_dir} has no {spec.path}: is it a clone of {spec.repo}?")
    else:
        query = urllib.parse.urlencode({"path": spec.path, "per_page": 1})
        (last, *_) = fetch_json(f"https://api.github.com/repos/{spec.repo}/commits?{query}") or [{}]
        committer = (last.get("commit") or {}).get("committer") or {}
        commit, date = str(last.get("sha", "")), str(committer.get("date", ""))
        if not commit:
            raise PriceListError(f"github.com lists no commit of {spec.repo} {spec.path}")
    commit = commit.strip()
    text = file_at(spec.repo, spec.path, commit, git_dir)
    source = f"https://github.com/{spec.repo}/blob/{commit}/{spec.path}"
    return text, Retrieval(source, today, karpenter_generated_at(text) or date.strip()[:10] or None), commit


def refresh_karpenter(
    cloud: str, regions: set[str], skus: set[str], today: str, git_dir: Path | None
) -> list[Price]:
    text, at, _commit = committed_file(KARPENTER_PRICE_FILES[cloud], git_dir, today)
    if cloud == "gcp":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PriceListError(f"{at.source} is not JSON ({exc.msg})") from None
        return karpenter_gcp_prices(document, regions, skus, at)
    return karpenter_go_prices(text, cloud, regions, skus, at)


def refresh_committed(
    name: str, regions: dict[str, set[str]], listed: Iterable[Price], today: str, git_dir: Path | None
) -> list[Price]:
    """Prices from one of COMMITTED_PRICE_FILES: GCS storage classes in the GCP stacks' regions (our
    buckets' class and whatever classes and locations the table lists), or AWS spot hours of the
    instance types the table lists in the AWS stacks' regions."""
    spec = COMMITTED_PRICE_FILES[name]
    text, at, commit = committed_file(spec, git_dir, today)
    kind = "YAML" if name == "gcp-storage" else "JSON"
    try:
        document = yaml.safe_load(text) if name == "gcp-storage" else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError):
        raise PriceListError(f"{at.source} is not {kind}") from None
    if not isinstance(document, dict):
        raise PriceListError(f"{at.source} is not a price document")
    if name == "gcp-storage":
        at = Retrieval(at.source, at.retrieved, cyclenerd_generated_at(document) or at.as_of)
        stored = [p for p in listed if p.cloud == "gcp" and p.service == "object-storage"]
        locations = regions.get("gcp", set()) | {p.region for p in stored}
        return cyclenerd_gcs_prices(document, locations, {GCS_DEFAULT_CLASS} | {p.sku for p in stored}, at)
    # The day spotinfo fetched the feed, when its manifest at that commit describes this very file.
    try:
        fetched = spotinfo_fetched_at(file_at(spec.repo, SPOTINFO_MANIFEST, commit, git_dir), text.encode())
    except PriceListError:
        fetched = None  # no manifest at that commit: the commit's date stands
    at = Retrieval(at.source, at.retrieved, fetched or at.as_of)
    return aws_spot_feed_prices(document, regions.get("aws", set()), machine_types("aws", listed), at)


# The cloud each committed file prices (for --only).
COMMITTED_CLOUDS = {"gcp-storage": "gcp", "aws-spot": "aws"}


def _git_dirs(values: list[str] | None, names: list[str]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or name not in names or not Path(path).is_dir():
            raise PriceListError(
                f"--git-dir {value}: expected CLOUD=GIT_DIR with CLOUD one of "
                f"{', '.join(names)} and an existing directory"
            )
        out[name] = Path(path)
    return out


def merge(old: Iterable[Price], new: Iterable[Price]) -> list[Price]:
    def key(p: Price) -> tuple[str, ...]:
        return (p.cloud, p.service, p.sku, p.region, p.capacity)

    merged = {key(p): p for p in old}
    merged.update({key(p): p for p in new})
    return list(merged.values())


def refresh_price_lists(
    clouds: list[str], regions: dict[str, set[str]], listed: Iterable[Price], today: str
) -> list[Price]:
    fresh: list[Price] = []
    if "aws" in clouds and regions.get("aws"):
        fresh += refresh_aws(regions["aws"], machine_types("aws", listed), today)
    if "azure" in clouds and regions.get("azure"):
        fresh += refresh_azure(regions["azure"], machine_types("azure", listed), today)
    if "gcp" in clouds and regions.get("gcp"):
        key = os.environ.get("GCP_PRICING_API_KEY")
        if key:
            fresh += refresh_gcp(regions["gcp"], machine_types("gcp", listed), today, key)
        else:
            print("gcp: skipped (set GCP_PRICING_API_KEY to a Cloud Billing API key)", file=sys.stderr)
    return fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", action="append", choices=("aws", "gcp", "azure"), help="refresh only these clouds"
    )
    parser.add_argument(
        "--output", type=Path, default=PRICES_FILE, help="the table to update (default: %(default)s)"
    )
    parser.add_argument(
        "--from",
        dest="origin",
        choices=("price-lists", "karpenter", "committed"),
        default="price-lists",
        help="the clouds' price APIs (default), the Karpenter providers' generated price files, or "
        "those and the other committed copies (GCS storage, AWS spot)",
    )
    parser.add_argument(
        "--git-dir",
        action="append",
        metavar="CLOUD=GIT_DIR",
        help="with --from karpenter/committed: read that file from a local clone, not GitHub",
    )
    args = parser.parse_args(argv)
    table = load(args.output if args.output.exists() else PRICES_FILE)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    regions = stack_regions()
    clouds = args.only or ["aws", "azure", "gcp"]
    fresh: list[Price] = []
    try:
        if args.origin in ("karpenter", "committed"):
            extra = list(COMMITTED_PRICE_FILES) if args.origin == "committed" else []
            git_dirs = _git_dirs(args.git_dir, [*KARPENTER_PRICE_FILES, *extra])
            for cloud in clouds:
                skus = machine_types(cloud, table.prices)
                fresh += refresh_karpenter(cloud, regions.get(cloud, set()), skus, today, git_dirs.get(cloud))
            for name in extra:
                cloud = COMMITTED_CLOUDS[name]
                if cloud in clouds:
                    fresh += refresh_committed(name, regions, table.prices, today, git_dirs.get(name))
        else:
            fresh += refresh_price_lists(clouds, regions, table.prices, today)
    except PriceListError as exc:
        print(f"error: {exc}; {args.output} is unchanged", file=sys.stderr)
        return 2
    prices = merge(table.prices, fresh)
    args.output.write_text(json.dumps(document(prices), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(fresh)} price(s) refreshed, {len(prices)} in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
