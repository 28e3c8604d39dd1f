"""Prometheus exposition with Go's names, scraped from a real listener (ports 21001-21049)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource

from pyotelcol.component import BuildInfo, Kind, Signal
from pyotelcol.config import decode
from pyotelcol.telemetry import Telemetry, TelemetryConfig
from pyotelcol.telemetry.config import PrometheusOptions
from pyotelcol.telemetry.gofmt import go_duration, go_float
from pyotelcol.telemetry.prometheus import CONTENT_TYPE, PullMetricReader, iter_names, unit_suffix
from pyotelcol.telemetry.views import BATCH_SEND_SIZE, BATCH_SEND_SIZE_BUCKETS

_counter = iter(range(1000))


@pytest.fixture
def logger_name() -> Iterator[str]:
    name = f"pyotelcol.test.prom{next(_counter)}"
    yield name
    for handler in list(logging.getLogger(name).handlers):
        logging.getLogger(name).removeHandler(handler)
        handler.close()


def _telemetry(raw: dict[str, Any], logger_name: str, log_file: Path | None = None) -> Telemetry:
    raw = dict(raw)
    logs: dict[str, Any] = {"output_paths": [str(log_file)] if log_file else []}
    raw.setdefault("logs", logs)
    return Telemetry(
        decode(TelemetryConfig, raw),
        BuildInfo("otelcol-test", "desc", "1.2.3"),
        logger_name=logger_name,
        instance_id="abc-123",
    )


def _reader_cfg(port: int, **extra: Any) -> dict[str, Any]:
    return {"readers": [{"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": port, **extra}}}}]}


async def _scrape(port: int, path: str = "/metrics") -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}") as resp:
        return resp.status, resp.headers.get("Content-Type", ""), await resp.text()


def _render(opts: PrometheusOptions, record: Any) -> str:
    reader = PullMetricReader(opts)
    provider = MeterProvider(
        metric_readers=[reader], resource=Resource({"service.name": "svc", "k8s.pod.ip": "1.2.3.4"})
    )
    record(provider.get_meter("scope.a", "0.9"))
    try:
        return reader.render()
    finally:
        provider.shutdown()


def test_go_number_and_duration_formats() -> None:
    cases = {
        1.0: "1",
        0.25: "0.25",
        10.0: "10",
        100000.0: "100000",
        1e6: "1e+06",
        1234567.0: "1.234567e+06",
        1e-05: "1e-05",
        0.0001: "0.0001",
        float("inf"): "+Inf",
        float("-inf"): "-Inf",
        -2.5: "-2.5",
    }
    assert {v: go_float(v) for v in cases} == cases
    assert go_duration(0) == "0s"
    assert go_duration(1_500) == "1.5µs"
    assert go_duration(2_250_000) == "2.25ms"
    assert go_duration(61_500_000_000) == "1m1.5s"
    assert go_duration(3_605_000_000_000) == "1h0m5s"


def test_unit_suffixes() -> None:
    assert unit_suffix("s", False) == "seconds"
    assert unit_suffix("By", True) == "bytes"
    assert unit_suffix("{spans}", False) == ""
    assert unit_suffix("1", True) == "ratio"
    assert unit_suffix("By/s", True) == "bytes_per_second"


def test_encoding_uses_go_defaults() -> None:
    def record(meter: Any) -> None:
        sent = meter.create_counter(
            "otelcol_exporter_sent_spans",
            unit="{spans}",
            description="Number of spans successfully sent to destination.",
        )
        sent.add(1234567, {"exporter": "otlp/x"})
        sent.add(3, {"exporter": "debug"})
        meter.create_up_down_counter("otelcol.exporter.in_flight", unit="1").add(2, {"data.type": "traces"})
        meter.create_observable_gauge(
            "otelcol_exporter_queue_size",
            callbacks=[lambda _o: [Observation(7, {"exporter": "otlp", "data_type": "logs"})]],
            description="Size\nof queue",
        )
        hist = meter.create_histogram(
            "otelcol_processor_internal_duration",
            unit="s",
            description="Duration.",
            explicit_bucket_boundaries_advisory=[0.1, 1],
        )
        hist.record(0.05, {"processor": "batch"})
        hist.record(5, {"processor": "batch"})

    text = _render(PrometheusOptions(host="", port=0), record)
    assert text == "\n".join(
        [
            "# HELP otelcol_exporter_in_flight ",
            "# TYPE otelcol_exporter_in_flight gauge",
            'otelcol_exporter_in_flight{data_type="traces"} 2',
            "# HELP otelcol_exporter_queue_size Size\\nof queue",
            "# TYPE otelcol_exporter_queue_size gauge",
            'otelcol_exporter_queue_size{data_type="logs",exporter="otlp"} 7',
            "# HELP otelcol_exporter_sent_spans Number of spans successfully sent to destination.",
            "# TYPE otelcol_exporter_sent_spans counter",
            'otelcol_exporter_sent_spans{exporter="debug"} 3',
            'otelcol_exporter_sent_spans{exporter="otlp/x"} 1.234567e+06',
            "# HELP otelcol_processor_internal_duration Duration.",
            "# TYPE otelcol_processor_internal_duration histogram",
            'otelcol_processor_internal_duration_bucket{processor="batch",le="0.1"} 1',
            'otelcol_processor_internal_duration_bucket{processor="batch",le="1"} 1',
            'otelcol_processor_internal_duration_bucket{processor="batch",le="+Inf"} 2',
            'otelcol_processor_internal_duration_sum{processor="batch"} 5.05',
            'otelcol_processor_internal_duration_count{processor="batch"} 2',
            "# HELP target_info Target metadata",
            "# TYPE target_info gauge",
            'target_info{k8s_pod_ip="1.2.3.4",service_name="svc"} 1',
            "",
        ]
    )


def test_suffixes_scope_and_constant_labels_when_explicitly_enabled() -> None:
    def record(meter: Any) -> None:
        meter.create_counter("otelcol_receiver_accepted_spans", unit="{spans}").add(1, {"receiver": "otlp"})
        meter.create_counter("otelcol_process_cpu_seconds", unit="s").add(2)
        meter.create_observable_gauge("otelcol_process_memory_rss", unit="By", callbacks=[lambda _o: [Observation(10)]])

    opts = PrometheusOptions(
        host="",
        port=0,
        without_units=False,
        without_type_suffix=False,
        without_scope_info=False,
        without_target_info=True,
        resource_labels_included=("service.name",),
    )
    names = set(iter_names(_render(opts, record)))
    assert names == {
        "otelcol_receiver_accepted_spans_total",
        "otelcol_process_cpu_seconds_total",
        "otelcol_process_memory_rss_bytes",
    }
    text = _render(opts, record)
    assert (
        'otelcol_receiver_accepted_spans_total{otel_scope_name="scope.a",otel_scope_version="0.9",'
        'receiver="otlp",service_name="svc"} 1'
    ) in text
    assert "target_info" not in text


def test_scrape_real_endpoint(logger_name: str) -> None:
    async def main() -> None:
        tel = _telemetry({"metrics": _reader_cfg(21001), "resource": {"k8s.pod.name": "pod-1"}}, logger_name)
        settings = tel.settings("otlp", Kind.RECEIVER, Signal.TRACES)
        assert settings.metrics_level == "normal"
        accepted = settings.meter.create_counter(
            "otelcol_receiver_accepted_spans",
            unit="{spans}",
            description="Number of spans successfully pushed into the pipeline.",
        )
        accepted.add(5, {"receiver": "otlp", "transport": "grpc", "format": "protobuf"})
        send_size = settings.meter.create_histogram(BATCH_SEND_SIZE, unit="{units}")
        send_size.record(30, {"processor": "batch"})

        def gauge(_o: CallbackOptions) -> list[Observation]:
            return [Observation(3, {"exporter": "otlp", "data_type": "traces"})]

        settings.meter.create_observable_gauge("otelcol_exporter_queue_size", callbacks=[gauge])
        assert tel.endpoints == ["127.0.0.1:21001"]
        await tel.start()
        try:
            status, ctype, text = await _scrape(21001)
            assert (status, ctype) == (200, CONTENT_TYPE)
            assert 'otelcol_receiver_accepted_spans{format="protobuf",receiver="otlp",transport="grpc"} 5' in text
            assert not [n for n in iter_names(text) if n.endswith("_total")]
            assert 'otelcol_exporter_queue_size{data_type="traces",exporter="otlp"} 3' in text
            buckets = [line for line in text.splitlines() if line.startswith(BATCH_SEND_SIZE + "_bucket")]
            assert len(buckets) == len(BATCH_SEND_SIZE_BUCKETS) + 1
            assert buckets[2] == f'{BATCH_SEND_SIZE}_bucket{{processor="batch",le="50"}} 1'
            assert (
                'target_info{k8s_pod_name="pod-1",service_instance_id="abc-123",'
                'service_name="otelcol-test",service_version="1.2.3"} 1'
            ) in text
            assert [line for line in text.splitlines() if "service_name=" in line] == [
                line for line in text.splitlines() if line.startswith("target_info{")
            ]
            names = set(iter_names(text))
            for proc in (
                "otelcol_process_uptime",
                "otelcol_process_cpu_seconds",
                "otelcol_process_memory_rss",
                "otelcol_process_runtime_heap_alloc_bytes",
                "otelcol_process_runtime_total_alloc_bytes",
                "otelcol_process_runtime_total_sys_memory_bytes",
            ):
                assert proc in names
            assert (await _scrape(21001, "/other"))[0] == 404
            # a second scrape still shows cumulative values
            _, _, again = await _scrape(21001)
            assert 'otelcol_receiver_accepted_spans{format="protobuf",receiver="otlp",transport="grpc"} 5' in again
        finally:
            await tel.shutdown()
            await tel.shutdown()
        with pytest.raises(aiohttp.ClientConnectorError):
            await _scrape(21001)

    asyncio.run(main())


def test_level_none_binds_nothing(logger_name: str) -> None:
    async def main() -> None:
        tel = _telemetry({"metrics": {"level": "none", **_reader_cfg(21002)}}, logger_name)
        assert tel.endpoints == []
        settings = tel.settings("batch", Kind.PROCESSOR)
        assert settings.metrics_level == "none"
        settings.meter.create_counter("otelcol_x").add(1)  # no-op, must not fail
        await tel.start()
        try:
            with pytest.raises(aiohttp.ClientConnectorError):
                await _scrape(21002)
        finally:
            await tel.shutdown()

    asyncio.run(main())


def _record_levels(tel: Telemetry) -> None:
    meter = tel.meter
    meter.create_histogram(BATCH_SEND_SIZE).record(5)
    meter.create_counter("otelcol_processor_batch_timeout_trigger_send").add(1)
    meter.create_histogram("otelcol_processor_batch_batch_send_size_bytes").record(100)
    meter.create_histogram("otelcol_processor_internal_duration").record(0.1)
    meter.create_counter("otelcol_processor_incoming_items").add(1)


@pytest.mark.parametrize(
    ("level", "present", "absent"),
    [
        (
            "basic",
            {"otelcol_processor_incoming_items"},
            {BATCH_SEND_SIZE, "otelcol_processor_batch_timeout_trigger_send", "otelcol_processor_internal_duration"},
        ),
        (
            "normal",
            {"otelcol_processor_incoming_items", BATCH_SEND_SIZE, "otelcol_processor_batch_timeout_trigger_send"},
            {"otelcol_processor_batch_batch_send_size_bytes", "otelcol_processor_internal_duration"},
        ),
        (
            "detailed",
            {BATCH_SEND_SIZE, "otelcol_processor_batch_batch_send_size_bytes", "otelcol_processor_internal_duration"},
            set(),
        ),
    ],
)
def test_level_gating(level: str, present: set[str], absent: set[str], logger_name: str, port: int = 21003) -> None:
    async def main() -> None:
        tel = _telemetry({"metrics": {"level": level, **_reader_cfg(port)}}, logger_name)
        _record_levels(tel)
        await tel.start()
        try:
            text = (await _scrape(port))[2]
        finally:
            await tel.shutdown()
        families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
        assert present <= families
        assert not absent & families

    asyncio.run(main())


def test_user_views_at_detailed(logger_name: str) -> None:
    async def main() -> None:
        views = [
            {
                "selector": {"instrument_name": "otelcol_processor_incoming_items"},
                "stream": {"name": "renamed_items", "attribute_keys": {"included": ["processor"]}},
            }
        ]
        tel = _telemetry({"metrics": {"level": "detailed", "views": views, **_reader_cfg(21004)}}, logger_name)
        tel.meter.create_counter("otelcol_processor_incoming_items").add(4, {"processor": "p", "otel.signal": "logs"})
        await tel.start()
        try:
            text = (await _scrape(21004))[2]
        finally:
            await tel.shutdown()
        assert 'renamed_items{processor="p"} 4' in text

    asyncio.run(main())


def test_address_shim_serves_and_warns(logger_name: str, tmp_path: Path) -> None:
    log_file = tmp_path / "col.log"

    async def main() -> None:
        tel = _telemetry({"metrics": {"address": "127.0.0.1:21005"}}, logger_name, log_file)
        assert tel.endpoints == ["127.0.0.1:21005"]
        await tel.start()
        try:
            status, _, text = await _scrape(21005)
        finally:
            await tel.shutdown()
        assert status == 200 and "otelcol_process_uptime" in text

    asyncio.run(main())
    lines = log_file.read_text().splitlines()
    warnings = [line for line in lines if "\twarn\t" in line]
    assert len(warnings) == 1
    assert "service::telemetry::metrics::address is deprecated" in warnings[0]


def test_bind_conflict_reads_like_go(logger_name: str) -> None:
    async def main() -> None:
        first = _telemetry({"metrics": _reader_cfg(21006)}, logger_name)
        second = _telemetry({"metrics": _reader_cfg(21006)}, logger_name)
        await first.start()
        try:
            with pytest.raises(OSError, match=r"listen tcp 127\.0\.0\.1:21006: bind: address already in use"):
                await second.start()
        finally:
            await second.shutdown()
            await first.shutdown()

    asyncio.run(main())
