"""One job's targets and scrape loops, as Prometheus' ``scrapePool``: the target groups of the
job's static configs and discoverers become targets; a new target gets a loop, a target that is
no longer there has its loop retired (its series go stale), an unchanged one keeps scraping."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .discovery import FileDiscovery, HTTPDiscovery, Logger
from .promconfig import ScrapeConfig
from .scrape import ScrapeLoop
from .targets import Target, TargetGroup, static_groups, targets_from_group


class ScrapePool:
    def __init__(
        self,
        sc: ScrapeConfig,
        discoverers: list[FileDiscovery | HTTPDiscovery],
        new_loop: Callable[[Target], ScrapeLoop],
        logger: Logger,
    ) -> None:
        self._sc = sc
        self._discoverers = discoverers
        self._new_loop = new_loop
        self._logger = logger
        self._static = static_groups(sc)
        self._loops: dict[Target, ScrapeLoop] = {}
        self._retiring: dict[Target, asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.sync()
        loop = asyncio.get_running_loop()
        for d in self._discoverers:
            self._tasks.append(loop.create_task(d.run(self.sync), name=f"discovery {self._sc.job_name}"))

    def _groups(self) -> list[TargetGroup]:
        return [*self._static, *(g for d in self._discoverers for g in d.groups())]

    def sync(self) -> None:
        """Start loops for new targets, retire the loops of targets that are gone."""
        wanted: dict[Target, None] = {}
        for group in self._groups():
            targets, failures = targets_from_group(self._sc, group)
            for err in failures:
                self._logger.error("Creating target failed", extra={"fields": {"err": err}})
            wanted.update(dict.fromkeys(targets))
        for target in [t for t in self._loops if t not in wanted]:
            scrape_loop = self._loops.pop(target)
            self._retiring[target] = asyncio.get_running_loop().create_task(
                self._retire(target, scrape_loop), name=f"retire {target.url}"
            )
        for target in wanted:
            if target in self._loops:
                continue
            returning = self._retiring.pop(target, None)
            if returning is not None:  # back before its stale markers: its series go on
                returning.cancel()
            try:
                scrape_loop = self._new_loop(target)
            except Exception as exc:  # e.g. an unreadable password_file: this target only
                self._logger.error("Creating target failed", extra={"fields": {"err": str(exc)}})
                continue
            self._loops[target] = scrape_loop
            scrape_loop.start()

    async def _retire(self, target: Target, scrape_loop: ScrapeLoop) -> None:
        try:
            await scrape_loop.retire()
        finally:
            if self._retiring.get(target) is asyncio.current_task():
                del self._retiring[target]

    async def stop(self, final_scrape: bool) -> None:
        """Shutdown: discovery stops, pending stale markers are dropped (as Prometheus does when
        the whole scrape manager stops), every loop stops."""
        tasks = [*self._tasks, *self._retiring.values()]
        self._tasks, self._retiring = [], {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        loops, self._loops = list(self._loops.values()), {}
        for scrape_loop in loops:
            await scrape_loop.stop(final_scrape=final_scrape)
