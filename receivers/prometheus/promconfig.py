"""The Prometheus server config under the receiver's ``config:`` key, read strictly and validated
the way Prometheus' ``config.Load`` does (defaults from ``global``, unique job names, durations in
Prometheus' syntax, ``scrape_timeout`` not above ``scrape_interval``)."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

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
#: the service discovery mechanisms Prometheus knows; static, file and http are implemented here.
_SD_KEY = re.compile(r"^[a-z0-9]+_sd_configs$")
_SUPPORTED_SD = ("static_configs", "file_sd_configs", "http_sd_configs")
#: Prometheus' ``patFileSDName``: a file SD path may hold one ``*`` in its last element and must
#: name a JSON or YAML file.
_FILE_SD_NAME = re.compile(r"^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$")
#: Prometheus' ``patRulePath``, which also checks ``scrape_config_files``.
_CONFIG_FILE_PATH = re.compile(r"^[^*]*(\*[^/]*)?$")


class ScrapeConfigFilesError(ValueError):
    """A problem in a ``scrape_config_files`` file: Go reports it from ``Validate`` (``failed to
    get scrape configs: ...``), not while unmarshaling."""


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
class FileSDConfig:
    files: list[str] = field(default_factory=list)
    refresh_interval: str = "5m"

    refresh_s: float = field(default=0.0, metadata={"internal": True})


@dataclass
class HTTPSDConfig:
    url: str = ""
    refresh_interval: str = "60s"
    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    bearer_token: str = field(default="", metadata={"opaque": True})
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    follow_redirects: bool = True

    refresh_s: float = field(default=0.0, metadata={"internal": True})


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
    bearer_token: str = field(default="", metadata={"opaque": True})
    tls_config: TLSConfig = field(default_factory=TLSConfig)
    follow_redirects: bool = True
    static_configs: list[StaticConfig] = field(default_factory=list)
    file_sd_configs: list[FileSDConfig] = field(default_factory=list)
    http_sd_configs: list[HTTPSDConfig] = field(default_factory=list)
    relabel_configs: list[RelabelConfig] = field(default_factory=list)
    metric_relabel_configs: list[RelabelConfig] = field(default_factory=list)

    # Resolved from the strings above and ``global`` by ``load``.
    interval_s: float = field(default=0.0, metadata={"internal": True})
    timeout_s: float = field(default=0.0, metadata={"internal": True})


@dataclass
class PromConfig:
    global_: GlobalConfig = field(default_factory=GlobalConfig, metadata={"key": "global"})
    scrape_configs: list[ScrapeConfig] = field(default_factory=list)
    scrape_config_files: list[str] = field(default_factory=list)


@dataclass
class ScrapeConfigsFile:
    """A file named by ``scrape_config_files``: only a ``scrape_configs`` list."""

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
    raw = {k: v for k, v in raw.items() if k not in ("remote_write", "remote_read", "rule_files", "alerting")}
    _refuse_other_sd(raw.get("scrape_configs"))
    try:
        cfg = decode(PromConfig, raw, path="config")
    except DecodeError as exc:
        raise ValueError("\n".join(exc.errors)) from None
    for pattern in cfg.scrape_config_files:
        if not _CONFIG_FILE_PATH.match(pattern):
            raise ValueError(f'invalid scrape config file path "{pattern}"')
    _validate(cfg)
    cfg.scrape_configs.extend(_load_scrape_config_files(cfg))
    return cfg


def _refuse_other_sd(jobs: Any) -> None:
    for i, job in enumerate(jobs if isinstance(jobs, list) else []):
        if isinstance(job, dict):
            sd = sorted(k for k in job if _SD_KEY.match(str(k)) and k not in _SUPPORTED_SD)
            if sd:
                raise ValueError(
                    f"scrape_configs[{i}] ({job.get('job_name', '')}): {', '.join(sd)} not supported yet by "
                    "pyotelcol (only static_configs, file_sd_configs and http_sd_configs)"
                )


def _load_scrape_config_files(cfg: PromConfig) -> list[ScrapeConfig]:
    """Prometheus' ``GetScrapeConfigs``: every file the globs match (in order, each glob sorted)
    holds more jobs, validated with the same ``global`` and named uniquely across all files."""
    first_seen = {sc.job_name: "main config file" for sc in cfg.scrape_configs}
    out: list[ScrapeConfig] = []
    for pattern in cfg.scrape_config_files:
        for filename in sorted(glob.glob(pattern, include_hidden=True)):
            where = f'"{os.path.abspath(filename)}"'
            try:
                with open(filename, encoding="utf-8") as f:
                    raw = yaml.safe_load(f)
                _refuse_other_sd(raw.get("scrape_configs") if isinstance(raw, dict) else None)
                jobs = decode(ScrapeConfigsFile, raw if raw is not None else {}, path="").scrape_configs
                for sc in jobs:
                    _validate_job(sc, cfg.global_)
            except DecodeError as exc:
                raise ScrapeConfigFilesError(f"{where}: {'; '.join(exc.errors)}") from None
            except (OSError, yaml.YAMLError, ValueError) as exc:
                raise ScrapeConfigFilesError(f"{where}: {exc}") from None
            for sc in jobs:
                if sc.job_name in first_seen:
                    raise ScrapeConfigFilesError(
                        f'{where}: found multiple scrape configs with job name "{sc.job_name}", '
                        f"first found in {first_seen[sc.job_name]}"
                    )
                first_seen[sc.job_name] = where
                _set_directory(sc, os.path.dirname(filename))
                out.append(sc)
    return out


def _join_dir(directory: str, path: str) -> str:
    return path if not path or os.path.isabs(path) else os.path.join(directory, path)


def _set_directory(sc: ScrapeConfig, directory: str) -> None:
    """Relative paths in a job read from a file are relative to that file (Prometheus' ``SetDirectory``)."""
    clients: list[ScrapeConfig | HTTPSDConfig] = [sc, *sc.http_sd_configs]
    for client in clients:
        tls = client.tls_config
        tls.ca_file, tls.cert_file, tls.key_file = (
            _join_dir(directory, p) for p in (tls.ca_file, tls.cert_file, tls.key_file)
        )
        if client.basic_auth is not None:
            client.basic_auth.password_file = _join_dir(directory, client.basic_auth.password_file)
        if client.authorization is not None:
            client.authorization.credentials_file = _join_dir(directory, client.authorization.credentials_file)
    for fsd in sc.file_sd_configs:
        fsd.files = [_join_dir(directory, p) for p in fsd.files]


def _validate(cfg: PromConfig) -> None:
    g = cfg.global_
    g_interval, g_timeout = _global_interval_and_timeout(g)
    if g_timeout > g_interval:
        raise ValueError("global scrape timeout greater than scrape interval")
    _check_protocols(g.scrape_protocols, "global")
    seen: set[str] = set()
    for sc in cfg.scrape_configs:
        _validate_job(sc, g)
        if sc.job_name in seen:
            raise ValueError(f'found multiple scrape configs with job name "{sc.job_name}"')
        seen.add(sc.job_name)


def _global_interval_and_timeout(g: GlobalConfig) -> tuple[float, float]:
    interval = parse_duration(g.scrape_interval)
    return (interval if interval else 60.0), parse_duration(g.scrape_timeout)


def _validate_job(sc: ScrapeConfig, g: GlobalConfig) -> None:
    """One job's checks and defaults, as Prometheus' ``ScrapeConfig.Validate``."""
    g_interval, g_timeout = _global_interval_and_timeout(g)
    if not sc.job_name:
        raise ValueError("job_name is empty")
    sc.interval_s = parse_duration(sc.scrape_interval) if sc.scrape_interval else g_interval
    if sc.scrape_timeout:
        sc.timeout_s = parse_duration(sc.scrape_timeout)
    else:
        sc.timeout_s = min(g_timeout, sc.interval_s)
    if sc.timeout_s > sc.interval_s:
        raise ValueError(f'scrape timeout greater than scrape interval for scrape config with job name "{sc.job_name}"')
    if sc.scheme not in ("http", "https"):
        raise ValueError(f"invalid scheme: {sc.scheme!r}")
    if not sc.scrape_protocols:
        sc.scrape_protocols = list(g.scrape_protocols)
    _check_protocols(sc.scrape_protocols, f"scrape config for job {sc.job_name}")
    _check_client(sc)
    for rc in [*sc.relabel_configs, *sc.metric_relabel_configs]:
        try:
            rc.validate()
        except re.error as exc:
            raise ValueError(f"error parsing regexp: {exc}") from None
    for st in sc.static_configs:
        for t in st.targets:
            if "/" in t:
                raise ValueError(f'"{t}" is not a valid hostname')
    for fsd in sc.file_sd_configs:
        _check_file_sd(fsd)
    for hsd in sc.http_sd_configs:
        _check_http_sd(hsd)


def _check_client(client: ScrapeConfig | HTTPSDConfig) -> None:
    """Prometheus' ``HTTPClientConfig.Validate`` for the settings pyotelcol reads."""
    given = [bool(client.basic_auth), bool(client.authorization), bool(client.bearer_token)]
    if sum(given) > 1:
        raise ValueError(
            "at most one of basic_auth, authorization, bearer_token & bearer_token_file must be configured"
        )
    if client.basic_auth is not None and client.basic_auth.password and client.basic_auth.password_file:
        raise ValueError("at most one of basic_auth password, password_file & password_ref must be configured")
    if client.authorization is not None:
        if client.authorization.credentials and client.authorization.credentials_file:
            raise ValueError("at most one of authorization credentials & credentials_file must be configured")
        if client.authorization.type.lower() == "basic":
            raise ValueError('authorization type cannot be set to "basic", use "basic_auth" instead')


def _refresh_seconds(text: str) -> float:
    seconds = parse_duration(text)
    if seconds <= 0:  # Go's ticker would panic on 0: refuse it up front
        raise ValueError("refresh_interval must be greater than 0")
    return seconds


def _check_file_sd(fsd: FileSDConfig) -> None:
    if not fsd.files:
        raise ValueError("file service discovery config must contain at least one path name")
    for name in fsd.files:
        if not _FILE_SD_NAME.match(name):
            raise ValueError(f'path name "{name}" is not valid for file discovery')
    fsd.refresh_s = _refresh_seconds(fsd.refresh_interval)


def _check_http_sd(hsd: HTTPSDConfig) -> None:
    if not hsd.url:
        raise ValueError("URL is missing")
    try:
        parsed = urlsplit(hsd.url)
        host = parsed.netloc
    except ValueError as exc:
        raise ValueError(f'parse "{hsd.url}": {exc}') from None
    if parsed.scheme not in ("http", "https"):
        raise ValueError("URL scheme must be 'http' or 'https'")
    if not host:
        raise ValueError("host is missing in URL")
    hsd.refresh_s = _refresh_seconds(hsd.refresh_interval)
    _check_client(hsd)


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
