"""The redis scraper: ``INFO all`` (and ``CLUSTER INFO`` on a cluster node) each round, turned into
Go's metrics. Fields that do not parse are skipped with a warning, as Go does; a failed ``INFO``
fails the round."""

from __future__ import annotations

import time

from pyotelcol.component import Host, Settings
from pyotelcol.pdata import Metrics

from .config import Config, split_host_port
from .metrics import CPU_STATES, INFO_METRICS, METRICS, MetricsBuilder
from .resp import RedisClient

__all__ = ["RedisScraper", "parse_info"]

MAX_DBS = 16  # Redis' default number of databases; Go looks at db0..db15
PERCENTILES = ("p50", "p99", "p99.9")


def parse_info(text: str) -> dict[str, str]:
    """``key:value`` lines of an INFO reply (section headers and odd lines skipped, as Go)."""
    out = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line or line.startswith("#"):
            continue
        pair = line.split(":")
        if len(pair) == 2:
            out[pair[0]] = pair[1]
    return out


def _fields(value: str) -> dict[str, str]:
    """``a=1,b=2`` → {"a": "1", "b": "2"}."""
    out = {}
    for item in value.strip().split(","):
        name, eq, rest = item.partition("=")
        if eq:
            out[name] = rest
    return out


class RedisScraper:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._cfg = cfg
        self._logger = settings.telemetry.logger
        self._mb = MetricsBuilder(cfg.metrics.enabled(), settings.build_info.version)
        self._resource_enabled = cfg.resource_attributes.enabled()
        self._client: RedisClient | None = None
        self._uptime_s: int | None = None
        unix = cfg.transport.startswith("unix")
        self._address, self._port = ("", "") if unix else split_host_port(cfg.endpoint)

    async def start(self, host: Host) -> None:
        cfg = self._cfg
        unix = cfg.transport.startswith("unix")
        self._client = RedisClient(
            host=self._address,
            port=int(self._port) if self._port.isdigit() else 0,
            unix_path=cfg.endpoint if unix else None,
            username=cfg.username,
            password=cfg.password,
            ssl_context=cfg.tls.ssl_context(),
            server_hostname=cfg.tls.server_name_override or self._address or None,
            dial_timeout_s=cfg.dialer.timeout.total_seconds(),
        )

    async def shutdown(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def scrape(self) -> Metrics:
        assert self._client is not None, "scrape before start"
        info = parse_info(await self._client.command("INFO", "all"))
        if info.get("cluster_enabled") == "1":
            try:
                info.update(parse_info(await self._client.command("CLUSTER", "INFO")))
            except Exception as exc:
                self._logger.warning("failed to retrieve cluster info", extra={"fields": {"error": str(exc)}})
        now = time.time_ns()
        try:
            uptime = int(info.get("uptime_in_seconds", ""))
        except ValueError:
            raise ValueError(f'strconv.Atoi: parsing "{info.get("uptime_in_seconds", "")}": invalid syntax') from None
        # Sums start when the server did; a smaller uptime means it restarted.
        if self._uptime_s is None or uptime < self._uptime_s:
            self._mb.start_ns = now - uptime * 1_000_000_000
        self._uptime_s = uptime
        self._record_fields(now, info)
        self._record_keyspace(now, info)
        self._record_role(now, info)
        self._record_commands(now, info)
        return self._mb.emit(self._resource(info))

    def _resource(self, info: dict[str, str]) -> dict[str, str]:
        values = {
            "redis.version": info.get("redis_version", "unknown"),
            "server.address": self._address,
            "server.port": self._port,
        }
        return {key: value for key, value in values.items() if key in self._resource_enabled}

    def _record_fields(self, now: int, info: dict[str, str]) -> None:
        for key, raw in info.items():
            name = INFO_METRICS.get(key)
            state = CPU_STATES.get(key)
            if name is None and state is None:
                continue
            metric = name or "redis.cpu.time"
            try:
                value: float = float(raw) if METRICS[metric].is_double else int(raw)
            except ValueError:
                kind = "float" if METRICS[metric].is_double else "int"
                self._logger.warning(f"failed to parse info {kind} val", extra={"fields": {"key": key, "val": raw}})
                continue
            self._mb.record(metric, now, value, [("state", state)] if state else ())

    def _record_keyspace(self, now: int, info: dict[str, str]) -> None:
        for db in range(MAX_DBS):
            raw = info.get(f"db{db}")
            if raw is None:
                continue
            values = _fields(raw)
            try:
                keys, expires, avg_ttl = int(values["keys"]), int(values["expires"]), int(values["avg_ttl"])
            except (KeyError, ValueError):
                self._logger.warning(
                    "failed to parse keyspace string", extra={"fields": {"key": f"db{db}", "val": raw}}
                )
                continue
            attrs = [("db", str(db))]
            self._mb.record("redis.db.keys", now, keys, attrs)
            self._mb.record("redis.db.expires", now, expires, attrs)
            self._mb.record("redis.db.avg_ttl", now, avg_ttl, attrs)

    def _record_role(self, now: int, info: dict[str, str]) -> None:
        role = info.get("role")
        if role is not None:
            self._mb.record("redis.role", now, 1, [("role", "primary" if role == "master" else "replica")])

    def _record_commands(self, now: int, info: dict[str, str]) -> None:
        for key, raw in info.items():
            if key.startswith("cmdstat_"):
                cmd = key.removeprefix("cmdstat_")
                values = _fields(raw)
                for field_name, metric in (("calls", "redis.cmd.calls"), ("usec", "redis.cmd.usec")):
                    if values.get(field_name, "").isdigit():
                        self._mb.record(metric, now, int(values[field_name]), [("cmd", cmd)])
            elif key.startswith("latency_percentiles_usec_"):
                cmd = key.removeprefix("latency_percentiles_usec_")
                for percentile, usec in _fields(raw).items():
                    if percentile not in PERCENTILES:
                        continue
                    try:
                        seconds = float(usec) / 1e6
                    except ValueError:
                        continue
                    self._mb.record("redis.cmd.latency", now, seconds, [("cmd", cmd), ("percentile", percentile)])
