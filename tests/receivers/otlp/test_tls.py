"""Server TLS on both protocols, with a throw-away self-signed certificate."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from aiohttp import ClientSession

from pyotelcol.component import Signal

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

TRACE_METHOD = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("tls")
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key_path),
            "-out",
            str(cert_path),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert_path, key_path


def test_tls_on_grpc_and_http(otlp: Any, cert: tuple[Path, Path]) -> None:
    cert_path, key_path = cert
    tls = {"tls": {"cert_file": str(cert_path), "key_pem": key_path.read_text()}}

    async def main() -> None:
        async with otlp.run(grpc=tls, http=tls) as run:
            creds = grpc.ssl_channel_credentials(root_certificates=cert_path.read_bytes())
            async with grpc.aio.secure_channel(run.grpc_target, creds) as channel:
                assert await channel.unary_unary(TRACE_METHOD, None, None)(b"", timeout=10) == b"\x0a\x00"
            client_ctx = ssl.create_default_context(cafile=str(cert_path))
            url = f"https://127.0.0.1:{run.http_port}/v1/traces"
            async with (
                ClientSession() as session,
                session.post(
                    url, data=otlp.example("trace.json"), headers={"Content-Type": "application/json"}, ssl=client_ctx
                ) as resp,
            ):
                assert resp.status == 200
            assert run.sinks[Signal.TRACES].item_count() == 1

    asyncio.run(main())


def test_missing_certificate_fails_start(otlp: Any, tmp_path: Path) -> None:
    tls = {"tls": {"cert_file": str(tmp_path / "nope.pem"), "key_file": str(tmp_path / "nope.key")}}

    async def main() -> None:
        with pytest.raises(ValueError, match="failed to load TLS config"):
            async with otlp.run(http=tls):
                pass

    asyncio.run(main())
