"""headers_setter extension: Go's validation messages, the actions and sources on their own, and
a real collector (OTLP/HTTP in with include_metadata, batch partitioned by x-tenant, the sending
queue) whose otlp_http and otlp_grpc exporters send each tenant's data with its own
X-Scope-OrgID to in-process OTLP sinks."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from support import Collector, free_port, otlp_sinks, wait_for_port

from pyotelcol import client
from pyotelcol.component import Kind
from pyotelcol.config import decode, validate
from pyotelcol.factories import ExtensionFactory, from_entry_points
from pyotelcol.testing import make_settings


def _factory() -> ExtensionFactory:
    factory = from_entry_points().get(Kind.EXTENSION, "headers_setter")
    assert isinstance(factory, ExtensionFactory)
    return factory


def _config(raw: dict[str, Any]) -> Any:
    default = _factory().create_default_config()
    return decode(type(default), raw, default)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([], "missing headers configuration"),
        ([{"value": "x"}], "missing header name"),
        ([{"key": "", "value": "x"}], "missing header name"),
        ([{"key": "X-A"}], "missing header source, must be 'from_context', 'from_attribute' or 'value'"),
        (
            [{"key": "X-A", "value": "v", "from_context": "t"}],
            "invalid header source, must either 'from_context', 'from_attribute' or 'value'",
        ),
        (
            [{"key": "X-A", "from_attribute": "s", "from_context": "t"}],
            "invalid header source, must either 'from_context', 'from_attribute' or 'value'",
        ),
    ],
)
def test_validation_messages(headers: list[dict[str, Any]], message: str) -> None:
    assert validate(_config({"headers": headers}), "extensions::headers_setter") == [
        f"extensions::headers_setter: {message}"
    ]


def test_valid_configs() -> None:
    ok = [
        {"key": "X-A", "action": "delete"},  # delete needs no source
        {"key": "X-B", "value": ""},  # an empty value is a value
        {"key": "X-C", "from_attribute": "subject", "default_value": "nobody"},
    ]
    assert validate(_config({"headers": ok}), "extensions::headers_setter") == []


def _setter(headers: list[dict[str, Any]]) -> Any:
    return _factory().create(make_settings("headers_setter", Kind.EXTENSION), _config({"headers": headers}))


def test_actions_and_sources() -> None:
    setter = _setter(
        [
            {"key": "X-Tenant-Out", "from_context": "X-Tenant", "default_value": "anonymous"},
            {"key": "content-type", "action": "insert", "value": "text/plain"},  # present: kept
            {"key": "X-New", "action": "insert", "value": "n"},
            {"key": "X-Missing", "action": "update", "value": "u"},  # absent: not set
            {"key": "User-Agent", "action": "update", "value": "mine"},
            {"key": "Accept", "action": "delete"},
            {"key": "X-Subject", "from_attribute": "subject"},
            {"key": "X-Groups", "from_attribute": "groups"},
            {"key": "X-No-Default", "from_context": "absent"},
        ]
    )
    info = client.Info(
        auth={"subject": "alice", "groups": ["a", "b"]},
        metadata=client.Metadata({"x-tenant": ["acme"]}),
    )
    base = {"Content-Type": "application/x-protobuf", "User-Agent": "ua", "accept": "*/*"}
    out = asyncio.run(setter.request_headers(info, base))
    assert out == {
        "Content-Type": "application/x-protobuf",
        "X-Tenant-Out": "acme",
        "X-New": "n",
        "User-Agent": "mine",
        "X-Subject": "alice",
        "X-Groups": '["a","b"]',
        "X-No-Default": "",  # Go sends the header empty
    }
    assert base["accept"] == "*/*"  # the caller's mapping is not changed
    empty = asyncio.run(setter.request_headers(client.Info(), {}))
    assert (empty["X-Tenant-Out"], empty["X-Subject"]) == ("anonymous", "")
    # the plain ClientAuthenticator view reads the current client
    with client.with_info(info):
        assert asyncio.run(setter.headers())["X-Tenant-Out"] == "acme"


def test_several_metadata_values_fail_the_request() -> None:
    setter = _setter([{"key": "X-Scope-OrgID", "from_context": "tenant"}])
    info = client.Info(metadata=client.Metadata({"tenant": ["a", "b"]}))
    with pytest.raises(ValueError) as err:
        asyncio.run(setter.request_headers(info, {}))
    assert str(err.value) == (
        "failed to determine the source: 2 source keys found in the context, can't determine which one to use"
    )


# -- a real collector -------------------------------------------------------------------------------


def _trace(name: str) -> bytes:
    span = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": name, "kind": 1}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()


def test_tenants_headers_follow_their_data_through_batch_and_queue(tmp_path: Path) -> None:
    sinks = otlp_sinks()
    http_port, grpc_port, otlp_port = free_port(), free_port(), free_port()
    path = tmp_path / "config.yaml"
    path.write_text(
        f"""
