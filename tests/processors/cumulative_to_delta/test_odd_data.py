"""Odd metrics through ``cumulative_to_delta`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

from typing import Any

from pyotelcol.processors.cumulative_to_delta import create_factory
from support import EXAMPLES
from support import metric_names as names
from support import odd_metrics as odd

from pyotelcol.component import Signal
from pyotelcol.pdata import Metrics
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.testing import run_processor


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    return [d for d in run_processor(create_factory(), raw, Signal.METRICS, *batches) if isinstance(d, Metrics)]


def test_odd_metrics_twice() -> None:
    first, second = run({"initial_value": "keep"}, odd(), odd())
    # Go removes a converted sum left without points; metrics it does not convert stay
    assert names(first) == [
        "no.data",
        "empty.histogram",
        "empty.value",
        "big.int",
        "nan.double",
        "odd.exp",
        "odd.histogram",
        "summary",
    ]
    # the empty scope and the empty resource are gone
    assert [len(rm.scope_metrics) for rm in first.message.resource_metrics] == [1]
    metrics = {m.name: m for m in second.message.resource_metrics[0].scope_metrics[0].metrics}
    # the NaN passes untouched, the point without a recorded value is dropped
    (nan,) = metrics["nan.double"].sum.data_points
    assert nan.as_double != nan.as_double
    # a point without a value is an int 0, as Go reads it
    assert metrics["empty.value"].sum.data_points[0].WhichOneof("value") == "as_int"
    assert metrics["big.int"].sum.data_points[0].as_int == 0
    exp = metrics["odd.exp"].exponential_histogram.data_points[0]
    assert (exp.count, list(exp.positive.bucket_counts)) == (0, [])
    assert metrics["odd.histogram"].histogram.data_points[0].count == 0


def test_delta_data_passes_unchanged() -> None:
    # the standard fixture: every kind, sums and histograms already delta
    data = decode_request(Signal.METRICS, (EXAMPLES / "metrics.json").read_bytes())
    assert isinstance(data, Metrics)
    before = data.message.SerializeToString()
    (out,) = run({}, data)
    assert out.message.SerializeToString() == before
