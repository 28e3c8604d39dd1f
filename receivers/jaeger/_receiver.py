"""The Jaeger receiver: a Jaeger collector (gRPC, Thrift over HTTP) and agent (UDP) in one component."""

from __future__ import annotations

from pyotelcol.component import Host, Settings
from pyotelcol.config.configgrpc import GrpcServer
from pyotelcol.config.confighttp import HttpServer
from pyotelcol.consumer import Consumer

from ._common import (
    BINARY_TRANSPORT,
    COMPACT_TRANSPORT,
    GRPC_TRANSPORT,
    HTTP_TRANSPORT,
    PROTOBUF_FORMAT,
    THRIFT_FORMAT,
    JaegerObs,
)
from ._grpc import start_jaeger_grpc
from ._http import start_jaeger_http
from ._udp import AgentServer
from .config import Config


class JaegerReceiver:
    """Starts the agent ports first, then the HTTP and gRPC servers, as Go does; a failure stops
    what was started."""

    def __init__(self, settings: Settings, cfg: Config, consumer: Consumer) -> None:
        self._settings = settings
        self._cfg = cfg
        self._consumer = consumer
        self._logger = settings.telemetry.logger
        self._agents: list[AgentServer] = []
        self._http: HttpServer | None = None
        self._grpc: GrpcServer | None = None

    @property
    def agents(self) -> list[AgentServer]:
        return list(self._agents)

    async def start(self, host: Host) -> None:
        try:
            await self._start(host)
        except BaseException:
            await self.shutdown()
            raise

    async def _start(self, host: Host) -> None:
        protocols, settings, logger = self._cfg.protocols, self._settings, self._logger
        agents = [
            (protocols.thrift_binary.get(), False, BINARY_TRANSPORT, "Binary"),
            (protocols.thrift_compact.get(), True, COMPACT_TRANSPORT, "Compact"),
        ]
        for udp_cfg, compact, transport, name in agents:
            if udp_cfg is None:
                continue
            obs = JaegerObs(settings, transport, THRIFT_FORMAT)
            agent = AgentServer(settings, udp_cfg, compact, self._consumer, obs, logger)
            self._agents.append(agent)
            await agent.start()
            logger.info(f"Starting UDP server for {name} Thrift", extra={"fields": {"endpoint": udp_cfg.endpoint}})
        http_cfg = protocols.thrift_http.get()
        if http_cfg is not None:
            obs = JaegerObs(settings, HTTP_TRANSPORT, THRIFT_FORMAT)
            self._http = await start_jaeger_http(http_cfg, host, self._consumer, obs, logger)
        grpc_cfg = protocols.grpc.get()
        if grpc_cfg is not None:
            obs = JaegerObs(settings, GRPC_TRANSPORT, PROTOBUF_FORMAT)
            self._grpc = await start_jaeger_grpc(grpc_cfg, host, self._consumer, obs, logger)

    async def shutdown(self) -> None:
        agents, self._agents = self._agents, []
        for agent in agents:
            await agent.stop()
        http_server, self._http = self._http, None
        if http_server is not None:
            await http_server.stop()
        grpc_server, self._grpc = self._grpc, None
        if grpc_server is not None:
            await grpc_server.stop()
