"""Server TLS with certificate reload (configtls ``reload_interval``, ``client_ca_file_reload``).

Used by the HTTP and gRPC server builders (``confighttp``, ``configgrpc``).

Every ``reload_interval`` (when a ``cert_file``/``key_file`` is configured) the certificate, key
and client CA are read again in a worker thread; when ``client_ca_file_reload`` is on, the
client CA file is also checked every second and a change triggers the same rebuild. New
material that fails to load is logged and the previous certificate stays in use. Connections
already established keep the certificate they were set up with; new handshakes get the new one.

- HTTP (aiohttp): the listening SSLContext carries an SNI callback (OpenSSL calls it on every
  ClientHello, with or without SNI) that moves the handshake onto the newest SSLContext.
- gRPC (grpc.aio): ``grpc.dynamic_ssl_server_credentials`` with a certificate-configuration
  fetcher; gRPC core asks it at each new handshake and it hands over the newest material once.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from pyotelcol.config.configtls import TLSServerConfig

from .listen import Logger
from .tasks import cancel_and_wait

if TYPE_CHECKING:
    import grpc

CA_POLL_S = 1.0


def _identity(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class _Reloader:
    """Calls ``rebuild`` (in a worker thread) when due; ``apply`` installs what it returned."""

    def __init__(
        self, tls: TLSServerConfig, logger: Logger, rebuild: Callable[[], Any], apply: Callable[[Any], None]
    ) -> None:
        self._tls = tls
        self._logger = logger
        self._rebuild = rebuild
        self._apply = apply
        interval = tls.reload_interval
        has_files = bool(tls.cert_file or tls.key_file)
        self._period = interval.total_seconds() if interval > timedelta(0) and has_files else 0.0
        self._watch_ca = bool(tls.client_ca_file_reload and tls.client_ca_file)
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self._period > 0 or self._watch_ca

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)

    async def _run(self) -> None:
        tick = min(self._period, CA_POLL_S) if self._period and self._watch_ca else (self._period or CA_POLL_S)
        next_reload = time.monotonic() + self._period
        ca_ident = await asyncio.to_thread(_identity, self._tls.client_ca_file) if self._watch_ca else None
        while True:
            await asyncio.sleep(tick)
            due = self._period > 0 and time.monotonic() >= next_reload
            if self._watch_ca:
                ident = await asyncio.to_thread(_identity, self._tls.client_ca_file)
                if ident is not None and ident != ca_ident:
                    ca_ident = ident
                    due = True
            if not due:
                continue
            next_reload = time.monotonic() + self._period
            try:
                built = await asyncio.to_thread(self._rebuild)
            except ValueError as exc:  # Go's "failed to load TLS config: ..." texts; no key material
                self._logger.error(
                    "TLS certificate reload failed; keeping the previous certificate",
                    extra={"fields": {"error": str(exc)}},
                )
                continue
            self._apply(built)
            self._logger.debug("TLS certificate reloaded", extra={"fields": {"cert_file": self._tls.cert_file}})


class HttpTLS:
    """The SSLContext to listen with; it switches new handshakes to the reloaded context."""

    def __init__(self, tls: TLSServerConfig, logger: Logger) -> None:
        self.context = tls.ssl_context()  # ValueError with Go's text when the files are bad
        self._current = self.context
        self._reloader = _Reloader(tls, logger, tls.ssl_context, self._install)
        if self._reloader.enabled:
            self.context.sni_callback = self._select

    def _install(self, ctx: ssl.SSLContext) -> None:
        self._current = ctx

    def _select(self, conn: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, ctx: ssl.SSLContext) -> None:
        current = self._current
        if current is not ctx:
            conn.context = current

    def start(self) -> None:
        self._reloader.start()

    async def stop(self) -> None:
        await self._reloader.stop()


class GrpcTLS:
    """Server credentials for grpc.aio; dynamic (fetcher-based) when a reload is configured."""

    def __init__(self, tls: TLSServerConfig, logger: Logger) -> None:
        import grpc  # only gRPC servers need it

        self._tls = tls
        key, cert, client_ca = tls.grpc_material()
        self._pending: grpc.ServerCertificateConfiguration | None = None
        self._reloader = _Reloader(tls, logger, self._load, self._install)
        if self._reloader.enabled:
            self.credentials = grpc.dynamic_ssl_server_credentials(
                grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=client_ca),
                # grpc-stubs leave out that the fetcher may answer None ("no change").
                cast(Callable[[], grpc.ServerCertificateConfiguration], self._fetch),
                require_client_authentication=client_ca is not None,
            )
        else:
            self.credentials = grpc.ssl_server_credentials(
                [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
            )

    def _load(self) -> grpc.ServerCertificateConfiguration:
        import grpc

        self._tls.ssl_context()  # the new files must load (cert matches key) before gRPC gets them
        key, cert, client_ca = self._tls.grpc_material()
        return grpc.ssl_server_certificate_configuration([(key, cert)], root_certificates=client_ca)

    def _install(self, config: grpc.ServerCertificateConfiguration) -> None:
        self._pending = config

    def _fetch(self) -> grpc.ServerCertificateConfiguration | None:
        # Called by gRPC core at each new handshake: hand the new material over once.
        config, self._pending = self._pending, None
        return config

    def start(self) -> None:
        self._reloader.start()

    async def stop(self) -> None:
        await self._reloader.stop()


__all__ = ["CA_POLL_S", "GrpcTLS", "HttpTLS"]
