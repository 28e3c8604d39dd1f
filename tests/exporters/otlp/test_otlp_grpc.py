"""otlp_grpc exporter: config, the push function against a real gRPC sink, error mapping, TLS."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from types import ModuleType
from typing import Any

import grpc
import pytest
from pyotelcol.exporters.otlp_grpc.config import Config
from pyotelcol.exporters.otlp_grpc.exporter import GrpcExporter, error_for_status

from pyotelcol.component import ID, Kind, Signal
from pyotelcol.config import decode, validate
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.testing import NopHost, make_settings

PATH = "exporters::otlp_grpc"


def build(raw: dict[str, Any]) -> Config:
    cfg = decode(Config, raw, Config())
    errors = validate(cfg, PATH)
    assert not errors, errors
    return cfg


def errors_of(raw: dict[str, Any]) -> list[str]:
    return validate(decode(Config, raw, Config()), PATH)


@asynccontextmanager
async def running(raw: dict[str, Any], signal: Signal = Signal.TRACES, host: Any = None) -> AsyncIterator[GrpcExporter]:
    exp = GrpcExporter(make_settings("otlp_grpc", Kind.EXPORTER, signal), signal, build(raw))
    await exp.start(host or NopHost())
    try:
        yield exp
    finally:
        await exp.shutdown()


def plain(sink: Any, **extra: Any) -> dict[str, Any]:
    return {"endpoint": sink.target, "tls": {"insecure": True}, **extra}


# -- config ------------------------------------------------------------------------------------


def test_defaults_are_go_defaults() -> None:
    cfg = Config()
    assert cfg.compression == "gzip"
    assert cfg.timeout == timedelta(seconds=5)
    assert cfg.balancer_name == "round_robin"
    assert cfg.write_buffer_size == 512 * 1024
    assert not cfg.keepalive.enabled
    assert cfg.sending_queue.enabled and cfg.retry_on_failure.enabled and not cfg.circuit_breaker.enabled
    assert cfg.tls.uses_tls()  # insecure: false -> TLS by default
    opaque = {f.name for f in dataclasses.fields(Config) if f.metadata.get("opaque")}
    assert opaque == {"headers"}
    keepalive = decode(Config, {"endpoint": "h:1", "keepalive": None}, Config()).keepalive
    assert not keepalive.enabled
    keepalive = decode(Config, {"endpoint": "h:1", "keepalive": {}}, Config()).keepalive
    assert keepalive.enabled and keepalive.value.time == timedelta(seconds=10)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, 'requires a non-empty "endpoint"'),
        ({"endpoint": "http://"}, 'requires a non-empty "endpoint"'),
        ({"endpoint": "dns:///"}, 'requires a non-empty "endpoint"'),
        ({"endpoint": "localhost:abc"}, 'invalid port "abc"'),
        ({"endpoint": "https://localhost:x1"}, 'invalid port "x1"'),
        ({"endpoint": "localhost"}, "missing port in address"),
        ({"endpoint": "unix://"}, "unix socket path cannot be empty"),
        ({"endpoint": "h:1", "balancer_name": "fancy"}, "invalid balancer_name: fancy"),
        ({"endpoint": "h:1", "compression": "brotli"}, 'unsupported compression type "brotli"'),
        ({"endpoint": "h:1", "compression": "zstd"}, 'unsupported compression type "zstd": grpcio has no zstd'),
        ({"endpoint": "h:1", "compression": "snappy"}, 'unsupported compression type "snappy": grpcio has no'),
        ({"endpoint": "h:1", "timeout": "-1s"}, "'timeout' must be non-negative"),
        ({"endpoint": "h:1", "tls": {"min_version": "1.4"}}, 'invalid TLS min_version: unsupported TLS version: "1.4"'),
        (
            {"endpoint": "h:1", "tls": {"max_version": "1.1", "min_version": "1.3"}},
            "invalid TLS configuration: min_version cannot be greater than max_version",
        ),
        (
            {"endpoint": "h:1", "tls": {"cert_file": "c.pem"}},
            "TLS configuration must include both certificate and key (CertFile/CertPem and KeyFile/KeyPem)",
        ),
        (
            {"endpoint": "h:1", "tls": {"ca_file": "a", "ca_pem": "b"}},
            "provide either a CA file or the PEM-encoded string, but not both",
        ),
        ({"endpoint": "h:1", "sending_queue": {"num_consumers": 0}}, "`num_consumers` must be positive"),
    ],
)
def test_validation_messages(raw: dict[str, Any], message: str) -> None:
    errors = errors_of(raw)
    assert any(message in e for e in errors), errors


def test_valid_endpoints() -> None:
    for endpoint in (
        "localhost:4317",
        "http://localhost:4317",
        "https://collector:443",
        "dns:///otel:4317",
        "unix:///tmp/otel.sock",
        "[::1]:4317",
    ):
        assert errors_of({"endpoint": endpoint}) == [], endpoint
    cfg = build({"endpoint": "http://localhost:4317"})
    assert cfg.dial_target() == "localhost:4317" and cfg.uses_tls()  # http:// does not turn TLS off
    assert build({"endpoint": "https://h:1", "tls": {"insecure": True}}).uses_tls()  # https forces it
    assert not build({"endpoint": "h:1", "tls": {"insecure": True}}).uses_tls()


# -- push against a sink -----------------------------------------------------------------------


def test_sends_received_wire_bytes_for_every_signal(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.GrpcSink(port())
        await sink.start()
        try:
            for signal, data in (
                (Signal.TRACES, h.make_traces(3)),
                (Signal.METRICS, h.make_metrics(4)),
                (Signal.LOGS, h.make_logs(5)),
            ):
                async with running(plain(sink), signal) as exp:
                    await exp.push(data)
                assert sink.accepted[-1].signal is signal
                assert sink.accepted[-1].body == data.to_wire()  # byte-identical, no re-serialization
            # A changed request is serialized from the message.
            traces = h.make_traces(2)
            traces.mutable().resource_spans[0].scope_spans[0].spans[0].name = "changed"
            async with running(plain(sink)) as exp:
                await exp.push(traces)
            assert h.span_names([sink.accepted[-1].body]) == ["changed", "span-1"]
        finally:
            await sink.stop()

    asyncio.run(main())


def test_headers_user_agent_and_compression(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        identity_only = h.GrpcSink(port(), accept_gzip=False)
        await identity_only.start()
        try:
            # gzip (the default) reaches a server that only takes identity: it answers UNIMPLEMENTED.
            async with running(plain(identity_only)) as exp:
                with pytest.raises(PermanentError, match="Unimplemented"):
                    await exp.push(h.make_traces(1))
            assert identity_only.accepted == []
            cfg = plain(identity_only, compression="none", headers={"X-Tenant": "acme", "api-key": "s3cret"})
            async with running(cfg) as exp:
                await exp.push(h.make_traces(1))
            md = identity_only.accepted[-1].metadata
            assert md["x-tenant"] == "acme" and md["api-key"] == "s3cret"
            assert md["user-agent"].startswith("pyotelcol: OpenTelemetry Collector in Python/0.1.0 (")
        finally:
            await identity_only.stop()

    asyncio.run(main())


def test_client_authenticator_adds_metadata(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        sink = h.GrpcSink(port())
        await sink.start()
        host = NopHost({ID("bearertokenauth"): h.StaticAuth({"Authorization": "Bearer t0k"})})
        try:
            raw = plain(sink, headers={"authorization": "static"}, auth={"authenticator": "bearertokenauth"})
            async with running(raw, host=host) as exp:
                await exp.push(h.make_traces(1))
            assert sink.accepted[-1].metadata["authorization"] == "Bearer t0k"
            with pytest.raises(LookupError, match='failed to resolve authenticator "missing"'):
                async with running(plain(sink, auth={"authenticator": "missing"})):
                    pass
        finally:
            await sink.stop()

    asyncio.run(main())


def test_error_classes(h: ModuleType, port: Any) -> None:
    replies = {
        "unavailable": h.GrpcReply(grpc.StatusCode.UNAVAILABLE, "busy"),
        "throttled": h.GrpcReply(grpc.StatusCode.UNAVAILABLE, "slow down", retry_delay_s=2.5),
        "exhausted": h.GrpcReply(grpc.StatusCode.RESOURCE_EXHAUSTED, "too big"),
        "exhausted-retry": h.GrpcReply(grpc.StatusCode.RESOURCE_EXHAUSTED, "later", retry_delay_s=1),
        "invalid": h.GrpcReply(grpc.StatusCode.INVALID_ARGUMENT, "bad data"),
        "aborted": h.GrpcReply(grpc.StatusCode.ABORTED, "aborted"),
    }

    async def main() -> None:
        current = {"name": "unavailable"}
        sink = h.GrpcSink(port(), behaviour=lambda record: replies[current["name"]])
        await sink.start()
        try:
            async with running(plain(sink)) as exp:

                async def fails(name: str) -> ConsumerError:
                    current["name"] = name
                    with pytest.raises(ConsumerError) as info:
                        await exp.push(h.make_traces(1))
                    return info.value

                err = await fails("unavailable")
                assert not isinstance(err, PermanentError) and err.retry_after is None and err.grpc_code == 14
                assert str(err) == "rpc error: code = Unavailable desc = busy"
                err = await fails("throttled")
                assert not isinstance(err, PermanentError) and err.retry_after == pytest.approx(2.5)
                err = await fails("exhausted")
                assert isinstance(err, PermanentError) and err.grpc_code == 8
                err = await fails("exhausted-retry")
                assert not isinstance(err, PermanentError) and err.retry_after == pytest.approx(1)
                err = await fails("invalid")
                assert isinstance(err, PermanentError) and err.grpc_code == 3
                assert str(err) == "Permanent error: rpc error: code = InvalidArgument desc = bad data"
                assert not isinstance(await fails("aborted"), PermanentError)
        finally:
            await sink.stop()
        # Nothing listens any more: connection errors are retryable.
        async with running(plain(sink)) as exp:
            with pytest.raises(ConsumerError) as info:
                await exp.push(h.make_traces(1))
            assert not isinstance(info.value, PermanentError) and info.value.grpc_code == 14

    asyncio.run(main())


def test_status_code_table() -> None:
    retryable = {
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
    for code in grpc.StatusCode:
        if code is grpc.StatusCode.OK:
            continue
        err = error_for_status(code, "x")
        assert isinstance(err, PermanentError) is (code not in retryable), code


def test_deadline_is_retryable(h: ModuleType, port: Any) -> None:
    async def main() -> None:
        release = asyncio.Event()

        async def stall(record: Any) -> Any:
            await release.wait()
            return h.GrpcReply()

        sink = h.GrpcSink(port(), behaviour=stall)
        await sink.start()
        try:
            async with running(plain(sink, timeout="200ms")) as exp:
                with pytest.raises(ConsumerError, match="DeadlineExceeded") as info:
                    await exp.push(h.make_traces(1))
                assert not isinstance(info.value, PermanentError)
        finally:
            release.set()
            await sink.stop()

    asyncio.run(main())


def test_partial_success_is_logged_as_warning(h: ModuleType, port: Any, caplog: pytest.LogCaptureFixture) -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

    response = ExportTraceServiceResponse()
    response.partial_success.rejected_spans = 2
    response.partial_success.error_message = "two spans were too old"

    async def main() -> None:
        sink = h.GrpcSink(port(), behaviour=lambda r: h.GrpcReply(response=response.SerializeToString()))
        await sink.start()
        try:
            async with running(plain(sink)) as exp:
                with caplog.at_level(logging.WARNING):
                    await exp.push(h.make_traces(3))  # success: no exception
        finally:
            await sink.stop()

    asyncio.run(main())
    records = [r for r in caplog.records if r.getMessage() == "Partial success response"]
    assert records and records[0].fields == {"message": "two spans were too old", "dropped_spans": 2}  # type: ignore[attr-defined]


def test_push_before_start_fails(h: ModuleType) -> None:
    exp = GrpcExporter(
        make_settings("otlp_grpc", Kind.EXPORTER, Signal.TRACES), Signal.TRACES, build({"endpoint": "h:1"})
    )

    async def main() -> None:
        with pytest.raises(ConsumerError, match="otlp exporter not started"):
            await exp.push(h.make_traces(1))
        await exp.shutdown()
        await exp.shutdown()  # idempotent, safe without start

    asyncio.run(main())


# -- TLS ------------------------------------------------------------------------------------------


def _server_creds(pki: Any, mtls: bool = False) -> grpc.ServerCredentials:
    return grpc.ssl_server_credentials(
        [(pki.server_key.read_bytes(), pki.server_cert.read_bytes())],
        root_certificates=pki.ca.read_bytes() if mtls else None,
        require_client_auth=mtls,
    )


def test_tls_and_plaintext_refusal(h: ModuleType, port: Any, pki: Any) -> None:
    async def main() -> None:
        sink = h.GrpcSink(port(), credentials=_server_creds(pki))
        await sink.start()
        try:
            # TLS is the default; an http:// prefix does not turn it off.
            for endpoint in (sink.target, f"http://{sink.target}", f"https://{sink.target}"):
                async with running({"endpoint": endpoint, "tls": {"ca_file": str(pki.ca)}}) as exp:
                    await exp.push(h.make_traces(1))
            async with running({"endpoint": sink.target, "tls": {"ca_pem": pki.ca.read_text()}}) as exp:
                await exp.push(h.make_traces(1))
            async with running({"endpoint": f"localhost:{sink.port}", "tls": {"ca_file": str(pki.ca)}}) as exp:
                await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 5
            # Plaintext to a TLS server, a CA that signed nothing here: refused, retryable, nothing lands.
            for tls in ({"insecure": True}, {"ca_file": str(pki.other_ca)}):
                async with running({"endpoint": sink.target, "tls": tls}) as exp:
                    with pytest.raises(ConsumerError) as info:
                        await exp.push(h.make_traces(1))
                    assert info.value.grpc_code == 14
            # insecure_skip_verify: no CA needed.
            async with running({"endpoint": sink.target, "tls": {"insecure_skip_verify": True}}) as exp:
                await exp.push(h.make_traces(1))
            # server_name_override: the certificate is checked against that name.
            tls = {"ca_file": str(pki.ca), "server_name_override": "localhost"}
            async with running({"endpoint": sink.target, "tls": tls}) as exp:
                await exp.push(h.make_traces(1))
            tls = {"ca_file": str(pki.ca), "server_name_override": "elsewhere.example"}
            async with running({"endpoint": sink.target, "tls": tls}) as exp:
                with pytest.raises(ConsumerError):
                    await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 7
        finally:
            await sink.stop()

    asyncio.run(main())


def test_mtls(h: ModuleType, port: Any, pki: Any) -> None:
    async def main() -> None:
        sink = h.GrpcSink(port(), credentials=_server_creds(pki, mtls=True))
        await sink.start()
        try:
            tls = {"ca_file": str(pki.ca), "cert_file": str(pki.client_cert), "key_pem": pki.client_key.read_text()}
            async with running({"endpoint": sink.target, "tls": tls}) as exp:
                await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 1
            async with running({"endpoint": sink.target, "tls": {"ca_file": str(pki.ca)}}) as exp:
                with pytest.raises(ConsumerError) as info:
                    await exp.push(h.make_traces(1))
                assert not isinstance(info.value, PermanentError)
            assert len(sink.accepted) == 1
        finally:
            await sink.stop()

    asyncio.run(main())


def test_bad_tls_files_fail_start(tmp_path: Any) -> None:
    async def main() -> None:
        missing = str(tmp_path / "nope.pem")
        with pytest.raises(
            ValueError,
            match=f"failed to load TLS config: failed to load CA CertPool File: "
            f"failed to load cert {missing}: open {missing}: no such file",
        ):
            async with running({"endpoint": "127.0.0.1:1", "tls": {"ca_file": missing}}):
                pass
        with pytest.raises(ValueError, match="failed to load TLS config: failed to load TLS cert and key: open"):
            async with running({"endpoint": "127.0.0.1:1", "tls": {"cert_file": missing, "key_file": missing}}):
                pass

    asyncio.run(main())


def test_client_certificate_reload(h: ModuleType, port: Any, pki: Any, tmp_path: Any) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(pki.foreign_client_cert.read_bytes())
    key.write_bytes(pki.foreign_client_key.read_bytes())

    async def main() -> None:
        sink = h.GrpcSink(port(), credentials=_server_creds(pki, mtls=True))
        await sink.start()
        try:
            tls = {"ca_file": str(pki.ca), "cert_file": str(cert), "key_file": str(key), "reload_interval": "50ms"}
            async with running({"endpoint": sink.target, "tls": tls}) as exp:
                with pytest.raises(ConsumerError):
                    await exp.push(h.make_traces(1))  # a certificate the server does not trust
                cert.write_bytes(pki.client_cert.read_bytes())  # rotated on disk
                key.write_bytes(pki.client_key.read_bytes())
                await asyncio.sleep(0.1)
                await exp.push(h.make_traces(1))
            assert len(sink.accepted) == 1
        finally:
            await sink.stop()

    asyncio.run(main())


def test_unsupported_settings_fail_start() -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="middlewares are not supported by this exporter yet"):
            async with running({"endpoint": "127.0.0.1:1", "middlewares": [{"id": "headers_setter"}]}):
                pass
        with pytest.raises(ValueError, match=r'^unsupported compression type "deflate"$'):
            async with running({"endpoint": "127.0.0.1:1", "compression": "deflate"}):
                pass

    asyncio.run(main())
