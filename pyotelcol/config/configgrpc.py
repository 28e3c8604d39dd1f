"""configgrpc: the settings gRPC servers and clients embed.

Keys and defaults are Go's ``configgrpc.ServerConfig`` / ``ClientConfig``. Server ``keepalive`` is
on by default with both sub-sections present, as in Go. A zero duration means gRPC's own default,
as in Go, but where grpc-go's default never closes a silent connection (no idle or age limit, a
first keepalive ping only after 2 h) the server parameters default to bounds of minutes instead
(the ``DEFAULT_MAX_CONNECTION_*`` and ``DEFAULT_KEEPALIVE_*`` constants).

``start_grpc_server(cfg, host, methods, logger=...)`` is Go's ``ServerConfig.ToServer`` for every
gRPC server component: grpcio options from the config, TLS with certificate reload, Go's bind
error texts, a taken port refused (except between ``--workers``), a reload's successor taking
the running server over. Each ``UnaryMethod`` gets raw bytes,
read with grpc-go's unary rules (no message or two: INTERNAL), decoded by the method's
``decode`` (ValueError: INVALID_ARGUMENT), then authenticated by the extension named in
``auth.authenticator`` (UNAUTHENTICATED with its message; grpc-go also decodes before its auth
interceptor runs), and handled with the client ``Info`` set (``include_metadata``, auth data).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

import grpc
import grpc.aio

from .. import client
from ..component import Host
from ..extension import AuthError, ServerAuthenticator
from ..helpers.listen import (
    AddressClaim,
    ListenError,
    Logger,
    check_transport,
    claim_grpc_address,
    claim_unix_path,
    format_addr,
    grpc_server_options,
    probe_bind_error,
    resolve_endpoint,
)
from ..helpers.receiverhelper import ascii_safe, metadata_from_pairs
from ..helpers.tlsreload import GrpcTLS
from .confighttp import (
    COMPRESSION_TYPES,
    AuthConfig,
    DialerConfig,
    MiddlewareConfig,
    TLSClientConfig,
    TLSServerConfig,
    check_middlewares,
    find_server_authenticator,
    split_host_port,
    validate_transport,
)
from .decode import OptionalSection

__all__ = [
    "BALANCERS",
    "DEFAULT_BALANCER_NAME",
    "DEFAULT_KEEPALIVE_TIME",
    "DEFAULT_KEEPALIVE_TIMEOUT",
    "DEFAULT_MAX_CONNECTION_AGE",
    "DEFAULT_MAX_CONNECTION_AGE_GRACE",
    "DEFAULT_MAX_CONNECTION_IDLE",
    "DEFAULT_MAX_RECV_MSG_SIZE_MIB",
    "MULTIPLE_REQUESTS",
    "NO_REQUEST",
    "ClientConfig",
    "Context",
    "GrpcServer",
    "KeepaliveClientConfig",
    "KeepaliveEnforcementPolicy",
    "KeepaliveServerConfig",
    "KeepaliveServerParameters",
    "ServerConfig",
    "ServerStreamMethod",
    "TLSClientConfig",
    "TLSServerConfig",
    "UnaryMethod",
    "start_grpc_server",
]

DEFAULT_MAX_RECV_MSG_SIZE_MIB = 4  # grpc-go's (and grpcio's) default
_MAX_MIB = (2**63 - 1) // 1024 // 1024
_IDENTITY_AND_GZIP = (1 << 0) | (1 << 2)  # grpc_compression_algorithm: 0 none, 1 deflate, 2 gzip


# Defaults of ``keepalive.server_parameters`` (Go's are all zero: no idle or age limit, pings after
# 2 h of silence). With these a connection without calls closes after 5 minutes, a peer that stops
# answering pings during a call is dropped after 2m20s, and any connection, even one whose call
# never completes, is closed within 11 minutes; clients reconnect on the GOAWAY. 0 keeps Go's value.
DEFAULT_MAX_CONNECTION_IDLE = timedelta(minutes=5)
DEFAULT_MAX_CONNECTION_AGE = timedelta(minutes=10)
DEFAULT_MAX_CONNECTION_AGE_GRACE = timedelta(minutes=1)
DEFAULT_KEEPALIVE_TIME = timedelta(minutes=2)
DEFAULT_KEEPALIVE_TIMEOUT = timedelta(seconds=20)  # gRPC's own


@dataclass
class KeepaliveServerParameters:
    max_connection_idle: timedelta = DEFAULT_MAX_CONNECTION_IDLE
    max_connection_age: timedelta = DEFAULT_MAX_CONNECTION_AGE
    max_connection_age_grace: timedelta = DEFAULT_MAX_CONNECTION_AGE_GRACE
    time: timedelta = DEFAULT_KEEPALIVE_TIME
    timeout: timedelta = DEFAULT_KEEPALIVE_TIMEOUT


@dataclass
class KeepaliveEnforcementPolicy:
    min_time: timedelta = timedelta(0)
    permit_without_stream: bool = False


@dataclass
class KeepaliveServerConfig:
    server_parameters: OptionalSection[KeepaliveServerParameters] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveServerParameters())
    )
    enforcement_policy: OptionalSection[KeepaliveEnforcementPolicy] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveEnforcementPolicy())
    )


def _ms(value: timedelta) -> int:
    return int(value.total_seconds() * 1000)


@dataclass
class ServerConfig:
    endpoint: str = ""
    transport: str = "tcp"
    dialer: DialerConfig = field(default_factory=DialerConfig)
    tls: OptionalSection[TLSServerConfig] = field(default_factory=lambda: OptionalSection.none(TLSServerConfig))
    max_recv_msg_size_mib: int = 0
    max_concurrent_streams: int = 0
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    keepalive: OptionalSection[KeepaliveServerConfig] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveServerConfig())
    )
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    include_metadata: bool = False
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    def validate(self) -> None:
        validate_transport(self.transport)
        if self.max_recv_msg_size_mib < 0 or self.max_recv_msg_size_mib > _MAX_MIB:
            raise ValueError(
                f"invalid max_recv_msg_size_mib value, must be between 1 and {_MAX_MIB}: {self.max_recv_msg_size_mib}"
            )
        if self.max_concurrent_streams < 0 or self.max_concurrent_streams > 0xFFFFFFFF:
            raise ValueError(f"invalid max_concurrent_streams value: {self.max_concurrent_streams}")
        if self.read_buffer_size < 0:
            raise ValueError(f"invalid read_buffer_size value: {self.read_buffer_size}")
        if self.write_buffer_size < 0:
            raise ValueError(f"invalid write_buffer_size value: {self.write_buffer_size}")

    def max_recv_msg_size(self) -> int:
        """Bytes; 0 in the config means gRPC's default of 4 MiB."""
        mib = self.max_recv_msg_size_mib if self.max_recv_msg_size_mib > 0 else DEFAULT_MAX_RECV_MSG_SIZE_MIB
        return min(mib * 1024 * 1024, 2**31 - 1)

    def grpc_options(self) -> list[tuple[str, Any]]:
        """grpcio server arguments for this config (``listen.grpc_server_options`` adds SO_REUSEPORT
        and ``listen.claim_grpc_address`` keeps a taken port failing as in Go)."""
        opts: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", self.max_recv_msg_size()),
            # identity + gzip, like grpc-go with configgrpc's codecs (grpcio has no snappy/zstd);
            # anything else (deflate) is answered UNIMPLEMENTED, as Go does.
            ("grpc.compression_enabled_algorithms_bitset", _IDENTITY_AND_GZIP),
        ]
        if self.max_concurrent_streams > 0:
            opts.append(("grpc.max_concurrent_streams", self.max_concurrent_streams))
        if self.write_buffer_size > 0:
            opts.append(("grpc.http2.write_buffer_size", self.write_buffer_size))
        keepalive = self.keepalive.get()
        if keepalive is not None:
            params = keepalive.server_parameters.get()
            if params is not None:
                for key, value in (
                    ("grpc.max_connection_idle_ms", params.max_connection_idle),
                    ("grpc.max_connection_age_ms", params.max_connection_age),
                    ("grpc.max_connection_age_grace_ms", params.max_connection_age_grace),
                    ("grpc.keepalive_time_ms", params.time),
                    ("grpc.keepalive_timeout_ms", params.timeout),
                ):
                    if value > timedelta(0):
                        opts.append((key, _ms(value)))
                if params.timeout > timedelta(0):
                    # grpcio waits for a ping's ack for the longer of the two (60 s by default)
                    opts.append(("grpc.http2.ping_timeout_ms", _ms(params.timeout)))
            policy = keepalive.enforcement_policy.get()
            if policy is not None:
                if policy.min_time > timedelta(0):
                    opts.append(("grpc.http2.min_ping_interval_without_data_ms", _ms(policy.min_time)))
                if policy.permit_without_stream:
                    opts.append(("grpc.keepalive_permit_without_calls", 1))
        return opts


