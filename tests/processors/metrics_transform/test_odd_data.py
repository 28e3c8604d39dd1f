"""Odd metrics through ``metrics_transform`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

import asyncio
from typing import Any

from pyotelcol.processors.metrics_transform import Config, create_factory
from support import EXAMPLES

from pyotelcol.component import Kind, Signal
from pyotelcol.config.decode import decode
from pyotelcol.pdata import Metrics
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.testing import NopHost, Sink, make_settings


def odd() -> Metrics:
    data = decode_request(Signal.METRICS, (EXAMPLES / "metrics-odd.json").read_bytes())
    assert isinstance(data, Metrics)
    return data


def names(data: Metrics) -> list[str]:
    return [m.name for rm in data.message.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    cfg = decode(Config, raw)
    cfg.validate()
    sink = Sink()
    settings = make_settings("metrics_transform", Kind.PROCESSOR, Signal.METRICS)
    processor = create_factory().create_for(Signal.METRICS, settings, cfg, sink)

    async def main() -> None:
        await processor.start(NopHost())
        for batch in batches:
            await processor.consume(batch)
        await processor.shutdown()

    asyncio.run(main())
    return [d for d in sink.received if isinstance(d, Metrics)]


def test_odd_metrics() -> None:
    operations = [
        {"action": "toggle_scalar_data_type"},
        {"action": "experimental_scale_value", "experimental_scale": -2.5},
        {"action": "add_label", "new_label": "x", "new_value": "{{version}}"},
        {"action": "update_label", "label": "host.name", "new_label": "host.name"},
        {"action": "delete_label_value", "label": "x", "label_value": "nothing"},
        {"action": "aggregate_label_values", "label": "x", "aggregated_values": ["a"], "new_value": "b"},
        {"action": "aggregate_labels", "label_set": ["x"], "aggregation_type": "max"},
    ]
    transforms = [
        {"include": "^odd", "match_type": "regexp", "action": "combine", "new_name": "c", "aggregation_type": "sum"},
        {"include": ".*", "match_type": "regexp", "action": "update", "operations": operations},
    ]
    (out,) = run({"transforms": transforms}, odd())
    # combine refused (a histogram and an exponential histogram); the summary is left by the
    # aggregations; the metric without points stays, the one without data too
    assert names(out) == [
        "no.data",
        "no.points",
        "empty.histogram",
        "empty.value",
        "big.int",
        "nan.double",
        "odd.exp",
        "odd.histogram",
        "summary",
    ]
    metrics = {m.name: m for m in out.message.resource_metrics[0].scope_metrics[0].metrics}
    (point,) = metrics["big.int"].sum.data_points
    # toggled to a double, scaled, then labelled with the version; the map-valued label was
    # aggregated away
    assert point.as_double == -2.5 * (2**63 - 1)
    assert [(kv.key, kv.value.string_value) for kv in point.attributes] == [("x", "0.1.0")]
