"""The http_check scraper: one request per endpoint each round, all endpoints at once, and Go's
metrics from the outcomes (``httpcheck.status`` per status class, ``httpcheck.duration``,
``httpcheck.error``, and the opt-in ``httpcheck.response.size`` and
``httpcheck.tls.cert_remaining``)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttpclient import HttpClient, set_headers, start_http_client
from pyotelcol.pdata import Metrics

from .config import Config, TargetConfig
from .metrics import MetricsEmitter
from .outcome import Outcome, describe_error, guess_content_type, peer_certificate

__all__ = ["HttpCheckScraper"]

# Go gives a target without a timeout this one, so a hung server cannot stall the rounds.
DEFAULT_TARGET_TIMEOUT_S = 30.0


@dataclass
class _Check:
    target: TargetConfig
    url: str
    client: HttpClient


class HttpCheckScraper:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._settings = settings
        self._logger = settings.telemetry.logger
        self._cfg = cfg
        self._checks: list[_Check] = []
        self._emitter = MetricsEmitter(cfg.metrics.enabled(), settings.build_info.version)

    async def start(self, host: Host) -> None:
        self._emitter.reset_start_time()
        for target in self._cfg.targets:
            for url in target.all_endpoints():
                client = await start_http_client(target, host, url, logger=self._logger)
                self._checks.append(_Check(target, url, client))

    async def shutdown(self) -> None:
        checks, self._checks = self._checks, []
        for check in checks:
            await check.client.close()

    async def scrape(self) -> Metrics:
        outcomes = await asyncio.gather(*(self._run(check) for check in self._checks))
        return self._emitter.emit(outcomes)

    async def _run(self, check: _Check) -> Outcome:
        target = check.target
        method = target.method or "GET"
        now_ns = time.time_ns()
        headers = set_headers({}, target.header_pairs())
        if target.body and target.auto_content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = guess_content_type(target.body)
        timeout_s = target.timeout.total_seconds() or DEFAULT_TARGET_TIMEOUT_S
        started = time.monotonic()
        try:
            if not check.url.lower().startswith(("http://", "https://")):
                scheme = "" if check.url.startswith("/") else check.url.partition(":")[0]
                raise _UnsupportedScheme(f'unsupported protocol scheme "{scheme}"')
            request_headers = await check.client.headers(headers)
            async with check.client.session.request(
                method,
                check.url,
                data=target.body.encode() if target.body else None,
                headers=request_headers,
                # Go sends a Content-Type only when one is configured (or auto_content_type)
                skip_auto_headers=("Content-Type",),
                **check.client.request_kwargs(aiohttp.ClientTimeout(total=timeout_s)),
            ) as response:
                duration_ms = int((time.monotonic() - started) * 1000)
                cert = peer_certificate(response) if self._emitter.wants_certificate else None
                body = await response.read()
                return Outcome(check.url, method, now_ns, duration_ms, response.status, len(body), cert, None)
        except _UnsupportedScheme as exc:
            message = str(exc)
        except Exception as exc:
            message = describe_error(exc)
        duration_ms = int((time.monotonic() - started) * 1000)
        error = f'{method[:1].upper()}{method[1:].lower()} "{check.url}": {message}'
        return Outcome(check.url, method, now_ns, duration_ms, 0, None, None, error)


class _UnsupportedScheme(Exception):
    pass