# -- client side ------------------------------------------------------------------------------

DEFAULT_BALANCER_NAME = "round_robin"
# Load-balancing policies grpcio has registered under the names grpc-go uses.
BALANCERS = frozenset({"round_robin", "pick_first"})
# What grpcio can send: gzip (deflate exists in grpcio but not in Go's client).
_GRPCIO_COMPRESSORS = {"gzip"}


@dataclass
class KeepaliveClientConfig:
    time: timedelta = timedelta(seconds=10)
    timeout: timedelta = timedelta(seconds=10)
    permit_without_stream: bool = False


@dataclass
class ClientConfig:
    """configgrpc.ClientConfig (generic defaults; exporters override some of them)."""

    endpoint: str = ""
    compression: str = ""
    tls: TLSClientConfig = field(default_factory=TLSClientConfig)
    keepalive: OptionalSection[KeepaliveClientConfig] = field(
        default_factory=lambda: OptionalSection.some(KeepaliveClientConfig())
    )
    read_buffer_size: int = 0
    write_buffer_size: int = 0
    wait_for_ready: bool = False
    headers: dict[str, str] = field(default_factory=dict, metadata={"opaque": True})
    user_agent: str = ""
    balancer_name: str = DEFAULT_BALANCER_NAME
    authority: str = ""
    auth: OptionalSection[AuthConfig] = field(default_factory=lambda: OptionalSection.none(AuthConfig))
    middlewares: list[MiddlewareConfig] = field(default_factory=list)

    # -- endpoint -------------------------------------------------------------------------------
    def sanitized_endpoint(self) -> str:
        """host:port without ``http(s)://`` or a gRPC resolver scheme and authority."""
        ep = self.endpoint
        if ep.startswith("http://"):
            return ep[len("http://") :]
        if ep.startswith("https://"):
            return ep[len("https://") :]
        if "://" not in ep:
            return ep
        parsed = urlsplit(ep)
        return parsed.path.removeprefix("/")

    def dial_target(self) -> str:
        """What the channel connects to: ``http(s)://`` stripped, other schemes kept for grpcio."""
        if self.endpoint.startswith(("http://", "https://")):
            return self.sanitized_endpoint()
        return self.endpoint

    def is_https(self) -> bool:
        return self.endpoint.startswith("https://")

    def validate(self) -> None:
        if self.endpoint.startswith("unix://"):
            if self.endpoint == "unix://":
                raise ValueError("unix socket path cannot be empty")
        else:
            endpoint = self.sanitized_endpoint()
            if endpoint.endswith(":") and endpoint.count(":") == 1:
                raise ValueError('invalid port ""')  # net.SplitHostPort accepts it, strconv.Atoi does not
            if endpoint:
                try:
                    split_host_port(endpoint)
                except ValueError as exc:
                    text = str(exc)
                    if "invalid port" in text:
                        port = endpoint.rpartition(":")[2]
                        raise ValueError(f'invalid port "{port}"') from None
                    raise
        if self.balancer_name and self.balancer_name not in BALANCERS:
            raise ValueError(f"invalid balancer_name: {self.balancer_name}")
        if self.compression not in COMPRESSION_TYPES:
            raise ValueError(f'unsupported compression type "{self.compression}"')
        if self.compression in ("zstd", "snappy"):
            raise ValueError(
                f'unsupported compression type "{self.compression}": grpcio has no {self.compression} '
                "compressor (use gzip or none)"
            )
        if self.read_buffer_size < 0:
            raise ValueError(f"invalid read_buffer_size value: {self.read_buffer_size}")
        if self.write_buffer_size < 0:
            raise ValueError(f"invalid write_buffer_size value: {self.write_buffer_size}")

    # -- what grpcio gets -----------------------------------------------------------------------
    def grpc_compression(self) -> Any:
        """The grpc.Compression for calls; Go's start-time error for types gRPC cannot send."""
        if self.compression in ("", "none"):
            return grpc.Compression.NoCompression
        if self.compression not in _GRPCIO_COMPRESSORS:
            raise ValueError(f'unsupported compression type "{self.compression}"')
        return grpc.Compression.Gzip

    def uses_tls(self) -> bool:
        """TLS unless ``tls.insecure`` (without a CA); ``https://`` forces it."""
        return self.tls.uses_tls() or self.is_https()

    def channel_options(self, user_agent: str) -> list[tuple[str, Any]]:
        opts: list[tuple[str, Any]] = [("grpc.primary_user_agent", self.user_agent or user_agent)]
        if self.balancer_name:
            opts.append(("grpc.lb_policy_name", self.balancer_name))
        keepalive = self.keepalive.get()
        if keepalive is not None:
            if keepalive.time > timedelta(0):
                opts.append(("grpc.keepalive_time_ms", _ms(keepalive.time)))
            if keepalive.timeout > timedelta(0):
                opts.append(("grpc.keepalive_timeout_ms", _ms(keepalive.timeout)))
            opts.append(("grpc.http2.max_pings_without_data", 0))
            if keepalive.permit_without_stream:
                opts.append(("grpc.keepalive_permit_without_calls", 1))
        if self.write_buffer_size > 0:
            opts.append(("grpc.http2.write_buffer_size", self.write_buffer_size))
        if self.authority:
            opts.append(("grpc.default_authority", self.authority))
        if self.tls.server_name_override and self.uses_tls():
            opts.append(("grpc.ssl_target_name_override", self.tls.server_name_override))
        return opts

    def metadata(self) -> list[tuple[str, str | bytes]]:
        """``headers`` as gRPC metadata: lower-case keys; ``-bin`` keys carry bytes."""
        out: list[tuple[str, str | bytes]] = []
        for key, value in sorted(self.headers.items()):
            name = key.lower()
            out.append((name, value.encode() if name.endswith("-bin") else value))
        return out


