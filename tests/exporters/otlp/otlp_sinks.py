"""Test helpers for the OTLP exporters: recording gRPC and HTTP sinks, test data, certificates.

Loaded by path (``load_helpers()`` in the test modules) so ``tests/e2e`` can share it.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from pyotelcol.component import Signal
from pyotelcol.helpers.compression import decompress
from pyotelcol.pdata import Logs, Metrics, Traces

SERVICES = {
    "opentelemetry.proto.collector.trace.v1.TraceService": Signal.TRACES,
    "opentelemetry.proto.collector.metrics.v1.MetricsService": Signal.METRICS,
    "opentelemetry.proto.collector.logs.v1.LogsService": Signal.LOGS,
}
PATHS = {"/v1/traces": Signal.TRACES, "/v1/metrics": Signal.METRICS, "/v1/logs": Signal.LOGS}
REQUEST_TYPES: dict[Signal, Any] = {
    Signal.TRACES: ExportTraceServiceRequest,
    Signal.METRICS: ExportMetricsServiceRequest,
    Signal.LOGS: ExportLogsServiceRequest,
}


# -- data ----------------------------------------------------------------------------------------


def make_traces(n: int, prefix: str = "span") -> Traces:
    """``n`` spans named ``<prefix>-<i>`` under one resource and scope."""
    req = ExportTraceServiceRequest()
    rs = req.resource_spans.add()
    rs.resource.attributes.add(key="service.name").value.string_value = "exporter-test"
    ss = rs.scope_spans.add()
    ss.scope.name = "test"
    for i in range(n):
        span = ss.spans.add(name=f"{prefix}-{i}")
        span.trace_id = (i + 1).to_bytes(16, "big")
        span.span_id = (i + 1).to_bytes(8, "big")
        span.start_time_unix_nano = 1_700_000_000_000_000_000 + i
        span.end_time_unix_nano = 1_700_000_000_000_000_100 + i
    return Traces.from_wire(req.SerializeToString())


def make_metrics(n: int, prefix: str = "metric") -> Metrics:
    req = ExportMetricsServiceRequest()
    sm = req.resource_metrics.add().scope_metrics.add()
    for i in range(n):
        m = sm.metrics.add(name=f"{prefix}-{i}")
        m.gauge.data_points.add(as_int=i, time_unix_nano=1_700_000_000_000_000_000)
    return Metrics.from_wire(req.SerializeToString())


def make_logs(n: int, prefix: str = "log") -> Logs:
    req = ExportLogsServiceRequest()
    sl = req.resource_logs.add().scope_logs.add()
    for i in range(n):
        sl.log_records.add(time_unix_nano=1_700_000_000_000_000_000).body.string_value = f"{prefix}-{i}"
    return Logs.from_wire(req.SerializeToString())


def span_names(bodies: list[bytes]) -> list[str]:
    names: list[str] = []
    for body in bodies:
        req = ExportTraceServiceRequest()
        req.ParseFromString(body)
        names.extend(s.name for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans)
    return names


def status_details(code: int, message: str, retry_delay_s: float | None = None) -> bytes:
    st = status_pb2.Status(code=code, message=message)
    if retry_delay_s is not None:
        info = error_details_pb2.RetryInfo()
        info.retry_delay.seconds = int(retry_delay_s)
        info.retry_delay.nanos = int((retry_delay_s - int(retry_delay_s)) * 1e9)
        st.details.add().Pack(info)
    return bytes(st.SerializeToString())


async def wait_until(pred: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


# -- gRPC sink ------------------------------------------------------------------------------------


class StaticAuth:
    """A client authenticator extension that always adds the same headers."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = headers

    async def headers(self) -> Mapping[str, str]:
        return self._headers

    async def start(self, host: Any) -> None:
        pass

    async def shutdown(self) -> None:
        pass


@dataclass
class GrpcRecord:
    signal: Signal
    body: bytes
    metadata: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class GrpcReply:
    """What a sink answers: OK (``response`` bytes) or an error status with optional trailers."""

    code: grpc.StatusCode = grpc.StatusCode.OK
    details: str = ""
    retry_delay_s: float | None = None
    response: bytes = b"\x0a\x00"


GrpcBehaviour = Callable[[GrpcRecord], GrpcReply | Awaitable[GrpcReply]]


