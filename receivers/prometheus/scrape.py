"""One scrape loop per target, as Prometheus' ``scrapeLoop``: a fixed interval whose phase is
spread by a hash of the target (no random jitter), a timeout per scrape, the five synthetic
series and staleness markers for series that disappeared."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import aiohttp
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

from pyotelcol.component import Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.tasks import cancel_and_wait
from pyotelcol.pdata import Metrics
from pyotelcol.telemetry.obsreport import ReceiverObs
from pyotelcol.translator.prometheus import STALE_NAN, MetricsBuilder, parse_exposition, relabel, target_resource

from .httpclient import auth_headers, ssl_context
from .promconfig import ScrapeConfig
from .targets import Target

SCOPE_NAME = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver"
_ACCEPT = {
    "PrometheusProto": "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    "OpenMetricsText1.0.0": "application/openmetrics-text;version=1.0.0",
    "OpenMetricsText0.0.1": "application/openmetrics-text;version=0.0.1",
    "PrometheusText1.0.0": "text/plain;version=1.0.0",
    "PrometheusText0.0.4": "text/plain;version=0.0.4",
}
#: the series Prometheus adds for every scrape of a target (its "report" series).
REPORT_SERIES = (
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
)
_SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def accept_header(protocols: list[str]) -> str:
    """Prometheus' Accept header: the protocols in order with falling q weights, then ``*/*``."""
    weight = len(protocols) + 1
    parts = []
    for p in protocols:
        if p == "PrometheusProto":  # no protobuf parser here: do not ask for it
            continue
        parts.append(f"{_ACCEPT[p]};q=0.{weight}")
        weight -= 1
    parts.append(f"*/*;q=0.{weight}")
    return ",".join(parts)


def start_offset(target: Target, interval: float, now: float) -> float:
    """Seconds until this target's slot: Prometheus' ``Target.offset`` with a fixed seed."""
    digest = hashlib.sha256(f"{target.url}{target.labels}".encode()).digest()
    interval_ns = max(int(interval * 1e9), 1)
    offset = int.from_bytes(digest[:8], "big") % interval_ns
    base = interval_ns - int(now * 1e9) % interval_ns
    nxt = base + offset
    if nxt > interval_ns:
        nxt -= interval_ns
    return nxt / 1e9


