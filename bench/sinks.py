"""Sinks (what the collector exports to) and the ceiling servers, in one process.

    python sinks.py --mode sink|ceiling --grpc-port P --http-port Q --status FILE [--max-rate SPANS_PER_S]

``sink``: OTLP/gRPC and OTLP/HTTP (protobuf, gzip or not) servers that parse every request,
count its spans and note the first receipt time of each ``bench.seq`` (CLOCK_MONOTONIC).
``ceiling``: a bare grpc.aio server and a bare aiohttp server on the same kind of port that
receive the request bytes and discard them (no parse) — the rate a Python server on this
machine can take at all. ``--max-rate`` slows the sink down (memory_limiter scenario).

The sink also takes OTLP/gRPC metrics (the prometheus scrape scenario): it counts their data
points (``points``) and requests (``metric_requests``, one per scrape there), apart from spans.

The status file is rewritten every 0.2 s ({"requests", "spans", "t_last", "points", ...}); on SIGTERM the
final report (with the per-sequence receipt times) is written and the process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import signal
import time

import grpc
import grpc.aio
import payload
from aiohttp import web
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

_OK = b"\n\x00"
_TRACE_SERVICE = "opentelemetry.proto.collector.trace.v1.TraceService"
_METRICS_SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService"


def data_points(msg: ExportMetricsServiceRequest) -> int:
    """Data points in a metrics request (a histogram point is one point, as the collector counts)."""
    n = 0
    for rm in msg.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                kind = metric.WhichOneof("data")
                if kind is not None:
                    n += len(getattr(metric, kind).data_points)
    return n


class State:
    def __init__(self, parse: bool, max_rate: float) -> None:
        self.parse = parse
        self.requests = 0
        self.spans = 0
        self.bytes = 0
        self.t_first = 0.0
        self.t_last = 0.0
        self.recv_at: dict[int, float] = {}
        self.dupes = 0
        self.points = 0
        self.metric_requests = 0
        self.t_last_points = 0.0
        self.max_rate = max_rate
        self._budget_t = time.monotonic()

    async def take(self, body: bytes) -> None:
        now = time.monotonic()
        if not self.t_first:
            self.t_first = now
        self.requests += 1
        self.bytes += len(body)
        if self.parse:
            msg = ExportTraceServiceRequest()
            msg.ParseFromString(body)
            for seq, n in payload.seqs_of(msg):
                self.spans += n
                if seq in self.recv_at:
                    self.dupes += 1
                else:
                    self.recv_at[seq] = now
            if self.max_rate:
                n_spans = sum(len(ss.spans) for rs in msg.resource_spans for ss in rs.scope_spans)
                self._budget_t = max(self._budget_t, now) + n_spans / self.max_rate
                delay = self._budget_t - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        else:
            self.spans += payload.SPANS_PER_REQUEST
        self.t_last = time.monotonic()

    def take_metrics(self, body: bytes) -> None:
        msg = ExportMetricsServiceRequest()
        msg.ParseFromString(body)
        self.points += data_points(msg)
        self.metric_requests += 1
        self.t_last_points = time.monotonic()

    def status(self) -> dict[str, object]:
        return {
            "points": self.points,
            "metric_requests": self.metric_requests,
            "t_last_points": self.t_last_points,
            "requests": self.requests,
            "spans": self.spans,
            "bytes": self.bytes,
            "t_first": self.t_first,
            "t_last": self.t_last,
            "dupes": self.dupes,
        }


def write(path: str, obj: object) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


async def serve(args: argparse.Namespace) -> None:
    state = State(parse=args.mode == "sink", max_rate=args.max_rate)

    async def export(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        await state.take(request)
        return _OK

    async def export_metrics(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
        state.take_metrics(request)
        # one request per scrape: publish it at once, so run.py reads the collector's CPU right
        # after the scrape's push rather than up to 0.2 s later, into the next scrape
        write(args.status, {**state.status(), "ready": True})
        return _OK

    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 256 << 20), ("grpc.so_reuseport", 0)])
    handler = grpc.unary_unary_rpc_method_handler(export)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(_TRACE_SERVICE, {"Export": handler}),))
    metrics_handler = grpc.unary_unary_rpc_method_handler(export_metrics)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(_METRICS_SERVICE, {"Export": metrics_handler}),)
    )
    # three loopback addresses, one port: the load_balancing scenario's three "backends"
    for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
        server.add_insecure_port(f"{host}:{args.grpc_port}")
    await server.start()

    async def http_export(request: web.Request) -> web.Response:
        body = await request.read()
        # aiohttp's server decompresses request bodies itself; decompress only what is still gzip.
        if state.parse and body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        await state.take(body)
        return web.Response(body=_OK, content_type="application/x-protobuf")

    async def foreign_export(request: web.Request) -> web.Response:
        # the ceiling for the Zipkin and Jaeger loads: read, discard, answer as those receivers do
        await state.take(await request.read())
        return web.Response(status=202)

    app = web.Application(client_max_size=256 << 20)
    app.router.add_post("/v1/traces", http_export)
    if not state.parse:
        app.router.add_post("/api/v2/spans", foreign_export)
        app.router.add_post("/api/traces", foreign_export)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.http_port)
    await site.start()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    write(args.status, {**state.status(), "ready": True})
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
        write(args.status, {**state.status(), "ready": True})
    await server.stop(0.5)
    await runner.cleanup()
    final = {**state.status(), "ready": True, "done": True, "recv_at": {str(k): v for k, v in state.recv_at.items()}}
    write(args.status, final)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=("sink", "ceiling"), required=True)
    p.add_argument("--grpc-port", type=int, required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--status", required=True)
    p.add_argument("--max-rate", type=float, default=0.0)
    args = p.parse_args()
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(serve(args))


if __name__ == "__main__":
    main()
