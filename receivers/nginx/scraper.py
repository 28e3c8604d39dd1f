"""The nginx scraper: one GET of the ``stub_status`` page each round, parsed into Go's four
metrics. A failed request, a status other than 200 or a page that is not stub_status fails the
round with the wording of Go's client (``failed to get ...``, ``expected 200 response, got 404``,
``failed to parse response body ...``)."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from typing import NoReturn

import aiohttp

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttpclient import HttpClient, set_headers, start_http_client
from pyotelcol.pdata import Metrics

from .config import Config
from .metrics import MetricsBuilder
from .stubstatus import StubStatusError, go_quote, parse_stub_status

__all__ = ["NginxScraper", "describe_request_error"]


class NginxScraper:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._cfg = cfg
        self._logger = settings.telemetry.logger
        self._mb = MetricsBuilder(cfg.metrics.enabled(), settings.build_info.version)
        self._client: HttpClient | None = None
        # Go builds its stub_status client on the first good fetch and only then logs failures
        # itself (before that, only the scraper controller's "Error scraping metrics" is logged).
        self._fetched_once = False

    async def start(self, host: Host) -> None:
        self._mb.start_ns = time.time_ns()
        self._client = await start_http_client(self._cfg, host, self._cfg.endpoint, logger=self._logger)

    async def shutdown(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def scrape(self) -> Metrics:
        try:
            page = await self._fetch()
            stats = parse_stub_status(page)
        except StubStatusError as exc:
            self._failed(f"failed to parse response body {go_quote(page)}: {exc}")
        except _FetchError as exc:
            self._failed(str(exc))
        self._fetched_once = True
        return self._mb.emit(stats, time.time_ns())

    def _failed(self, message: str) -> NoReturn:
        if self._fetched_once:
            self._logger.error("Failed to fetch nginx stats", extra={"fields": {"error": message}})
        raise RuntimeError(message)

    async def _fetch(self) -> str:
        assert self._client is not None, "scrape before start"
        url = self._cfg.endpoint
        if not url.lower().startswith(("http://", "https://")):
            scheme = url.partition(":")[0] if ":" in url else ""
            raise _FetchError(f'failed to get {url}: Get "{url}": unsupported protocol scheme "{scheme}"')
        timeout = aiohttp.ClientTimeout(total=self._cfg.timeout.total_seconds() or None)
        headers = await self._client.headers(set_headers({}, self._cfg.header_pairs()))
        try:
            async with self._client.session.get(
                url, headers=headers, **self._client.request_kwargs(timeout)
            ) as response:
                if response.status != 200:
                    raise _FetchError(f"expected 200 response, got {response.status}")
                try:
                    body = await response.read()
                except (aiohttp.ClientError, TimeoutError) as exc:
                    raise _FetchError(f"failed to read the response body: {describe_request_error(exc)}") from exc
        except _FetchError:
            raise
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            raise _FetchError(f'failed to get {url}: Get "{url}": {describe_request_error(exc)}') from exc
        return body.decode("utf-8", "replace")


class _FetchError(Exception):
    pass


def describe_request_error(exc: BaseException) -> str:
    """Go's net/http wording for the common failures of a request."""
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"tls: failed to verify certificate: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        where = f"{exc.host}:{exc.port}"
        os_error = exc.os_error
        if isinstance(os_error, socket.gaierror):
            return f"dial tcp: lookup {exc.host}: no such host"
        if os_error.errno == errno.ECONNREFUSED:
            return f"dial tcp {where}: connect: connection refused"
        return f"dial tcp {where}: {os_error.strerror or os_error}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "EOF"
    return str(exc) or type(exc).__name__
