"""otlp_http exporter: config, the push function against a real HTTP sink, status mapping, TLS."""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import logging
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from types import ModuleType
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from pyotelcol.exporters.otlp_http.config import Config
from pyotelcol.exporters.otlp_http.exporter import HttpExporter, retry_after_seconds

from pyotelcol.component import ID, Kind, Signal
from pyotelcol.config import decode, validate
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.pdata.otlpjson import from_json
from pyotelcol.testing import NopHost, make_settings

PATH = "exporters::otlp_http"


def build(raw: dict[str, Any]) -> Config:
    cfg = decode(Config, raw, Config())
    errors = validate(cfg, PATH)
    assert not errors, errors
    return cfg


def errors_of(raw: dict[str, Any]) -> list[str]:
    return validate(decode(Config, raw, Config()), PATH)


@asynccontextmanager
async def running(raw: dict[str, Any], signal: Signal = Signal.TRACES, host: Any = None) -> AsyncIterator[HttpExporter]:
    exp = HttpExporter(make_settings("otlp_http", Kind.EXPORTER, signal), signal, build(raw))
    await exp.start(host or NopHost())
    try:
        yield exp
    finally:
        await exp.shutdown()


# -- config ------------------------------------------------------------------------------------


def test_defaults_are_go_defaults() -> None:
    cfg = Config()
    assert cfg.timeout == timedelta(seconds=30)
    assert cfg.compression == "gzip" and cfg.encoding == "proto"
    assert cfg.write_buffer_size == 512 * 1024 and cfg.max_idle_conns == 100
    assert cfg.idle_conn_timeout == timedelta(seconds=90) and cfg.force_attempt_http2
    assert cfg.sending_queue.enabled and cfg.retry_on_failure.enabled and not cfg.circuit_breaker.enabled
    opaque = {f.name for f in dataclasses.fields(Config) if f.metadata.get("opaque")}
    assert opaque == {"headers"}
    tls_opaque = {f.name for f in dataclasses.fields(type(cfg.tls)) if f.metadata.get("opaque")}
    assert tls_opaque == {"ca_pem", "cert_pem", "key_pem"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "at least one endpoint must be specified"),
        ({"endpoint": "http://h:1", "encoding": "xml"}, "invalid encoding type: xml"),
        ({"endpoint": "http://h:1", "compression": "brotli"}, 'unsupported compression type "brotli"'),
        (
            {"endpoint": "http://h:1", "compression": "gzip", "compression_params": {"level": 12}},
            'unsupported parameters {Level:+12} for compression type "gzip"',
        ),
        (
            {"endpoint": "http://h:1", "compression": "lz4", "compression_params": {"level": 3}},
            'unsupported parameters {Level:+3} for compression type "lz4"',
        ),
        (
            {"endpoint": "http://h:1", "tls": {"max_version": "2"}},
            'invalid TLS max_version: unsupported TLS version: "2"',
        ),
        ({"endpoint": "http://h:1", "retry_on_failure": {"randomization_factor": 2}}, "randomization_factor"),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    errors = errors_of(raw)
    assert any(message in e for e in errors), errors


def test_signal_urls() -> None:
    cfg = build({"endpoint": "https://otel.example:4318"})
    assert cfg.signal_url(Signal.TRACES) == "https://otel.example:4318/v1/traces"
    assert cfg.signal_url(Signal.LOGS) == "https://otel.example:4318/v1/logs"
    assert build({"endpoint": "http://h:1/base/"}).signal_url(Signal.METRICS) == "http://h:1/base/v1/metrics"
    cfg = build({"endpoint": "http://h:1", "traces_endpoint": "http://other:2/custom"})
    assert cfg.signal_url(Signal.TRACES) == "http://other:2/custom"  # verbatim
    assert cfg.signal_url(Signal.METRICS) == "http://h:1/v1/metrics"
    only_logs = build({"logs_endpoint": "http://h:1/logs"})
    with pytest.raises(ValueError, match="either endpoint or traces_endpoint must be specified"):
        HttpExporter(make_settings("otlp_http", Kind.EXPORTER, Signal.TRACES), Signal.TRACES, only_logs)
    for values in ("gzip", "zstd", "zlib", "deflate", "snappy", "x-snappy-framed", "lz4", "none", ""):
        assert errors_of({"endpoint": "http://h:1", "compression": values}) == [], values


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("0") == 0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after_seconds(later) or 0) <= 30
    assert retry_after_seconds("Mon, 01 Jan 2001 00:00:00 GMT") == 0


