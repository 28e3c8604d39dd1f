"""The exporter built from its factory in-process, against real OTLP/gRPC sinks on 127.0.0.1:
a backend that goes away hands its data to the others, the dns resolver (``localhost``) and the
k8s resolver against a test double of the Kubernetes API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import grpc
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from pyotelcol.exporters.load_balancing import create_factory
from pyotelcol.exporters.load_balancing.resolvers import K8S_API_URL_ENV
from pyotelcol.exporters.load_balancing.ring import HashRing
from support import free_port

from pyotelcol.component import Kind, Signal
from pyotelcol.config import decode, validate
from pyotelcol.consumer import ConsumerError
from pyotelcol.testing import NopHost, make_settings, metric_values


def make_exporter(
    raw: dict[str, Any], signal: Signal = Signal.TRACES, reader: InMemoryMetricReader | None = None
) -> Any:
    factory = create_factory()
    default = factory.create_default_config()
    cfg = decode(type(default), raw, default)
    assert validate(cfg, "exporters::loadbalancing") == []
    return factory.create_for(signal, make_settings("loadbalancing", Kind.EXPORTER, signal, reader), cfg)


def trace_ids(sink: Any) -> list[bytes]:
    out: list[bytes] = []
    for body in sink.accepted_bodies(Signal.TRACES):
        req = ExportTraceServiceRequest.FromString(body)
        out.extend(bytes(s.trace_id) for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans)
    return out


@asynccontextmanager
async def running(exporter: Any) -> AsyncIterator[Any]:
    await exporter.start(NopHost())
    try:
        yield exporter
    finally:
        await exporter.shutdown()


def test_a_removed_backend_hands_its_pending_data_to_the_new_ring(h: ModuleType) -> None:
    async def main() -> None:
        live = h.GrpcSink(free_port())
        down = h.GrpcSink(free_port(), behaviour=lambda _r: h.GrpcReply(grpc.StatusCode.UNAVAILABLE, "down"))
        for s in (live, down):
            await s.start()
        raw = {
            "protocol": {"otlp": {"tls": {"insecure": True}, "retry_on_failure": {"initial_interval": "50ms"}}},
            "resolver": {"static": {"hostnames": [live.target, down.target]}},
        }
        exporter = make_exporter(raw)
        try:
            async with running(exporter):
                await exporter.consume(h.make_traces(60))
                ring = HashRing([live.target, down.target])
                on_down = [i for i in range(1, 61) if ring.endpoint_for(i.to_bytes(16, "big")) == down.target]
                assert 10 < len(on_down) < 50
                await h.wait_until(lambda: len(down.attempts) >= 2, what="retries against the failing backend")
                assert len(trace_ids(live)) < 60
                # the resolver now lists only the live backend: the failing one's data moves over
                lb = exporter._start_fn.__self__
                await lb.on_backend_changes([live.target])
                await h.wait_until(lambda: len(trace_ids(live)) >= 60, what="re-routed spans")
                assert sorted(trace_ids(live)) == [i.to_bytes(16, "big") for i in range(1, 61)]
                assert down.accepted == []
        finally:
            for s in (live, down):
                await s.stop()

    asyncio.run(main())


def test_dns_resolver_with_localhost(h: ModuleType) -> None:
    async def main() -> None:
        sink = h.GrpcSink(free_port())
        await sink.start()
        reader = InMemoryMetricReader()
        raw = {
            "protocol": {"otlp": {"tls": {"insecure": True}}},
            "resolver": {"dns": {"hostname": "localhost", "port": str(sink.port), "interval": "100ms"}},
        }
        exporter = make_exporter(raw, reader=reader)
        try:
            async with running(exporter):
                await exporter.consume(h.make_traces(10))
                await h.wait_until(lambda: len(trace_ids(sink)) >= 10)
                await asyncio.sleep(0.35)  # a few re-resolutions, same answer
            values = metric_values(reader)
            ok = [
                v
                for attrs, v in values["otelcol_loadbalancer_num_resolutions"]
                if attrs == {"resolver": "dns", "success": True}
            ]
            assert ok and ok[0] >= 3
            assert values["otelcol_loadbalancer_num_backend_updates"] == [({"resolver": "dns"}, 1)]
            outcome = values["otelcol_loadbalancer_backend_outcome"]
            assert outcome == [({"endpoint": f"127.0.0.1:{sink.port}", "success": True}, 1)]
        finally:
            await sink.stop()

    asyncio.run(main())


def test_dns_resolver_failure_leaves_no_backend_and_refuses() -> None:
    async def main() -> None:
        raw = {"resolver": {"dns": {"hostname": "does-not-exist.invalid", "timeout": "500ms"}}}
        from support import otlp_sinks

        exporter = make_exporter(raw)
        async with running(exporter):
            with pytest.raises(ConsumerError, match='couldn\'t find the exporter for the endpoint ""'):
                await exporter.consume(otlp_sinks().make_traces(1))

    asyncio.run(main())


# -- k8s: a test double of the Kubernetes API (no API server can run here) -------------------------


def endpoint_slice(name: str, ready: bool, addresses: list[str], version: str) -> dict[str, Any]:
    """An EndpointSlice shaped as discovery.k8s.io/v1 returns it."""
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": name,
            "namespace": "observability",
            "resourceVersion": version,
            "labels": {
                "kubernetes.io/service-name": "otelcol-backends",
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            },
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Service", "name": "otelcol-backends", "controller": True}
            ],
        },
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": addresses,
                "conditions": {"ready": ready, "serving": ready, "terminating": False},
                "hostname": "otelcol-0",
                "targetRef": {"kind": "Pod", "namespace": "observability", "name": "otelcol-0"},
                "nodeName": "node-a",
            }
        ],
        "ports": [{"name": "otlp-grpc", "protocol": "TCP", "port": 4317}],
    }


class FakeKubeAPI:
    """Answers the EndpointSlice list and watch of one namespace, as the API server does: a
    ``EndpointSliceList`` for the list, newline-delimited watch events afterwards."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.runner: web.AppRunner | None = None
        self.port = free_port()

    async def handler(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if request.query.get("watch") != "true":
            return web.json_response(
                {
                    "kind": "EndpointSliceList",
                    "apiVersion": "discovery.k8s.io/v1",
                    "metadata": {"resourceVersion": "100"},
                    "items": [endpoint_slice("otelcol-backends-abcde", False, ["127.0.0.1"], "100")],
                }
            )
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        await resp.prepare(request)
        while True:
            event = await self.events.get()
            await resp.write(json.dumps(event).encode() + b"\n")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/apis/discovery.k8s.io/v1/namespaces/observability/endpointslices", self.handler)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)  # the open watch would hold 60 s
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def test_k8s_resolver_follows_endpoint_slices(h: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        api = FakeKubeAPI()
        await api.start()
        monkeypatch.setenv(K8S_API_URL_ENV, f"http://127.0.0.1:{api.port}")
        sinks = [h.GrpcSink(free_port()), h.GrpcSink(free_port())]
        for s in sinks:
            await s.start()
        raw = {
            "protocol": {"otlp": {"tls": {"insecure": True}}},
            "resolver": {"k8s": {"service": "otelcol-backends.observability", "ports": [s.port for s in sinks]}},
        }
        exporter = make_exporter(raw)
        try:
            async with running(exporter):
                # the listed endpoint is not ready: no backend yet
                with pytest.raises(ConsumerError):
                    await exporter.consume(h.make_traces(1))
                await api.events.put(
                    {"type": "MODIFIED", "object": endpoint_slice("otelcol-backends-abcde", True, ["127.0.0.1"], "101")}
                )
                lb = exporter._start_fn.__self__
                await h.wait_until(lambda: len(lb.backends) == 2, what="backends from the watch event")
                await exporter.consume(h.make_traces(40))
                ring = HashRing(sorted(s.target for s in sinks))
                await h.wait_until(lambda: sum(len(trace_ids(s)) for s in sinks) >= 40)
                for s in sinks:
                    assert trace_ids(s) and all(ring.endpoint_for(t) == s.target for t in trace_ids(s))
                await api.events.put(
                    {"type": "DELETED", "object": endpoint_slice("otelcol-backends-abcde", True, ["127.0.0.1"], "102")}
                )
                await h.wait_until(lambda: not lb.backends, what="backends gone after DELETED")
            _path, query = api.requests[0]
            assert query == {"labelSelector": "kubernetes.io/service-name=otelcol-backends"}
            assert api.requests[1][1]["watch"] == "true" and api.requests[1][1]["resourceVersion"] == "100"
        finally:
            for s in sinks:
                await s.stop()
            await api.stop()

    asyncio.run(main())


def test_logs_route_by_trace_id_and_logs_without_one_still_arrive(h: ModuleType) -> None:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    from pyotelcol.pdata import Logs

    async def main() -> None:
        sinks = [h.GrpcSink(free_port()), h.GrpcSink(free_port())]
        for s in sinks:
            await s.start()
        raw = {
            "protocol": {"otlp": {"tls": {"insecure": True}}},
            "resolver": {"static": {"hostnames": [s.target for s in sinks]}},
        }
        req = ExportLogsServiceRequest()
        sl = req.resource_logs.add().scope_logs.add()
        for i in range(1, 41):
            sl.log_records.add(trace_id=i.to_bytes(16, "big")).body.string_value = f"traced-{i}"
        for i in range(10):
            sl.log_records.add().body.string_value = f"untraced-{i}"
        exporter = make_exporter(raw, Signal.LOGS)

        def bodies(sink: Any) -> list[tuple[bytes, str]]:
            out: list[tuple[bytes, str]] = []
            for body in sink.accepted_bodies(Signal.LOGS):
                r = ExportLogsServiceRequest.FromString(body)
                out.extend(
                    (bytes(x.trace_id), x.body.string_value)
                    for rl in r.resource_logs
                    for s in rl.scope_logs
                    for x in s.log_records
                )
            return out

        try:
            async with running(exporter):
                await exporter.consume(Logs.from_wire(req.SerializeToString()))
                await h.wait_until(lambda: sum(len(bodies(s)) for s in sinks) >= 50)
            ring = HashRing([s.target for s in sinks])
            got = [(s.target, tid, text) for s in sinks for tid, text in bodies(s)]
            assert sorted(text for _, _, text in got) == sorted(
                [f"traced-{i}" for i in range(1, 41)] + [f"untraced-{i}" for i in range(10)]
            )
            assert all(ring.endpoint_for(tid) == target for target, tid, _ in got if tid)
        finally:
            for s in sinks:
                await s.stop()

    asyncio.run(main())
