"""The ``prometheus`` receiver component: one scrape pool per job (its static targets and the
targets its ``file_sd_configs`` / ``http_sd_configs`` find), all sharing one HTTP client session."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Consumer
from pyotelcol.telemetry.obsreport import ReceiverObs

from . import promconfig
from .config import Config
from .discovery import FileDiscovery, HTTPDiscovery
from .pool import ScrapePool
from .scrape import ScrapeLoop
from .targets import Target


class PrometheusReceiver:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._settings = settings
        self._cfg = cfg
        self._prom = cfg.prometheus if cfg.prometheus is not None else promconfig.load(cfg.config)
        self._next = next_consumer
        # Go records the receiver's accepted/refused points with transport "http", format "prometheus".
        self._obs = ReceiverObs(settings, "http", format="prometheus")
        self._session: aiohttp.ClientSession | None = None
        self._pools: list[ScrapePool] = []

    async def start(self, host: Host) -> None:
        session = self._session = aiohttp.ClientSession(auto_decompress=True)
        logger = self._settings.telemetry.logger
        user_agent = f"{self._settings.build_info.command}/{self._settings.build_info.version}"
        for sc in self._prom.scrape_configs:
            discoverers: list[FileDiscovery | HTTPDiscovery] = [FileDiscovery(f, logger) for f in sc.file_sd_configs]
            discoverers += [HTTPDiscovery(h, session, user_agent, logger) for h in sc.http_sd_configs]
            pool = ScrapePool(sc, discoverers, self._loop_factory(sc, session), logger)
            self._pools.append(pool)
            pool.start()

    def _loop_factory(
        self, sc: promconfig.ScrapeConfig, session: aiohttp.ClientSession
    ) -> Callable[[Target], ScrapeLoop]:
        external = dict(self._prom.global_.external_labels)
        offset = self._cfg.initial_scrape_offset.total_seconds()

        def new_loop(target: Target) -> ScrapeLoop:
            return ScrapeLoop(
                self._settings,
                sc,
                target,
                session,
                self._next,
                self._obs,
                external,
                offset,
                self._cfg.trim_metric_suffixes,
            )

        return new_loop

    async def shutdown(self) -> None:
        pools, self._pools = self._pools, []
        for pool in pools:
            await pool.stop(final_scrape=self._cfg.scrape_on_shutdown)
        session, self._session = self._session, None
        if session is not None:
            await session.close()
