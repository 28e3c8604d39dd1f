"""confighttp.start_http_server through real sockets: a tiny echo route behind the builder's
TLS (with reload), auth, CORS, decompression, body limit, response headers and include_metadata."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from config.srvsupport import LOGGER, TOKEN, bearer_host, server_config, taken_port, write_cert
from support import free_port

from pyotelcol import client
from pyotelcol.config.confighttp import (
    HttpServer,
    RequestError,
    ServerConfig,
    ServerRequest,
    start_http_server,
)
from pyotelcol.helpers.listen import ListenError
from pyotelcol.testing import NopHost


async def echo(served: ServerRequest) -> web.Response:
    """Answers what the route sees: the body, the metadata from the client Info in context."""
    if served.request.path == "/fail":
        raise RequestError("the route refused it", 422)
    body = await served.body()
    info = client.from_context()
    payload = {"body": body.decode(), "metadata": {k: list(v) for k, v in info.metadata.items()}}
    return web.json_response(payload)


@asynccontextmanager
async def serving(raw: dict[str, Any], **kwargs: Any) -> AsyncIterator[HttpServer]:
    cfg = server_config(ServerConfig, {"endpoint": f"127.0.0.1:{free_port()}", **raw})
    async with bearer_host() as host:
        server = await start_http_server(cfg, host, echo, logger=LOGGER, **kwargs)
        try:
            yield server
        finally:
            await server.stop()
            await server.stop()  # a second stop is harmless


def url(server: HttpServer, path: str = "/echo", scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.port}{path}"


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


async def post(target: str, data: bytes = b"", headers: dict[str, str] | None = None, **kwargs: Any) -> Reply:
    """One POST on a fresh connection."""
    async with aiohttp.ClientSession() as session, session.post(target, data=data, headers=headers, **kwargs) as resp:
        return Reply(resp.status, resp.headers, await resp.text())


def test_plain_request_reaches_the_route_with_its_body() -> None:
    async def main() -> None:
        async with serving({}) as server, aiohttp.ClientSession() as session:
            assert server.endpoint == f"127.0.0.1:{server.port}"
            async with session.post(url(server), data=b"hello") as resp:
                assert resp.status == 200
                assert (await resp.json()) == {"body": "hello", "metadata": {}}

    asyncio.run(main())


def test_gzip_body_is_decompressed_and_limits_apply_to_raw_and_decoded_size() -> None:
    async def main() -> None:
        async with serving({"max_request_body_size": 1000}) as server, aiohttp.ClientSession() as session:
            headers = {"Content-Encoding": "gzip"}
            async with session.post(url(server), data=gzip.compress(b"zipped"), headers=headers) as resp:
                assert resp.status == 200 and (await resp.json())["body"] == "zipped"
            # small on the wire, too large once decompressed
            async with session.post(url(server), data=gzip.compress(b"x" * 5000), headers=headers) as resp:
                assert resp.status == 413
                assert await resp.text() == "http: request body too large\n"
            async with session.post(url(server), data=b"y" * 1001) as resp:
                assert resp.status == 413
            async with session.post(url(server), data=b"not gzip at all", headers=headers) as resp:
                assert resp.status == 400
            async with session.post(url(server), data=b"abc", headers={"Content-Encoding": "br"}) as resp:
                assert resp.status == 400
                assert await resp.text() == "unsupported Content-Encoding: br\n"
                assert resp.headers["X-Content-Type-Options"] == "nosniff"

    asyncio.run(main())


def test_auth_extension_answers_401_with_its_message_and_passes_valid_tokens() -> None:
    async def main() -> None:
        raw = {"auth": {"authenticator": "bearertokenauth"}, "response_headers": {"X-Served-By": "builder"}}
        async with serving(raw) as server, aiohttp.ClientSession() as session:
            async with session.post(url(server), data=b"x") as resp:
                assert resp.status == 401
                assert await resp.text() == "missing or empty authorization header: Authorization\n"
                assert resp.headers["X-Served-By"] == "builder"
            bad = {"Authorization": "Bearer wrong"}
            async with session.post(url(server), data=b"x", headers=bad) as resp:
                assert resp.status == 401 and await resp.text() == "scheme or token does not match\n"
            good = {"Authorization": f"Bearer {TOKEN}"}
            async with session.post(url(server), data=b"ok", headers=good) as resp:
                assert resp.status == 200 and (await resp.json())["body"] == "ok"
                assert resp.headers["X-Served-By"] == "builder"

    asyncio.run(main())


def test_unknown_authenticator_and_middlewares_fail_start() -> None:
    async def main() -> None:
        cfg = server_config(ServerConfig, {"endpoint": "127.0.0.1:0", "auth": {"authenticator": "oidc"}})
        with pytest.raises(ValueError, match='failed to resolve authenticator "oidc": authenticator not found'):
            await start_http_server(cfg, NopHost(), echo, logger=LOGGER)
        cfg = server_config(ServerConfig, {"endpoint": "127.0.0.1:0", "middlewares": [{"id": "headers"}]})
        with pytest.raises(ValueError, match="middlewares are not supported"):
            await start_http_server(cfg, NopHost(), echo, logger=LOGGER)

    asyncio.run(main())


def test_include_metadata_gives_the_route_the_request_headers() -> None:
    async def main() -> None:
        async with serving({"include_metadata": True}) as server:
            reply = await post(url(server), b"m", {"X-Tenant": "acme"})
            assert reply.json()["metadata"]["x-tenant"] == ["acme"]
        async with serving({}) as server:
            reply = await post(url(server), b"m", {"X-Tenant": "acme"})
            assert reply.json()["metadata"] == {}

    asyncio.run(main())


def test_cors_preflight_and_actual_request() -> None:
    async def main() -> None:
        raw = {"cors": {"allowed_origins": ["https://*.example"], "max_age": 600}}
        async with serving(raw) as server, aiohttp.ClientSession() as session:
            preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
            async with session.options(url(server), headers=preflight) as resp:
                assert resp.status == 204
                assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"
                assert resp.headers["Access-Control-Allow-Methods"] == "POST"
                assert resp.headers["Access-Control-Max-Age"] == "600"
            refused = {"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"}
            async with session.options(url(server), headers=refused) as resp:
                assert resp.status == 204 and "Access-Control-Allow-Origin" not in resp.headers
            async with session.post(url(server), data=b"c", headers={"Origin": "https://app.example"}) as resp:
                assert resp.status == 200
                assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example"
                assert resp.headers["Access-Control-Allow-Credentials"] == "true"
                assert resp.headers["Vary"] == "Origin"

    asyncio.run(main())


def test_request_error_from_the_route_goes_through_the_error_handler() -> None:
    def as_json(request: web.BaseRequest, error: RequestError) -> web.Response:
        return web.json_response({"error": error.message}, status=error.status)

    async def main() -> None:
        async with serving({}) as server:
            reply = await post(url(server, "/fail"))
            assert reply.status == 422 and reply.text == "the route refused it\n"
        async with serving({}, error_handler=as_json) as server:
            reply = await post(url(server, "/fail"))
            assert reply.status == 422 and reply.json() == {"error": "the route refused it"}

    asyncio.run(main())


def test_taken_port_reads_like_go() -> None:
    async def main() -> None:
        with taken_port() as port, pytest.raises(ListenError) as err:
            await start_http_server(
                server_config(ServerConfig, {"endpoint": f"127.0.0.1:{port}"}), NopHost(), echo, logger=LOGGER
            )
        assert str(err.value) == f"listen tcp 127.0.0.1:{port}: bind: address already in use"

    asyncio.run(main())


def _served_cn(port: int) -> str:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock, ctx.wrap_socket(sock) as tls:
        cert = tls.getpeercert(binary_form=True)
    assert cert is not None
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return str(x509.load_der_x509_certificate(cert).subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_tls_serves_and_reloads_the_certificate(tmp_path: Path) -> None:
    async def main() -> None:
        cert = write_cert(tmp_path, "first")
        tls = {"cert_file": str(cert), "key_file": str(tmp_path / "server.key"), "reload_interval": "100ms"}
        async with serving({"tls": tls}) as server:
            ctx = ssl.create_default_context(cafile=str(cert))
            reply = await post(url(server, scheme="https"), b"tls", ssl=ctx)
            assert reply.status == 200 and reply.json()["body"] == "tls"
            write_cert(tmp_path, "second")
            for _ in range(200):
                if await asyncio.to_thread(_served_cn, server.port or 0) == "second":
                    break
                await asyncio.sleep(0.05)
            assert await asyncio.to_thread(_served_cn, server.port or 0) == "second"

    asyncio.run(main())


def test_keep_alives_disabled_closes_each_connection() -> None:
    async def main() -> None:
        async with serving({"keep_alives_enabled": False}) as server:
            reply = await post(url(server), b"k")
            assert reply.status == 200 and reply.headers.get("Connection", "").lower() == "close"

    asyncio.run(main())


def test_route_headers_survive_the_merge_with_response_and_cors_headers() -> None:
    async def main() -> None:
        raw = {"response_headers": {"X-A": "1"}, "cors": {"allowed_origins": ["*"]}}
        async with serving(raw) as server:
            reply = await post(url(server), b"j", {"Origin": "https://x"})
            assert reply.headers["Content-Type"].startswith("application/json")
            assert reply.json()["body"] == "j"
            assert reply.headers["X-A"] == "1" and reply.headers["Access-Control-Allow-Origin"] == "*"

    asyncio.run(main())


def test_stop_answers_a_request_whose_body_is_still_arriving_and_closes_idle_connections() -> None:
    """aiohttp's own graceful shutdown drops what a connection receives once shutdown began: a
    request whose headers came in but whose body had not would wait for it until the client gave
    up (clients timing out during reloads). stop() lets it finish and answer, then closes the
    idle keep-alive connections."""

    def read_reply(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data or not data.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    async def run() -> None:
        async with serving({}) as server:
            loop = asyncio.get_running_loop()
            idle = socket.create_connection(("127.0.0.1", server.port or 0), timeout=5)
            slow = socket.create_connection(("127.0.0.1", server.port or 0), timeout=5)
            head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"
            await loop.run_in_executor(None, idle.sendall, head + b"first")
            first = await loop.run_in_executor(None, read_reply, idle)
            assert b" 200 " in first.split(b"\r\n")[0] and b'"first"' in first
            await loop.run_in_executor(None, slow.sendall, head)  # the body follows later
            await asyncio.sleep(0.2)
            stopping = asyncio.ensure_future(server.stop())
            await asyncio.sleep(0.2)
            assert not stopping.done()  # it waits for the request under way
            await loop.run_in_executor(None, slow.sendall, b"later")
            reply = await loop.run_in_executor(None, read_reply, slow)
            assert b" 200 " in reply.split(b"\r\n")[0], reply
            assert b'"later"' in reply and b"Connection: close" in reply, reply
            await asyncio.wait_for(stopping, 5)
            assert await loop.run_in_executor(None, idle.recv, 1) == b""  # closed by the server
            idle.close()
            slow.close()

    asyncio.run(run())
