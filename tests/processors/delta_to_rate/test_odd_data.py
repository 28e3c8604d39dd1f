"""Odd metrics through ``delta_to_rate`` (the processor built by its factory, a recording
sink behind it): nothing crashes, and Go's handling of each oddity holds."""

from __future__ import annotations

from typing import Any

from pyotelcol.processors.delta_to_rate import create_factory
from support import metric_names as names
from support import odd_metrics as odd

from pyotelcol.component import Signal
from pyotelcol.pdata import Metrics
from pyotelcol.testing import run_processor


def run(raw: dict[str, Any], *batches: Metrics) -> list[Metrics]:
    return [d for d in run_processor(create_factory(), raw, Signal.METRICS, *batches) if isinstance(d, Metrics)]


def test_odd_metrics_are_not_delta_sums() -> None:
    data = odd()
    before = data.message.SerializeToString()
    (out,) = run({"metrics": names(data)}, data)
    assert out.message.SerializeToString() == before
