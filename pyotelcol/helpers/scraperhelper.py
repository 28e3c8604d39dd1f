"""Receivers that poll: what Go's ``scraper/scraperhelper`` gives hostmetrics and the receivers for
servers (redis, postgresql, nginx, httpcheck, ...).

A receiver config inherits ``ControllerConfig`` (Go squashes it into the receiver's section, so its
keys sit at the receiver's top level): ``collection_interval`` (default 1m), ``initial_delay`` (1s)
and ``timeout`` (0: none). The receiver hands ``ScraperController`` its scrapers; the controller
waits ``initial_delay``, then scrapes every ``collection_interval`` on a fixed schedule (an overrun
skips the ticks it missed, like Go's ticker), merges what the scrapers returned into one request
and pushes it to the pipeline.

Like Go, one failing scraper does not stop the others: its error is logged (``Error scraping
metrics``) and counted; a ``PartialScrapeError`` keeps the data it carries. Self-metrics as Go's:
``otelcol_scraper_scraped_metric_points`` / ``_errored_metric_points`` (labels receiver, scraper;
"scraped" counts metrics, as Go's does) and the receiver's accepted / refused metric points.
A round that produced nothing is not pushed (Go pushes an empty request).

Scrapers run on the event loop: one that blocks (file or system calls) must move that work to a
thread itself (``asyncio.to_thread``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from ..component import Host, Settings, Signal
from ..consumer import Consumer
from ..pdata import Metrics
from ..telemetry.obsreport import ReceiverObs
from .tasks import cancel_and_wait

__all__ = ["ControllerConfig", "MetricsScraper", "PartialScrapeError", "ScraperController"]


@dataclass
class ControllerConfig:
    """The polling keys every scraping receiver shares; subclass it for the receiver's config
    (and call ``super().validate()`` from the subclass's ``validate``)."""

    collection_interval: timedelta = timedelta(minutes=1)
    initial_delay: timedelta = timedelta(seconds=1)
    timeout: timedelta = timedelta(0)

    def validate(self) -> None:
        errors = []
        if self.collection_interval <= timedelta(0):
            errors.append('"collection_interval": requires positive value')
        if self.timeout < timedelta(0):
            errors.append('"timeout": requires positive value')
        if errors:
            raise ValueError("\n".join(errors))


class MetricsScraper(Protocol):
    """One source of metrics (a hostmetrics scraper, a server's stats endpoint)."""

    async def start(self, host: Host) -> None: ...

    async def shutdown(self) -> None: ...

    async def scrape(self) -> Metrics:
        """The current metrics; raise ``PartialScrapeError`` to deliver what could be read."""
        ...


class PartialScrapeError(Exception):
    """Some metrics could not be scraped: ``failed`` of them; ``data`` holds the rest."""

    def __init__(self, message: str, failed: int, data: Metrics) -> None:
        super().__init__(message)
        self.failed = failed
        self.data = data


class _ScraperObs:
    __slots__ = ("_attrs", "_errored", "_scraped")

    def __init__(self, settings: Settings, scraper: str) -> None:
        meter = settings.telemetry.meter
        self._scraped = meter.create_counter(
            "otelcol_scraper_scraped_metric_points",
            unit="{datapoint}",
            description="Number of metric points successfully scraped.",
        )
        self._errored = meter.create_counter(
            "otelcol_scraper_errored_metric_points",
            unit="{datapoint}",
            description="Number of metric points that were unable to be scraped.",
        )
        self._attrs = {"receiver": str(settings.id), "scraper": scraper}

    def record(self, scraped: int, errored: int) -> None:
        self._scraped.add(scraped, self._attrs)
        self._errored.add(errored, self._attrs)


class ScraperController:
    """The receiver component that drives ``scrapers`` (name → scraper) on ``cfg``'s schedule."""

    def __init__(
        self,
        settings: Settings,
        cfg: ControllerConfig,
        next_consumer: Consumer,
        scrapers: Sequence[tuple[str, MetricsScraper]],
    ) -> None:
        self._settings = settings
        self._logger = settings.telemetry.logger
        self._interval = cfg.collection_interval.total_seconds()
        self._initial_delay = cfg.initial_delay.total_seconds()
        self._timeout = cfg.timeout.total_seconds() or None
        self._next = next_consumer
        self._scrapers = list(scrapers)
        self._scraper_obs = [_ScraperObs(settings, name) for name, _ in self._scrapers]
        self._obs = ReceiverObs(settings, "")
        self._task: asyncio.Task[None] | None = None
        self._started: list[MetricsScraper] = []

    async def start(self, host: Host) -> None:
        for _, scraper in self._scrapers:
            await scraper.start(host)
            self._started.append(scraper)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"scrape {self._settings.id}")

    async def shutdown(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        started, self._started = self._started, []
        for scraper in started:
            try:
                await scraper.shutdown()
            except Exception as exc:
                self._logger.error("Failed to shut down a scraper", extra={"fields": {"error": str(exc)}})

    async def _run(self) -> None:
        if self._initial_delay > 0:
            await asyncio.sleep(self._initial_delay)
        next_tick = time.monotonic()
        while True:
            await self.scrape_once()
            next_tick += self._interval
            now = time.monotonic()
            if next_tick <= now:  # overran: skip the missed ticks, like Go's ticker
                next_tick += ((now - next_tick) // self._interval + 1) * self._interval
            await asyncio.sleep(next_tick - now)

    async def scrape_once(self) -> None:
        """One round: every scraper, then one push of what they returned."""
        await self._push(await self._scrape_all())

    async def _scrape_all(self) -> Metrics:
        # ``timeout`` bounds the whole round, as Go's context deadline does; a scraper still
        # running at the deadline fails alone and the others' data is kept.
        loop = asyncio.get_running_loop()
        deadline = None if self._timeout is None else loop.time() + self._timeout
        merged = Metrics.empty()
        for (name, scraper), obs in zip(self._scrapers, self._scraper_obs, strict=True):
            try:
                async with asyncio.timeout_at(deadline):
                    data = await scraper.scrape()
                errored = 0
            except PartialScrapeError as err:
                self._log_error(name, err)
                data, errored = err.data, err.failed
            except TimeoutError:
                self._log_error(name, TimeoutError(f"scrape timed out after {self._timeout}s"))
                obs.record(0, 0)
                continue
            except Exception as err:
                self._log_error(name, err)
                obs.record(0, 0)
                continue
            obs.record(data.metric_count(), errored)
            data.resource_metrics.move_and_append_to(merged.resource_metrics)
        return merged

    def _log_error(self, name: str, err: BaseException) -> None:
        self._logger.error("Error scraping metrics", extra={"fields": {"scraper": name, "error": str(err)}})

    async def _push(self, metrics: Metrics) -> None:
        if metrics.resource_count() == 0:
            return
        points = metrics.item_count()
        try:
            await self._next.consume(metrics)
        except Exception as err:
            self._obs.record(Signal.METRICS, points, refused=True)
            self._logger.error("Failed to push scraped metrics", extra={"fields": {"error": str(err)}})
            return
        self._obs.record(Signal.METRICS, points, refused=False)
