"""Listening on unix sockets, and refusing transports the receiver cannot serve."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc.aio
import pytest
from aiohttp import ClientSession, UnixConnector
from pyotelcol.receivers.otlp import create_factory

from pyotelcol.component import Kind, Signal
from pyotelcol.testing import NopHost, Sink, make_settings


def _receiver(cfg: Any, sink: Sink) -> Any:
    return create_factory().create_for(Signal.TRACES, make_settings("otlp", Kind.RECEIVER, Signal.TRACES), cfg, sink)


def test_unix_sockets(otlp: Any, tmp_path: Path) -> None:
    grpc_path, http_path = tmp_path / "grpc.sock", tmp_path / "http.sock"
    cfg = otlp.build(
        {
            "protocols": {
                "grpc": {"transport": "unix", "endpoint": str(grpc_path)},
                "http": {"transport": "unix", "endpoint": str(http_path)},
            }
        }
    )
    sink = Sink()

    async def main() -> None:
        receiver = _receiver(cfg, sink)
        await receiver.start(NopHost())
        try:
            async with grpc.aio.insecure_channel(f"unix:{grpc_path}") as channel:
                method = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
                assert await channel.unary_unary(method, None, None)(b"", timeout=10) == b"\x0a\x00"
            async with (
                ClientSession(connector=UnixConnector(path=str(http_path))) as session,
                session.post(
                    "http://localhost/v1/traces",
                    data=otlp.example("trace.json"),
                    headers={"Content-Type": "application/json"},
                ) as resp,
            ):
                assert resp.status == 200
            assert sink.item_count() == 1
        finally:
            await receiver.shutdown()

    asyncio.run(main())


@pytest.mark.parametrize("protocol", ["grpc", "http"])
def test_unservable_transport_fails_start(otlp: Any, protocol: str) -> None:
    cfg = otlp.build({"protocols": {protocol: {"transport": "udp", "endpoint": f"127.0.0.1:{otlp.next_port()}"}}})

    async def main() -> None:
        receiver = _receiver(cfg, Sink())
        with pytest.raises(OSError, match="listen udp: transport not supported"):
            await receiver.start(NopHost())
        await receiver.shutdown()

    asyncio.run(main())
