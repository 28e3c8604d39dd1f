"""The gRPC service: ``grpc.health.v1.Health`` Check and Watch over the aggregate status.

The ``service`` of a request is the scope: "" for the collector, a pipeline id for a pipeline.
OK and the error statuses are SERVING, the rest NOT_SERVING; with ``component_health`` an
included permanent error is NOT_SERVING, and a recoverable one once ``recovery_duration`` has
passed since it began. Check of an unknown scope: NOT_FOUND ``Service not found.``. Watch sends
the current status, then every change; SERVICE_UNKNOWN while the pipeline has not reported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import grpc

from pyotelcol.component import Host, Status
from pyotelcol.config.configgrpc import Context, GrpcServer, ServerStreamMethod, UnaryMethod, start_grpc_server
from pyotelcol.helpers.listen import Logger

from . import grpc_health as pb
from .aggregator import Aggregator, Closed, Event
from .config import ComponentHealthConfig, GRPCConfig

_SERVING = {
    Status.NONE: pb.NOT_SERVING,
    Status.STARTING: pb.NOT_SERVING,
    Status.OK: pb.SERVING,
    Status.RECOVERABLE_ERROR: pb.SERVING,
    Status.PERMANENT_ERROR: pb.SERVING,
    Status.FATAL_ERROR: pb.NOT_SERVING,
    Status.STOPPING: pb.NOT_SERVING,
    Status.STOPPED: pb.NOT_SERVING,
}


class GrpcService:
    def __init__(
        self, cfg: GRPCConfig, health: ComponentHealthConfig | None, aggregator: Aggregator, logger: Logger
    ) -> None:
        self._cfg = cfg
        self._health = health or ComponentHealthConfig()
        self._aggregator = aggregator
        self._logger = logger
        self._server: GrpcServer | None = None

    async def start(self, host: Host) -> None:
        methods: list[UnaryMethod[str] | ServerStreamMethod[str]] = [
            UnaryMethod(pb.SERVICE, "Check", pb.decode_request, self._check),
            ServerStreamMethod(pb.SERVICE, "Watch", pb.decode_request, self._watch),
        ]
        self._server = await start_grpc_server(self._cfg, host, methods, logger=self._logger)

    async def shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    def _serving_status(self, ev: Event) -> int:
        health = self._health
        recovery_ns = int(health.recovery_duration.total_seconds() * 1e9)
        if (
            health.include_recoverable_errors
            and ev.status is Status.RECOVERABLE_ERROR
            and time.time_ns() > ev.timestamp_ns + recovery_ns
        ):
            return pb.NOT_SERVING
        if health.include_permanent_errors and ev.status is Status.PERMANENT_ERROR:
            return pb.NOT_SERVING
        return _SERVING[ev.status]

    async def _check(self, scope: str, context: Context) -> bytes:
        st = self._aggregator.aggregate_status(scope, False)
        if st is None:
            await context.abort(grpc.StatusCode.NOT_FOUND, "Service not found.")
            raise AssertionError("unreachable: abort raises")
        return pb.encode_response(self._serving_status(st.event))

    async def _watch(self, scope: str, context: Context) -> AsyncIterator[bytes]:
        """Go's Watch loop: a recoverable error keeps the last answer (SERVING at first) until
        ``recovery_duration`` passes without another status, then NOT_SERVING."""
        health = self._health
        delayed = health.include_recoverable_errors and health.recovery_duration.total_seconds() > 0
        sub = self._aggregator.subscribe(scope)
        last = -1
        deadline: float | None = None
        loop = asyncio.get_running_loop()
        try:
            while True:
                timeout = None if deadline is None else max(0.0, deadline - loop.time())
                try:
                    st = await asyncio.wait_for(sub.next(), timeout)
                except TimeoutError:
                    deadline = None
                    if last != pb.NOT_SERVING:
                        last = pb.NOT_SERVING
                        yield pb.encode_response(last)
                    continue
                if isinstance(st, Closed):
                    await context.abort(grpc.StatusCode.CANCELLED, "Server shutting down.")
                    return
                if st is None:
                    status = pb.SERVICE_UNKNOWN
                elif delayed and st.event.status is Status.RECOVERABLE_ERROR:
                    if deadline is None:
                        deadline = loop.time() + health.recovery_duration.total_seconds()
                    status = last if last != -1 else pb.SERVING
                else:
                    deadline = None
                    status = self._serving_status(st.event)
                if status == last:
                    continue
                last = status
                yield pb.encode_response(status)
        finally:
            sub.unsubscribe()
