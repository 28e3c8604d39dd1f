"""The StatsD server: lines from UDP datagrams (or TCP connections) into the aggregator, which is
flushed to the pipeline every ``aggregation_interval``, one batch per sender.

Go drops what is aggregated when the receiver stops; here the last interval is flushed at
shutdown, so nothing received is lost. Each line counts in
``otelcol_receiver_received_statsd_metrics{parse_success=...}`` (Go adds to it per 100 lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from typing import Any

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer, ConsumerError
from pyotelcol.helpers.listen import (
    ListenError,
    bind_socket,
    format_addr,
    resolve_listen_address,
    split_host_port,
)
from pyotelcol.pdata import Metrics
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._parser import Aggregator, ParseError
from .config import PACKET_TRANSPORTS, STREAM_TRANSPORTS, Config

MAX_LINE = 65527  # Go's read buffer: the largest UDP payload


def _socket_kind(transport: str) -> socket.SocketKind:
    return socket.SOCK_DGRAM if transport.startswith("udp") else socket.SOCK_STREAM


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: StatsdReceiver) -> None:
        self._receiver = receiver

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._receiver.take(data, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # Go logs read errors at debug level and goes on


class StatsdReceiver:
    """Go's statsdreceiver for one pipeline's metrics consumer."""

    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._cfg = cfg
        self._consumer = next_consumer
        self._logger = settings.telemetry.logger
        self._version = settings.build_info.version
        self._obs = ReceiverObs(settings, cfg.transport.lower(), format="statsd")
        self._received = settings.telemetry.meter.create_counter(
            "otelcol_receiver_received_statsd_metrics", unit="1", description="Number of statsd metrics received."
        )
        receiver = str(settings.id)
        self._ok_attrs = {"receiver": receiver, "parse_success": "true"}
        self._bad_attrs = {"receiver": receiver, "parse_success": "false"}
        self._aggregator: Aggregator | None = None
        self._datagrams: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.address = ""

    async def start(self, host: Host) -> None:
        transport = self._cfg.transport.lower()
        if transport not in PACKET_TRANSPORTS + STREAM_TRANSPORTS:
            raise ValueError(f'unsupported transport "{self._cfg.transport}"')
        endpoint = self._cfg.endpoint or "localhost:8125"
        try:
            name, port = split_host_port(endpoint)
        except ValueError as exc:
            raise ListenError(f"listen {transport}: {exc}") from None
        address, port = await resolve_listen_address(name, port, "tcp" + transport[3:])  # udp4 → tcp4: same family
        sock = bind_socket(transport, address, port, _socket_kind(transport))
        loop = asyncio.get_running_loop()
        self._aggregator = Aggregator(self._cfg, self._version, time.time_ns())
        try:
            if transport in PACKET_TRANSPORTS:
                datagrams, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self), sock=sock)
                self._datagrams = datagrams
            else:
                self._server = await asyncio.start_server(self._serve, sock=sock, limit=MAX_LINE + 1)
        except BaseException:
            sock.close()
            raise
        self.address = format_addr(address if address is not None else "::", int(sock.getsockname()[1]))
        self._flusher = asyncio.create_task(self._flush_every_interval())

    async def shutdown(self) -> None:
        datagrams, self._datagrams = self._datagrams, None
        if datagrams is not None:
            datagrams.close()
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await self._flush()  # Go drops the open interval; we hand it on

    def take(self, data: bytes, addr: Any, strip: bool = False) -> None:
        """Aggregate every non-empty line of a datagram (or a TCP line, which Go trims)."""
        aggregator = self._aggregator
        if aggregator is None:
            return
        now = time.time_ns()
        ok = bad = 0
        for raw in data.split(b"\n"):
            if strip:
                raw = raw.strip()
            if not raw:
                continue
            try:
                aggregator.add(raw.decode("utf-8", "replace"), addr, now)
                ok += 1
            except ParseError as exc:
                bad += 1
                self._logger.debug("Error aggregating pmetric", extra={"fields": {"error": str(exc)}})
        if ok:
            self._received.add(ok, self._ok_attrs)
        if bad:
            self._received.add(bad, self._bad_attrs)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        addr = writer.get_extra_info("peername")
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as exc:
                    if exc.partial:
                        self.take(exc.partial, addr, strip=True)  # Go drops a last line without newline
                    return
                except asyncio.LimitOverrunError:
                    self._logger.debug("statsd line too long: closing the connection")
                    return
                self.take(line, addr, strip=True)
        except ConnectionError:
            return
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _flush_every_interval(self) -> None:
        interval = self._cfg.aggregation_interval.total_seconds()
        while True:
            await asyncio.sleep(interval)
            await self._flush()

    async def _flush(self) -> None:
        aggregator = self._aggregator
        if aggregator is None or not aggregator.pending():
            if aggregator is not None:
                aggregator.flush(time.time_ns())  # a new interval starts even when nothing came
            return
        for request in aggregator.flush(time.time_ns()):
            metrics = Metrics(request)
            points = metrics.item_count()
            try:
                await self._consumer.consume(metrics)
            except Exception as err:
                self._obs.record(Signal.METRICS, points, refused=True)
                if isinstance(err, ConsumerError):
                    self._logger.debug("Error flushing metrics: %s", err)
                else:
                    self._logger.error("metrics consumer failed unexpectedly", exc_info=err)
                continue
            self._obs.record(Signal.METRICS, points, refused=False)
