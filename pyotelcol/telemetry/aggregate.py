"""One ``/metrics`` endpoint for all ``--workers`` processes.

Each worker serves its own metrics on an ephemeral loopback port (``Telemetry(worker_id=...)``)
and reports that port to the supervisor. The supervisor binds the configured endpoint(s) and, per
scrape, fetches every live worker's exposition of the same reader and merges them:

- series with the same name and labels are summed: counters, gauges (queue sizes, RSS, CPU
  seconds: the total of the collector), histogram ``_bucket``/``_sum``/``_count`` (the buckets
  of one metric have the same bounds in every worker, so the sum is the merged histogram);
- ``otelcol_process_uptime`` (any sample whose name contains ``process_uptime``) takes the maximum;
- ``target_info`` is taken from the first worker that answers (each worker has its own
  ``service.instance.id``; the collector is reported as one instance);
- ``pyotelcol_workers`` (gauge, ours) counts the workers that answered this scrape.

A worker that does not answer (restarting) is left out of that scrape: its counters are missing
until it is back, and a restarted worker starts again from zero, which a Prometheus ``rate()``
reads as a counter reset.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web

from .config import PrometheusOptions
from .gofmt import go_float
from .prometheus import CONTENT_TYPE, listen_error

_SCRAPE_TIMEOUT_S = 5.0
_WORKERS_METRIC = "pyotelcol_workers"


def _sample_key(line: str) -> tuple[str, str] | None:
    """``(name{labels}, value)`` of one sample line (no timestamps in our expositions)."""
    head, sep, value = line.rpartition(" ")
    if not sep or not head:
        return None
    return head, value


def _sample_name(key: str) -> str:
    return key.split("{", 1)[0]


def merge_expositions(texts: Sequence[str]) -> str:
    """Merge Prometheus text expositions of identical collectors (see the module docstring)."""
    order: list[str] = []  # family names, first seen first
    headers: dict[str, list[str]] = {}
    samples: dict[str, dict[str, float]] = {}
    first_target = next((i for i, t in enumerate(texts) if "target_info" in t), -1)
    for index, text in enumerate(texts):
        family = ""
        for line in text.splitlines():
            if not line:
                continue
            if line.startswith("#"):
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    family = parts[2]
                    if family not in headers:
                        order.append(family)
                        headers[family] = []
                        samples[family] = {}
                    if line not in headers[family]:
                        headers[family].append(line)
                continue
            parsed = _sample_key(line)
            if parsed is None:
                continue
            key, raw = parsed
            if family not in samples:  # a sample without a header: its own family
                family = _sample_name(key)
                order.append(family)
                headers[family] = []
                samples[family] = {}
            try:
                value = float(raw)
            except ValueError:
                continue
            series = samples[family]
            if family == "target_info":
                if index == first_target:
                    series[key] = value
                continue
            if key not in series:
                series[key] = value
            elif "process_uptime" in _sample_name(key):
                series[key] = max(series[key], value)
            else:
                series[key] += value
    out: list[str] = []
    for family in order:
        out.extend(headers[family])
        out.extend(f"{key} {go_float(value)}" for key, value in samples[family].items())
    out.append(f"# HELP {_WORKERS_METRIC} Collector worker processes that answered this scrape.")
    out.append(f"# TYPE {_WORKERS_METRIC} gauge")
    out.append(f"{_WORKERS_METRIC} {len(texts)}")
    return "\n".join(out) + "\n"


class AggregatingServer:
    """``GET /metrics`` on a configured reader endpoint, answered by merging the workers' scrapes.

    ``sources()`` returns the current ``host:port`` of every live worker's matching reader."""

    def __init__(
        self,
        options: PrometheusOptions,
        sources: Callable[[], list[str]],
        logger: logging.Logger | logging.LoggerAdapter[Any],
    ) -> None:
        self.options = options
        self._sources = sources
        self._logger = logger
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def endpoint(self) -> str:
        host, port = self.options.host, self.options.port
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    async def _fetch(self, session: aiohttp.ClientSession, address: str) -> str | None:
        try:
            async with session.get(f"http://{address}/metrics") as resp:
                if resp.status != 200:
                    return None
                return await resp.text()
        except (TimeoutError, aiohttp.ClientError, OSError):
            return None

    async def scrape(self) -> str:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=_SCRAPE_TIMEOUT_S))
        results = await asyncio.gather(*(self._fetch(self._session, a) for a in self._sources()))
        return merge_expositions([r for r in results if r is not None])

    async def _handle(self, request: web.Request) -> web.Response:
        body = await self.scrape()
        return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/metrics", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        opts = self.options
        site = web.TCPSite(runner, host=opts.host or None, port=opts.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise listen_error(opts.host, opts.port, exc) from exc
        self._runner = runner
        self._logger.debug("Serving aggregated Prometheus metrics", extra={"fields": {"address": self.endpoint}})

    async def shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        session, self._session = self._session, None
        if session is not None:
            await session.close()


__all__ = ["AggregatingServer", "merge_expositions"]
