"""Odd metrics through ``metrics_transform`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

from typing import Any

from pyotelcol.processors.metrics_transform import create_factory
from support import metric_names as names
from support import odd_metrics as odd

from pyotelcol.component import Signal
from pyotelcol.pdata import Metrics
from pyotelcol.testing import run_processor


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    return [d for d in run_processor(create_factory(), raw, Signal.METRICS, *batches) if isinstance(d, Metrics)]


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
