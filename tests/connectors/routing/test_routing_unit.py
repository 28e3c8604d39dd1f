"""The routing connector in-process: error modes, the request grammar, pass-through of whole
requests. The pipelines are recording sinks behind the service's own ``PipelineRouter``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pyotelcol.connectors.routing import create_factory
from pyotelcol.connectors.routing.request import parse_request_condition

from pyotelcol import client
from pyotelcol.component import Kind, PipelineID, Signal
from pyotelcol.config import decode
from pyotelcol.consumer import ConsumerError
from pyotelcol.pdata import Logs, Traces
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.service.graph import PipelineRouter
from pyotelcol.testing import Sink, make_settings

PIPELINES = ("logs/a", "logs/b", "logs/default")


def _connector(raw: dict[str, Any]) -> tuple[Any, dict[str, Sink]]:
    factory = create_factory()
    cfg = decode(type(factory.create_default_config()), raw)
    cfg.validate()
    sinks = {p: Sink() for p in PIPELINES}
    router = PipelineRouter({PipelineID.parse(p): s for p, s in sinks.items()})
    settings = make_settings("routing", Kind.CONNECTOR, Signal.LOGS)
    return factory.create_for(Signal.LOGS, Signal.LOGS, settings, cfg, router), sinks


def _logs(*bodies: str) -> Logs:
    records = [{"body": {"stringValue": b}} for b in bodies]
    body = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": records}]}]}).encode()
    data = decode_request(Signal.LOGS, body)
    assert isinstance(data, Logs)
    return data


def _bodies(sink: Sink) -> list[str]:
    logs = [d for d in sink.received if isinstance(d, Logs)]
    return [r.body.as_raw() for d in logs for rl in d.resource_logs for sl in rl.scope_logs for r in sl.log_records]


FAILING = {"context": "log", "condition": 'Substring(body, 5, 1) == "f"', "pipelines": ["logs/a"]}
SHORT = {"context": "log", "condition": 'body == "ab"', "pipelines": ["logs/b"]}


@pytest.mark.parametrize("mode", ["ignore", "silent"])
def test_a_failing_condition_is_false(mode: str) -> None:
    conn, sinks = _connector({"error_mode": mode, "default_pipelines": ["logs/default"], "table": [FAILING, SHORT]})
    asyncio.run(conn.consume(_logs("ab", "abcdefgh", "cd")))
    assert _bodies(sinks["logs/a"]) == ["abcdefgh"]
    assert _bodies(sinks["logs/b"]) == ["ab"]
    assert _bodies(sinks["logs/default"]) == ["cd"]


def test_propagate_fails_the_request_and_sends_nothing() -> None:
    conn, sinks = _connector({"error_mode": "propagate", "default_pipelines": ["logs/default"], "table": [FAILING]})
    with pytest.raises(ConsumerError, match="invalid range for substring"):
        asyncio.run(conn.consume(_logs("abcdefgh", "ab")))
    assert all(not s.received for s in sinks.values())


def test_a_request_going_to_one_place_is_handed_on_unchanged() -> None:
    conn, sinks = _connector({"table": [{"condition": 'log.body != ""', "pipelines": ["logs/a"]}]})
    data = _logs("x", "y")
    asyncio.run(conn.consume(data))
    assert sinks["logs/a"].received == [data] and sinks["logs/a"].received[0] is data


def test_request_context_reads_client_metadata() -> None:
    route = {"context": "request", "condition": 'request["X-Tenant"] != "acme"', "pipelines": ["logs/b"]}
    conn, sinks = _connector({"default_pipelines": ["logs/default"], "table": [route]})

    async def send(metadata: dict[str, list[str]]) -> None:
        with client.with_info(client.Info(metadata=client.Metadata(metadata))):
            await conn.consume(_logs(str(metadata)))

    asyncio.run(send({"x-tenant": ["ecorp"]}))
    asyncio.run(send({"X-TENANT": ["acme"]}))
    asyncio.run(send({}))  # an absent key matches neither == nor !=
    assert _bodies(sinks["logs/b"]) == ["{'x-tenant': ['ecorp']}"]
    assert len(sinks["logs/default"].received) == 2


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        ("", "condition is empty"),
        ('request["a"] == "b" != "c"', "condition contains multiple comparators"),
        ('req["a"] == "b"', "condition must have format 'request[\"<name>\"] <comparator> <value>'"),
        ('request["a"] == b', 'condition must have format \'request["<name>"] <comparator> "<value>"\''),
    ],
)
def test_request_grammar_errors(condition: str, error: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_request_condition(condition)
    assert str(info.value) == error


def test_routes_to_the_same_pipelines_share_one_request() -> None:
    table = [
        {"context": "log", "condition": 'body == "x"', "pipelines": ["logs/a"]},
        {"context": "log", "condition": 'body == "y"', "pipelines": ["logs/b"]},
    ]
    conn, sinks = _connector({"default_pipelines": ["logs/a"], "table": table})
    asyncio.run(conn.consume(_logs("x", "y", "z")))
    assert len(sinks["logs/a"].received) == 1
    assert _bodies(sinks["logs/a"]) == ["x", "z"]
    assert _bodies(sinks["logs/b"]) == ["y"]


def test_one_table_serves_several_signals() -> None:
    factory = create_factory()
    table = [
        {"condition": 'log.body == "x"', "pipelines": ["traces/a", "logs/a"]},
        {"condition": 'span.name == "s"', "pipelines": ["traces/a", "logs/a"]},
    ]
    cfg = decode(type(factory.create_default_config()), {"default_pipelines": ["traces/b"], "table": table})
    cfg.validate()
    sinks = {p: Sink() for p in ("traces/a", "traces/b")}
    router = PipelineRouter({PipelineID.parse(p): s for p, s in sinks.items()})
    settings = make_settings("routing", Kind.CONNECTOR, Signal.TRACES)
    spans = [{"traceId": "01" * 16, "spanId": "02" * 8, "name": n} for n in ("s", "x")]
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}).encode()
    # As in Go, every route's pipelines must take this signal from the connector, even a route
    # whose context (log) this signal does not have.
    with pytest.raises(ValueError, match='missing consumer: "logs/a"'):
        factory.create_for(Signal.TRACES, Signal.TRACES, settings, cfg, router)
    cfg.table[0].pipelines = cfg.table[1].pipelines = ["traces/a"]
    conn = factory.create_for(Signal.TRACES, Signal.TRACES, settings, cfg, router)
    asyncio.run(conn.consume(decode_request(Signal.TRACES, body)))
    names = [
        [s.name for rs in d.resource_spans for ss in rs.scope_spans for s in ss.spans]
        for sink in sinks.values()
        for d in sink.received
        if isinstance(d, Traces)
    ]
    assert names == [["s"], ["x"]]