# -- server builder (Go's ServerConfig.ToServer) ------------------------------------------------

NO_REQUEST = "cardinality violation: received no request message from non-client-streaming RPC"
MULTIPLE_REQUESTS = "cardinality violation: received multiple request messages for non-client-streaming RPC"
_SHUTDOWN_GRACE_S = 10.0

Request = TypeVar("Request")
Context = grpc.aio.ServicerContext[bytes, bytes]
_STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}


@dataclass(frozen=True)
class UnaryMethod(Generic[Request]):
    """One unary method of a service, on raw bytes: ``decode`` parses the request (a ValueError
    is INVALID_ARGUMENT), ``handle`` answers it with the response's bytes or aborts the call."""

    service: str
    method: str
    decode: Callable[[bytes], Request]
    handle: Callable[[Request, Context], Awaitable[bytes]]


@dataclass(frozen=True)
class ServerStreamMethod(Generic[Request]):
    """A server-streaming method (one request, a stream of responses) on raw bytes: ``decode``
    as for UnaryMethod, ``stream`` yields the responses' bytes. The request is authenticated
    as a unary one is; client ``Info`` is not set while it streams."""

    service: str
    method: str
    decode: Callable[[bytes], Request]
    stream: Callable[[Request, Context], AsyncIterator[bytes]]


