"""The OTLP/gRPC push function: one grpc.aio channel, raw-bytes unary calls to ``Export``.

The request body is ``data.to_wire()``: the bytes the receiver got, when nothing changed the
data. Responses are only decoded when they carry more than an empty ``partial_success``.
Errors map as Go's otlpexporter does (see ``pyotelcol.helpers.exporterhelper.otlp``): the
retryable codes raise ``ConsumerError`` (with the server's RetryInfo delay as ``retry_after``),
everything else ``PermanentError``; both carry the gRPC code so a receiver upstream can pass it
through.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import grpc
import grpc.aio
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from pyotelcol import client
from pyotelcol.component import ID, Host, Settings, Signal
from pyotelcol.config.confighttp import split_host_port
from pyotelcol.config.configtls import fetch_server_certificate
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.extension import ClientAuthenticator, find_authenticator
from pyotelcol.extension.auth import RequestClientAuthenticator
from pyotelcol.helpers.exporterhelper.otlp import RESPONSES, export_error, grpc_code_retryable, user_agent
from pyotelcol.helpers.grpcstatus import RETRY_INFO_TRAILER, STATUS_DETAILS_TRAILER, GrpcCode
from pyotelcol.pdata import AnyData

from .config import Config

Logger = logging.Logger | logging.LoggerAdapter[logging.Logger]

METHODS = {
    Signal.TRACES: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    Signal.METRICS: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    Signal.LOGS: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
}
# Responses that mean "all accepted": nothing, or Go's present-but-empty partial_success.
_EMPTY_RESPONSES = frozenset({b"", b"\x0a\x00"})

_RETIRE_GRACE_S = 10.0


def retry_info(trailing_metadata: Any) -> error_details_pb2.RetryInfo | None:
    """RetryInfo from the standard status details trailer (or the Python SDK's own key)."""
    if not trailing_metadata:
        return None
    for key, value in trailing_metadata:
        if key == STATUS_DETAILS_TRAILER and isinstance(value, bytes):
            status = status_pb2.Status()
            try:
                status.ParseFromString(value)
            except DecodeError:
                continue
            for detail in status.details:
                if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    info = error_details_pb2.RetryInfo()
                    detail.Unpack(info)
                    return info
    for key, value in trailing_metadata:
        if key == RETRY_INFO_TRAILER and isinstance(value, bytes):
            info = error_details_pb2.RetryInfo()
            try:
                info.ParseFromString(value)
            except DecodeError:
                continue
            return info
    return None


def error_for_status(code: grpc.StatusCode, details: str, trailing_metadata: Any = None) -> ConsumerError:
    """Go's processError: permanent unless the code is retryable (RESOURCE_EXHAUSTED only with
    RetryInfo); a non-zero RetryInfo delay becomes ``retry_after``."""
    grpc_code = int(code.value[0])
    info = retry_info(trailing_metadata)
    delay = None
    if info is not None:
        seconds = info.retry_delay.seconds + info.retry_delay.nanos / 1e9
        if seconds > 0:
            delay = seconds
    retryable = grpc_code_retryable(grpc_code, info is not None)
    return export_error(grpc_code, details, retryable=retryable, retry_after=delay)


class GrpcExporter:
    """Per signal: ``start`` opens the channel, ``push`` exports one request, ``shutdown`` closes."""

    def __init__(self, settings: Settings, signal: Signal, cfg: Config) -> None:
        self._settings = settings
        self._cfg = cfg
        self._logger: Logger = settings.telemetry.logger
        if signal not in METHODS:
            raise ValueError(f"otlp_grpc exporter: unsupported signal {signal}")
        self._signal = signal
        self._method = METHODS[signal]
        self._response = RESPONSES[signal]
        self._channel: grpc.aio.Channel | None = None
        self._call: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] | None = None
        self._connect_lock: asyncio.Lock | None = None
        self._auth: ClientAuthenticator | None = None
        self._metadata: list[tuple[str, str | bytes]] = cfg.metadata()
        self._compression: grpc.Compression | None = None
        self._timeout = cfg.timeout.total_seconds() if cfg.timeout.total_seconds() > 0 else None
        self._started = False
        self._closed = False
        # tls.reload_interval: re-read the files when due; new material means a new channel.
        tls = cfg.tls
        has_files = bool(tls.ca_file or tls.cert_file or tls.key_file)
        self._reload_s = tls.reload_interval.total_seconds() if cfg.uses_tls() and has_files else 0.0
        self._next_reload = 0.0
        self._material: tuple[bytes | None, tuple[bytes, bytes] | None] | None = None
        self._trusted_cert: bytes | None = None
        self._retired: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        cfg = self._cfg
        if cfg.middlewares:
            raise ValueError("middlewares are not supported by this exporter yet")
        self._compression = cfg.grpc_compression()
        auth = cfg.auth.get()
        if auth is not None:
            self._auth = find_authenticator(host, ID.parse(auth.authenticator), ClientAuthenticator)
        self._connect_lock = asyncio.Lock()
        self._started = True
        if self._reload_s > 0:
            self._material = self._read_material()
            self._next_reload = time.monotonic() + self._reload_s
        if not (cfg.uses_tls() and cfg.tls.insecure_skip_verify):
            self._open_channel(None)
        # insecure_skip_verify: the server's certificate is fetched on the first export, so a
        # backend that is down at start costs no start failure (Go's dial is non-blocking too).

    def _open_channel(self, trusted_cert: bytes | None) -> None:
        cfg = self._cfg
        options = cfg.channel_options(user_agent(self._settings))
        target = cfg.dial_target()
        if cfg.uses_tls():
            creds = cfg.tls.grpc_credentials(trusted_cert) or grpc.ssl_channel_credentials()
            if trusted_cert is not None:
                name = _certificate_name(trusted_cert)
                if name and not cfg.tls.server_name_override:
                    options.append(("grpc.ssl_target_name_override", name))
            channel = grpc.aio.secure_channel(target, creds, options=options, compression=self._compression)
        else:
            channel = grpc.aio.insecure_channel(target, options=options, compression=self._compression)
        self._channel = channel
        self._call = channel.unary_unary(self._method, None, None)  # raw bytes both ways
        self._logger.debug("gRPC channel opened", extra={"fields": {"target": target}})

    async def _connect_skip_verify(self) -> None:
        assert self._connect_lock is not None
        async with self._connect_lock:
            if self._call is not None or self._closed:
                return
            cfg = self._cfg
            try:
                host, port = split_host_port(cfg.sanitized_endpoint())
            except ValueError as exc:
                raise PermanentError(str(exc)) from None
            name = cfg.tls.server_name_override or cfg.authority or host
            try:
                cert = await asyncio.to_thread(fetch_server_certificate, host, port, name)
            except (OSError, ValueError) as exc:
                raise export_error(GrpcCode.UNAVAILABLE, f"connection error: {exc}", retryable=True) from None
            self._trusted_cert = cert
            self._open_channel(cert)

    def _read_material(self) -> tuple[bytes | None, tuple[bytes, bytes] | None]:
        tls = self._cfg.tls
        try:
            return tls.read_ca(), tls.read_key_pair()
        except ValueError as exc:
            raise ValueError(f"failed to load TLS config: {exc}") from None

    async def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now < self._next_reload:
            return
        self._next_reload = now + self._reload_s
        try:
            material = await asyncio.to_thread(self._read_material)
            if material == self._material or self._call is None or self._closed:
                return
            old = self._channel
            self._open_channel(self._trusted_cert)
        except ValueError as exc:
            self._logger.error("Failed to reload TLS configuration", extra={"fields": {"error": str(exc)}})
            return
        self._material = material
        self._logger.info("TLS certificates reloaded; reconnecting")
        if old is not None:  # calls in flight on the old channel may finish
            task = asyncio.get_running_loop().create_task(old.close(grace=_RETIRE_GRACE_S))
            self._retired.add(task)
            task.add_done_callback(self._retired.discard)

    async def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        channel, self._channel = self._channel, None
        self._call = None
        if channel is not None:
            await channel.close(grace=None)
        for task in list(self._retired):
            task.cancel()
        if self._retired:
            await asyncio.gather(*self._retired, return_exceptions=True)

    # -- export ------------------------------------------------------------------------------------
    async def _call_metadata(self) -> list[tuple[str, str | bytes]]:
        if self._auth is None:
            return self._metadata
        if isinstance(self._auth, RequestClientAuthenticator):  # per-RPC metadata starts empty
            try:
                per_request = await self._auth.request_headers(client.from_context(), {})
            except ValueError as exc:  # grpc-go fails the RPC UNAUTHENTICATED: not retried
                raise PermanentError(
                    f"rpc error: code = Unauthenticated desc = transport: per-RPC creds failed due to error: {exc}"
                ) from None
            return merge_metadata(self._metadata, per_request)
        extra = await self._auth.headers()
        return merge_metadata(self._metadata, extra)

    async def push(self, data: AnyData) -> None:
        if not self._started or self._closed:
            raise ConsumerError("otlp exporter not started")
        if self._call is None:
            await self._connect_skip_verify()
        elif self._reload_s > 0:
            await self._maybe_reload()
        call = self._call
        if call is None:
            raise ConsumerError("otlp exporter not started")
        metadata = await self._call_metadata()
        try:
            response = await call(
                data.to_wire(),
                timeout=self._timeout,
                metadata=tuple(metadata),
                wait_for_ready=self._cfg.wait_for_ready,
                compression=self._compression,
            )
        except grpc.aio.AioRpcError as err:
            raise error_for_status(err.code(), err.details() or "", err.trailing_metadata()) from None
        if response not in _EMPTY_RESPONSES:
            self._log_partial_success(response)

    def _log_partial_success(self, body: bytes) -> None:
        msg = self._response.message_type()
        try:
            msg.ParseFromString(body)
        except DecodeError:
            return  # Go's client would have failed to unmarshal; the data was accepted
        self._response.log_partial_success(msg, self._logger)


def merge_metadata(base: list[tuple[str, str | bytes]], extra: Mapping[str, str]) -> list[tuple[str, str | bytes]]:
    """Configured metadata plus an authenticator's; the authenticator wins on equal keys."""
    if not extra:
        return base
    override = {k.lower(): v for k, v in extra.items()}
    out: list[tuple[str, str | bytes]] = [(k, v) for k, v in base if k not in override]
    for key, value in override.items():
        out.append((key, value.encode() if key.endswith("-bin") else value))
    return out


def _certificate_name(pem: bytes) -> str | None:
    """A name the certificate is valid for (first DNS/IP SAN, else CN), to skip hostname checks."""
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography is optional at runtime
        return None
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = san.get_values_for_type(x509.DNSName)
        if dns:
            return str(dns[0])
        ips = san.get_values_for_type(x509.IPAddress)
        if ips:
            return str(ips[0])
    except x509.ExtensionNotFound:
        pass
    cns = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    return str(cns[0].value) if cns else None
