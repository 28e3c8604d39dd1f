"""Opening a server's listening address the way Go's ``net.Listen`` does, with Go's error texts.

Used by the HTTP and gRPC server builders (``confighttp.start_http_server``,
``configgrpc.start_grpc_server``). Outside ``--workers`` mode the port is exclusive, so a second
collector on a taken port is a startup error (``bind: address already in use``) instead of
silently taking half the traffic. The supervisor (``pyotelcol.cli.workers``) marks its workers
with ``PYOTELCOL_WORKER_ID``; only then do the servers turn SO_REUSEPORT on, and the kernel
spreads new connections across the workers.

A reload hands listening addresses over: while the service starts a component with
``component_starting(component, retiring)``, a socket bound through ``bind_socket`` at an address
a retiring component holds is that socket (a duplicate of its descriptor), so the listening socket
never closes and clients see no refused connection while the old instance drains and stops.
gRPC servers cannot adopt a socket (grpcio binds its own), so they always set SO_REUSEPORT and
``claim_grpc_address`` checks the exclusivity instead: the successor listens beside its
predecessor, which leaves after.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import socket
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

WORKER_ID_ENV = "PYOTELCOL_WORKER_ID"
SERVED_TRANSPORTS = frozenset({"tcp", "tcp4", "tcp6", "unix"})


class ListenError(OSError):
    """A server could not listen; the message follows Go's ``listen tcp <addr>: bind: ...``."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno
        self.message = message

    def __str__(self) -> str:
        return self.message


def reuse_port_allowed() -> bool:
    """SO_REUSEPORT only in a worker process of ``--workers`` mode."""
    return bool(os.environ.get(WORKER_ID_ENV))


def grpc_server_options(options: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The configured channel options with ``grpc.so_reuseport`` on: a reload's successor
    server joins its predecessor's port (``claim_grpc_address`` keeps the port exclusive)."""
    return [(k, v) for k, v in options if k != "grpc.so_reuseport"] + [("grpc.so_reuseport", 1)]


def check_transport(transport: str) -> None:
    """Stream servers listen on tcp, tcp4, tcp6 or unix; anything else fails at start."""
    if transport not in SERVED_TRANSPORTS:
        raise ListenError(f"listen {transport}: transport not supported by this server (use tcp or unix)")


def format_addr(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def os_error_text(exc: OSError) -> str:
    """Go's lower-case rendering of an OS error (``address already in use``)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def split_host_port(endpoint: str) -> tuple[str, int]:
    """Go's net.SplitHostPort plus a numeric port: ``"h:4317"``, ``"[::1]:4317"``, ``":4317"``."""
    if endpoint.startswith("["):
        end = endpoint.find("]")
        if end < 0:
            raise ValueError(f"address {endpoint}: missing ']' in address")
        host, rest = endpoint[1:end], endpoint[end + 1 :]
        if not rest.startswith(":"):
            raise ValueError(f"address {endpoint}: missing port in address")
        port_text = rest[1:]
    else:
        host, sep, port_text = endpoint.rpartition(":")
        if not sep:
            raise ValueError(f"address {endpoint}: missing port in address")
        if ":" in host:
            raise ValueError(f"address {endpoint}: too many colons in address")
    if not port_text.isdigit() or int(port_text) > 65535:
        raise ValueError(
            f'address {endpoint}: invalid port "{port_text}"'
            if port_text
            else f"address {endpoint}: missing port in address"
        )
    return host, int(port_text)


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
        raise ListenError(f"listen {transport}: lookup {host}: {os_error_text(exc)}") from None
    infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
    return str(infos[0][4][0]), port


async def resolve_endpoint(endpoint: str, transport: str) -> tuple[str | None, int]:
    """``host:port`` to the address to bind (see ``resolve_listen_address``); ListenError with
    Go's ``listen tcp: address ...`` text when the endpoint does not parse."""
    try:
        host, port = split_host_port(endpoint)
    except ValueError as exc:
        raise ListenError(f"listen {transport}: {exc}") from None
    return await resolve_listen_address(host, port, transport)


def bind_error(transport: str, shown: str, exc: OSError) -> ListenError:
    """``listen tcp <addr>: bind: <errno text>``; asyncio's own wording is replaced by the errno's."""
    text = os.strerror(exc.errno) if exc.errno and exc.errno > 0 else os_error_text(exc)
    return ListenError(f"listen {transport} {shown}: bind: {text[:1].lower() + text[1:]}", exc.errno)


def probe_bind_error(host: str | None, port: int, transport: str) -> ListenError | None:
    """Bind a plain socket like Go does (SO_REUSEADDR, no SO_REUSEPORT) to explain a failure."""
    family = socket.AF_INET6 if host and ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "", port))
    except OSError as exc:
        return bind_error(transport, format_addr(host if host is not None else "::", port), exc)
    finally:
        sock.close()
    return None


# --- handing addresses over between a retiring component and its successor -----------------


@dataclass(frozen=True)
class _Starting:
    owner: int  # id() of the component whose start() is running
    retiring: frozenset[int]  # id()s of the components this reload retires


@dataclass
class _Held:
    owner: int
    sock: weakref.ref[socket.socket] | None  # None: a gRPC server's address (grpcio holds it)
    server: object = None  # the gRPC server object, which a successor may take over

    def alive(self) -> bool:
        if self.sock is None:
            return True
        sock = self.sock()
        return sock is not None and sock.fileno() >= 0


