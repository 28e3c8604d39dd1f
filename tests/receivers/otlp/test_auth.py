"""Server-side auth (bearertokenauth, basicauth) and TLS certificate reload on the otlp receiver.

Real connections over loopback: aiohttp and grpc.aio clients, and the SDK's OTLP/gRPC exporter.
Ports 27000-27399.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import hashlib
import ipaddress
import json
import logging
import os
import socket
import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from aiohttp import ClientSession
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.rpc import status_pb2
from pyotelcol.extensions.basicauth import create_factory as basicauth_factory
from pyotelcol.extensions.bearertokenauth import create_factory as bearer_factory
from pyotelcol.receivers.otlp import create_factory as otlp_factory
from support import EXAMPLES as OTLP_EXAMPLES
from support import free_port

from pyotelcol.component import ID, Component, Kind, Signal
from pyotelcol.config import decode
from pyotelcol.pdata.otlpjson import decode_request
from pyotelcol.testing import NopHost, Sink, make_settings

TOKEN = "s3cr3t-t0ken-7f9a"
OTHER_TOKEN = "second-token-c4e1"
PASSWORD = "pa55-w0rd-b2d8"
TRACE_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
EXAMPLES = OTLP_EXAMPLES
PB = "application/x-protobuf"
JS = "application/json"


def next_port() -> int:
    """A free ephemeral loopback port (fixed ranges collide when test runs overlap)."""
    return free_port()


def trace_json() -> bytes:
    return (EXAMPLES / "trace.json").read_bytes()


def trace_pb() -> bytes:
    return bytes(decode_request(Signal.TRACES, trace_json()).to_wire())


def make_extension(factory: Any, name: str, raw: dict[str, Any]) -> Component:
    default = factory.create_default_config()
    cfg = decode(type(default), raw, default)
    return factory.create(make_settings(name, Kind.EXTENSION), cfg)  # type: ignore[no-any-return]


@dataclass
class Running:
    sink: Sink
    grpc_port: int
    http_port: int
    scheme: str = "http"

    def url(self, path: str = "/v1/traces") -> str:
        return f"{self.scheme}://127.0.0.1:{self.http_port}{path}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"


@asynccontextmanager
async def run(
    extensions: dict[str, Component],
    grpc_section: dict[str, Any] | None = None,
    http_section: dict[str, Any] | None = None,
) -> AsyncIterator[Running]:
    """Start the extensions, then an otlp receiver (traces) with the given protocol sections."""
    grpc_port = next_port() if grpc_section is not None else 0
    http_port = next_port() if http_section is not None else 0
    protocols: dict[str, Any] = {}
    if grpc_section is not None:
        protocols["grpc"] = {"endpoint": f"127.0.0.1:{grpc_port}", **grpc_section}
    if http_section is not None:
        protocols["http"] = {"endpoint": f"127.0.0.1:{http_port}", **http_section}
    factory = otlp_factory()
    default = factory.create_default_config()
    cfg = decode(type(default), {"protocols": protocols}, default)
    sink = Sink()
    receiver = factory.create_for(Signal.TRACES, make_settings("otlp", Kind.RECEIVER, Signal.TRACES), cfg, sink)
    host = NopHost({ID.parse(k): v for k, v in extensions.items()})
    started: list[Component] = []
    try:
        for ext in extensions.values():
            await ext.start(host)
            started.append(ext)
        await receiver.start(host)
        tls = (http_section or {}).get("tls")
        yield Running(sink, grpc_port, http_port, "https" if tls else "http")
    finally:
        await receiver.shutdown()
        for ext in reversed(started):
            await ext.shutdown()


async def post(
    url: str,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    ssl_ctx: ssl.SSLContext | None = None,
) -> tuple[int, str, bytes]:
    async with (
        ClientSession() as session,
        session.post(
            url,
            data=body,
            headers={"Content-Type": content_type, **(headers or {})},
            ssl=ssl_ctx if ssl_ctx is not None else True,
        ) as resp,
    ):
        return resp.status, resp.headers.get("Content-Type", ""), await resp.read()


async def grpc_call(
    target: str, metadata: tuple[tuple[str, str], ...] = (), creds: grpc.ChannelCredentials | None = None
) -> tuple[grpc.StatusCode, str]:
    channel = grpc.aio.secure_channel(target, creds) if creds else grpc.aio.insecure_channel(target)
    async with channel:
        try:
            await channel.unary_unary(TRACE_METHOD, None, None)(trace_pb(), metadata=metadata, timeout=10)
        except grpc.aio.AioRpcError as err:
            return err.code(), err.details() or ""
    return grpc.StatusCode.OK, ""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def bearer_ext() -> Component:
    return make_extension(bearer_factory(), "bearertokenauth/in", {"tokens": [TOKEN, OTHER_TOKEN]})


AUTH_BEARER = {"auth": {"authenticator": "bearertokenauth/in"}}


# -- HTTP ---------------------------------------------------------------------------------------


def test_http_bearer_right_wrong_missing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, http_section=AUTH_BEARER) as rcv:
            for token in (TOKEN, OTHER_TOKEN):
                status, _, _ = await post(rcv.url(), trace_json(), JS, {"Authorization": f"Bearer {token}"})
                assert status == 200
            assert rcv.sink.item_count() == 2

            # missing: JSON request -> JSON Status 16
            status, ctype, body = await post(rcv.url(), trace_json(), JS)
            assert (status, ctype) == (401, JS)
            assert json.loads(body) == {"code": 16, "message": "missing or empty authorization header: Authorization"}

            # wrong token, wrong scheme case, protobuf request -> protobuf Status 16
            for value in ("Bearer nope", f"bearer {TOKEN}", TOKEN, f"Bearer {TOKEN}x"):
                status, ctype, body = await post(rcv.url(), trace_pb(), PB, {"Authorization": value})
                assert (status, ctype) == (401, PB), value
                st = status_pb2.Status.FromString(body)
                assert st.code == 16 and st.message == "scheme or token does not match"
                assert TOKEN.encode() not in body
            assert rcv.sink.item_count() == 2

    asyncio.run(main())
    assert TOKEN not in caplog.text and OTHER_TOKEN not in caplog.text


def test_http_auth_comes_before_path_and_encoding_checks() -> None:
    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, http_section=AUTH_BEARER) as rcv:
            # an unknown path and a bad Content-Encoding still answer 401 first (as Go's receiver orders its checks)
            status, _, body = await post(rcv.url("/nowhere"), b"{}", JS)
            assert status == 401 and json.loads(body)["code"] == 16
            status, _, _ = await post(rcv.url(), b"{}", JS, {"Content-Encoding": "br"})
            assert status == 401
            ok = {"Authorization": f"Bearer {TOKEN}"}
            status, _, _ = await post(rcv.url("/nowhere"), b"{}", JS, ok)
            assert status == 404

    asyncio.run(main())


def test_http_auth_failure_without_a_known_content_type_is_401_plain_text() -> None:
    """Go answers 500 ``failed to marshal error message`` here; the client's error is kept."""

    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, http_section=AUTH_BEARER) as rcv:
            for content_type in ("text/plain", "application/protobuf"):
                status, ctype, body = await post(rcv.url(), b"x", content_type, {"Content-Encoding": "br"})
                assert (status, ctype) == (401, "text/plain; charset=utf-8")
                assert body == b"missing or empty authorization header: Authorization"

    asyncio.run(main())


