"""The Jaeger agent ports: ``Agent.emitBatch`` messages in UDP packets (thrift compact or binary).

As in Go's udpserver, each packet goes into a bounded queue (``queue_size``) that ``workers``
tasks drain: a packet that finds the queue full is dropped at once, so a burst never backs up
into the socket or the event loop. A worker decodes one packet, forwards its batch, and yields
before taking the next. Go reads at most ``max_packet_size`` bytes of a packet, so a larger one
fails to decode; here it is dropped with the same "Processor failed" error. Go drops silently;
pyotelcol also counts the packets dropped for a full queue in
``otelcol_receiver_jaeger_dropped_packets`` and warns once.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from pyotelcol.component import Settings
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.listen import (
    ListenError,
    bind_socket,
    resolve_listen_address,
    split_host_port,
)
from pyotelcol.translator.jaeger import JaegerDecodeError, decode_agent_message, thrift_to_traces

from ._common import JaegerObs, Logger, forward
from .config import UDPConfig

DROPPED_METRIC = "otelcol_receiver_jaeger_dropped_packets"


def _buffer_size(cfg: UDPConfig) -> Callable[[socket.socket], None]:
    """Go's ``socket_buffer_size``: the receive buffer of the UDP socket, when set."""

    def configure(sock: socket.socket) -> None:
        if cfg.socket_buffer_size > 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, cfg.socket_buffer_size)

    return configure


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, server: AgentServer) -> None:
        self._server = server

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._server.offer(data)

    def error_received(self, exc: Exception) -> None:
        pass  # Go's read loop ignores read errors too


class AgentServer:
    """One agent port: the socket, the packet queue and its workers."""

    def __init__(
        self, settings: Settings, cfg: UDPConfig, compact: bool, consumer: Consumer, obs: JaegerObs, logger: Logger
    ) -> None:
        self._cfg = cfg
        self._compact = compact
        self._consumer = consumer
        self._obs = obs
        self._logger = logger
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._idle = 0  # workers waiting for a packet (Go's unbuffered hand-over when queue_size is 0)
        self._workers: list[asyncio.Task[None]] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._warned = False
        self.address: tuple[str, int] | None = None
        self._dropped = settings.telemetry.meter.create_counter(
            DROPPED_METRIC,
            unit="{packets}",
            description="Number of Jaeger agent UDP packets dropped because the receiver's queue was full.",
        )
        self._attrs = {"receiver": str(settings.id), "transport": obs.transport}

    async def start(self) -> None:
        cfg = self._cfg
        if cfg.workers <= 0:
            raise ValueError(f"number of processors must be greater than 0, called with {cfg.workers}")
        try:
            host, port = split_host_port(cfg.endpoint)
        except ValueError as exc:
            raise ListenError(f"listen udp: {exc}") from None
        address, port = await resolve_listen_address(host, port, "udp")
        sock = bind_socket("udp", address, port, socket.SOCK_DGRAM, _buffer_size(cfg))
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Protocol(self), sock=sock)
        self._transport = transport
        self.address = sock.getsockname()[:2]
        self._workers = [asyncio.create_task(self._work()) for _ in range(cfg.workers)]

    def offer(self, packet: bytes) -> None:
        """Queue a packet, or drop it when the queue is full (Go: a non-blocking channel send)."""
        if len(packet) > self._cfg.max_packet_size:
            self._logger.error(
                "Processor failed",
                extra={"fields": {"error": f"packet of {len(packet)} bytes exceeds max_packet_size"}},
            )
            return
        if self._queue.qsize() < self._cfg.queue_size + self._idle:
            self._queue.put_nowait(packet)
            return
        self._dropped.add(1, self._attrs)
        if not self._warned:
            self._warned = True
            self._logger.warning(
                "Jaeger UDP queue is full: dropping packets",
                extra={"fields": {"transport": self._attrs["transport"], "queue_size": self._cfg.queue_size}},
            )

    async def _work(self) -> None:
        while True:
            self._idle += 1
            try:
                packet = await self._queue.get()
            finally:
                self._idle -= 1
            if packet is None:
                return
            await self._process(packet)
            await asyncio.sleep(0)  # a full queue must not keep the event loop to itself

    async def _process(self, packet: bytes) -> None:
        try:
            batch = decode_agent_message(packet, self._compact)
        except JaegerDecodeError as exc:
            self._logger.error("Processor failed", extra={"fields": {"error": str(exc)}})
            return
        if batch is None:
            self._obs.traces(0, refused=False)  # Go: an emitBatch without a batch is a success of 0 spans
            return
        spans = len(batch.spans or ())
        try:
            traces = thrift_to_traces(batch)
        except JaegerDecodeError as exc:
            self._obs.traces(0, refused=True)
            self._logger.error("Processor failed", extra={"fields": {"error": str(exc)}})
            return
        err = await forward(self._consumer, traces, spans, self._obs, self._logger)
        if err is not None:
            self._logger.error("Processor failed", extra={"fields": {"error": str(err)}})

    async def stop(self) -> None:
        """Close the socket, then let the workers finish what is queued (as Go's Stop does)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        workers, self._workers = self._workers, []
        for _ in workers:
            self._queue.put_nowait(None)
        if workers:
            await asyncio.gather(*workers, return_exceptions=True)


__all__ = ["DROPPED_METRIC", "AgentServer"]
