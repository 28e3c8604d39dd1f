"""The shared OTLP receiver: one gRPC and one HTTP server for every signal of one config."""

from __future__ import annotations

from pyotelcol.component import ID, Host, IDError, Settings, Signal
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.sharedcomponent import SharedComponent
from pyotelcol.pdata import BY_SIGNAL
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._common import SignalRoute
from ._grpc import GrpcServer
from ._http import HttpServer
from .config import Config


class OTLPReceiver(SharedComponent):
    """Created once per config; each signal's create call registers its next consumer."""

    def __init__(self, settings: Settings, cfg: Config) -> None:
        super().__init__()
        self._settings = settings
        self._cfg = cfg
        self._logger = settings.telemetry.logger
        self._routes: dict[Signal, SignalRoute] = {}
        self._obs_grpc = ReceiverObs(settings, "grpc")
        self._obs_http = ReceiverObs(settings, "http")
        self._grpc: GrpcServer | None = None
        self._http: HttpServer | None = None

    def register(self, signal: Signal, consumer: Consumer) -> None:
        data_type = BY_SIGNAL.get(signal)
        if data_type is None:
            raise ValueError(f"the otlp receiver does not support {signal.value}")
        self._routes[signal] = SignalRoute(signal, data_type, consumer)

    @staticmethod
    def _check_extensions(host: Host, auth: str | None, middlewares: list[str]) -> None:
        extensions = host.get_extensions()
        if auth is not None:
            try:
                found = ID.parse(auth) in extensions
            except IDError:
                found = False
            if not found:
                raise ValueError(f'failed to resolve authenticator "{auth}": authenticator not found')
            raise ValueError(f'authenticator "{auth}": server authentication is not supported by this receiver yet')
        if middlewares:
            raise ValueError("middlewares are not supported by this receiver yet")

    async def _start(self, host: Host) -> None:
        grpc_cfg = self._cfg.protocols.grpc.get()
        http_cfg = self._cfg.protocols.http.get()
        if grpc_cfg is not None:
            auth = grpc_cfg.auth.get()
            self._check_extensions(host, auth.authenticator if auth else None, [m.id for m in grpc_cfg.middlewares])
        if http_cfg is not None:
            auth = http_cfg.auth.get()
            self._check_extensions(host, auth.authenticator if auth else None, [m.id for m in http_cfg.middlewares])
        if grpc_cfg is not None:
            grpc_server = GrpcServer(grpc_cfg, self._routes, self._obs_grpc, self._logger)
            self._grpc = grpc_server
            await grpc_server.start()
        if http_cfg is not None:
            http_server = HttpServer(http_cfg, self._routes, self._obs_http, self._logger)
            self._http = http_server
            try:
                await http_server.start()
            except BaseException:
                await self._shutdown()
                raise

    async def _shutdown(self) -> None:
        http_server, self._http = self._http, None
        grpc_server, self._grpc = self._grpc, None
        if http_server is not None:
            await http_server.stop()
        if grpc_server is not None:
            await grpc_server.stop()
