"""Load generator: sends pre-built trace requests (OTLP over gRPC or HTTP, Zipkin, Jaeger), then writes a JSON report.

    python loadgen.py --proto grpc|http|zipkin|jaeger --port P --requests N [--concurrency C] [--gzip]
                      [--json] [--duration S] [--rate R] --out FILE

``grpc``/``http``: OTLP (payload.py). ``zipkin``: Zipkin v2 JSON POSTed to ``/api/v2/spans``;
``jaeger``: a binary thrift ``Batch`` POSTed to ``/api/traces`` (formats.py), the same spans.

Every request is sent until accepted: retryable refusals (gRPC UNAVAILABLE / RESOURCE_EXHAUSTED,
HTTP 429/502/503/504) are counted and retried after a short pause; anything else is a failure.
With ``--duration`` it sends until the time is up (at most ``--requests``). ``--rate`` caps
requests per second. Send times (CLOCK_MONOTONIC, shared by all processes) are recorded per
request sequence number for latency at the sink.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import time
from collections.abc import Awaitable, Callable

import formats
import payload

# HTTP path, Content-Type and the success status of each non-gRPC protocol
_HTTP_TARGETS = {
    "http": ("/v1/traces", "application/x-protobuf", {200}),
    "zipkin": ("/api/v2/spans", "application/json", {202}),
    "jaeger": ("/api/traces", "application/x-thrift", {202}),
}
RETRYABLE_GRPC = {"UNAVAILABLE", "RESOURCE_EXHAUSTED"}
RETRYABLE_HTTP = {429, 502, 503, 504}


def build_bodies(args: argparse.Namespace) -> Callable[[int], bytes]:
    if args.proto == "zipkin":
        return formats.zipkin_bodies()
    if args.proto == "jaeger":
        return formats.jaeger_bodies()
    block = payload.scope_block()
    if args.json:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        from pyotelcol.pdata.otlpjson import to_json

        marker = 987654321
        msg = ExportTraceServiceRequest()
        msg.ParseFromString(payload.request(marker, block))
        template = to_json(msg)
        needle = str(marker).encode()
        assert template.count(needle) == 1

        def body(seq: int) -> bytes:
            return template.replace(needle, str(seq).encode())
    else:

        def body(seq: int) -> bytes:
            return payload.request(seq, block)

    if args.gzip:
        # Pre-compress up front (not timed): the load generator should cost as little as possible.
        cache = {seq: gzip.compress(body(seq), 6) for seq in range(args.requests)}
        return cache.__getitem__
    return body


async def run(args: argparse.Namespace) -> dict[str, object]:
    body_of = build_bodies(args)
    sent_at: dict[int, float] = {}
    stats: dict[str, object] = {
        "timed_out": False,
        "sent": 0,
        "accepted": 0,
        "retries": 0,
        "refusals": {},
        "failures": 0,
        "errors": [],
    }
    refusals: dict[str, int] = stats["refusals"]  # type: ignore[assignment]
    errors: list[str] = stats["errors"]  # type: ignore[assignment]
    next_seq = 0
    deadline = time.monotonic() + args.duration if args.duration else None
    interval = 1.0 / args.rate if args.rate else 0.0
    give_up = time.monotonic() + args.max_seconds  # bounded time: what is left unsent then has failed
    t_start = time.monotonic()

    send: Callable[[bytes], Awaitable[str | None]]
    closers: list[Callable[[], Awaitable[None]]] = []
    if args.proto == "grpc":
        import grpc
        import grpc.aio

        channel = grpc.aio.insecure_channel(
            f"127.0.0.1:{args.port}",
            options=[("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)],
        )
        call = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export", None, None)
        comp = grpc.Compression.Gzip if args.gzip else None

        async def send(data: bytes) -> str | None:
            try:
                await call(data, timeout=30, compression=comp)
                return None
            except grpc.aio.AioRpcError as err:
                return str(err.code().name)

        closers.append(lambda: channel.close(None))
    else:
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency))
        path, content_type, ok = _HTTP_TARGETS[args.proto]
        headers = {"Content-Type": "application/json" if args.json else content_type}
        if args.gzip:
            headers["Content-Encoding"] = "gzip"
        url = f"http://127.0.0.1:{args.port}{path}"

        async def send(data: bytes) -> str | None:
            try:
                async with session.post(url, data=data, headers=headers) as resp:
                    await resp.read()
                    return None if resp.status in ok else str(resp.status)
            except aiohttp.ClientError as err:
                return f"conn:{type(err).__name__}"

        closers.append(session.close)

    def retryable(code: str) -> bool:
        if args.proto == "grpc":
            return code in RETRYABLE_GRPC
        return code.isdigit() and int(code) in RETRYABLE_HTTP

    async def worker() -> None:
        nonlocal next_seq
        while True:
            if next_seq >= args.requests or (deadline is not None and time.monotonic() >= deadline):
                return
            if time.monotonic() >= give_up:
                stats["timed_out"] = True
                return
            seq = next_seq
            next_seq += 1
            if interval:
                due = t_start + seq * interval
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
            data = body_of(seq)
            sent_at[seq] = time.monotonic()
            stats["sent"] += 1  # type: ignore[operator]
            for _attempt in range(200):
                code = await send(data)
                if code is None:
                    stats["accepted"] += 1  # type: ignore[operator]
                    break
                refusals[code] = refusals.get(code, 0) + 1
                if not retryable(code):
                    stats["failures"] += 1  # type: ignore[operator]
                    if len(errors) < 5:
                        errors.append(code)
                    break
                stats["retries"] += 1  # type: ignore[operator]
                if time.monotonic() >= give_up:
                    stats["failures"] += 1  # type: ignore[operator]
                    stats["timed_out"] = True
                    break
                await asyncio.sleep(0.05)
            else:
                stats["failures"] += 1  # type: ignore[operator]

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    t1 = time.monotonic()
    if not args.duration:
        stats["failures"] += args.requests - stats["sent"]
    for close in closers:
        await close()
    return {
        **stats,
        "spans_accepted": stats["accepted"] * payload.SPANS_PER_REQUEST,  # type: ignore[operator]
        "t_first": t0,
        "t_last": t1,
        "sent_at": {str(k): v for k, v in sent_at.items()},
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--proto", choices=("grpc", "http", "zipkin", "jaeger"), required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--requests", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--duration", type=float, default=0.0)
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--max-seconds", type=float, default=120.0)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        result = runner.run(run(args))
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
