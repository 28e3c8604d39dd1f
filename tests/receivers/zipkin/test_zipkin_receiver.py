"""The zipkin receiver in process: config keys, pipeline refusals and their answers and
self-metrics, ``parse_string_tags`` and an empty span list, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientSession
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.receivers.zipkin import create_factory
from pyotelcol.receivers.zipkin.config import Config
from support import free_port, run_cli

from pyotelcol.component import Kind, Signal
from pyotelcol.config import DecodeError, decode
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.pdata import Traces
from pyotelcol.pdata.otlpjson import to_json
from pyotelcol.testing import NopHost, Sink, make_settings, metric_values

SPAN = {
    "traceId": "5af7183fb1d4cf5f5af7183fb1d4cf5f",
    "id": "6b221d5bc9e6496c",
    "name": "get /cart",
    "timestamp": 1_700_000_000_000_000,
    "duration": 1500,
    "localEndpoint": {"serviceName": "cart"},
    "tags": {"retries": "3", "cached": "true", "text": "abc"},
}


def load(raw: Any) -> Config:
    factory = create_factory()
    default: Config = factory.create_default_config()
    return decode(Config, raw, default)


def test_default_config_is_gos() -> None:
    cfg = create_factory().create_default_config()
    assert isinstance(cfg, Config)
    assert cfg.endpoint == "localhost:9411" and cfg.transport == "tcp"
    assert cfg.parse_string_tags is False
    # confighttp.NewDefaultServerConfig's timeouts (the zipkin receiver keeps them).
    assert cfg.read_header_timeout == timedelta(minutes=1) and cfg.idle_timeout == timedelta(minutes=1)
    assert cfg.write_timeout == timedelta(seconds=30)


def test_server_keys_are_squashed_in_and_unknown_keys_are_errors() -> None:
    cfg = load(
        {
            "endpoint": "0.0.0.0:9412",
            "parse_string_tags": True,
            "cors": {"allowed_origins": ["https://*.example.com"]},
            "max_request_body_size": 1024,
            "include_metadata": True,
        }
    )
    assert cfg.endpoint == "0.0.0.0:9412" and cfg.parse_string_tags is True
    cors = cfg.cors_config()
    assert cors is not None and cors.allowed_origins == ["https://*.example.com"]
    assert cfg.max_request_body_size == 1024 and cfg.include_metadata is True
    with pytest.raises(DecodeError) as info:
        load({"endpoint": "0.0.0.0:9411", "protocols": {"http": None}})
    assert info.value.errors == ["'' has invalid keys: protocols"]


def test_factory_offers_traces_only() -> None:
    factory = create_factory()
    assert set(factory.stability) == {Signal.TRACES}
    settings = make_settings("zipkin", Kind.RECEIVER, Signal.METRICS)
    with pytest.raises(Exception, match="telemetry type is not supported"):
        factory.create_for(Signal.METRICS, settings, factory.create_default_config(), Sink())


@asynccontextmanager
async def running(raw: dict[str, Any], sink: Sink, reader: InMemoryMetricReader) -> AsyncIterator[str]:
    """A started receiver on a free loopback port; yields its base URL."""
    port = free_port()
    cfg = load({**raw, "endpoint": f"127.0.0.1:{port}"})
    settings = make_settings("zipkin/in", Kind.RECEIVER, Signal.TRACES, reader)
    receiver = create_factory().create_for(Signal.TRACES, settings, cfg, sink)
    await receiver.start(NopHost())
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await receiver.shutdown()


def counts(reader: InMemoryMetricReader) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for name, points in metric_values(reader).items():
        for attrs, value in points:
            assert attrs["receiver"] == "zipkin/in" and set(attrs) == {"receiver", "transport"}
            out[(name.removeprefix("otelcol_receiver_"), attrs["transport"])] = value
    return out


def test_pipeline_refusals_are_answered_retryably_and_counted_as_refused() -> None:
    async def main() -> None:
        sink, reader = Sink(), InMemoryMetricReader()
        async with running({}, sink, reader) as base, ClientSession() as http:
            body = json.dumps([SPAN]).encode()
            sink.fail_with = PermanentError("bad data")
            async with http.post(f"{base}/api/v2/spans", data=body) as resp:
                assert resp.status == 400 and await resp.read() == b'"Bad Request"'
            sink.fail_with = ConsumerError("queue is full", retry_after=2.5)
            async with http.post(f"{base}/api/v2/spans", data=body) as resp:
                assert resp.status == 503 and await resp.read() == b'"Service Unavailable"'
                assert resp.headers["Retry-After"] == "3"
            sink.fail_with = None
            async with http.post(f"{base}/api/v2/spans", data=body) as resp:
                assert resp.status == 202 and await resp.read() == b""
        assert counts(reader) == {
            ("accepted_spans", "http_v2_json"): 1,
            ("refused_spans", "http_v2_json"): 2,
            ("failed_spans", "http_v2_json"): 0,
        }
        assert sink.item_count() == 1

    asyncio.run(main())


def _attributes(traces: Traces) -> dict[str, Any]:
    request = json.loads(to_json(traces.message))
    span = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    return {a["key"]: a["value"] for a in span["attributes"]}


@pytest.mark.parametrize("parse", [False, True])
def test_parse_string_tags_reaches_the_translator(parse: bool) -> None:
    async def main() -> Traces:
        sink, reader = Sink(), InMemoryMetricReader()
        async with running({"parse_string_tags": parse}, sink, reader) as base, ClientSession() as http:
            resp = await http.post(f"{base}/api/v2/spans", json=[SPAN])
            assert resp.status == 202
        assert len(sink.received) == 1
        data = sink.received[0]
        assert isinstance(data, Traces)
        return data

    attrs = _attributes(asyncio.run(main()))
    if parse:
        assert attrs["retries"] == {"intValue": "3"} and attrs["cached"] == {"boolValue": True}
    else:
        assert attrs["retries"] == {"stringValue": "3"} and attrs["cached"] == {"stringValue": "true"}
    assert attrs["text"] == {"stringValue": "abc"}


def test_an_empty_span_list_is_accepted_and_forwarded_as_go_does() -> None:
    async def main() -> None:
        sink, reader = Sink(), InMemoryMetricReader()
        async with running({}, sink, reader) as base, ClientSession() as http:
            resp = await http.post(f"{base}/api/v1/spans", data=b"[]")
            assert resp.status == 202
        assert len(sink.received) == 1 and sink.item_count() == 0
        assert counts(reader)[("accepted_spans", "http_v1_json")] == 0

    asyncio.run(main())


def test_helm_chart_zipkin_section_validates(tmp_path: Any) -> None:
    config = tmp_path / "helm.yaml"
    config.write_text(
        "receivers:\n"
        "  zipkin:\n"
        "    endpoint: ${env:MY_POD_IP}:9411\n"
        "exporters:\n"
        "  debug: {}\n"
        "service:\n"
        "  pipelines:\n"
        "    traces: {receivers: [zipkin], exporters: [debug]}\n"
    )
    done = run_cli("validate", "--config", str(config), env={"MY_POD_IP": "10.1.2.3"})
    assert done.returncode == 0, done.stderr
    wrong = config.with_name("wrong.yaml")
    wrong.write_text(config.read_text().replace("endpoint:", "endpont:"))
    done = run_cli("validate", "--config", str(wrong), env={"MY_POD_IP": "10.1.2.3"})
    assert done.returncode != 0 and "endpont" in done.stderr


def test_without_server_decoding_the_receiver_decodes_gzip_and_zlib_itself() -> None:
    """``compression_algorithms: []`` turns the server's decoding off; Go's receiver then
    decodes gzip/deflate/zlib on its own and keeps a body that does not decode as it is."""

    async def main() -> None:
        sink, reader = Sink(), InMemoryMetricReader()
        body = json.dumps([SPAN]).encode()
        bodies = [
            ("gzip", gzip.compress(body)),
            ("deflate", zlib.compress(body)),
            ("zlib", zlib.compress(body)),
            ("gzip", body),  # not gzip after all: used as it is
            ("br", body),  # no server check for unknown encodings either
        ]
        async with running({"compression_algorithms": []}, sink, reader) as base, ClientSession() as http:
            for encoding, data in bodies:
                resp = await http.post(f"{base}/api/v2/spans", data=data, headers={"Content-Encoding": encoding})
                assert resp.status == 202, (encoding, await resp.text())
        assert sink.item_count() == len(bodies)

    asyncio.run(main())
