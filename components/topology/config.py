"""The stack's `mlfleet:` config, parsed and validated once.

Scalar keys are also declared (with types) in Pulumi.yaml, which the real CLI and `mlfleet preview`
both enforce; structured keys are validated here. Every error names the stack file and the key and
shows the `pulumi config set` command that fixes it.
"""

from __future__ import annotations

import ipaddress
import typing
from typing import Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from components.budget import MAX_NOTIFICATIONS, MAX_RECIPIENTS, split_addresses
from components.context import Cloud, PlatformContext
from components.errors import ConfigError
from components.kubernetes.monitoring.gpu_cost import DEFAULT_GPU_IDLE_USD
from components.topology.compute_config import (
    ClusterConfig,
    MonitoringConfig,
    ServingConfig,
    TrainingJobConfig,
)


class _Section(BaseModel):
    # camelCase in stack files, snake_case in code; unknown keys are typos.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


class SyncDestinationConfig(_Section):
    """A registry registry-sync writes to: bucket name (Azure: blob container resource id), its
    registry prefix and, on AWS, the bucket's KMS key ARN."""

    bucket: str = Field(min_length=1)
    prefix: str = "models"
    key: str | None = None


class ModelBucketConfig(_Section):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    noncurrent_version_days: int = Field(30, ge=1)
    abort_multipart_days: int = Field(7, ge=1)
    replication_region: str | None = None
    allowed_networks: list[str] = Field(default_factory=list)
    # Besides the replica bucket (AWS, with replication), registries registry-sync writes to.
    sync_destinations: list[SyncDestinationConfig] = Field(default_factory=list)


class GithubConfig(_Section):
    """Where the CI deployer identity may be assumed from (GitHub Actions OIDC)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    repository: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    branch: str | None = None
    environment: str | None = None


class BudgetConfig(_Section):
    """`mlfleet:budget`: each cell's monthly cost budget (docs/budgets.md). Alerts at percentages of
    the amount, for actual and for forecast spend, e-mailed to the alert receivers' addresses."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    amount: float = Field(gt=0)
    # The billing account's currency (AWS and GCP reject any other; Azure takes none).
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    actual_thresholds: list[typing.Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: [50.0, 80.0, 100.0]
    )
    forecast_thresholds: list[typing.Annotated[float, Field(gt=0, le=1000)]] = Field(
        default_factory=lambda: [100.0]
    )
    # stack: the cell's own costs (AWS: `environment` cost allocation tag, GCP: its project, Azure:
    # its resource group); account: the whole AWS account / billing account / subscription.
    scope: typing.Literal["stack", "account"] = "stack"
    gcp_billing_account: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}-[0-9A-Fa-f]{6}$")
    # USD that idle GPU nodes may cost in 24 hours before MlfleetGpuIdleCost fires
    # (components/kubernetes/monitoring/gpu_cost.py, docs/pricing.md).
    gpu_idle_usd: float = Field(DEFAULT_GPU_IDLE_USD, gt=0)

    @model_validator(mode="after")
    def _notifications_fit(self) -> BudgetConfig:
        count = len(self.actual_thresholds) + len(self.forecast_thresholds)
        if not 1 <= count <= MAX_NOTIFICATIONS:
            raise ValueError(
                f"actualThresholds and forecastThresholds hold {count} thresholds; keep 1 to "
                f"{MAX_NOTIFICATIONS} (Azure's limit of notifications per budget)"
            )
        return self


CellRole = typing.Literal["primary", "active", "standby"]


