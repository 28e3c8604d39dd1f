"""Odd metrics through ``groupbyattrs`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

from typing import Any

from pyotelcol.processors.groupbyattrs import create_factory
from support import metric_names as names
from support import odd_metrics as odd

from pyotelcol.component import Signal
from pyotelcol.pdata import Metrics
from pyotelcol.testing import run_processor


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    return [d for d in run_processor(create_factory(), raw, Signal.METRICS, *batches) if isinstance(d, Metrics)]


def test_odd_metrics() -> None:
    data = odd()
    (out,) = run({"keys": ["host.name", "host.name", ""]}, data)
    assert out.item_count() == data.item_count() == 7
    resources = out.message.resource_metrics
    # the point whose host.name is a map moved to a resource of its own; metrics without points
    # (or data) are gone, as in Go
    assert [len(rm.scope_metrics[0].metrics) for rm in resources] == [5, 1]
    assert names(out) == ["empty.value", "nan.double", "odd.exp", "odd.histogram", "summary", "big.int"]
    moved = resources[1].resource.attributes
    assert [kv.key for kv in moved] == ["host.name", "host.name"]
    assert moved[0].value.WhichOneof("value") == "kvlist_value"
    assert moved[1].value.int_value == 3  # the duplicate key stays as it came