def peer_address(peer: str | None) -> str | None:
    """grpc's ``ipv4:10.0.0.1:1234`` / ``ipv6:[::1]:1234`` peer as Go's ``net.Addr`` string
    (``10.0.0.1:1234``, ``[::1]:1234``); other transports (unix sockets) as given."""
    if not peer:
        return None
    scheme, sep, rest = peer.partition(":")
    return rest if sep and scheme in ("ipv4", "ipv6") else peer


def _metadata(context: Context) -> dict[str, list[str]]:
    pairs = []
    for key, value in context.invocation_metadata() or ():
        pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else value))
    return metadata_from_pairs(pairs)


async def _read_one(context: Context) -> bytes:
    """The one request message, read with grpc-go's rules for a non-client-streaming RPC.

    grpcio's asyncio server runs a unary handler only after it has read one message; when the
    client half-closes the stream first (END_STREAM with no message, or a message cut short),
    grpcio sends no status and the stream stays open. grpc-go answers INTERNAL, so methods are
    registered on grpcio's stream-unary path, which reports the end of the stream, and no
    message or more than one is INTERNAL with grpc-go's text (a truncated message reads as none).
    """
    request = await context.read()
    if not isinstance(request, bytes):  # grpc.aio.EOF
        await context.abort(grpc.StatusCode.INTERNAL, NO_REQUEST)
        raise AssertionError("unreachable: abort raises")
    # grpc-go reads on to the end of the stream before it runs a unary handler; clients send
    # END_STREAM with the message, so this read returns at once.
    if isinstance(await context.read(), bytes):
        await context.abort(grpc.StatusCode.INTERNAL, MULTIPLE_REQUESTS)
    return request


if TYPE_CHECKING:
    _GenericHandler = grpc.GenericRpcHandler[bytes, bytes]