class CellConfig(_Section):
    """One cell of a multi-cell stack (`mlfleet:cells`): one cloud in one region with the whole
    platform slice. `primary` publishes models and serves, `active` serves, `standby` waits for a
    failover. `networkCidr` is the cell's cluster network (distinct cells, distinct blocks)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    name: str = Field(pattern=r"^[a-z][a-z0-9]{1,9}$")
    cloud: typing.Literal["aws", "gcp", "azure"]
    region: str = Field(min_length=1)
    role: CellRole
    network_cidr: str | None = None
    gcp_project: str | None = None


class DnsConfig(_Section):
    """The public DNS zone the serving hostname lives in (`mlfleet:dns`), which the stack's
    external-dns writes to and its certificates are validated in. The zone exists already (delegated
    to the cloud's DNS); each cloud a cell runs on names it its own way."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    # The zone's domain, e.g. dev.mlfleet.example.com; every serving hostname is inside it.
    zone: str = Field(pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    # AWS: the Route 53 public hosted zone id (Z...).
    zone_id: str | None = Field(None, pattern=r"^Z[A-Z0-9]{1,31}$")
    # GCP: the Cloud DNS managed zone's name (in mlfleet:gcpProject unless `project` says otherwise).
    managed_zone: str | None = Field(None, pattern=r"^[a-z][a-z0-9-]{0,62}$")
    project: str | None = None
    # Azure: the resource group of the Azure DNS zone (in the stack's subscription).
    resource_group: str | None = Field(None, min_length=1)


class FrontDoorConfig(_Section):
    """`mlfleet:frontDoor`: health-checked global routing to the cells' serving hostnames
    (components/front_door.py, docs/multi-cloud.md). Multi-cell stacks only."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    provider: typing.Literal["route53", "trafficmanager"]
    mode: typing.Literal["active-active", "active-passive"]
    # The global name clients use; default mlfleet:serving.hostname (cells answer <cell>.<hostname>).
    hostname: str | None = Field(None, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    # Seconds between health checks: 10 or 30 on both providers (Route 53 RequestInterval: AWS Route 53
    # Developer Guide, dns-failover-determining-health-of-endpoints; Traffic Manager intervalInSeconds:
    # learn.microsoft.com/azure/traffic-manager/traffic-manager-monitoring).
    interval: typing.Literal[10, 30] = 30
    # Consecutive failed checks that mark a cell unhealthy: Route 53 FailureThreshold 1-10 (Route 53 API
    # HealthCheckConfig); Traffic Manager tolerates threshold - 1 failures (toleratedNumberOfFailures 0-9).
    failure_threshold: int = Field(3, ge=1, le=10)
    # Seconds resolvers may cache the answer (the DNS part of a failover's cost).
    ttl: int = Field(60, ge=1, le=86400)
    # active-active only: weighted (equal weights) or latency (Route 53 latency, Traffic Manager Performance).
    routing: typing.Literal["weighted", "latency"] = "weighted"
    # Seconds a cell's serving replicas may go without reading the serving alias from their registry
    # before they report unready, so the door sends users to a cell that sees its registry (a replica
    # that cannot read it misses rollbacks). 0: never. Must exceed the replicas' alias poll interval.
    registry_max_age: int = Field(300, ge=0)

    @model_validator(mode="after")
    def _registry_max_age_exceeds_the_poll(self) -> FrontDoorConfig:
        from mlfleet_serving.settings import ServingSettings  # the server refuses the same at start

        poll = ServingSettings.model_fields["poll_interval_seconds"].default
        if 0 < self.registry_max_age <= poll:
            raise ValueError(
                f"registryMaxAge is {self.registry_max_age}; use 0 (never) or more than the serving "
                f"replicas' alias poll interval ({poll:g} s), e.g. 300"
            )
        return self


# Which field of mlfleet:dns each cloud needs.
DNS_ZONE_KEY: dict[str, str] = {"aws": "zoneId", "gcp": "managedZone", "azure": "resourceGroup"}


class PlatformConfig(_Section):
    """Everything a stack file may say under `mlfleet:`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, alias_generator=_camel)
    environment: str
    owner: str
    cost_center: str
    cloud: Cloud
    region: str | None = None
    gcp_project: str | None = None
    deletion_protection: bool = False
    model_bucket: ModelBucketConfig = Field(default_factory=ModelBucketConfig)  # type: ignore[arg-type]
    github: GithubConfig = Field(default_factory=GithubConfig)  # type: ignore[arg-type]
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)  # type: ignore[arg-type]
    serving: ServingConfig = Field(default_factory=ServingConfig)  # type: ignore[arg-type]
    training_job: TrainingJobConfig = Field(default_factory=TrainingJobConfig)  # type: ignore[arg-type]
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)  # type: ignore[arg-type]
    # Several cells (clouds/regions) in one stack; without it the stack is one cell (cloud, region).
    cells: list[CellConfig] = Field(default_factory=list)
    # The serving hostname's DNS zone: required on aws, gcp and azure (certificates, external-dns).
    dns: DnsConfig | None = None
    # Each cell's monthly cost budget; required on prod stacks of a cloud.
    budget: BudgetConfig | None = None
    # Health-checked global routing to the cells (multi-cell stacks): docs/multi-cloud.md.
    front_door: FrontDoorConfig | None = None


