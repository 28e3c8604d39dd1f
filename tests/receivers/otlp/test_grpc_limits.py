"""Bounds on gRPC streams and connections of the otlp receiver, seen from a raw HTTP/2 client.

The client writes HTTP/2 frames itself over a plain socket (hyperframe for the frame layout,
hpack for the header blocks), so it can do what no gRPC library does: cut a message short,
stay silent, or never answer the server's pings.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import hpack
import pytest
from hyperframe.frame import (
    DataFrame,
    Frame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
)

from pyotelcol.component import Signal
from pyotelcol.config import configgrpc

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
TRACES = "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#: how long a test waits for the server at most; the configured bounds are 1-2 s
PATIENCE_S = 20.0
GRPC_INTERNAL = "13"
GRPC_UNAVAILABLE = "14"

T = TypeVar("T")


def message(payload: bytes, declared: int | None = None) -> bytes:
    """A gRPC length-prefixed message whose prefix may promise more bytes than follow."""
    return b"\x00" + struct.pack(">I", len(payload) if declared is None else declared) + payload


@dataclass
class Ending:
    """How the server ended a stream or the connection, as far as the client saw."""

    status: dict[str, str] = field(default_factory=dict)  # trailers (or trailers-only headers)
    reset: int | None = None  # RST_STREAM error code
    goaway: bytes | None = None  # GOAWAY debug data
    closed: bool = False  # the server closed the TCP connection
    elapsed_s: float = 0.0


class RawClient:
    """One HTTP/2 connection over a blocking socket; acks SETTINGS, and PINGs only if asked to."""

    def __init__(self, port: int, answer_pings: bool = True) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=PATIENCE_S)
        self.answer_pings = answer_pings
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.buffer = b""
        self.sock.sendall(PREFACE + SettingsFrame(0).serialize())

    def close(self) -> None:
        self.sock.close()

    def start_call(self, stream_id: int, path: str = TRACES) -> None:
        headers = [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", path),
            (":authority", "127.0.0.1"),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
        ]
        frame = HeadersFrame(stream_id, self.encoder.encode(headers), flags=["END_HEADERS"])
        self.sock.sendall(frame.serialize())

    def send_data(self, stream_id: int, data: bytes, end_stream: bool) -> None:
        frame = DataFrame(stream_id, data, flags=["END_STREAM"] if end_stream else [])
        self.sock.sendall(frame.serialize())

    def call(self, stream_id: int, body: bytes) -> None:
        self.start_call(stream_id)
        self.send_data(stream_id, body, end_stream=True)

    def _read_frame(self) -> Frame | None:
        """The next frame, or None once the server has closed the connection."""
        while True:
            if len(self.buffer) >= 9:
                frame, length = Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if len(self.buffer) >= 9 + length:
                    frame.parse_body(memoryview(self.buffer[9 : 9 + length]))
                    self.buffer = self.buffer[9 + length :]
                    return frame
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return None
            except TimeoutError:
                raise AssertionError(f"the server left the connection open for {PATIENCE_S}s") from None
            if not chunk:
                return None
            self.buffer += chunk

    def wait_end(self, stream_id: int | None) -> Ending:
        """Read until the stream ends (trailers or RST_STREAM) or the connection closes;
        ``stream_id`` None waits for the connection alone."""
        ending = Ending()
        started = time.monotonic()
        while True:
            frame = self._read_frame()
            ending.elapsed_s = time.monotonic() - started
            if frame is None:
                ending.closed = True
                return ending
            if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                self.sock.sendall(SettingsFrame(0, flags=["ACK"]).serialize())
            elif isinstance(frame, PingFrame) and "ACK" not in frame.flags and self.answer_pings:
                self.sock.sendall(PingFrame(0, frame.opaque_data, flags=["ACK"]).serialize())
            elif isinstance(frame, GoAwayFrame):
                ending.goaway = bytes(frame.additional_data)
            elif frame.stream_id != stream_id or stream_id is None:
                continue
            elif isinstance(frame, HeadersFrame):
                headers = {str(k): str(v) for k, v in self.decoder.decode(frame.data)}
                if "END_STREAM" in frame.flags:
                    ending.status = headers
                    return ending
            elif isinstance(frame, RstStreamFrame):
                ending.reset = frame.error_code
                return ending


async def in_thread(port: int, script: Callable[[RawClient], T], answer_pings: bool = True) -> T:
    """Run ``script(client)`` on a fresh raw connection in a worker thread (the server keeps the loop)."""

    def run() -> T:
        client = RawClient(port, answer_pings)
        try:
            return script(client)
        finally:
            client.close()

    return await asyncio.to_thread(run)


def valid_request(otlp: Any) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from pyotelcol.pdata.otlpjson import from_json

    return bytes(from_json(otlp.example("trace.json"), ExportTraceServiceRequest).SerializeToString())


# -- a request cut short ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(message(b"\x0a\x02", declared=16), id="prefix-promises-more"),
        pytest.param(b"\x00\x00\x00", id="partial-prefix"),
        pytest.param(b"", id="no-message"),
    ],
)
def test_half_closed_without_a_whole_message_is_internal(otlp: Any, body: bytes) -> None:
    """grpc-go answers INTERNAL; grpcio alone never answers such a stream."""

    def script(client: RawClient) -> Ending:
        client.call(1, body)
        return client.wait_end(1)

    async def main() -> None:
        async with otlp.run(grpc={}, signals=[Signal.TRACES]) as run:
            for _ in range(3):  # it failed intermittently when it depended on timing
                ending = await in_thread(run.grpc_port, script)
                assert ending.status.get("grpc-status") == GRPC_INTERNAL, ending
                assert "cardinality violation: received no request message" in ending.status["grpc-message"]
            assert not run.sinks[Signal.TRACES].received

    asyncio.run(main())


def test_two_messages_on_a_unary_call_are_internal(otlp: Any) -> None:
    def script(client: RawClient) -> Ending:
        client.call(1, message(b"") + message(b""))
        return client.wait_end(1)

    async def main() -> None:
        async with otlp.run(grpc={}, signals=[Signal.TRACES]) as run:
            ending = await in_thread(run.grpc_port, script)
            assert ending.status.get("grpc-status") == GRPC_INTERNAL, ending
            assert "received multiple request messages" in ending.status["grpc-message"]

    asyncio.run(main())


def test_whole_requests_still_work_on_the_same_connection(otlp: Any) -> None:
    request = valid_request(otlp)

    def script(client: RawClient) -> Ending:
        client.call(1, message(request, declared=len(request) + 5))
        first = client.wait_end(1)
        assert first.status.get("grpc-status") == GRPC_INTERNAL, first
        client.call(3, message(request))
        return client.wait_end(3)

    async def main() -> None:
        async with otlp.run(grpc={}, signals=[Signal.TRACES]) as run:
            ending = await in_thread(run.grpc_port, script)
            assert ending.status.get("grpc-status") == "0", ending
            assert run.sinks[Signal.TRACES].item_count() == 1

    asyncio.run(main())


# -- connections: idle, age, keepalive ----------------------------------------------------------


def test_silent_connection_is_closed_after_max_connection_idle(otlp: Any) -> None:
    async def main() -> None:
        grpc = {"keepalive": {"server_parameters": {"max_connection_idle": "1s"}}}
        async with otlp.run(grpc=grpc, signals=[Signal.TRACES]) as run:
            ending = await in_thread(run.grpc_port, lambda client: client.wait_end(None))
            assert ending.closed and ending.goaway is not None, ending
            assert b"idle" in ending.goaway

    asyncio.run(main())


def test_stalled_call_is_closed_after_max_connection_age_and_grace(otlp: Any) -> None:
    """A call whose message never completes (no END_STREAM) keeps a connection busy, so it is
    never idle: max_connection_age plus its grace bounds it."""

    def script(client: RawClient) -> tuple[Ending, Ending]:
        client.start_call(1)
        client.send_data(1, message(b"\x0a", declared=100), end_stream=False)
        return client.wait_end(1), client.wait_end(None)

    async def main() -> None:
        params = {"max_connection_age": "1s", "max_connection_age_grace": "1s"}
        async with otlp.run(grpc={"keepalive": {"server_parameters": params}}, signals=[Signal.TRACES]) as run:
            call, connection = await in_thread(run.grpc_port, script)
            assert call.goaway is not None and b"max_age" in call.goaway, call
            # when the grace runs out grpcio ends the call UNAVAILABLE, then closes the connection
            assert call.status.get("grpc-status") == GRPC_UNAVAILABLE or call.closed, call
            assert connection.closed
            assert not run.sinks[Signal.TRACES].received

    asyncio.run(main())


def test_peer_that_stops_answering_pings_is_dropped(otlp: Any) -> None:
    """A half-open connection (the peer is gone mid-call) ends after keepalive time + timeout."""

    def script(client: RawClient) -> tuple[Ending, Ending]:
        client.start_call(1)
        return client.wait_end(1), client.wait_end(None)

    async def main() -> None:
        params = {"time": "1s", "timeout": "1s", "max_connection_idle": "0s", "max_connection_age": "0s"}
        async with otlp.run(grpc={"keepalive": {"server_parameters": params}}, signals=[Signal.TRACES]) as run:
            call, connection = await in_thread(run.grpc_port, script, answer_pings=False)
            assert call.goaway is not None and b"ping_timeout" in call.goaway, call
            assert call.status.get("grpc-status") == GRPC_UNAVAILABLE or call.closed, call
            assert connection.closed

    asyncio.run(main())


# -- what the config turns into -------------------------------------------------------------------


def test_server_parameters_default_to_bounds_of_minutes(otlp: Any) -> None:
    options = dict(otlp.build({"protocols": {"grpc": None}}).protocols.grpc.value.grpc_options())
    assert options["grpc.max_connection_idle_ms"] == 5 * 60_000
    assert options["grpc.max_connection_age_ms"] == 10 * 60_000
    assert options["grpc.max_connection_age_grace_ms"] == 60_000
    assert options["grpc.keepalive_time_ms"] == 2 * 60_000
    assert options["grpc.keepalive_timeout_ms"] == options["grpc.http2.ping_timeout_ms"] == 20_000
    assert timedelta(minutes=5) == configgrpc.DEFAULT_MAX_CONNECTION_IDLE


def test_zero_keeps_grpc_defaults_as_in_go(otlp: Any) -> None:
    params = {"max_connection_idle": 0, "max_connection_age": 0, "max_connection_age_grace": 0, "time": 0}
    cfg = otlp.build({"protocols": {"grpc": {"keepalive": {"server_parameters": params}}}})
    options = dict(cfg.protocols.grpc.value.grpc_options())
    for key in ("max_connection_idle_ms", "max_connection_age_ms", "max_connection_age_grace_ms", "keepalive_time_ms"):
        assert "grpc." + key not in options
    cfg = otlp.build({"protocols": {"grpc": {"keepalive": {"enabled": False}}}})
    assert "grpc.max_connection_idle_ms" not in dict(cfg.protocols.grpc.value.grpc_options())