def test_http_cors_preflight_is_not_authenticated() -> None:
    section = {**AUTH_BEARER, "cors": {"allowed_origins": ["https://app.example"]}}

    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, http_section=section) as rcv, ClientSession() as s:
            headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
            async with s.options(rcv.url(), headers=headers) as resp:
                assert resp.status == 204
                assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"
            status, _, _ = await post(rcv.url(), trace_json(), JS, {"Origin": "https://app.example"})
            assert status == 401

    asyncio.run(main())


def test_http_request_params_reach_the_authenticator() -> None:
    ext = make_extension(bearer_factory(), "bearertokenauth/q", {"token": TOKEN, "header": "api_key", "scheme": ""})
    section = {"auth": {"authenticator": "bearertokenauth/q", "request_params": ["api_key"]}}

    async def main() -> None:
        async with run({"bearertokenauth/q": ext}, http_section=section) as rcv:
            status, _, _ = await post(rcv.url() + f"?api_key={TOKEN}", trace_json(), JS)
            assert status == 200
            status, _, body = await post(rcv.url() + "?api_key=wrong", trace_json(), JS)
            assert status == 401 and json.loads(body)["message"] == "scheme or token does not match"
            status, _, _ = await post(rcv.url(), trace_json(), JS, {"api_key": TOKEN})  # as a header too
            assert status == 200

    asyncio.run(main())


