"""OTLP/gRPC: ``Export`` of the trace, metrics and logs services on a grpc.aio server.

Each ``Export`` is a raw-bytes unary handler (no deserializer; ``_grpcunary`` serves it): the request
bytes are decoded here, so undecodable input (or nesting deeper than upb parses) gets
INVALID_ARGUMENT with Go's text instead of grpcio's UNKNOWN (Go answers INTERNAL), and the wire bytes are kept in the pdata for exporters. Only signals with a consumer
get a service; other calls answer UNIMPLEMENTED. Decompression (gzip, deflate) and the size
limit (RESOURCE_EXHAUSTED) are grpcio's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import grpc
import grpc.aio

from pyotelcol.component import Signal
from pyotelcol.config.confighttp import split_host_port
from pyotelcol.extension import AuthError, ServerAuthenticator
from pyotelcol.helpers.receiverhelper import ascii_safe, metadata_from_pairs
from pyotelcol.pdata import InvalidDataError
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._bind import grpc_server_options
from ._common import (
    ListenError,
    Logger,
    SignalRoute,
    check_transport,
    format_addr,
    probe_bind_error,
    push,
    resolve_listen_address,
)
from ._grpcunary import unary_handler
from ._tlsreload import GrpcTLS
from .config import GRPCConfig

SERVICES = {
    Signal.TRACES: "opentelemetry.proto.collector.trace.v1.TraceService",
    Signal.METRICS: "opentelemetry.proto.collector.metrics.v1.MetricsService",
    Signal.LOGS: "opentelemetry.proto.collector.logs.v1.LogsService",
}

# Export<Signal>ServiceResponse with partial_success present but empty, as Go sends it.
EXPORT_RESPONSE = b"\x0a\x00"

_STATUS_BY_CODE = {code.value[0]: code for code in grpc.StatusCode}
_SHUTDOWN_GRACE_S = 10.0

Handler = Callable[[bytes, grpc.aio.ServicerContext[bytes, bytes]], Awaitable[bytes]]


def _metadata(context: grpc.aio.ServicerContext[bytes, bytes]) -> dict[str, list[str]]:
    pairs = []
    for key, value in context.invocation_metadata() or ():
        pairs.append((key, value.decode("latin-1") if isinstance(value, bytes) else value))
    return metadata_from_pairs(pairs)


async def _authenticate(
    auth: ServerAuthenticator,
    metadata: dict[str, list[str]],
    context: grpc.aio.ServicerContext[bytes, bytes],
    logger: Logger,
) -> None:
    """Go's auth interceptor: any failure ends the call UNAUTHENTICATED with the error text,
    unless the error carries its own gRPC code (``grpc_code``, e.g. 7 PERMISSION_DENIED)."""
    try:
        await auth.authenticate(metadata)
    except Exception as exc:
        if not isinstance(exc, AuthError):
            logger.error("authenticator failed unexpectedly", exc_info=exc)
        code = getattr(exc, "grpc_code", None)
        status = grpc.StatusCode.UNAUTHENTICATED
        if isinstance(code, int) and not isinstance(code, bool) and 0 < code <= 16:
            status = _STATUS_BY_CODE[code]
        await context.abort(status, ascii_safe(str(exc)))


class GrpcServer:
    def __init__(
        self,
        cfg: GRPCConfig,
        routes: Mapping[Signal, SignalRoute],
        obs: ReceiverObs,
        logger: Logger,
        auth: ServerAuthenticator | None = None,
    ) -> None:
        self._cfg = cfg
        self._routes = routes
        self._obs = obs
        self._logger = logger
        self._auth = auth
        self._server: grpc.aio.Server | None = None
        self._tls: GrpcTLS | None = None
        self.port: int | None = None

    def _handler(self, route: SignalRoute) -> Handler:
        decode = route.data_type.from_wire
        obs = self._obs
        logger = self._logger
        include_metadata = self._cfg.include_metadata
        auth = self._auth

        async def export(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
            try:
                data = decode(request)
            except InvalidDataError as exc:
                # Go answers undecodable bytes INTERNAL; they are the client's to fix, so here they
                # get INVALID_ARGUMENT (as HTTP's 400), with Go's text. INTERNAL is for our bugs.
                await context.abort(
                    grpc.StatusCode.INVALID_ARGUMENT, "grpc: error unmarshalling request: " + ascii_safe(str(exc))
                )
                raise  # unreachable: abort raises
            # grpc-go decodes the request before the auth interceptor runs: same order here.
            if auth is not None:
                headers = _metadata(context)
                await _authenticate(auth, headers, context, logger)
                metadata = headers if include_metadata else None
            else:
                metadata = _metadata(context) if include_metadata else None
            status = await push(route, data, obs, metadata, logger)
            if status is not None:
                await context.abort(
                    _STATUS_BY_CODE.get(status.code, grpc.StatusCode.UNKNOWN),
                    status.message,
                    trailing_metadata=status.grpc_trailing_metadata(),
                )
            return EXPORT_RESPONSE

        return export

    async def start(self) -> None:
        cfg = self._cfg
        check_transport(cfg.transport)
        tls = cfg.tls.get()
        tls_state = GrpcTLS(tls, self._logger) if tls is not None else None
        credentials = tls_state.credentials if tls_state is not None else None
        if cfg.transport == "unix":
            target = "unix:" + cfg.endpoint
            shown = cfg.endpoint
            host: str | None = None
            port = 0
        else:
            try:
                raw_host, port = split_host_port(cfg.endpoint)
            except ValueError as exc:
                raise ListenError(f"listen {cfg.transport}: {exc}") from None
            host, port = await resolve_listen_address(raw_host, port, cfg.transport)
            shown = format_addr(host if host is not None else "::", port)
            target = shown
        server = grpc.aio.server(options=grpc_server_options(cfg.grpc_options()))
        for signal, route in self._routes.items():
            service = SERVICES.get(signal)
            if service is None:
                continue
            handler = unary_handler(self._handler(route))
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {"Export": handler}),))
        try:
            if credentials is None:
                bound = server.add_insecure_port(target)
            else:
                bound = server.add_secure_port(target, credentials)
            if bound == 0:
                raise RuntimeError("no port bound")
        except RuntimeError:
            await server.stop(None)
            probe = probe_bind_error(host, port, cfg.transport) if cfg.transport != "unix" else None
            if probe is not None:
                raise probe from None
            raise ListenError(f"listen {cfg.transport} {shown}: bind failed") from None
        await server.start()
        self._server = server
        self.port = bound
        if tls_state is not None:
            self._tls = tls_state
            tls_state.start()
        if cfg.transport != "unix":
            shown = format_addr(host if host is not None else "::", bound)
        self._logger.info("Starting GRPC server", extra={"fields": {"endpoint": shown}})

    async def stop(self) -> None:
        tls_state, self._tls = self._tls, None
        if tls_state is not None:
            await tls_state.stop()
        server, self._server = self._server, None
        if server is not None:
            await server.stop(_SHUTDOWN_GRACE_S)
