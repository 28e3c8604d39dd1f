"""The load balancer: one OTLP/gRPC exporter per resolved backend, a hash ring over them, and the
split of every request per routing key.

Each backend is the ``otlp_grpc`` exporter (its push function and its exporterhelper chain of
``protocol.otlp``'s timeout, retry, queue and circuit breaker) with the backend's endpoint. When
the resolver drops a backend, Go drains its exporter towards the departing endpoint; here the
backend is retired instead: whatever it still holds (queued, waiting for a retry, being sent) is
routed again through the new ring when its turn to be sent comes, and its exporter shuts down once
it is empty, so a scale-down loses nothing that another backend can take.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time

from pyotelcol.exporters.otlp_grpc.exporter import GrpcExporter

from pyotelcol.component import ID, Host, Settings, Signal
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import ExporterHelper
from pyotelcol.pdata import AnyData

from .config import DEFAULT_PORT, Config
from .resolvers import Resolver, make_resolver
from .ring import HashRing
from .routing import split

#: how long a retired backend may take to hand back what it holds, at most
_RETIRE_CAP_S = 120.0


def endpoint_with_port(endpoint: str) -> str:
    """Go's endpointWithPort: ``host`` gets the default port 4317."""
    if endpoint and ":" not in endpoint:
        return f"{endpoint}:{DEFAULT_PORT}"
    return endpoint


class Backend:
    """One backend: the otlp_grpc exporter chain for ``endpoint``."""

    def __init__(self, lb: LoadBalancer, endpoint: str) -> None:
        self.lb = lb
        self.endpoint = endpoint
        self.retired = False
        self.closing = False
        self.entered = 0
        self.left = 0
        cfg = copy.deepcopy(lb.cfg.protocol.otlp)
        cfg.endpoint = endpoint
        settings = Settings(
            id=ID("otlp_grpc", endpoint),
            kind=lb.settings.kind,
            telemetry=lb.settings.telemetry,
            build_info=lb.settings.build_info,
            signal=lb.settings.signal,
            pipeline=lb.settings.pipeline,
        )
        self._grpc = GrpcExporter(settings, lb.signal, cfg)
        self.helper = ExporterHelper(
            settings,
            lb.signal,
            self._push,
            timeout=cfg.timeout,
            retry=cfg.retry_on_failure,
            queue=cfg.sending_queue,
            circuit_breaker=cfg.circuit_breaker,
            start=self._grpc.start,
            shutdown=self._grpc.shutdown,
        )
        self.retire_timeout = min(
            _RETIRE_CAP_S, cfg.retry_on_failure.max_interval.total_seconds() + cfg.timeout.total_seconds() + 5.0
        )

    async def _push(self, data: AnyData) -> None:
        if self.retired and not self.lb.stopping:
            await self.lb.reroute(data)
        else:
            await self._grpc.push(data)
        self.left += data.item_count()

    async def consume(self, data: AnyData) -> None:
        n = data.item_count()
        self.entered += n
        try:
            await self.helper.consume(data)
        except BaseException:
            self.left += n
            raise

    def busy(self) -> bool:
        return self.entered > self.left


