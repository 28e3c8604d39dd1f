"""The Fluent Forward server: msgpack events on TCP (or a Unix socket), heartbeats on UDP.

As in Go, each connection is read event after event; an event with the ``chunk`` option is
acknowledged (``{"ack": chunk}``) only after the pipeline took it, and the connection is closed
without an acknowledgment when the pipeline refuses it or does not answer within 30 s, so the
client sends the chunk again. Events without ``chunk`` that the pipeline refuses are counted as
refused and the connection goes on. A malformed event is counted in
``otelcol_fluent_parse_failures`` and closes its connection (the events decoded before it are
passed on); other connections are not affected. At most 100 connections are served at once; more
wait until one closes (Go leaves them in the accept backlog).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from typing import Any, cast

import msgpack  # type: ignore[import-untyped]  # no stubs published
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Consumer, ConsumerError
from pyotelcol.helpers.listen import (
    ListenError,
    bind_error,
    bind_socket,
    format_addr,
    resolve_endpoint,
)
from pyotelcol.pdata import Logs
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._convert import ForwardError, decode_event, has_partial_object, unpacker
from .config import Config

ACK_WAIT_SECONDS = 30.0
MAX_CONNECTIONS = 100
READ_SIZE = 64 * 1024


class _Heartbeat(asyncio.DatagramProtocol):
    """Echo the first byte of each datagram (the spec's heartbeat is one 0x00 byte)."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is no subclass

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if data and self.transport is not None:
            self.transport.sendto(data[:1], addr)

    def error_received(self, exc: Exception) -> None:
        pass  # Go's loop ignores read and write errors too


class FluentReceiver:
    """Go's fluentforwardreceiver: Forward protocol events → one consumer of logs."""

    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        self._cfg = cfg
        self._consumer = next_consumer
        self._logger = settings.telemetry.logger
        self._obs = ReceiverObs(settings, "http", format=None)  # Go's obsreport says "http" here
        meter = settings.telemetry.meter

        def counter(name: str, description: str) -> Any:
            return meter.create_counter(f"otelcol_{name}", unit="1", description=description)

        self._opened = counter(
            "fluent_opened_connections", "Number of connections opened to the fluentforward receiver"
        )
        self._closed = counter(
            "fluent_closed_connections", "Number of connections closed to the fluentforward receiver"
        )
        self._parsed = counter("fluent_events_parsed", "Number of Fluent events parsed successfully")
        self._failures = counter("fluent_parse_failures", "Number of times Fluent messages failed to be decoded")
        self._generated = counter(
            "fluent_records_generated", "Number of log records generated from Fluent forward input"
        )
        self._server: asyncio.Server | None = None
        self._heartbeat: asyncio.DatagramTransport | None = None
        self._unix_path: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots: asyncio.Semaphore | None = None
        self.address: str = ""

    async def start(self, host: Host) -> None:
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        path = self._cfg.unix_path()
        if path is not None:
            # Bound here rather than by asyncio, which would remove a socket file already there:
            # Go fails with "address already in use" (and so does a second worker).
            unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                unix.bind(path)
                self._server = await asyncio.start_unix_server(self._serve, sock=unix)
            except OSError as exc:
                unix.close()
                raise bind_error("unix", path, exc) from None
            self._unix_path = path
            self.address = path
            return
        if self._cfg.endpoint == "":
            address, port = None, 0  # Go's net.Listen("tcp", ""): every address, any port
        else:
            address, port = await resolve_endpoint(self._cfg.endpoint, "tcp")
        if address == "::":
            address = None  # Go's "[::]:port" is dual-stack
        tcp = bind_socket("tcp", address, port, socket.SOCK_STREAM)
        port = int(tcp.getsockname()[1])
        try:
            udp = bind_socket("udp", address, port, socket.SOCK_DGRAM)
        except BaseException:
            tcp.close()
            raise
        loop = asyncio.get_running_loop()
        try:
            self._server = await asyncio.start_server(self._serve, sock=tcp)
        except BaseException:
            tcp.close()
            udp.close()
            raise
        transport, _ = await loop.create_datagram_endpoint(_Heartbeat, sock=udp)
        self._heartbeat = transport
        self.address = format_addr(address if address is not None else "::", port)

    async def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)
        path, self._unix_path = self._unix_path, None
        if path is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)  # Go's UnixListener removes its socket file on close

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        try:
            assert self._slots is not None
            async with self._slots:
                self._opened.add(1)
                try:
                    await self._read_events(reader, writer)
                except (ConnectionError, TimeoutError) as exc:
                    self._logger.debug(
                        "Unexpected error handling connection",
                        extra={"fields": {"remoteAddr": str(peer), "error": str(exc)}},
                    )
                except Exception as exc:  # a bug must cost one connection, not the receiver
                    self._logger.error("fluent connection failed", exc_info=exc)
                finally:
                    self._closed.add(1)
        finally:
            if task is not None:
                self._tasks.discard(task)
            writer.close()

    async def _read_events(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stream = unpacker()
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                if has_partial_object(stream):  # the peer hung up inside an event
                    self._failures.add(1)
                return
            request = ExportLogsServiceRequest()
            records = request.resource_logs.add().scope_logs.add().log_records
            try:
                stream.feed(data)
                while True:
                    try:
                        event = next(stream)
                    except StopIteration:
                        break
                    except Exception as exc:  # FormatError, StackError, ValueError: bytes that are not msgpack
                        raise ForwardError(str(exc) or type(exc).__name__) from None
                    before = len(records)
                    try:
                        chunk = decode_event(event, records)
                    except ForwardError:
                        del records[before:]
                        raise
                    self._parsed.add(1)
                    if chunk is None:
                        continue
                    if not await self._push(request, chunked=True):
                        return  # no ack: the client sends the chunk again
                    writer.write(msgpack.packb({"ack": chunk}, unicode_errors="surrogateescape"))
                    await writer.drain()
                    request = ExportLogsServiceRequest()
                    records = request.resource_logs.add().scope_logs.add().log_records
            except (ForwardError, msgpack.BufferFull) as exc:
                self._failures.add(1)
                self._logger.debug(
                    "Unexpected error handling connection",
                    extra={
                        "fields": {
                            "remoteAddr": str(writer.get_extra_info("peername")),
                            "error": str(exc) or "event too large",
                        }
                    },
                )
                await self._push(request, chunked=False)  # what came before the bad event is good
                return
            await self._push(request, chunked=False)

    async def _push(self, request: ExportLogsServiceRequest, chunked: bool) -> bool:
        """Hand the records to the pipeline; False when it refused them (or, for a chunk, did not
        answer within the ack wait)."""
        count = len(request.resource_logs[0].scope_logs[0].log_records)
        if count == 0:
            return True
        self._generated.add(count)
        try:
            if chunked:
                async with asyncio.timeout(ACK_WAIT_SECONDS):
                    await self._consumer.consume(Logs(request))
            else:
                await self._consumer.consume(Logs(request))
        except Exception as err:
            self._obs.record(Signal.LOGS, count, refused=True)
            if isinstance(err, (ConsumerError, TimeoutError)):
                self._logger.debug("log records refused by the pipeline: %s", err)
            else:
                self._logger.error("logs consumer failed unexpectedly", exc_info=err)
            return False
        self._obs.record(Signal.LOGS, count, refused=False)
        return True


__all__ = ["FluentReceiver", "ListenError"]