def test_http_basicauth_htpasswd(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    htpasswd = tmp_path / "htpasswd"
    # {SHA} entry for "alice"; "bob" plain in the file, then overridden inline
    sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    htpasswd.write_text(f"alice:{{SHA}}{sha}\nbob:old-password\n")
    ext = make_extension(
        basicauth_factory(), "basicauth/server", {"htpasswd": {"file": str(htpasswd), "inline": f"bob:{PASSWORD}\n"}}
    )

    async def main() -> None:
        section = {"auth": {"authenticator": "basicauth/server"}}
        async with run({"basicauth/server": ext}, http_section=section) as rcv:
            for user in ("alice", "bob"):
                status, _, _ = await post(rcv.url(), trace_json(), JS, {"Authorization": basic(user, PASSWORD)})
                assert status == 200, user
            cases = {
                basic("bob", "old-password"): "invalid credentials",
                basic("carol", PASSWORD): "invalid credentials",
                f"Bearer {PASSWORD}": "invalid authorization scheme prefix",
                "Basic !!!": "invalid authorization format",
                "basic " + base64.b64encode(b"no-colon").decode(): "invalid authorization format",
            }
            for value, message in cases.items():
                status, _, body = await post(rcv.url(), trace_json(), JS, {"Authorization": value})
                assert status == 401 and json.loads(body) == {"code": 16, "message": message}, value
            status, _, body = await post(rcv.url(), trace_json(), JS)
            assert json.loads(body)["message"] == "no basic auth provided"
            assert rcv.sink.item_count() == 2

    asyncio.run(main())
    assert PASSWORD not in caplog.text


def test_client_side_headers_against_server_side() -> None:
    """The client half of each extension produces what the server half accepts."""
    client_bearer = make_extension(bearer_factory(), "bearertokenauth/out", {"token": TOKEN})
    client_basic = make_extension(
        basicauth_factory(), "basicauth/out", {"client_auth": {"username": "svc", "password": PASSWORD}}
    )
    server_basic = make_extension(basicauth_factory(), "basicauth/in", {"htpasswd": {"inline": f"svc:{PASSWORD}"}})

    async def main() -> None:
        exts = {
            "bearertokenauth/in": bearer_ext(),
            "bearertokenauth/out": client_bearer,
            "basicauth/out": client_basic,
            "basicauth/in": server_basic,
        }
        async with (
            run(exts, grpc_section={"auth": {"authenticator": "basicauth/in"}}, http_section=AUTH_BEARER) as rcv,
        ):
            headers = dict(await client_bearer.headers())  # type: ignore[attr-defined]
            assert headers == {"Authorization": f"Bearer {TOKEN}"}
            status, _, _ = await post(rcv.url(), trace_json(), JS, headers)
            assert status == 200
            basic_headers = await client_basic.headers()  # type: ignore[attr-defined]
            metadata = tuple((k.lower(), v) for k, v in basic_headers.items())
            assert await grpc_call(rcv.grpc_target, metadata) == (grpc.StatusCode.OK, "")
            assert rcv.sink.item_count() == 2

    asyncio.run(main())


# -- gRPC ---------------------------------------------------------------------------------------


def test_grpc_bearer_right_wrong_missing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, grpc_section=AUTH_BEARER) as rcv:
            ok = await grpc_call(rcv.grpc_target, (("authorization", f"Bearer {TOKEN}"),))
            assert ok == (grpc.StatusCode.OK, "")
            missing = await grpc_call(rcv.grpc_target)
            assert missing == (grpc.StatusCode.UNAUTHENTICATED, "missing or empty authorization header: Authorization")
            wrong = await grpc_call(rcv.grpc_target, (("authorization", "Bearer wrong"),))
            assert wrong == (grpc.StatusCode.UNAUTHENTICATED, "scheme or token does not match")
            assert rcv.sink.item_count() == 1

    asyncio.run(main())
    assert TOKEN not in caplog.text


