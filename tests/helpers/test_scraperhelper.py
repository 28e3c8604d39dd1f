"""scraperhelper: polling receivers on Go's schedule, with Go's scraper self-metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from pyotelcol.component import Host, Kind
from pyotelcol.config.decode import decode, validate
from pyotelcol.helpers.scraperhelper import ControllerConfig, PartialScrapeError, ScraperController
from pyotelcol.pdata import Metrics
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values


def _gauge(name: str, *values: float) -> Metrics:
    data = Metrics.empty()
    rm = data.resource_metrics.append_empty()
    rm.resource.attributes.put_str("source", name)
    gauge = rm.scope_metrics.append_empty().metrics.append_empty()
    gauge.name = name
    points = gauge.set_empty_gauge().data_points
    for value in values:
        points.append_empty().as_double = value
    return data


class FakeScraper:
    """An in-memory scraper: no real source is needed to test the controller's scheduling."""

    def __init__(self, name: str, outcome: str = "ok", delay: float = 0.0) -> None:
        self.name, self.outcome, self.delay = name, outcome, delay
        self.calls = 0
        self.lifecycle: list[str] = []

    async def start(self, host: Host) -> None:
        self.lifecycle.append("start")

    async def shutdown(self) -> None:
        self.lifecycle.append("shutdown")

    async def scrape(self) -> Metrics:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.outcome == "fail":
            raise OSError("connection refused")
        if self.outcome == "partial":
            raise PartialScrapeError("one metric failed", 1, _gauge(self.name, 1.0))
        return _gauge(self.name, 1.0, 2.0)


def _controller(
    scrapers: list[FakeScraper], reader: InMemoryMetricReader | None = None, **cfg: timedelta
) -> tuple[ScraperController, Sink]:
    sink = Sink()
    settings = make_settings("hostmetrics", Kind.RECEIVER, reader=reader)
    controller = ScraperController(settings, ControllerConfig(**cfg), sink, [(s.name, s) for s in scrapers])
    return controller, sink


def test_one_round_merges_every_scraper_and_keeps_partial_data() -> None:
    reader = InMemoryMetricReader()
    scrapers = [FakeScraper("cpu"), FakeScraper("disk", "fail"), FakeScraper("memory", "partial")]
    controller, sink = _controller(scrapers, reader)
    asyncio.run(controller.scrape_once())
    assert len(sink.received) == 1
    data = sink.received[0]
    assert isinstance(data, Metrics)
    assert [r.attributes.as_raw() for r in data.resources()] == [{"source": "cpu"}, {"source": "memory"}]
    assert data.item_count() == 3
    values = metric_values(reader)
    scraped = {attrs["scraper"]: v for attrs, v in values["otelcol_scraper_scraped_metric_points"]}
    errored = {attrs["scraper"]: v for attrs, v in values["otelcol_scraper_errored_metric_points"]}
    assert scraped == {"cpu": 1.0, "disk": 0.0, "memory": 1.0}  # Go counts metrics here
    assert errored == {"cpu": 0.0, "disk": 0.0, "memory": 1.0}
    assert values["otelcol_receiver_accepted_metric_points"][0][1] == 3.0


def test_timeout_fails_the_slow_scraper_only() -> None:
    slow, fast = FakeScraper("slow", delay=5), FakeScraper("fast")
    controller, sink = _controller([fast, slow], timeout=timedelta(milliseconds=50))
    asyncio.run(controller.scrape_once())
    assert [r.attributes.as_raw() for r in sink.received[0].resources()] == [{"source": "fast"}]


def test_a_refusing_pipeline_is_counted_and_the_next_round_still_runs() -> None:
    reader = InMemoryMetricReader()
    controller, sink = _controller([FakeScraper("cpu")], reader)
    sink.fail_with = RuntimeError("pipeline full")

    async def main() -> None:
        await controller.scrape_once()
        sink.fail_with = None
        await controller.scrape_once()

    asyncio.run(main())
    assert len(sink.received) == 1
    values = metric_values(reader)
    assert values["otelcol_receiver_refused_metric_points"][0][1] == 2.0


def test_start_scrapes_on_schedule_and_shutdown_stops_everything() -> None:
    scraper = FakeScraper("cpu")
    controller, sink = _controller(
        [scraper], collection_interval=timedelta(milliseconds=20), initial_delay=timedelta(0)
    )

    async def main() -> int:
        await controller.start(NopHost())
        for _ in range(500):  # wait for three rounds (bounded: 5 s)
            if len(sink.received) >= 3:
                break
            await asyncio.sleep(0.01)
        await controller.shutdown()
        calls = scraper.calls
        await asyncio.sleep(0.05)
        assert scraper.calls == calls  # no round after shutdown
        return len(sink.received)

    assert asyncio.run(main()) >= 3
    assert scraper.lifecycle == ["start", "shutdown"]


def test_config_keys_defaults_and_validation_follow_go() -> None:
    cfg = decode(ControllerConfig, {"collection_interval": "10s", "initial_delay": "0s"})
    assert cfg == ControllerConfig(timedelta(seconds=10), timedelta(0), timedelta(0))
    assert ControllerConfig() == ControllerConfig(timedelta(minutes=1), timedelta(seconds=1), timedelta(0))
    bad = decode(ControllerConfig, {"collection_interval": "0s", "timeout": "-1s"})
    assert validate(bad, "receivers::hostmetrics") == [
        'receivers::hostmetrics: "collection_interval": requires positive value',
        'receivers::hostmetrics: "timeout": requires positive value',
    ]
    with pytest.raises(ValueError, match="has invalid keys: interval"):
        decode(ControllerConfig, {"interval": "1s"})