# -- push against a sink -----------------------------------------------------------------------


def test_proto_bytes_headers_and_every_compression(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port())
        await sink.start()
        try:
            data = h.make_traces(50)
            for compression in ("gzip", "zstd", "zlib", "deflate", "snappy", "x-snappy-framed", "lz4", "none"):
                raw = {"endpoint": sink.base_url, "compression": compression, "headers": {"X-Tenant": "acme"}}
                async with running(raw) as exp:
                    await exp.push(data)
                record = sink.accepted[-1]
                assert record.path == "/v1/traces"
                assert record.body == data.to_wire(), compression
                expected = "" if compression == "none" else compression
                assert record.headers.get("Content-Encoding", "") == expected
                assert record.headers["Content-Type"] == "application/x-protobuf"
                assert record.headers["X-Tenant"] == "acme"
                assert record.headers["User-Agent"].startswith("pyotelcol: OpenTelemetry Collector in Python/0.1.0 (")
                if compression != "none":
                    assert record.raw != record.body
            # Metrics and logs go to their paths; a per-signal URL is used verbatim.
            raw = {"endpoint": sink.base_url + "/", "logs_endpoint": sink.base_url + "/custom/logs"}
            async with running(raw, Signal.METRICS) as exp:
                await exp.push(h.make_metrics(2))
            async with running(raw, Signal.LOGS) as exp:
                await exp.push(h.make_logs(2))
            assert [r.path for r in sink.accepted[-2:]] == ["/v1/metrics", "/custom/logs"]
            # A big body is compressed off the loop and still arrives whole.
            big = h.make_traces(5000)
            async with running({"endpoint": sink.base_url}) as exp:
                await exp.push(big)
            assert sink.accepted[-1].body == big.to_wire()
        finally:
            await sink.stop()

    asyncio.run(main())


def test_json_encoding(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port())
        await sink.start()
        try:
            data = h.make_traces(3)
            async with running({"endpoint": sink.base_url, "encoding": "json"}) as exp:
                await exp.push(data)
            record = sink.accepted[-1]
            assert record.headers["Content-Type"] == "application/json"
            assert from_json(record.body, ExportTraceServiceRequest) == data.message
        finally:
            await sink.stop()

    asyncio.run(main())


def test_client_authenticator_and_host_header(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port())
        await sink.start()
        host = NopHost({ID("basicauth", "client"): h.StaticAuth({"Authorization": "Basic dTpw"})})
        try:
            raw = {
                "endpoint": sink.base_url,
                "auth": {"authenticator": "basicauth/client"},
                "headers": {"Host": "collector.example", "authorization": "static"},
            }
            async with running(raw, host=host) as exp:
                await exp.push(h.make_traces(1))
            headers = sink.accepted[-1].headers
            assert headers["Authorization"] == "Basic dTpw"
            assert headers["Host"] == "collector.example"
        finally:
            await sink.stop()

    asyncio.run(main())


def test_status_mapping(h: ModuleType, port: Any) -> None:
    from google.rpc import status_pb2

    bad = status_pb2.Status(code=3, message="bad span").SerializeToString()
    later = email.utils.formatdate(time.time() + 20, usegmt=True)
    replies = {
        400: h.HttpReply(400, bad),
        401: h.HttpReply(401, b""),
        500: h.HttpReply(500, b"oops", {"Content-Type": "text/plain"}),
        429: h.HttpReply(429, b"", {"Retry-After": later}),
        502: h.HttpReply(502, b""),
        503: h.HttpReply(503, b"", {"Retry-After": "3"}),
        504: h.HttpReply(504, b"", {"Retry-After": "3"}),
    }

    async def main() -> None:
        current = {"status": 400}
        sink = h.HttpSink(port(), behaviour=lambda r: replies[current["status"]])
        await sink.start()
        try:
            async with running({"endpoint": sink.base_url}) as exp:

                async def fails(status: int) -> ConsumerError:
                    current["status"] = status
                    with pytest.raises(ConsumerError) as info:
                        await exp.push(h.make_traces(1))
                    return info.value

                err = await fails(400)
                assert isinstance(err, PermanentError) and err.grpc_code == 3
                url = f"{sink.base_url}/v1/traces"
                assert str(err) == (
                    f"Permanent error: rpc error: code = InvalidArgument desc = error exporting items, request to "
                    f"{url} responded with HTTP Status Code 400, Message=bad span, Details=[]"
                )
                assert isinstance(await fails(401), PermanentError)
                err = await fails(500)
                assert isinstance(err, PermanentError) and "HTTP Status Code 500" in str(err)
                err = await fails(429)
                assert not isinstance(err, PermanentError) and 15 < (err.retry_after or 0) <= 20
                err = await fails(502)
                assert not isinstance(err, PermanentError) and err.retry_after is None
                err = await fails(503)
                assert not isinstance(err, PermanentError) and err.retry_after == 3 and err.grpc_code == 14
                err = await fails(504)
                assert not isinstance(err, PermanentError) and err.retry_after is None  # only 429/503 throttle
        finally:
            await sink.stop()
        async with running({"endpoint": sink.base_url}) as exp:
            with pytest.raises(ConsumerError, match="failed to make an HTTP request") as info:
                await exp.push(h.make_traces(1))
            assert not isinstance(info.value, PermanentError)

    asyncio.run(main())