def test_grpc_sdk_exporter_with_and_without_token() -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    spans_source = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans_source))
    provider.get_tracer("t").start_span("op").end()
    spans = spans_source.get_finished_spans()

    async def main() -> None:
        async with run({"bearertokenauth/in": bearer_ext()}, grpc_section=AUTH_BEARER) as rcv:
            good = OTLPSpanExporter(
                endpoint=rcv.grpc_target, insecure=True, headers={"authorization": f"Bearer {TOKEN}"}
            )
            bad = OTLPSpanExporter(endpoint=rcv.grpc_target, insecure=True, headers={"authorization": "Bearer x"})
            try:
                assert await asyncio.to_thread(good.export, spans) == SpanExportResult.SUCCESS
                assert await asyncio.to_thread(bad.export, spans) == SpanExportResult.FAILURE
            finally:
                good.shutdown()
                bad.shutdown()
            assert rcv.sink.item_count() == 1

    asyncio.run(main())


# -- lookup errors ------------------------------------------------------------------------------


def test_authenticator_lookup_errors() -> None:
    client_only = make_extension(
        basicauth_factory(), "basicauth/out", {"client_auth": {"username": "u", "password": "p"}}
    )

    async def main() -> None:
        with pytest.raises(
            ValueError, match='failed to resolve authenticator "bearertokenauth/in": authenticator not found'
        ):
            async with run({}, http_section=AUTH_BEARER):
                pass
        with pytest.raises(
            ValueError,
            match='failed to resolve authenticator "basicauth/out": '
            "requested authenticator is not a server authenticator",
        ):
            async with run({"basicauth/out": client_only}, grpc_section={"auth": {"authenticator": "basicauth/out"}}):
                pass

    asyncio.run(main())


# -- TLS certificate reload ---------------------------------------------------------------------


def _write_cert(
    directory: Path,
    cn: str,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None,
    prefix: str = "server",
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    issuer_cert, issuer_key = ca if ca is not None else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert is not None else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=ca is None and prefix == "ca", path_length=None), critical=True)
    )
    cert = builder.sign(issuer_key, hashes.SHA256())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # write-then-rename, as a certificate manager does
    for suffix, data in ((".crt", cert_pem), (".key", key_pem)):
        tmp = directory / f".{prefix}{suffix}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, directory / f"{prefix}{suffix}")
    return cert, key


def _served_cn(port: int) -> str:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
        ctx.wrap_socket(sock, server_hostname="localhost") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    cert = x509.load_der_x509_certificate(der)
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


async def _wait_for_cn(port: int, cn: str) -> None:
    deadline = time.monotonic() + 10
    while True:
        served = await asyncio.to_thread(_served_cn, port)
        if served == cn:
            return
        assert time.monotonic() < deadline, f"still serving {served!r}, expected {cn!r}"
        await asyncio.sleep(0.05)


