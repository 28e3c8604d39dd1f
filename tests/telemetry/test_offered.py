"""Own metrics offered by a management server (pyotelcol.telemetry.offered): where the runtime
takes their snapshots from. The end-to-end sending is tested with the opamp extension
(tests/extensions/opamp)."""

from __future__ import annotations

import asyncio
from typing import Any

from pyotelcol.component import BuildInfo
from pyotelcol.config import decode
from pyotelcol.telemetry import Telemetry
from pyotelcol.telemetry.config import TelemetryConfig
from pyotelcol.telemetry.offered import OfferedMetricsReader


def _telemetry(metrics: dict[str, Any]) -> Telemetry:
    raw = {"logs": {"level": "error"}, "metrics": metrics}
    return Telemetry(decode(TelemetryConfig, raw), BuildInfo("otelcol-test", "d", "9.9.9"), logger_name="offered-test")


def _names(data: Any) -> set[str]:
    return {m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


def _snapshot(tel: Telemetry) -> Any:
    counter = tel.meter.create_counter("otelcol_test_items")
    counter.add(3)
    assert tel.offered_metrics is not None
    return tel.offered_metrics._source()


def test_snapshots_come_from_the_pull_reader_without_a_reader_of_their_own() -> None:
    tel = _telemetry({"readers": [{"pull": {"exporter": {"prometheus": {"host": "127.0.0.1", "port": 0}}}}]})
    try:
        assert tel.offered_metrics is not None
        assert tel.offered_metrics._source.__self__ is tel._readers[0]  # type: ignore[attr-defined]
        assert "otelcol_test_items" in _names(_snapshot(tel))
    finally:
        asyncio.run(tel.shutdown())


def test_without_a_pull_reader_a_reader_of_their_own_is_registered() -> None:
    exporter: dict[str, Any] = {"console": {}}
    tel = _telemetry({"readers": [{"periodic": {"interval": 3_600_000, "exporter": exporter}}]})
    try:
        assert tel.offered_metrics is not None
        assert isinstance(tel.offered_metrics._source.__self__, OfferedMetricsReader)  # type: ignore[attr-defined]
        assert "otelcol_test_items" in _names(_snapshot(tel))
    finally:
        asyncio.run(tel.shutdown())


def test_no_offered_metrics_when_metrics_are_off() -> None:
    tel = _telemetry({"level": "none"})
    try:
        assert tel.offered_metrics is None
    finally:
        asyncio.run(tel.shutdown())