else:
    _GenericHandler = grpc.GenericRpcHandler  # generic in the stubs only


class _Dispatch(_GenericHandler):
    """The methods a grpcio server serves, replaceable while it runs: a reload's successor
    server object takes a running grpcio server over by pointing this at its own methods."""

    def __init__(self) -> None:
        self.methods: dict[str, grpc.RpcMethodHandler[bytes, bytes]] = {}

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler[bytes, bytes] | None:
        return self.methods.get(handler_call_details.method)


class GrpcServer:
    """A running gRPC server built from a ``ServerConfig``; ``endpoint`` is the address it listens
    on as Go prints it (resolved host, bound port), ``port`` the bound port (0 for unix)."""

    def __init__(self, cfg: ServerConfig, logger: Logger, auth: ServerAuthenticator | None) -> None:
        self._cfg = cfg
        self._logger = logger
        self._auth = auth
        self._server: grpc.aio.Server | None = None
        self._dispatch = _Dispatch()
        self._tls: GrpcTLS | None = None
        self._claim: AddressClaim | None = None
        self._calls = 0  # calls running in this object's methods
        self._no_calls = asyncio.Event()
        self._no_calls.set()
        self.port = 0
        self.endpoint = cfg.endpoint

    def _call_started(self) -> None:
        self._calls += 1
        self._no_calls.clear()

    def _call_ended(self) -> None:
        self._calls -= 1
        if self._calls == 0:
            self._no_calls.set()

    def _server_settings(self) -> tuple[Any, ...]:
        """What the grpcio server itself is made of; a successor with the same takes it over."""
        cfg = self._cfg
        return (cfg.transport, cfg.tls.get(), grpc_server_options(cfg.grpc_options()))

    async def _authenticate(self, metadata: dict[str, list[str]], context: Context) -> Any:
        """Go's auth interceptor: any failure ends the call UNAUTHENTICATED with the error text,
        unless the error carries its own gRPC code (``grpc_code``, e.g. 7 PERMISSION_DENIED)."""
        assert self._auth is not None
        try:
            return await self._auth.authenticate(metadata)
        except Exception as exc:
            if not isinstance(exc, AuthError):
                self._logger.error("authenticator failed unexpectedly", exc_info=exc)
            code = getattr(exc, "grpc_code", None)
            status = grpc.StatusCode.UNAUTHENTICATED
            if isinstance(code, int) and not isinstance(code, bool) and 0 < code <= 16:
                status = _STATUS_BY_CODE[code]
            await context.abort(status, ascii_safe(str(exc)))

    def _method_handler(self, method: UnaryMethod[Any]) -> grpc.RpcMethodHandler[bytes, bytes]:
        include_metadata = self._cfg.include_metadata

        async def serve(_requests: AsyncIterator[bytes], context: Context) -> bytes:
            self._call_started()
            try:
                return await serve_one(context)
            finally:
                self._call_ended()

        async def serve_one(context: Context) -> bytes:
            raw = await _read_one(context)
            try:
                request = method.decode(raw)
            except ValueError as exc:
                # Go answers undecodable bytes INTERNAL; they are the client's to fix, so here they
                # get INVALID_ARGUMENT (as HTTP's 400), with Go's text. INTERNAL is for our bugs.
                await context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT, "grpc: error unmarshalling request: " + ascii_safe(str(exc))
                )
                raise  # unreachable: abort raises
            # grpc-go decodes the request before the auth interceptor runs: same order here.
            auth_data = None
            metadata: dict[str, list[str]] | None = None
            if self._auth is not None:
                metadata = _metadata(context)
                auth_data = await self._authenticate(metadata, context)
            if include_metadata and metadata is None:
                metadata = _metadata(context)
            info = client.Info(
                addr=peer_address(context.peer()),
                auth=auth_data or None,
                metadata=client.Metadata(metadata if include_metadata else None),
            )
            with client.with_info(info):
                return await method.handle(request, context)

        return grpc.stream_unary_rpc_method_handler(serve)

    def _stream_handler(self, method: ServerStreamMethod[Any]) -> grpc.RpcMethodHandler[bytes, bytes]:
        async def serve(raw: bytes, context: Context) -> AsyncIterator[bytes]:
            try:
                request = method.decode(raw)
            except ValueError as exc:
                await context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT, "grpc: error unmarshalling request: " + ascii_safe(str(exc))
                )
                raise  # unreachable: abort raises
            if self._auth is not None:
                await self._authenticate(_metadata(context), context)
            async for message in method.stream(request, context):
                yield message

        return grpc.unary_stream_rpc_method_handler(serve)

    async def _listen(self, methods: Iterable[UnaryMethod[Any] | ServerStreamMethod[Any]]) -> None:
        cfg = self._cfg
        check_transport(cfg.transport)
        tls = cfg.tls.get()
        tls_state = GrpcTLS(tls, self._logger) if tls is not None else None
        host: str | None = None
        port = 0
        if cfg.transport == "unix":
            target = "unix:" + cfg.endpoint
            shown = cfg.endpoint
        else:
            host, port = await resolve_endpoint(cfg.endpoint, cfg.transport)
            shown = target = format_addr(host if host is not None else "::", port)
        table = {
            f"/{m.service}/{m.method}": (
                self._stream_handler(m) if isinstance(m, ServerStreamMethod) else self._method_handler(m)
            )
            for m in methods
        }
        claim: AddressClaim
        if cfg.transport == "unix":
            claim = claim_unix_path(cfg.endpoint)
        else:
            claim = claim_grpc_address(host, port, cfg.transport, self)
            if isinstance(claim.predecessor, GrpcServer) and claim.predecessor._hand_over(self, table):
                self._claim = claim
                return
        self._dispatch.methods = table
        server = grpc.aio.server(options=grpc_server_options(self._cfg.grpc_options()))
        server.add_generic_rpc_handlers((self._dispatch,))
        try:
            if tls_state is None:
                bound = server.add_insecure_port(target)
            else:
                bound = server.add_secure_port(target, tls_state.credentials)
            if bound == 0:
                raise RuntimeError("no port bound")
        except RuntimeError:
            claim.release()
            await server.stop(None)
            probe = probe_bind_error(host, port, cfg.transport) if cfg.transport != "unix" else None
            if probe is not None:
                raise probe from None
            raise ListenError(f"listen {cfg.transport} {shown}: bind failed") from None
        await server.start()
        self._server = server
        self._claim = claim
        self.port = bound
        if tls_state is not None:
            self._tls = tls_state
            tls_state.start()
        if cfg.transport != "unix":
            shown = format_addr(host if host is not None else "::", bound)
        self.endpoint = shown

    def _hand_over(self, successor: GrpcServer, methods: dict[str, grpc.RpcMethodHandler[bytes, bytes]]) -> bool:
        """Give the running grpcio server (and its TLS state) to ``successor``, which serves
        ``methods`` on it from now on, when both are made of the same settings: clients keep their
        connections. Otherwise the successor makes its own server (listening beside this one)."""
        if self._server is None or self._server_settings() != successor._server_settings():
            return False
        successor._server, self._server = self._server, None
        successor._tls, self._tls = self._tls, None
        successor._dispatch, self._dispatch = self._dispatch, _Dispatch()
        successor._dispatch.methods = methods
        successor.port, successor.endpoint = self.port, self.endpoint
        return True

    async def stop(self) -> None:
        """Stop (calls in flight get a grace period) and end the TLS reload; safe to repeat.
        A server handed over to a successor only waits for its own calls still running."""
        tls_state, self._tls = self._tls, None
        if tls_state is not None:
            await tls_state.stop()
        server, self._server = self._server, None
        if server is not None:
            await server.stop(_SHUTDOWN_GRACE_S)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._no_calls.wait(), _SHUTDOWN_GRACE_S)
        claim, self._claim = self._claim, None
        if claim is not None:
            claim.release()


async def start_grpc_server(
    cfg: ServerConfig, host: Host, methods: Iterable[UnaryMethod[Any] | ServerStreamMethod[Any]], *, logger: Logger
) -> GrpcServer:
    """Listen per ``cfg`` and serve ``methods`` (Go: ``ServerConfig.ToServer`` + ``Serve``).

    From the config alone: the channel options (message size, keepalive, streams, buffers),
    TLS with certificate reload, the auth extension named in ``auth.authenticator``
    (UNAUTHENTICATED with its message, after the request is decoded, as in grpc-go), client
    ``Info`` while a method runs (``include_metadata``, the authenticator's data), Go's bind
    error texts (ListenError), a taken port refused outside ``--workers`` mode, and a reload's
    successor taking the running server over (``listen.claim_grpc_address``). Methods of services
    not given answer UNIMPLEMENTED.
    """
    check_middlewares(cfg.middlewares)
    auth = find_server_authenticator(host, cfg.auth.get())
    server = GrpcServer(cfg, logger, auth)
    await server._listen(methods)
    return server
