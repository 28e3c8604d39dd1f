"""The ``prometheus`` receiver component: one scrape loop per static target of every job, all
sharing one HTTP client session."""

from __future__ import annotations

import aiohttp

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Consumer
from pyotelcol.telemetry.obsreport import ReceiverObs

from . import promconfig
from .config import Config
from .scrape import ScrapeLoop
from .targets import targets_of


class PrometheusReceiver:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._settings = settings
        self._cfg = cfg
        self._prom = cfg.prometheus if cfg.prometheus is not None else promconfig.load(cfg.config)
        self._next = next_consumer
        # Go records the receiver's accepted/refused points with transport "http", format "prometheus".
        self._obs = ReceiverObs(settings, "http", format="prometheus")
        self._session: aiohttp.ClientSession | None = None
        self._loops: list[ScrapeLoop] = []

    async def start(self, host: Host) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=True)
        external = dict(self._prom.global_.external_labels)
        offset = self._cfg.initial_scrape_offset.total_seconds()
        for sc in self._prom.scrape_configs:
            for target in targets_of(sc):
                loop = ScrapeLoop(
                    self._settings,
                    sc,
                    target,
                    self._session,
                    self._next,
                    self._obs,
                    external,
                    offset,
                    self._cfg.trim_metric_suffixes,
                )
                self._loops.append(loop)
                loop.start()

    async def shutdown(self) -> None:
        loops, self._loops = self._loops, []
        for loop in loops:
            await loop.stop(final_scrape=self._cfg.scrape_on_shutdown)
        session, self._session = self._session, None
        if session is not None:
            await session.close()
