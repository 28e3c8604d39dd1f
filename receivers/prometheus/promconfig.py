"""The Prometheus server config under the receiver's ``config:`` key, read strictly and validated
the way Prometheus' ``config.Load`` does (defaults from ``global``, unique job names, durations in
Prometheus' syntax, ``scrape_timeout`` not above ``scrape_interval``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.translator.prometheus import RelabelConfig

_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_UNIT_SECONDS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)
SCRAPE_PROTOCOLS = (
    "PrometheusProto",
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
)
DEFAULT_PROTOCOLS = ["OpenMetricsText1.0.0", "OpenMetricsText0.0.1", "PrometheusText1.0.0", "PrometheusText0.0.4"]
#: the service discovery mechanisms Prometheus knows; only static_configs is implemented here.
_SD_KEY = re.compile(r"^[a-z0-9]+_sd_configs$")


def parse_duration(text: str) -> float:
    """Prometheus' ``model.ParseDuration`` (``1d``, ``1h30m``, ``500ms``; no fractions), in seconds."""
    m = _DURATION.match(text)
    if text == "0":
        return 0.0
    if not text or m is None or not any(m.groups()):
        raise ValueError(f'not a valid duration string: "{text}"')
    return sum(int(g) * u for g, u in zip(m.groups(), _UNIT_SECONDS, strict=True) if g)


@dataclass
class GlobalConfig:
    scrape_interval: str = "1m"
    scrape_timeout: str = "10s"
    evaluation_interval: str = "1m"
    scrape_protocols: list[str] = field(default_factory=lambda: list(DEFAULT_PROTOCOLS))
    external_labels: dict[str, str] = field(default_factory=dict)


@dataclass
class StaticConfig:
    targets: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class BasicAuth:
    username: str = ""
    password: str = field(default="", metadata={"opaque": True})
    password_file: str = ""


@dataclass
class Authorization:
    type: str = "Bearer"
    credentials: str = field(default="", metadata={"opaque": True})
    credentials_file: str = ""


@dataclass
class TLSConfig:
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    server_name: str = ""
    insecure_skip_verify: bool = False


@dataclass
class ScrapeConfig:
    job_name: str = ""
    scrape_interval: str = ""
    scrape_timeout: str = ""
    scrape_protocols: list[str] = field(default_factory=list)
    metrics_path: str = "/metrics"
    scheme: str = "http"
    params: dict[str, list[str]] = field(default_factory=dict)
    honor_labels: bool = False
    honor_timestamps: bool = True
    enable_compression: bool = True
    sample_limit: int = 0
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    bearer_token: str = ""
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    follow_redirects: bool = True
    static_configs: list[StaticConfig] = field(default_factory=list)
    relabel_configs: list[RelabelConfig] = field(default_factory=list)
    metric_relabel_configs: list[RelabelConfig] = field(default_factory=list)

    # Resolved from the strings above and ``global`` by ``load``.
    interval_s: float = field(default=0.0, metadata={"internal": True})
    timeout_s: float = field(default=0.0, metadata={"internal": True})


@dataclass
class PromConfig:
    global_: GlobalConfig = field(default_factory=GlobalConfig, metadata={"key": "global"})
    scrape_configs: list[ScrapeConfig] = field(default_factory=list)


def load(raw: Any) -> PromConfig:
    """Decode and validate ``raw`` (the ``config:`` map); ``ValueError`` with every problem found."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ValueError("'config' expected a map")
    unsupported = sorted(k for k in ("remote_write", "remote_read", "rule_files", "alerting") if raw.get(k))
    if unsupported:
        raise ValueError("unsupported features:\n\t" + "\n\t".join(unsupported))
    if raw.get("scrape_config_files"):
        raise ValueError("scrape_config_files is not supported yet by pyotelcol")
    raw = {k: v for k, v in raw.items() if k not in ("remote_write", "remote_read", "rule_files", "alerting")}
    for i, job in enumerate(raw.get("scrape_configs") or []):
        if isinstance(job, dict):
            sd = sorted(k for k in job if _SD_KEY.match(str(k)) and k != "static_configs")
            if sd:
                raise ValueError(
                    f"scrape_configs[{i}] ({job.get('job_name', '')}): {', '.join(sd)} not supported yet by "
                    "pyotelcol (only static_configs)"
                )
    try:
        cfg = decode(PromConfig, raw, path="config")
    except DecodeError as exc:
        raise ValueError("\n".join(exc.errors)) from None
    _validate(cfg)
    return cfg


def _validate(cfg: PromConfig) -> None:
    g = cfg.global_
    g_interval, g_timeout = parse_duration(g.scrape_interval), parse_duration(g.scrape_timeout)
    if g_interval == 0:
        g_interval = 60.0
    if g_timeout > g_interval:
        raise ValueError("global scrape timeout greater than scrape interval")
    _check_protocols(g.scrape_protocols, "global")
    seen: set[str] = set()
    for sc in cfg.scrape_configs:
        if not sc.job_name:
            raise ValueError("job_name is empty")
        if sc.job_name in seen:
            raise ValueError(f'found multiple scrape configs with job name "{sc.job_name}"')
        seen.add(sc.job_name)
        sc.interval_s = parse_duration(sc.scrape_interval) if sc.scrape_interval else g_interval
        if sc.scrape_timeout:
            sc.timeout_s = parse_duration(sc.scrape_timeout)
        else:
            sc.timeout_s = min(g_timeout, sc.interval_s)
        if sc.timeout_s > sc.interval_s:
            raise ValueError(
                f'scrape timeout greater than scrape interval for scrape config with job name "{sc.job_name}"'
            )
        if sc.scheme not in ("http", "https"):
            raise ValueError(f"invalid scheme: {sc.scheme!r}")
        if not sc.scrape_protocols:
            sc.scrape_protocols = list(g.scrape_protocols)
        _check_protocols(sc.scrape_protocols, f"scrape config for job {sc.job_name}")
        given = [bool(sc.basic_auth), bool(sc.authorization), bool(sc.bearer_token)]
        if sum(given) > 1:
            raise ValueError(
                "at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured"
            )
        if sc.authorization is not None and sc.authorization.type.lower() == "basic":
            raise ValueError('authorization type cannot be set to "basic", use "basic_auth" instead')
        for rc in [*sc.relabel_configs, *sc.metric_relabel_configs]:
            try:
                rc.validate()
            except re.error as exc:
                raise ValueError(f"error parsing regexp: {exc}") from None
        for st in sc.static_configs:
            for t in st.targets:
                if "/" in t:
                    raise ValueError(f'"{t}" is not a valid hostname')


def _check_protocols(protocols: list[str], where: str) -> None:
    seen: set[str] = set()
    for p in protocols:
        if p not in SCRAPE_PROTOCOLS:
            raise ValueError(f"unknown scrape protocol {p}, supported: {', '.join(SCRAPE_PROTOCOLS)}")
        if p in seen:
            raise ValueError(f"duplicated protocol in scrape_protocols, got {protocols}")
        seen.add(p)
    if "PrometheusProto" in protocols and len(protocols) == 1:
        raise ValueError(f"{where}: PrometheusProto is not supported yet by pyotelcol")