# The config keys the program reads, in the order errors are reported.
KEYS: tuple[str, ...] = tuple(field.alias or name for name, field in PlatformConfig.model_fields.items())


def _is_text(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return all(isinstance(a, str) for a in args)
    if args and type(None) in args:
        return all(_is_text(a) for a in args if a is not type(None))
    return annotation is str


def stack_file(stack: str) -> str:
    return f"stacks/Pulumi.{stack}.yaml"


def load_config(
    config: pulumi.Config | None = None, stack: str | None = None, project: str | None = None
) -> tuple[PlatformConfig, PlatformContext]:
    """Read and validate the `mlfleet:` namespace of the current stack."""
    config = config or pulumi.Config("mlfleet")
    stack = stack or pulumi.get_stack()
    project = project or pulumi.get_project()
    path = stack_file(stack)
    raw: dict[str, Any] = {}
    for name, field in PlatformConfig.model_fields.items():
        key = field.alias or name
        # Strings are passed as they are; everything else arrives JSON-encoded.
        value = config.get(key) if _is_text(field.annotation) else config.get_object(key)
        # Pulumi.yaml's `default: {}` of an optional section (mlfleet:dns) means not set.
        if value is not None and not (value == {} and field.default is None):
            raw[key] = value
    if raw.get("budget") == {}:
        del raw["budget"]  # Pulumi.yaml's default: not set
    if raw.get("cells"):
        _primary_cell_as_stack_cloud(raw, path, stack)
    elif not raw.get("cloud"):
        raise ConfigError(
            path,
            "mlfleet:cloud",
            "is required but not set (or name the clouds of several cells in mlfleet:cells)",
            f"pulumi config set mlfleet:cloud <aws|gcp|azure|kubernetes> --stack {stack}",
        )
    try:
        parsed = PlatformConfig.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(path, stack, exc) from None
    if parsed.cells:
        _check_cells(parsed, path, stack)
    if parsed.cloud != "kubernetes" and not parsed.region:
        raise ConfigError(
            path,
            "mlfleet:region",
            f"is required when mlfleet:cloud is '{parsed.cloud}'",
            f"pulumi config set mlfleet:region <region> --stack {stack}",
        )
    if parsed.cloud == "gcp" and not parsed.gcp_project and not parsed.cells:
        raise ConfigError(
            path,
            "mlfleet:gcpProject",
            "is required when mlfleet:cloud is 'gcp'",
            f"pulumi config set mlfleet:gcpProject <project-id> --stack {stack}",
        )
    _check_budget(parsed, path, stack)
    _check_dns(parsed, path, stack)
    if parsed.front_door is not None:
        check_front_door(parsed, path, stack)
    context = PlatformContext(
        project=project,
        stack=stack,
        environment=parsed.environment,
        owner=parsed.owner,
        cost_center=parsed.cost_center,
        stack_file=path,
    )
    return parsed, context


def _primary_cell_as_stack_cloud(raw: dict[str, Any], path: str, stack: str) -> None:
    """In a multi-cell stack the cells name clouds and regions; `cloud`/`region` become the primary's."""
    for key in ("cloud", "region"):
        if raw.get(key):
            raise ConfigError(
                path,
                f"mlfleet:{key}",
                "is set together with mlfleet:cells (each cell names its own cloud and region)",
                f"pulumi config rm mlfleet:{key} --stack {stack}",
            )
    cells = raw["cells"] if isinstance(raw["cells"], list) else []
    primaries = [c for c in cells if isinstance(c, dict) and c.get("role") == "primary"]
    if len(primaries) != 1:
        raise ConfigError(
            path,
            "mlfleet:cells",
            f"has {len(primaries)} cells with role primary; exactly one publishes the models",
            f"set role: primary on one cell: pulumi config set --path 'mlfleet:cells[0].role' primary "
            f"--stack {stack}",
        )
    raw["cloud"], raw["region"] = primaries[0].get("cloud"), primaries[0].get("region")


def _check_cells(config: PlatformConfig, path: str, stack: str) -> None:
    """What the schema cannot say: at least two cells, distinct names, one cell per (cloud, region),
    valid non-overlapping networks, a GCP project for GCP cells."""
    fix = f"edit mlfleet:cells in {path}"
    if len(config.cells) < 2:
        raise ConfigError(
            path,
            "mlfleet:cells",
            "has one cell; a one-cell stack says mlfleet:cloud and mlfleet:region instead",
            "add a second cell, or replace mlfleet:cells by mlfleet:cloud and mlfleet:region",
        )
    seen: dict[object, int] = {}
    networks: list[tuple[int, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for index, cell in enumerate(config.cells):
        key = f"mlfleet:cells[{index}]"
        for what, value in (("name", cell.name), ("region", (cell.cloud, cell.region))):
            if value in seen:
                raise ConfigError(
                    path,
                    f"{key}.{what}",
                    f"repeats cells[{seen[value]}] ({cell.cloud} {cell.region} {cell.name}): "
                    + ("cell names are unique" if what == "name" else "one cell per cloud region"),
                    fix,
                )
            seen[value] = index
        if cell.cloud == "gcp" and not (cell.gcp_project or config.gcp_project):
            raise ConfigError(
                path,
                f"{key}.gcpProject",
                "is required for a gcp cell (or set mlfleet:gcpProject for every gcp cell)",
                f"pulumi config set --path '{key}.gcpProject' <project-id> --stack {stack}",
            )
        if cell.network_cidr is not None:
            try:
                network = ipaddress.ip_network(cell.network_cidr)
            except ValueError as exc:
                raise ConfigError(path, f"{key}.networkCidr", f"is invalid: {exc}", fix) from None
            for other, taken in networks:
                if network.overlaps(taken):
                    raise ConfigError(
                        path,
                        f"{key}.networkCidr",
                        f"{network} overlaps cells[{other}].networkCidr {taken} (cells may be peered)",
                        fix,
                    )
            networks.append((index, network))


BUDGET_EXAMPLE = (
    "mlfleet:budget: {amount: 5000, currency: USD, actualThresholds: [50, 80, 100], "
    "forecastThresholds: [100]}"
)


def _check_budget(config: PlatformConfig, path: str, stack: str) -> None:
    """A prod stack on a cloud has a budget; a budget has someone to e-mail and, on GCP, a billing
    account; a kubernetes-only stack has no cloud bill to budget."""
    clouds: set[str] = {c.cloud for c in config.cells} or {config.cloud}
    if config.budget is None:
        if config.environment == "prod" and clouds != {"kubernetes"}:
            raise ConfigError(
                path,
                "mlfleet:budget",
                "is required on a prod stack (its spend must be capped and watched)",
                f"add to {path}: {BUDGET_EXAMPLE} (docs/budgets.md)",
            )
        return
    if clouds == {"kubernetes"}:
        raise ConfigError(
            path,
            "mlfleet:budget",
            "is set on a kubernetes stack, which has no cloud bill to budget",
            f"pulumi config rm mlfleet:budget --stack {stack}",
        )
    if "gcp" in clouds and not config.budget.gcp_billing_account:
        raise ConfigError(
            path,
            "mlfleet:budget.gcpBillingAccount",
            "is required for a budget on gcp (the billing account the project is billed to)",
            f"pulumi config set --path mlfleet:budget.gcpBillingAccount 012345-6789AB-CDEF01 --stack {stack}",
        )
    recipients = budget_recipients(config)
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ConfigError(
            path,
            "mlfleet:monitoring.receivers",
            f"has {len(recipients)} e-mail addresses; budget alerts go to the e-mail receivers' addresses "
            f"(1 to {MAX_RECIPIENTS}, GCP's limit of channels per budget)",
            f"add an email receiver (or trim its `to`) in {path} (docs/budgets.md)",
        )


def budget_recipients(config: PlatformConfig) -> tuple[str, ...]:
    """The alert receivers' e-mail addresses (an email receiver's `to`, else monitoring.alertEmail, as
    for the alerts themselves), in receiver order, each once."""
    monitoring = config.monitoring
    addresses = [
        address
        for receiver in monitoring.receivers.values()
        if receiver.email is not None
        for address in split_addresses(receiver.email.to or monitoring.alert_email or "")
    ]
    return tuple(dict.fromkeys(addresses))


def serving_hostname(config: PlatformConfig, stack: str) -> str:
    """The serving hostname: mlfleet:serving.hostname, else serving.<stack>.mlfleet.example.com."""
    return config.serving.hostname or f"serving.{stack}.mlfleet.example.com"


def _check_dns(config: PlatformConfig, path: str, stack: str) -> None:
    """Clouds with a serving edge (certificate, external-dns) need the zone and their own zone id,
    and every serving hostname the stack derives must lie inside the zone."""
    clouds = sorted({c.cloud for c in config.cells} or {config.cloud} - {"kubernetes"})
    if not clouds:
        return
    if config.dns is None:
        raise ConfigError(
            path,
            "mlfleet:dns",
            f"is required on {', '.join(clouds)}: the serving hostname needs a DNS zone for its "
            "certificate and record",
            f"pulumi config set --path mlfleet:dns.zone <domain> --stack {stack} (plus "
            + ", ".join(f"dns.{DNS_ZONE_KEY[c]}" for c in clouds)
            + "; docs/addons-<cloud>.md)",
        )
    for cloud in clouds:
        key = DNS_ZONE_KEY[cloud]
        if getattr(config.dns, _snake(key)) is None:
            raise ConfigError(
                path,
                f"mlfleet:dns.{key}",
                f"is required on {cloud} (the zone {config.dns.zone!r} as {cloud} names it)",
                f"pulumi config set --path mlfleet:dns.{key} <value> --stack {stack}",
            )
    hostname = serving_hostname(config, stack)
    if hostname != config.dns.zone and not hostname.endswith("." + config.dns.zone):
        raise ConfigError(
            path,
            "mlfleet:serving.hostname",
            f"is {hostname!r}, outside the DNS zone mlfleet:dns.zone {config.dns.zone!r} (no certificate "
            "or record could be made for it)",
            f"pulumi config set --path mlfleet:serving.hostname serving.{config.dns.zone} --stack {stack}",
        )


# The cloud whose cell (provider, DNS zone) holds each front door provider's resources.
FRONT_DOOR_CLOUD: dict[str, str] = {"route53": "aws", "trafficmanager": "azure"}


def front_door_hostname(config: PlatformConfig, stack: str) -> str:
    """The global name: mlfleet:frontDoor.hostname, else the serving hostname (cells answer <cell>.<it>)."""
    door = config.front_door
    return (door.hostname if door else None) or serving_hostname(config, stack)


def check_front_door(config: PlatformConfig, path: str, stack: str) -> None:
    """What the schema cannot say about mlfleet:frontDoor: a multi-cell stack, roles that fit the mode,
    a cell on the provider's cloud, latency routing only where every cell has a region the provider
    measures, and a hostname inside the zone that no cell uses."""
    door = config.front_door
    assert door is not None
    key = "mlfleet:frontDoor"
    fix = f"edit {key} in {path} (docs/multi-cloud.md)"

    def fail(where: str, problem: str, remedy: str = fix) -> typing.NoReturn:
        raise ConfigError(path, f"{key}{where}", problem, remedy)

    if not config.cells:
        fail(
            "",
            "is set on a one-cell stack (a front door routes between the cells of mlfleet:cells)",
            f"pulumi config rm {key} --stack {stack}",
        )
    roles = [c.role for c in config.cells]
    if door.mode == "active-active" and "standby" in roles:
        fail(
            ".mode",
            "is active-active but a cell has role standby (active-active routes to every cell)",
            f"set {key}.mode active-passive, or give every cell role primary/active, in {path}",
        )
    if door.mode == "active-passive":
        if "active" in roles or "standby" not in roles:
            fail(
                ".mode",
                f"is active-passive but the cells' roles are {roles}; it needs one primary and "
                "standby cells only",
                f"give the failover cells role standby in {path}",
            )
        if door.provider == "route53" and roles.count("standby") != 1:
            fail(
                ".provider",
                f"is route53 with {roles.count('standby')} standby cells; Route 53 failover "
                "records are one PRIMARY and one SECONDARY",
                f"keep one standby cell, or use trafficmanager ({path})",
            )
        if "routing" in door.model_fields_set:
            fail(
                ".routing",
                "is set with mode active-passive (it chooses between active cells)",
                f"pulumi config rm --path {key}.routing --stack {stack}",
            )
    cloud = FRONT_DOOR_CLOUD[door.provider]
    if cloud not in {c.cloud for c in config.cells}:
        fail(
            ".provider",
            f"is {door.provider}, which needs a cell on {cloud} (its provider and DNS zone)",
            f"add a {cloud} cell, or use {next(p for p, c in FRONT_DOOR_CLOUD.items() if c != cloud)}",
        )
    others = sorted({c.cloud for c in config.cells} - {cloud})
    if door.routing == "latency" and door.mode == "active-active" and others:
        fail(
            ".routing",
            f"is latency, but {door.provider} measures latency to {cloud} regions only and "
            f"cells run on {', '.join(others)}",
            f"set {key}.routing weighted in {path}",
        )
    hostname = front_door_hostname(config, stack)
    zone = config.dns.zone if config.dns else ""
    if not hostname.endswith("." + zone):
        fail(
            ".hostname",
            f"is {hostname!r}, not a name below the DNS zone mlfleet:dns.zone {zone!r} "
            "(a CNAME cannot sit at the zone apex)",
            f"set {key}.hostname to serving.{zone} in {path}",
        )
    from components.topology.cells import cell_config, stack_cells  # cells imports this module

    taken = {cell_config(config, c, stack).serving.hostname: c.name for c in stack_cells(config)}
    if hostname in taken:
        fail(
            ".hostname",
            f"is {hostname!r}, the serving hostname of cell {taken[hostname]}",
            f"use a name of its own, e.g. serving.{zone}, in {path}",
        )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _config_error(path: str, stack: str, exc: ValidationError) -> ConfigError:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    key = "mlfleet:" + location[0] if location else "mlfleet"
    inner = ".".join(location[1:])
    where = f"{key}.{inner}" if inner else key
    kind = error["type"]
    if kind == "missing":
        problem = "is required but not set"
    elif kind == "extra_forbidden":
        problem = "is not a known setting (a typo?)"
    elif "receivers" in location:
        # Receiver settings hold secrets (webhook URLs, keys): never echo the value.
        problem = f"is invalid: {error['msg']}"
    else:
        problem = f"is invalid: {error['msg']} (got {error.get('input')!r})"
    fix_path = " --path" if inner else ""
    return ConfigError(path, where, problem, f"pulumi config set{fix_path} {where} <value> --stack {stack}")
