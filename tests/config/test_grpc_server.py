"""configgrpc.start_grpc_server through real sockets: a tiny raw-bytes unary method behind the
builder's auth, include_metadata, decode errors, TLS with reload and Go's bind error text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import grpc.aio
import pytest
from config.srvsupport import LOGGER, TOKEN, bearer_host, server_config, taken_port, write_cert
from support import free_port

from pyotelcol import client
from pyotelcol.config.configgrpc import (
    NO_REQUEST,
    Context,
    GrpcServer,
    ServerConfig,
    UnaryMethod,
    start_grpc_server,
)
from pyotelcol.helpers.listen import ListenError
from pyotelcol.testing import NopHost

SERVICE = "test.Echo"
METHOD = f"/{SERVICE}/Say"


def decode_text(raw: bytes) -> str:
    text = raw.decode()  # UnicodeDecodeError is a ValueError: INVALID_ARGUMENT
    if text == "reject":
        raise ValueError("no rejects")
    return text


async def say(text: str, context: Context) -> bytes:
    tenant = client.from_context().metadata.get_values("x-tenant")
    return f"{text}|{','.join(tenant)}".encode()


ECHO = UnaryMethod(SERVICE, "Say", decode_text, say)


@asynccontextmanager
async def serving(raw: dict[str, Any]) -> AsyncIterator[GrpcServer]:
    cfg = server_config(ServerConfig, {"endpoint": f"127.0.0.1:{free_port()}", **raw})
    async with bearer_host() as host:
        server = await start_grpc_server(cfg, host, [ECHO], logger=LOGGER)
        try:
            yield server
        finally:
            await server.stop()
            await server.stop()  # a second stop is harmless


async def call(
    target: str,
    payload: bytes,
    *,
    metadata: tuple[tuple[str, str], ...] = (),
    credentials: grpc.ChannelCredentials | None = None,
    method: str = METHOD,
) -> bytes:
    channel = (
        grpc.aio.secure_channel(target, credentials) if credentials is not None else grpc.aio.insecure_channel(target)
    )
    async with channel:
        stub = channel.unary_unary(method, None, None)
        result: bytes = await stub(payload, metadata=metadata, timeout=10)
        return result


def test_unary_method_is_served_and_unknown_methods_are_unimplemented() -> None:
    async def main() -> None:
        async with serving({}) as server:
            target = f"127.0.0.1:{server.port}"
            assert server.endpoint == target
            assert await call(target, b"hi", metadata=(("x-tenant", "acme"),)) == b"hi|"
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call(target, b"hi", method=f"/{SERVICE}/Other")
            assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED

    asyncio.run(main())


def test_include_metadata_sets_the_client_info() -> None:
    async def main() -> None:
        async with serving({"include_metadata": True}) as server:
            got = await call(f"127.0.0.1:{server.port}", b"hi", metadata=(("x-tenant", "acme"),))
            assert got == b"hi|acme"

    asyncio.run(main())


def test_undecodable_request_is_invalid_argument() -> None:
    async def main() -> None:
        async with serving({}) as server:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call(f"127.0.0.1:{server.port}", b"reject")
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert err.value.details() == "grpc: error unmarshalling request: no rejects"

    asyncio.run(main())


def test_half_closed_call_without_a_message_is_internal() -> None:
    async def main() -> None:
        async with serving({}) as server, grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stream = channel.stream_unary(METHOD, None, None)
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stream(iter(()), timeout=10)
            assert err.value.code() == grpc.StatusCode.INTERNAL and err.value.details() == NO_REQUEST

    asyncio.run(main())


def test_auth_extension_guards_the_methods() -> None:
    async def main() -> None:
        raw = {"auth": {"authenticator": "bearertokenauth"}, "include_metadata": True}
        async with serving(raw) as server:
            target = f"127.0.0.1:{server.port}"
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call(target, b"hi")
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
            assert err.value.details() == "missing or empty authorization header: Authorization"
            good = (("authorization", f"Bearer {TOKEN}"), ("x-tenant", "acme"))
            assert await call(target, b"hi", metadata=good) == b"hi|acme"

    asyncio.run(main())


def test_a_second_grpc_server_on_the_port_of_a_running_one_fails() -> None:
    """gRPC servers set SO_REUSEPORT (a reload's successor listens beside its predecessor), so
    exclusivity between two of ours comes from the check before binding."""

    async def main() -> None:
        cfg = server_config(ServerConfig, {"endpoint": f"127.0.0.1:{free_port()}"})
        first = await start_grpc_server(cfg, NopHost(), [ECHO], logger=LOGGER)
        try:
            with pytest.raises(ListenError) as err:
                await start_grpc_server(cfg, NopHost(), [ECHO], logger=LOGGER)
            assert str(err.value) == f"listen tcp {first.endpoint}: bind: address already in use"
        finally:
            await first.stop()

    asyncio.run(main())


def test_taken_port_reads_like_go() -> None:
    async def main() -> None:
        with taken_port() as port, pytest.raises(ListenError) as err:
            await start_grpc_server(
                server_config(ServerConfig, {"endpoint": f"127.0.0.1:{port}"}), NopHost(), [ECHO], logger=LOGGER
            )
        assert str(err.value) == f"listen tcp 127.0.0.1:{port}: bind: address already in use"

    asyncio.run(main())


def test_tls_serves_and_reloads_the_certificate(tmp_path: Path) -> None:
    async def main() -> None:
        first = write_cert(tmp_path, "first").read_bytes()
        tls = {"cert_file": str(tmp_path / "server.crt"), "key_file": str(tmp_path / "server.key")}
        async with serving({"tls": {**tls, "reload_interval": "100ms"}}) as server:
            target = f"localhost:{server.port}"
            creds = grpc.ssl_channel_credentials(root_certificates=first)
            assert await call(target, b"tls", credentials=creds) == b"tls|"
            second = write_cert(tmp_path, "second").read_bytes()
            new_creds = grpc.ssl_channel_credentials(root_certificates=second)
            for _ in range(200):
                try:
                    assert await call(target, b"again", credentials=new_creds) == b"again|"
                    break
                except grpc.aio.AioRpcError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the reloaded certificate was never served")

    asyncio.run(main())