class GrpcSink:
    """An OTLP/gRPC server on 127.0.0.1 that records every Export call (``attempts``) and the
    accepted ones (``accepted``); ``behaviour`` decides the answer."""

    def __init__(
        self,
        port: int,
        credentials: grpc.ServerCredentials | None = None,
        accept_gzip: bool = True,
        behaviour: GrpcBehaviour | None = None,
    ) -> None:
        self.port = port
        self._credentials = credentials
        self._accept_gzip = accept_gzip
        self.behaviour = behaviour
        self.attempts: list[GrpcRecord] = []
        self.accepted: list[GrpcRecord] = []
        self._server: grpc.aio.Server | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _handler(self, signal: Signal) -> Any:
        async def export(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
            md = {
                k: (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in context.invocation_metadata() or ()
            }
            record = GrpcRecord(signal, request, md)
            self.attempts.append(record)
            reply = GrpcReply()
            if self.behaviour is not None:
                out = self.behaviour(record)
                reply = await out if asyncio.iscoroutine(out) else out  # type: ignore[assignment]
            if reply.code is not grpc.StatusCode.OK:
                trailers: tuple[tuple[str, bytes], ...] = ()
                if reply.retry_delay_s is not None:
                    trailers = (
                        (
                            "grpc-status-details-bin",
                            status_details(reply.code.value[0], reply.details, reply.retry_delay_s),
                        ),
                    )
                await context.abort(reply.code, reply.details, trailing_metadata=trailers)
            self.accepted.append(record)
            return reply.response

        return export

    async def start(self) -> None:
        bitset = (1 << 0) | (1 << 2) if self._accept_gzip else (1 << 0)
        server = grpc.aio.server(
            options=[("grpc.so_reuseport", 0), ("grpc.compression_enabled_algorithms_bitset", bitset)]
        )
        for service, signal in SERVICES.items():
            handler = grpc.unary_unary_rpc_method_handler(self._handler(signal))
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {"Export": handler}),))
        address = self.target
        bound = (
            server.add_secure_port(address, self._credentials)
            if self._credentials is not None
            else server.add_insecure_port(address)
        )
        assert bound == self.port, f"could not bind {address}"
        await server.start()
        self._server = server

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop(None)

    def accepted_bodies(self, signal: Signal = Signal.TRACES) -> list[bytes]:
        return [r.body for r in self.accepted if r.signal is signal]


# -- HTTP sink ------------------------------------------------------------------------------------


@dataclass
class HttpRecord:
    path: str
    headers: dict[str, str]
    raw: bytes
    body: bytes  # decompressed


@dataclass
class HttpReply:
    status: int = 200
    body: bytes = b"\x0a\x00"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/x-protobuf"})


HttpBehaviour = Callable[[HttpRecord], HttpReply | Awaitable[HttpReply]]


class HttpSink:
    """An OTLP/HTTP server on 127.0.0.1 recording every POST (headers, raw and decoded body)."""

    def __init__(self, port: int, ssl_context: Any = None, behaviour: HttpBehaviour | None = None) -> None:
        self.port = port
        self._ssl = ssl_context
        self.behaviour = behaviour
        self.attempts: list[HttpRecord] = []
        self.accepted: list[HttpRecord] = []
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"{'https' if self._ssl else 'http'}://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        encoding = request.headers.get("Content-Encoding", "")
        body = decompress(encoding, raw, 64 * 1024 * 1024)
        record = HttpRecord(request.path, dict(request.headers), raw, body)
        self.attempts.append(record)
        reply = HttpReply()
        if self.behaviour is not None:
            out = self.behaviour(record)
            reply = await out if asyncio.iscoroutine(out) else out  # type: ignore[assignment]
        if 200 <= reply.status <= 299:
            self.accepted.append(record)
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, auto_decompress=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port, ssl_context=self._ssl, reuse_address=True)
        await site.start()
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def accepted_bodies(self, path: str = "/v1/traces") -> list[bytes]:
        return [r.body for r in self.accepted if r.path == path]


# -- certificates ---------------------------------------------------------------------------------


@dataclass
class PKI:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path  # a CA that signed nothing here but the "foreign" client certificate
    foreign_client_cert: Path
    foreign_client_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, name: str, server: bool
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def make_pki(directory: Path) -> PKI:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate, as files."""
    directory.mkdir(parents=True, exist_ok=True)
    ca, ca_key = _ca("pyotelcol test CA")
    other, other_key = _ca("unrelated CA")
    foreign, foreign_key = _leaf(other, other_key, "foreign client", server=False)
    server, server_key = _leaf(ca, ca_key, "localhost", server=True)
    client, client_key = _leaf(ca, ca_key, "test client", server=False)
    pki = PKI(
        ca=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server.key",
        client_cert=directory / "client.pem",
        client_key=directory / "client.key",
        other_ca=directory / "other-ca.pem",
        foreign_client_cert=directory / "foreign-client.pem",
        foreign_client_key=directory / "foreign-client.key",
    )
    pem = serialization.Encoding.PEM
    pki.ca.write_bytes(ca.public_bytes(pem))
    pki.other_ca.write_bytes(other.public_bytes(pem))
    pki.server_cert.write_bytes(server.public_bytes(pem))
    pki.server_key.write_bytes(_key_pem(server_key))
    pki.client_cert.write_bytes(client.public_bytes(pem))
    pki.client_key.write_bytes(_key_pem(client_key))
    pki.foreign_client_cert.write_bytes(foreign.public_bytes(pem))
    pki.foreign_client_key.write_bytes(_key_pem(foreign_key))
    return pki
