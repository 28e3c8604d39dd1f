"""The shared OTLP receiver: one gRPC and one HTTP server for every signal of one config."""

from __future__ import annotations

from pyotelcol.component import ID, Host, IDError, Settings, Signal
from pyotelcol.config.confighttp import AuthConfig
from pyotelcol.consumer import Consumer
from pyotelcol.extension import ServerAuthenticator, find_authenticator
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
    def _authenticator(host: Host, auth: AuthConfig | None) -> ServerAuthenticator | None:
        """The started server authenticator named by ``auth.authenticator`` (Go's lookup errors)."""
        if auth is None:
            return None
        try:
            auth_id = ID.parse(auth.authenticator)
        except IDError:
            raise ValueError(
                f'failed to resolve authenticator "{auth.authenticator}": authenticator not found'
            ) from None
        try:
            found: ServerAuthenticator = find_authenticator(host, auth_id, ServerAuthenticator)
        except LookupError as exc:
            raise ValueError(str(exc)) from None
        return found

    @staticmethod
    def _check_middlewares(middlewares: list[str]) -> None:
        if middlewares:
            raise ValueError("middlewares are not supported by this receiver yet")

    async def _start(self, host: Host) -> None:
        grpc_cfg = self._cfg.protocols.grpc.get()
        http_cfg = self._cfg.protocols.http.get()
        grpc_auth = http_auth = None
        if grpc_cfg is not None:
            grpc_auth = self._authenticator(host, grpc_cfg.auth.get())
            self._check_middlewares([m.id for m in grpc_cfg.middlewares])
        if http_cfg is not None:
            http_auth = self._authenticator(host, http_cfg.auth.get())
            self._check_middlewares([m.id for m in http_cfg.middlewares])
        if grpc_cfg is not None:
            grpc_server = GrpcServer(grpc_cfg, self._routes, self._obs_grpc, self._logger, auth=grpc_auth)
            self._grpc = grpc_server
            await grpc_server.start()
        if http_cfg is not None:
            http_server = HttpServer(http_cfg, self._routes, self._obs_http, self._logger, auth=http_auth)
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
