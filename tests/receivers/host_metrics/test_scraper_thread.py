"""A scraper's blocking reads run on a worker thread, and a read that outlives its round is never
overlapped by the next one. /proc/loadavg is a FIFO here: opening it blocks, as a hung /proc or
NFS read would, until the test writes to it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from pyotelcol.receivers.host_metrics.config import parse_scrapers
from pyotelcol.receivers.host_metrics.hostfs import host_paths
from pyotelcol.receivers.host_metrics.scrapers.load import LoadScraper
from support import Collector

from pyotelcol.component import Kind
from pyotelcol.helpers.scraperhelper import PartialScrapeError
from pyotelcol.testing import NopHost, make_settings


def _values(metrics: object) -> dict[str, float]:
    out = {}
    for rm in metrics.message.resource_metrics:  # type: ignore[attr-defined]
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                out[m.name] = m.gauge.data_points[0].as_double
    return out


def test_a_blocked_read_is_not_overlapped_and_the_loop_stays_free(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "stat").write_text("btime 1700000000\n")
    fifo = proc / "loadavg"
    os.mkfifo(fifo)
    cfg = parse_scrapers({"load": {"cpu_average": True}})["load"]
    scraper = LoadScraper(make_settings("host_metrics", Kind.RECEIVER), cfg, host_paths(str(tmp_path)))

    async def scenario() -> dict[str, float]:
        await scraper.start(NopHost())
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        tick_task = asyncio.create_task(ticker())
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(scraper.scrape(), 0.3)
        assert ticks >= 5  # the event loop kept running while the read was blocked
        with pytest.raises(RuntimeError, match="the previous load scrape is still running"):
            await scraper.scrape()
        # let the blocked read finish, then give the next round a regular file
        writer = threading.Thread(target=lambda: fifo.write_text("0.50 1.00 1.50 1/100 42\n"))
        writer.start()
        await asyncio.to_thread(writer.join)
        fifo.unlink()
        fifo.write_text("0.50 1.00 1.50 1/100 42\n")
        for _ in range(200):  # the blocked round ends as soon as its read returns
            try:
                values = _values(await scraper.scrape())
                break
            except RuntimeError:
                await asyncio.sleep(0.01)
        tick_task.cancel()
        await scraper.shutdown()
        return values

    cpus = len(os.sched_getaffinity(0))
    assert asyncio.run(scenario()) == {
        "system.cpu.load_average.1m": pytest.approx(0.5 / cpus),
        "system.cpu.load_average.5m": pytest.approx(1.0 / cpus),
        "system.cpu.load_average.15m": pytest.approx(1.5 / cpus),
    }


def test_an_unreadable_file_is_a_whole_scraper_failure(tmp_path: Path) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "stat").write_text("btime 1700000000\n")
    cfg = parse_scrapers({"load": None})["load"]
    scraper = LoadScraper(make_settings("host_metrics", Kind.RECEIVER), cfg, host_paths(str(tmp_path)))

    async def scenario() -> PartialScrapeError:
        await scraper.start(NopHost())
        with pytest.raises(PartialScrapeError) as info:
            await scraper.scrape()
        return info.value

    err = asyncio.run(scenario())
    assert err.failed == 3 and err.data.metric_count() == 0
    assert "loadavg" in str(err)


def test_a_hung_read_neither_stops_other_scrapers_nor_the_collector_exit(tmp_path: Path) -> None:
    """A real collector whose load scraper hangs for good: rounds time out, the cpu scraper keeps
    reporting, and SIGTERM still ends the process (a thread stuck in a read must not be waited for)."""
    proc = tmp_path / "host" / "proc"
    proc.mkdir(parents=True)
    (proc / "stat").write_text("cpu0 1 2 3 4 5 6 7 8 0 0\nbtime 1700000000\n")
    os.mkfifo(proc / "loadavg")  # nobody ever writes: every read of it blocks
    out = tmp_path / "out.json"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""
receivers:
  host_metrics:
    collection_interval: 1s
    initial_delay: 0s
    timeout: 500ms
    root_path: {tmp_path / "host"}
    scrapers: {{load:, cpu:}}
exporters:
  file: {{path: {out}}}
service:
  pipelines:
    metrics: {{receivers: [host_metrics], exporters: [file]}}
"""
    )
    collector = Collector(config)
    try:
        for _ in range(300):
            assert collector.proc.poll() is None
            if out.exists() and out.read_text().count("\n") >= 3:
                break
            time.sleep(0.1)
    finally:
        try:
            code, _, err = collector.stop(timeout=30)
        except subprocess.TimeoutExpired:
            collector.proc.kill()
            collector.proc.communicate()
            raise AssertionError("the collector did not exit on SIGTERM") from None
    assert code == 0, err
    assert "scrape timed out after 0.5s" in err
    assert "the previous load scrape is still running" in err
    batches = [line for line in out.read_text().splitlines() if line.strip()]
    assert len(batches) >= 3 and all("system.cpu.time" in b and "load_average" not in b for b in batches)