class LoadBalancer:
    """Routes each request's items to the backends the ring assigns their keys to."""

    def __init__(self, settings: Settings, signal: Signal, cfg: Config) -> None:
        self.settings = settings
        self.signal = signal
        self.cfg = cfg
        self.key = cfg.routing_key_for(signal.value)
        self.names = list(cfg.routing_attributes)
        r = cfg.resolver
        self.resolver: Resolver = make_resolver(settings, r.static.get(), r.dns.get(), r.k8s.get())
        self.backends: dict[str, Backend] = {}
        self.ring = HashRing([])
        self.stopping = False
        self._host: Host | None = None
        self._lock = asyncio.Lock()
        self._retiring: dict[asyncio.Task[None], Backend] = {}
        self._logger = settings.telemetry.logger
        meter = settings.telemetry.meter
        self._latency = meter.create_histogram(
            "otelcol_loadbalancer_backend_latency", unit="ms", description="Response latency in ms for the backends."
        )
        self._outcome = meter.create_counter(
            "otelcol_loadbalancer_backend_outcome",
            unit="{outcomes}",
            description="Number of successes and failures for each endpoint.",
        )

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, host: Host) -> None:
        self._host = host
        await self.resolver.start(self.on_backend_changes)

    async def shutdown(self) -> None:
        await self.resolver.shutdown()
        # Retired backends still waiting to empty are closed now (their queue drains onto the
        # live backends, which are still up); those already closing are awaited.
        waiting = [(task, b) for task, b in self._retiring.items() if not b.closing]
        for task, _ in waiting:
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
        await asyncio.gather(*(b.helper.shutdown() for _, b in waiting), return_exceptions=True)
        self.stopping = True
        backends, self.backends = list(self.backends.values()), {}
        await asyncio.gather(*(b.helper.shutdown() for b in backends), return_exceptions=True)

    async def on_backend_changes(self, endpoints: list[str]) -> None:
        async with self._lock:
            ring = HashRing(endpoints)
            wanted = {endpoint_with_port(e) for e in endpoints if e}
            if ring == self.ring and wanted == set(self.backends):
                return
            assert self._host is not None
            for endpoint in sorted(wanted - set(self.backends)):
                backend = Backend(self, endpoint)
                try:
                    await backend.helper.start(self._host)
                except Exception as exc:
                    self._logger.error(
                        "failed to start new exporter for endpoint",
                        extra={"fields": {"endpoint": endpoint, "error": str(exc)}},
                    )
                    continue
                self.backends[endpoint] = backend
            self.ring = ring
            for endpoint in sorted(set(self.backends) - wanted):
                backend = self.backends.pop(endpoint)
                task = asyncio.create_task(self._retire(backend))
                self._retiring[task] = backend
                task.add_done_callback(lambda t: self._retiring.pop(t, None))

    async def _retire(self, backend: Backend) -> None:
        backend.retired = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + backend.retire_timeout
        while backend.busy() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        backend.closing = True
        await backend.helper.shutdown()

    # -- data --------------------------------------------------------------------------------
    def backend_for(self, key: bytes | None) -> Backend:
        if key is None:  # no key (a log without trace id): any backend, as Go picks one at random
            if not self.backends:
                raise ConsumerError('couldn\'t find the exporter for the endpoint ""')
            return random.choice(list(self.backends.values()))
        endpoint = self.ring.endpoint_for(key)
        backend = self.backends.get(endpoint_with_port(endpoint))
        if backend is None:
            raise ConsumerError(f'couldn\'t find the exporter for the endpoint "{endpoint}"')
        return backend

    async def reroute(self, data: AnyData) -> None:
        """Data of a retired backend, split again over the current ring (the backends' own queue
        and retry take it from there; an empty ring fails and the retired backend retries)."""
        await self.push(data)

    async def push(self, data: AnyData) -> None:
        parts = split(data, self.key, self.names, self.backend_for)
        if not parts:
            return
        results = await asyncio.gather(*(self._send(b, part) for b, part in parts.items()), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if not errors:
            return
        for err in errors:
            if not isinstance(err, Exception):
                raise err
        message = "; ".join(str(e) for e in errors)
        if all(isinstance(e, PermanentError) for e in errors):
            raise PermanentError(message)
        raise ConsumerError(message)

    async def _send(self, backend: Backend, part: AnyData) -> None:
        start = time.monotonic()
        success = False
        try:
            await backend.consume(part)
            success = True
        finally:
            self._latency.record((time.monotonic() - start) * 1000.0, {"endpoint": backend.endpoint})
            self._outcome.add(1, {"endpoint": backend.endpoint, "success": success})
