"""The count connector in-process, for what a collector test cannot show cheaply: errors refuse the
whole request, and nothing is sent when there is nothing to count."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pyotelcol.connectors.count import create_factory

from pyotelcol.component import Kind, Signal
from pyotelcol.config import decode
from pyotelcol.consumer import ConsumerError
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.testing import Sink, make_settings


def _count(signal: Signal, raw: dict[str, Any]) -> tuple[Any, Sink]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw)
    cfg.validate()
    sink = Sink()
    settings = make_settings("count", Kind.CONNECTOR, signal)
    return factory.create_for(signal, Signal.METRICS, settings, cfg, sink), sink


def _logs(*bodies: str) -> Any:
    records = [{"body": {"stringValue": b}} for b in bodies]
    return decode_request(
        Signal.LOGS, json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": records}]}]}).encode()
    )


def test_a_failing_condition_refuses_the_request() -> None:
    conn, sink = _count(Signal.LOGS, {"logs": {"m": {"conditions": ['Substring(body, 5, 1) == "x"']}}})
    with pytest.raises(ConsumerError, match="invalid range for substring"):
        asyncio.run(conn.consume(_logs("abcdefgh", "ab")))
    assert sink.received == []


def test_nothing_counted_sends_nothing() -> None:
    conn, sink = _count(Signal.LOGS, {"logs": {"m": {"conditions": ['body == "none"']}}})
    asyncio.run(conn.consume(_logs("a", "b")))
    assert sink.received == []


def test_a_metric_without_type_refuses_the_request() -> None:
    conn, sink = _count(Signal.METRICS, {})
    body = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "typeless"}]}]}]}
    data = decode_request(Signal.METRICS, json.dumps(body).encode())
    with pytest.raises(ConsumerError, match='metric "typeless": invalid metric type: Empty'):
        asyncio.run(conn.consume(data))
    assert sink.received == []