class ScrapeLoop:
    """Scrapes one target of one job every ``scrape_interval`` and pushes each scrape's metrics."""

    def __init__(
        self,
        settings: Settings,
        sc: ScrapeConfig,
        target: Target,
        session: aiohttp.ClientSession,
        next_consumer: Consumer,
        obs: ReceiverObs,
        external_labels: dict[str, str],
        initial_offset: float,
        trim_suffixes: bool = False,
    ) -> None:
        self._settings = settings
        self._logger = settings.telemetry.logger
        self._sc = sc
        self._target = target
        self._session = session
        self._next = next_consumer
        self._obs = obs
        self._external = external_labels
        self._initial_offset = initial_offset
        self._trim = trim_suffixes
        self._headers = {
            "Accept": accept_header(sc.scrape_protocols),
            "Accept-Encoding": "gzip" if sc.enable_compression else "identity",
            "User-Agent": f"{settings.build_info.command}/{settings.build_info.version}",
            "X-Prometheus-Scrape-Timeout-Seconds": f"{sc.timeout_s:g}",
        }
        self._auth = auth_headers(sc)
        self._ssl = ssl_context(sc) if target.scheme == "https" else None
        self._previous: dict[_SeriesKey, dict[str, Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._builders: dict[tuple[str, str], MetricsBuilder] = {}
        self._scraped = False
        self._next_tick = 0.0  # monotonic time of the loop's next scrape

    @property
    def target(self) -> Target:
        return self._target

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"scrape {self._target.url}")

    async def stop(self, final_scrape: bool) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        if final_scrape:
            await self.scrape_once()

    async def retire(self) -> None:
        """Stop for good because service discovery dropped the target, then mark every series of
        its last scrape stale, as Prometheus' ``endOfRunStaleness`` does: the markers carry the time
        of the next scrape that would have been and are written just over one interval after it
        (in case the target comes back). Cancelling this coroutine (shutdown) writes none."""
        await self.stop(final_scrape=False)
        if not self._scraped:
            return
        interval = self._sc.interval_s
        now = time.monotonic()
        wait = self._next_tick - now if self._next_tick > now else interval - (now - self._next_tick) % interval
        await asyncio.sleep(wait)
        stale_ms = int(time.time() * 1000)
        await asyncio.sleep(interval + interval / 10)
        self._builders = {}
        for args in self._previous.values():
            self._builder(args["labels"]).add(**args, value=STALE_NAN, ts_ms=stale_ms)
        self._previous = {}
        for name in REPORT_SERIES:
            self._add_report(name, STALE_NAN, stale_ms)
        await self._push()

    async def _run(self) -> None:
        interval = self._sc.interval_s
        await asyncio.sleep(self._initial_offset + start_offset(self._target, interval, time.time()))
        next_tick = self._next_tick = time.monotonic()
        while True:
            try:
                await self.scrape_once()
            except Exception as exc:  # a bug in one scrape must not end the target's loop
                self._logger.error("Scrape failed unexpectedly", extra={"fields": {"error": repr(exc)}})
            next_tick += interval
            now = time.monotonic()
            if next_tick <= now:  # overran: skip missed ticks, like Prometheus' ticker
                next_tick += ((now - next_tick) // interval + 1) * interval
            self._next_tick = next_tick
            await asyncio.sleep(next_tick - now)

    async def _fetch(self) -> tuple[str, str]:
        headers = {**self._headers, **self._auth}
        timeout = aiohttp.ClientTimeout(total=self._sc.timeout_s or None)
        async with self._session.get(
            self._target.url,
            headers=headers,
            timeout=timeout,
            ssl=self._ssl if self._ssl is not None else True,
            allow_redirects=self._sc.follow_redirects,
            server_hostname=self._sc.tls_config.server_name or None,
        ) as resp:
            if resp.status != 200:
                raise RuntimeError(f"server returned HTTP status {resp.status} {resp.reason}")
            body = await resp.read()
            return body.decode("utf-8", errors="replace"), resp.headers.get("Content-Type", "")

    async def scrape_once(self) -> None:
        """One scrape and one push of its metrics (with ``up`` = 0 when the scrape failed)."""
        start = time.time()
        ts_ms = int(start * 1000)
        self._builders = {}
        current: dict[_SeriesKey, dict[str, Any]] = {}
        scraped = 0
        error: Exception | None = None
        try:
            body, content_type = await self._fetch()
            samples = parse_exposition(body, content_type)
        except Exception as exc:  # a failed scrape is data (up = 0), never a crash
            error = exc if not isinstance(exc, TimeoutError) else TimeoutError("context deadline exceeded")
            samples = []
        target_labels = dict(self._target.labels)
        kept_samples: list[tuple[dict[str, Any], float, int, float | None]] = []
        for s in samples:
            scraped += 1
            labels = self._merge(s.labels, s.name, target_labels)
            final = relabel(labels, self._sc.metric_relabel_configs)
            if final is None:
                continue
            final = {**final, **self._external} if self._external else final
            name = final.get("__name__", s.name)
            ts = ts_ms if (s.timestamp is None or not self._sc.honor_timestamps) else int(s.timestamp * 1000)
            args: dict[str, Any] = dict(family=s.family, kind=s.kind, name=name, labels=final, unit=s.unit, help=s.help)
            kept_samples.append((args, s.value, ts, s.created))
        kept = len(kept_samples)
        if self._sc.sample_limit and kept > self._sc.sample_limit:
            # Prometheus fails the whole scrape: up = 0 and none of its samples are kept.
            error, kept_samples = RuntimeError("sample limit exceeded"), []
        for args, value, ts, created in kept_samples:
            self._builder(args["labels"]).add(**args, value=value, ts_ms=ts, created=created)
            current[(args["name"], tuple(sorted(args["labels"].items())))] = args
        added = sum(1 for k in current if k not in self._previous)
        for key, args in self._previous.items():
            if key not in current:
                self._builder(args["labels"]).add(**args, value=STALE_NAN, ts_ms=ts_ms)
        self._previous = current
        duration = time.time() - start
        up = 0.0 if error is not None else 1.0
        report = (up, duration, float(scraped), float(kept), float(added))
        for name, value in zip(REPORT_SERIES, report, strict=True):
            self._add_report(name, value, ts_ms)
        self._scraped = True
        if error is not None:
            self._logger.warning(
                "Failed to scrape Prometheus endpoint",
                extra={
                    "fields": {
                        "error": str(error) or type(error).__name__,
                        "scrape_timestamp": ts_ms,
                        "target_labels": self._target_labels_text(),
                    }
                },
            )
        await self._push()

    def _add_report(self, name: str, value: float, ts_ms: int) -> None:
        labels = {**dict(self._target.labels), **self._external, "__name__": name}
        self._builder(labels).add(family=name, kind="unknown", name=name, labels=labels, value=value, ts_ms=ts_ms)

    def _builder(self, labels: dict[str, str]) -> MetricsBuilder:
        """The builder of the series' resource: Go keys resources by the series' own job and
        instance labels, so with ``honor_labels`` an exposed ``job`` makes a resource of its own."""
        key = (labels.get("job", self._target.job), labels.get("instance", self._target.instance))
        builder = self._builders.get(key)
        if builder is None:
            resource = target_resource(key[0], key[1], self._target.scheme)
            version = self._settings.build_info.version
            builder = self._builders[key] = MetricsBuilder(resource, SCOPE_NAME, version, self._trim)
        return builder

    def _target_labels_text(self) -> str:
        return "{" + ", ".join(f'{k}="{v}"' for k, v in [("__name__", "up"), *self._target.labels]) + "}"

    def _merge(self, scraped: dict[str, str], name: str, target: dict[str, str]) -> dict[str, str]:
        """Prometheus' ``mutateSampleLabels``: target labels win unless ``honor_labels``; a
        clashing scraped label is kept as ``exported_<name>``."""
        out = dict(scraped)
        out["__name__"] = name
        for k, v in target.items():
            if k in out and out[k] != "":
                if self._sc.honor_labels:
                    continue
                out[f"exported_{k}"] = out[k]
            out[k] = v
        return {k: v for k, v in out.items() if v != ""}

    async def _push(self) -> None:
        request = metrics_service_pb2.ExportMetricsServiceRequest()
        request.resource_metrics.extend(b.build() for b in self._builders.values())
        self._builders = {}
        metrics = Metrics(request)
        points = metrics.item_count()
        try:
            await self._next.consume(metrics)
        except Exception as err:
            self._obs.record(Signal.METRICS, points, refused=True)
            self._logger.error("Failed to push scraped metrics", extra={"fields": {"error": str(err)}})
            return
        self._obs.record(Signal.METRICS, points, refused=False)
