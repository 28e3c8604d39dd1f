"""The shared OTLP receiver: one gRPC and one HTTP server for every signal of one config."""

from __future__ import annotations

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.config.configgrpc import GrpcServer
from pyotelcol.config.confighttp import HttpServer
from pyotelcol.consumer import Consumer
from pyotelcol.helpers.sharedcomponent import SharedComponent
from pyotelcol.pdata import BY_SIGNAL
from pyotelcol.telemetry.obsreport import ReceiverObs

from ._common import SignalRoute
from ._grpc import start_otlp_grpc
from ._http import start_otlp_http
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

    async def _start(self, host: Host) -> None:
        grpc_cfg = self._cfg.protocols.grpc.get()
        http_cfg = self._cfg.protocols.http.get()
        try:
            if grpc_cfg is not None:
                self._grpc = await start_otlp_grpc(grpc_cfg, host, self._routes, self._obs_grpc, self._logger)
            if http_cfg is not None:
                self._http = await start_otlp_http(http_cfg, host, self._routes, self._obs_http, self._logger)
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
