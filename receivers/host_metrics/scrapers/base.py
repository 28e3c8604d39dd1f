"""What every hostmetrics scraper shares: its metrics builder, the thread its blocking reads run
on, and Go's partial-error accounting."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from pyotelcol.component import Host, Settings
from pyotelcol.helpers.scraperhelper import PartialScrapeError
from pyotelcol.pdata import Metrics

from .. import mdata, procfs
from ..hostfs import HostPaths

__all__ = ["HostScraper", "ScrapeErrors", "now_ns"]

C = TypeVar("C")
T = TypeVar("T")


def now_ns() -> int:
    return time.time_ns()


def _in_daemon_thread(fn: Callable[[], T], name: str) -> asyncio.Future[T]:
    """``fn()`` on a thread of its own, as a future of the running loop.

    Not the loop's default executor: shutting down waits for that executor's threads, and a read
    that hangs (a dead NFS mount under ``statvfs``) would then hang the collector's exit too.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]
        # nobody may await an abandoned round: mark its error as seen
        future.exception()

    def run() -> None:
        try:
            result, error = fn(), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


class ScrapeErrors:
    """Go's ``scrapererror.ScrapeErrors``: messages plus how many metrics they cost."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.failed = 0

    def add(self, failed: int, message: str) -> None:
        self.messages.append(message)
        self.failed += failed

    def raise_if_any(self, data: Metrics) -> Metrics:
        if self.messages:
            raise PartialScrapeError("; ".join(self.messages), self.failed, data)
        return data


class HostScraper(Generic[C]):
    """One scraper; subclasses set ``name`` and ``metrics_len`` and implement ``collect``.

    ``collect`` runs on a worker thread. A round that outlives the controller's ``timeout`` keeps
    its thread until it finishes, and the next round fails at once rather than overlapping it.
    """

    name = ""
    metrics_len = 0  # what a whole failed scrape counts as failed, as Go's metricsLen
    uses_boot_time = True

    def __init__(self, settings: Settings, cfg: C, paths: HostPaths) -> None:
        self.settings = settings
        self.logger = settings.telemetry.logger
        self.cfg = cfg
        self.paths = paths
        self.spec = mdata.load_spec(self.name)
        self.mb = mdata.MetricsBuilder(self.spec, cfg, settings.build_info.version)
        self._running: asyncio.Future[Metrics] | None = None

    async def start(self, host: Host) -> None:
        await asyncio.to_thread(self.prepare)

    def prepare(self) -> None:
        """Blocking set-up at start: the boot time every cumulative point starts at."""
        if self.uses_boot_time:
            self.mb.start_time_ns = procfs.boot_time(self.paths.proc) * 1_000_000_000

    async def shutdown(self) -> None:
        return None

    async def scrape(self) -> Metrics:
        if self._running is not None and not self._running.done():
            raise RuntimeError(f"the previous {self.name} scrape is still running")
        self._running = _in_daemon_thread(self._collect_safely, f"host_metrics {self.name}")
        return await asyncio.shield(self._running)

    def _collect_safely(self) -> Metrics:
        try:
            return self.collect()
        except PartialScrapeError:
            raise
        except Exception as exc:
            raise PartialScrapeError(str(exc), self.metrics_len, Metrics.empty()) from exc

    def collect(self) -> Metrics:
        raise NotImplementedError

    def enabled(self, *keys: str) -> bool:
        return any(self.mb.enabled(k) for k in keys)