extensions:
  headers_setter:
    headers:
      - {{key: X-Scope-OrgID, from_context: x-tenant, default_value: anonymous}}
      - {{key: X-Static, value: fixed, action: insert}}
      - {{key: X-Temp, value: t, action: upsert}}
      - {{key: X-Temp, action: delete}}
      - {{key: X-Only-If-Present, value: nope, action: update}}
receivers:
  otlp:
    protocols: {{http: {{endpoint: "127.0.0.1:{otlp_port}", include_metadata: true}}}}
processors:
  batch: {{metadata_keys: [x-tenant], timeout: 100ms}}
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:{http_port}
    auth: {{authenticator: headers_setter}}
    sending_queue: {{enabled: true}}
  otlp_grpc:
    endpoint: 127.0.0.1:{grpc_port}
    tls: {{insecure: true}}
    auth: {{authenticator: headers_setter}}
    sending_queue: {{enabled: true}}
service:
  telemetry: {{metrics: {{level: none}}}}
  extensions: [headers_setter]
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [otlp_http, otlp_grpc]}}
"""
    )
    sent = {"span-a": "tenant-a", "span-b": "tenant-b", "span-none": None}

    async def main() -> None:
        http_sink, grpc_sink = sinks.HttpSink(http_port), sinks.GrpcSink(grpc_port)
        await http_sink.start()
        await grpc_sink.start()
        col = Collector(path)
        try:
            await asyncio.to_thread(wait_for_port, otlp_port, col.proc)
            async with aiohttp.ClientSession() as session:
                for name, tenant in sent.items():
                    headers = {"Content-Type": "application/json", **({"X-Tenant": tenant} if tenant else {})}
                    url = f"http://127.0.0.1:{otlp_port}/v1/traces"
                    async with session.post(url, data=_trace(name), headers=headers) as resp:
                        assert resp.status == 200, await resp.text()
            deadline = time.monotonic() + 30
            while len(http_sink.accepted) < 3 or len(grpc_sink.accepted) < 3:
                assert time.monotonic() < deadline, (http_sink.accepted, grpc_sink.accepted)
                await asyncio.sleep(0.05)
        finally:
            code, _, err = await asyncio.to_thread(col.stop)
            await http_sink.stop()
            await grpc_sink.stop()
        assert code == 0, err
        http_seen = {
            tuple(sinks.span_names([r.body])): {k.lower(): v for k, v in r.headers.items()} for r in http_sink.accepted
        }
        grpc_seen = {tuple(sinks.span_names([r.body])): r.metadata for r in grpc_sink.accepted}
        for name, tenant in sent.items():
            for seen in (http_seen[(name,)], grpc_seen[(name,)]):
                assert seen["x-scope-orgid"] == (tenant or "anonymous")
                assert seen["x-static"] == "fixed"
                assert "x-temp" not in seen and "x-only-if-present" not in seen
            assert http_seen[(name,)]["content-type"] == "application/x-protobuf"

    asyncio.run(main())