_Key = tuple[str, str, int]  # (what listens: stream, dgram or grpc; host; port)
_STARTING: ContextVar[_Starting | None] = ContextVar("pyotelcol_listen_starting", default=None)
_HELD: dict[_Key, _Held] = {}


@contextlib.contextmanager
def component_starting(component: object, retiring: Iterable[object] = ()) -> Iterator[None]:
    """Addresses bound while this runs belong to ``component``; one held by a ``retiring``
    component is taken over instead of failing with "address already in use"."""
    token = _STARTING.set(_Starting(id(component), frozenset(id(c) for c in retiring)))
    try:
        yield
    finally:
        _STARTING.reset(token)


def _handed_over(key: _Key) -> _Held | None:
    """The holder of ``key`` when the component starting now may take it over."""
    starting = _STARTING.get()
    held = _HELD.get(key)
    if starting is None or held is None or held.owner not in starting.retiring or not held.alive():
        return None
    return held


def _hold(key: _Key, sock: socket.socket | None, server: object = None) -> _Held | None:
    if key[2] == 0:
        return None  # any port: nothing a successor could ask for
    starting = _STARTING.get()
    owner = starting.owner if starting is not None else 0
    held = _Held(owner, weakref.ref(sock) if sock is not None else None, server)
    for stale in [k for k, h in _HELD.items() if not h.alive()]:
        del _HELD[stale]
    _HELD[key] = held
    return held


def _family(host: str | None, transport: str) -> int:
    if transport.endswith("4"):
        return socket.AF_INET
    if transport.endswith("6") or host is None or ":" in host:
        return socket.AF_INET6
    return socket.AF_INET


def bind_socket(
    transport: str,
    host: str | None,
    port: int,
    kind: socket.SocketKind = socket.SOCK_STREAM,
    configure: Callable[[socket.socket], None] | None = None,
) -> socket.socket:
    """A non-blocking socket bound as Go's net.Listen / ListenPacket binds it (``host`` None:
    every address of both families), or, during a reload, the socket a retiring component holds
    at that address. ``configure`` sets options (buffer sizes) on either; ListenError with Go's
    ``listen tcp <addr>: bind: ...`` text when the address is taken."""
    key = ("stream" if kind == socket.SOCK_STREAM else "dgram", host or "", port)
    held = _handed_over(key)
    if held is not None and held.sock is not None:
        original = held.sock()
        if original is not None:
            sock = original.dup()
            sock.setblocking(False)
            if configure is not None:
                configure(sock)
            _hold(key, sock)
            return sock
    family = _family(host, transport)
    try:
        sock = socket.socket(family, kind)
    except OSError:
        if host is not None or family != socket.AF_INET6:
            raise
        family, sock = socket.AF_INET, socket.socket(socket.AF_INET, kind)  # no IPv6 on this host
    try:
        if family == socket.AF_INET6 and host is None and not transport.endswith("6"):
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port_allowed():
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if configure is not None:
            configure(sock)
        try:
            sock.bind((host or "", port))
        except OSError as exc:
            raise bind_error(transport, format_addr(host if host is not None else "::", port), exc) from None
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    _hold(key, sock)
    return sock


class AddressClaim:
    """A server's claim on its address, released when the server stops. ``predecessor``: the
    gRPC server object of the retiring component that listened there, if any."""

    def __init__(self, key: _Key, held: _Held | None, predecessor: object = None) -> None:
        self._key = key
        self._held = held
        self.predecessor = predecessor

    def release(self) -> None:
        if self._held is not None and _HELD.get(self._key) is self._held:
            del _HELD[self._key]
        self._held = None


def claim_grpc_address(host: str | None, port: int, transport: str, server: object) -> AddressClaim:
    """Before the gRPC server object ``server`` binds with SO_REUSEPORT: ListenError (Go's text)
    when another socket listens there, unless a retiring component's gRPC server does, which
    this one succeeds (it takes that server over or listens beside it until it stops), or this
    is a ``--workers`` worker (workers share ports)."""
    key = ("grpc", host or "", port)
    held = _handed_over(key)
    if port != 0 and not reuse_port_allowed() and held is None:
        taken = probe_bind_error(host, port, transport)
        # only "taken" answers here; anything else (no IPv4 on the host...) is grpcio's to find
        if taken is not None and taken.errno in (errno.EADDRINUSE, errno.EACCES):
            raise taken
    return AddressClaim(key, _hold(key, None, server), held.server if held is not None else None)


def claim_unix_path(path: str, transport: str = "unix") -> AddressClaim:
    """Before a server binds a unix socket path: a retiring component's server listening there
    cannot be succeeded in place (binding again would take the path from it, and its shutdown
    may remove the file), so this fails with "address already in use" and the service stops the
    old component first."""
    key = ("unix", path, -1)
    if _handed_over(key) is not None:
        raise ListenError(f"listen {transport} {path}: bind: address already in use", errno.EADDRINUSE)
    return AddressClaim(key, _hold(key, None))


def address_in_use(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a bind failing on a taken address."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno == errno.EADDRINUSE:
            return True
        current = current.__cause__ or current.__context__
    return False


__all__ = [
    "SERVED_TRANSPORTS",
    "WORKER_ID_ENV",
    "AddressClaim",
    "ListenError",
    "Logger",
    "address_in_use",
    "bind_error",
    "bind_socket",
    "check_transport",
    "claim_grpc_address",
    "claim_unix_path",
    "component_starting",
    "format_addr",
    "grpc_server_options",
    "os_error_text",
    "probe_bind_error",
    "resolve_endpoint",
    "resolve_listen_address",
    "reuse_port_allowed",
    "split_host_port",
]