def test_partial_success(h: ModuleType, port: Any, caplog: pytest.LogCaptureFixture) -> None:
    response = ExportTraceServiceResponse()
    response.partial_success.rejected_spans = 1
    response.partial_success.error_message = "one span dropped"
    replies = {
        "proto": h.HttpReply(200, response.SerializeToString()),
        "json": h.HttpReply(
            200,
            b'{"partialSuccess":{"rejectedSpans":"4","errorMessage":"json said"}}',
            {"Content-Type": "application/json"},
        ),
        "garbage": h.HttpReply(200, b"\xff\xff\xff", {"Content-Type": "application/x-protobuf"}),
        "text": h.HttpReply(200, b"fine", {"Content-Type": "text/plain"}),
    }

    async def main() -> None:
        current = {"name": "proto"}
        sink = h.HttpSink(port(), behaviour=lambda r: replies[current["name"]])
        await sink.start()
        try:
            async with running({"endpoint": sink.base_url}) as exp:
                with caplog.at_level(logging.WARNING):
                    await exp.push(h.make_traces(2))
                    current["name"] = "json"
                    await exp.push(h.make_traces(5))
                    current["name"] = "text"
                    await exp.push(h.make_traces(1))  # unknown content type: ignored
                current["name"] = "garbage"
                with pytest.raises(PermanentError, match="error parsing protobuf response"):
                    await exp.push(h.make_traces(1))
        finally:
            await sink.stop()

    asyncio.run(main())
    fields = [r.fields for r in caplog.records if r.getMessage() == "Partial success response"]  # type: ignore[attr-defined]
    assert fields == [
        {"message": "one span dropped", "dropped_spans": 1},
        {"message": "json said", "dropped_spans": 4},
    ]