def test_tls_reload_interval_serves_rotated_certificate(tmp_path: Path) -> None:
    _write_cert(tmp_path, "first")
    tls = {
        "tls": {
            "cert_file": str(tmp_path / "server.crt"),
            "key_file": str(tmp_path / "server.key"),
            "reload_interval": "100ms",
        }
    }

    async def main() -> None:
        async with run({}, grpc_section=tls, http_section=tls) as rcv:
            assert await asyncio.to_thread(_served_cn, rcv.http_port) == "first"
            assert await asyncio.to_thread(_served_cn, rcv.grpc_port) == "first"
            _write_cert(tmp_path, "second")
            await _wait_for_cn(rcv.http_port, "second")
            await _wait_for_cn(rcv.grpc_port, "second")
            # requests still work over the new certificate
            ctx = ssl.create_default_context(cafile=str(tmp_path / "server.crt"))
            status, _, _ = await post(rcv.url(), trace_json(), JS, ssl_ctx=ctx)
            assert status == 200
            creds = grpc.ssl_channel_credentials(root_certificates=(tmp_path / "server.crt").read_bytes())
            assert await grpc_call(rcv.grpc_target, creds=creds) == (grpc.StatusCode.OK, "")

    asyncio.run(main())


def test_tls_reload_keeps_serving_when_new_files_are_bad(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _write_cert(tmp_path, "good")
    tls = {
        "tls": {
            "cert_file": str(tmp_path / "server.crt"),
            "key_file": str(tmp_path / "server.key"),
            "reload_interval": "50ms",
        }
    }

    async def main() -> None:
        async with run({}, http_section=tls) as rcv:
            (tmp_path / "server.key").write_text("not a key")
            deadline = time.monotonic() + 10
            while "TLS certificate reload failed" not in caplog.text:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            assert await asyncio.to_thread(_served_cn, rcv.http_port) == "good"

    caplog.set_level(logging.DEBUG)
    asyncio.run(main())


def test_mtls_client_ca_reload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rotated client CA is picked up: clients of the new CA get in, clients of the old one not."""
    monkeypatch.setattr("pyotelcol.helpers.tlsreload.CA_POLL_S", 0.05)  # poll faster than the default 1 s
    ca_dir, old_dir, new_dir = tmp_path / "ca", tmp_path / "old", tmp_path / "new"
    for d in (ca_dir, old_dir, new_dir):
        d.mkdir()
    _write_cert(ca_dir, "server")
    old_ca = _write_cert(old_dir, "old-ca", prefix="ca")
    _write_cert(old_dir, "old-client", ca=old_ca, prefix="client")
    new_ca = _write_cert(new_dir, "new-ca", prefix="ca")
    _write_cert(new_dir, "new-client", ca=new_ca, prefix="client")
    client_ca = tmp_path / "client-ca.crt"
    client_ca.write_bytes((old_dir / "ca.crt").read_bytes())
    tls = {
        "tls": {
            "cert_file": str(ca_dir / "server.crt"),
            "key_file": str(ca_dir / "server.key"),
            "client_ca_file": str(client_ca),
            "client_ca_file_reload": True,
        }
    }

    def client_ctx(d: Path) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(ca_dir / "server.crt"))
        ctx.load_cert_chain(str(d / "client.crt"), str(d / "client.key"))
        return ctx

    async def attempt(rcv: Running, d: Path) -> bool:
        try:
            status, _, _ = await post(rcv.url(), trace_json(), JS, ssl_ctx=client_ctx(d))
        except Exception:
            return False
        return status == 200

    async def main() -> None:
        async with run({}, http_section=tls) as rcv:
            assert await attempt(rcv, old_dir)
            assert not await attempt(rcv, new_dir)
            tmp = tmp_path / ".ca.tmp"
            tmp.write_bytes((new_dir / "ca.crt").read_bytes())
            os.replace(tmp, client_ca)
            deadline = time.monotonic() + 10
            while not await attempt(rcv, new_dir):
                assert time.monotonic() < deadline, "new client CA never accepted"
                await asyncio.sleep(0.1)
            assert not await attempt(rcv, old_dir)

    asyncio.run(main())
