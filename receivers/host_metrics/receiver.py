"""The receiver: one ScraperController driving the configured scrapers."""

from __future__ import annotations

from pyotelcol.component import Host, Settings
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.scraperhelper import MetricsScraper, ScraperController

from . import hostfs
from .config import Config, parse_scrapers
from .scrapers import BY_NAME

__all__ = ["HostMetricsReceiver"]


class HostMetricsReceiver:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._paths = hostfs.host_paths(cfg.root_path)
        scrapers: list[tuple[str, MetricsScraper]] = [
            (name, BY_NAME[name](settings, scraper_cfg, self._paths))
            for name, scraper_cfg in parse_scrapers(cfg.scrapers).items()
        ]
        self._controller = ScraperController(settings, cfg, next_consumer, scrapers)
        self._acquired = False

    async def start(self, host: Host) -> None:
        hostfs.acquire(self._paths)
        self._acquired = True
        await self._controller.start(host)

    async def shutdown(self) -> None:
        await self._controller.shutdown()
        if self._acquired:
            self._acquired = False
            hostfs.release(self._paths)