def test_client_timeout_is_retryable(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        release = asyncio.Event()

        async def stall(record: Any) -> Any:
            await release.wait()
            return h.HttpReply()

        sink = h.HttpSink(port(), behaviour=stall)
        await sink.start()
        try:
            async with running({"endpoint": sink.base_url, "timeout": "200ms"}) as exp:
                with pytest.raises(ConsumerError, match="context deadline exceeded") as info:
                    await exp.push(h.make_traces(1))
                assert not isinstance(info.value, PermanentError)
        finally:
            release.set()
            await sink.stop()

    asyncio.run(main())


# -- TLS ------------------------------------------------------------------------------------------


def _server_ctx(pki: Any, mtls: bool = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if mtls:
        ctx.load_verify_locations(pki.ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def test_tls_and_plaintext_refusal(h: ModuleType, port: Any, pki: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port(), ssl_context=_server_ctx(pki))
        await sink.start()
        try:
            https = sink.base_url
            for tls in (
                {"ca_file": str(pki.ca)},
                {"ca_pem": pki.ca.read_text()},
                {"insecure_skip_verify": True},
                {"ca_file": str(pki.ca), "min_version": "1.3"},
            ):
                async with running({"endpoint": https, "tls": tls}) as exp:
                    await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 4
            # An untrusted server certificate, or plaintext to a TLS port: refused, retryable.
            http = https.replace("https://", "http://")
            for raw in (
                {"endpoint": https, "tls": {"ca_file": str(pki.other_ca)}},
                {"endpoint": https},  # system roots do not know the test CA
                {"endpoint": http, "tls": {"ca_file": str(pki.ca)}},
            ):
                async with running(raw) as exp:
                    with pytest.raises(ConsumerError) as info:
                        await exp.push(h.make_traces(1))
                    assert not isinstance(info.value, PermanentError), raw
            # server_name_override is the name the certificate must carry.
            ok = {"ca_file": str(pki.ca), "server_name_override": "localhost"}
            async with running({"endpoint": https, "tls": ok}) as exp:
                await exp.push(h.make_traces(1))
            wrong = {"ca_file": str(pki.ca), "server_name_override": "elsewhere.example"}
            async with running({"endpoint": https, "tls": wrong}) as exp:
                with pytest.raises(ConsumerError):
                    await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 5
        finally:
            await sink.stop()

    asyncio.run(main())


def test_mtls(h: ModuleType, port: Any, pki: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port(), ssl_context=_server_ctx(pki, mtls=True))
        await sink.start()
        try:
            tls = {"ca_file": str(pki.ca), "cert_pem": pki.client_cert.read_text(), "key_file": str(pki.client_key)}
            async with running({"endpoint": sink.base_url, "tls": tls}) as exp:
                await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 1
            async with running({"endpoint": sink.base_url, "tls": {"ca_file": str(pki.ca)}}) as exp:
                with pytest.raises(ConsumerError) as info:
                    await exp.push(h.make_traces(1))
                assert not isinstance(info.value, PermanentError)
            assert len(sink.accepted) == 1
        finally:
            await sink.stop()

    asyncio.run(main())


def test_bad_tls_files_fail_start(tmp_path: Any, pki: Any) -> None:
    async def main() -> None:
        missing = str(tmp_path / "nope.pem")
        with pytest.raises(ValueError, match="failed to load TLS config: failed to load CA CertPool File"):
            async with running({"endpoint": "https://127.0.0.1:1", "tls": {"ca_file": missing}}):
                pass
        (tmp_path / "junk.pem").write_text("not a certificate")
        with pytest.raises(
            ValueError, match="failed to load TLS config: failed to load CA CertPool PEM: failed to parse cert"
        ):
            async with running({"endpoint": "https://127.0.0.1:1", "tls": {"ca_pem": "junk"}}):
                pass
        wrong_key = {"cert_file": str(pki.client_cert), "key_file": str(pki.server_key)}
        with pytest.raises(ValueError, match="private key does not match public key"):
            async with running({"endpoint": "https://127.0.0.1:1", "tls": wrong_key}):
                pass

    asyncio.run(main())


def test_client_certificate_reload(h: ModuleType, port: Any, pki: Any, tmp_path: Any) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(pki.foreign_client_cert.read_bytes())
    key.write_bytes(pki.foreign_client_key.read_bytes())

    async def main() -> None:
        sink = h.HttpSink(port(), ssl_context=_server_ctx(pki, mtls=True))
        await sink.start()
        try:
            tls = {"ca_file": str(pki.ca), "cert_file": str(cert), "key_file": str(key), "reload_interval": "50ms"}
            async with running({"endpoint": sink.base_url, "tls": tls}) as exp:
                with pytest.raises(ConsumerError):
                    await exp.push(h.make_traces(1))
                cert.write_bytes(pki.client_cert.read_bytes())
                key.write_bytes(pki.client_key.read_bytes())
                await asyncio.sleep(0.1)
                await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 1
        finally:
            await sink.stop()

    asyncio.run(main())


def test_compression_levels_and_unsupported_middlewares(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.HttpSink(port())
        await sink.start()
        try:
            data = h.make_traces(20)
            for compression, level in (("gzip", 9), ("gzip", -2), ("deflate", 1), ("zstd", 19), ("zstd", -5)):
                raw = {"endpoint": sink.base_url, "compression": compression, "compression_params": {"level": level}}
                async with running(raw) as exp:
                    await exp.push(data)
                assert sink.accepted[-1].body == data.to_wire(), (compression, level)
            with pytest.raises(ValueError, match="middlewares are not supported by this exporter yet"):
                async with running({"endpoint": sink.base_url, "middlewares": [{"id": "headers_setter"}]}):
                    pass
        finally:
            await sink.stop()

    asyncio.run(main())
