"""Pieces both transports use: forwarding with self-metrics, listen-address handling."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass

from pyotelcol import client
from pyotelcol.component import Signal
from pyotelcol.consumer import Consumer, ConsumerError
from pyotelcol.helpers.receiverhelper import ErrorStatus, status_from_error
from pyotelcol.pdata import AnyData, Logs, Metrics, Traces
from pyotelcol.telemetry.obsreport import ReceiverObs

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]


@dataclass(slots=True)
class SignalRoute:
    """One signal a pipeline takes from this receiver."""

    signal: Signal
    data_type: type[Traces] | type[Metrics] | type[Logs]
    consumer: Consumer


async def push(
    route: SignalRoute, data: AnyData, obs: ReceiverObs, metadata: dict[str, list[str]] | None, logger: Logger
) -> ErrorStatus | None:
    """Forward decoded data; ``None`` on success (or nothing to forward), else the status to answer."""
    items = data.item_count()
    if items == 0:
        return None  # Go answers OK without forwarding or counting
    try:
        if metadata is None:
            await route.consumer.consume(data)
        else:
            with client.with_info(client.Info(metadata=client.Metadata(metadata))):
                await route.consumer.consume(data)
    except Exception as err:
        obs.record(route.signal, items, refused=True)
        if isinstance(err, ConsumerError):
            logger.debug("%s refused by the pipeline: %s", route.signal.value, err)
        else:
            logger.error("%s consumer failed unexpectedly", route.signal.value, exc_info=err)
        return status_from_error(err)
    obs.record(route.signal, items, refused=False)
    return None


class ListenError(OSError):
    """A server could not listen; the message follows Go's ``listen tcp <addr>: bind: ...``."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
        self.message = message

    def __str__(self) -> str:
        return self.message


SERVED_TRANSPORTS = frozenset({"tcp", "tcp4", "tcp6", "unix"})


def check_transport(transport: str) -> None:
    if transport not in SERVED_TRANSPORTS:
        raise ListenError(f"listen {transport}: transport not supported by the otlp receiver (use tcp or unix)")


def format_addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _os_text(exc: OSError) -> str:
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


async def resolve_listen_address(host: str, port: int, transport: str) -> tuple[str | None, int]:
    """Pick the one address Go's net.Listen would bind: ``None`` (all interfaces) for an empty
    host, the literal for an IP, else the first IPv4 (then IPv6) address the name resolves to."""
    if host == "":
        return None, port
    try:
        ipaddress.ip_address(host)
        return host, port
    except ValueError:
        pass
    family = {"tcp4": socket.AF_INET, "tcp6": socket.AF_INET6}.get(transport, socket.AF_UNSPEC)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise ListenError(f"listen {transport}: lookup {host}: {_os_text(exc)}") from None
    infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
    return str(infos[0][4][0]), port


def probe_bind_error(host: str | None, port: int, transport: str) -> ListenError | None:
    """Bind a plain socket like Go does (SO_REUSEADDR, no SO_REUSEPORT) to explain a failure."""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "", port))
    except OSError as exc:
        shown = format_addr(host if host is not None else "::", port)
        return ListenError(f"listen {transport} {shown}: bind: {_os_text(exc)}", exc.errno)
    finally:
        sock.close()
    return None
