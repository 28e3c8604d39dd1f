"""exporterhelper around a real HTTP push over loopback (ports 25000-25099): an outage is ridden out.

The push posts the request's wire bytes with aiohttp; the destination is an aiohttp server that
is down at first (connection refused), then answers 503 with Retry-After, then 200.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
from aiohttp import web
from helpers.exporterhelper.ehsupport import fast_retry, queue, traces, wait_for
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from support import free_port

from pyotelcol.component import Kind, Signal
from pyotelcol.consumer import ConsumerError, PermanentError
from pyotelcol.helpers.exporterhelper import ExporterHelper
from pyotelcol.pdata import AnyData, Traces
from pyotelcol.testing import NopHost, make_settings, metric_values


def next_port() -> int:
    """A free ephemeral loopback port (fixed ranges collide when test runs overlap)."""
    return free_port()


class HttpPush:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/v1/traces"
        self.session: aiohttp.ClientSession | None = None

    async def start(self, host: object) -> None:
        self.session = aiohttp.ClientSession()

    async def shutdown(self) -> None:
        if self.session is not None:
            await self.session.close()

    async def push(self, data: AnyData) -> None:
        assert self.session is not None
        try:
            async with self.session.post(self.url, data=data.to_wire()) as resp:
                if resp.status == 200:
                    return
                retry_after = resp.headers.get("Retry-After")
                msg = f"HTTP {resp.status}"
                if resp.status in (429, 502, 503, 504):
                    raise ConsumerError(msg, retry_after=float(retry_after) if retry_after else None)
                raise PermanentError(msg)
        except aiohttp.ClientConnectionError as exc:
            raise ConsumerError(str(exc)) from exc


def test_outage_then_recovery_delivers_everything_once() -> None:
    async def run() -> None:
        port = next_port()
        received: list[Traces] = []
        answers = ["503", "ok"]

        async def handle(request: web.Request) -> web.Response:
            if answers[0] == "503":
                answers.pop(0)
                return web.Response(status=503, headers={"Retry-After": "0"})
            received.append(Traces.from_wire(await request.read()))
            return web.Response(status=200)

        pusher = HttpPush(port)
        reader = InMemoryMetricReader()
        helper = ExporterHelper(
            make_settings("otlp_http/net", Kind.EXPORTER, Signal.TRACES, reader=reader),
            Signal.TRACES,
            pusher.push,
            queue=queue(num_consumers=2),
            retry=fast_retry(max_interval=timedelta(milliseconds=20)),
            timeout=timedelta(seconds=2),
            start=pusher.start,
            shutdown=pusher.shutdown,
        )

        def metric(name: str) -> float | None:
            points = metric_values(reader).get(name)
            return points[0][1] if points else None

        app = web.Application()
        app.router.add_post("/v1/traces", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await helper.start(NopHost())
        try:
            for i in range(4):
                await helper.consume(traces(2, tag=i))  # the destination is down: queued
            await asyncio.sleep(0.05)
            assert received == []
            await web.TCPSite(runner, "127.0.0.1", port).start()  # the destination comes back
            await wait_for(lambda: len(received) == 4)
            names = sorted(d.message.resource_spans[0].scope_spans[0].spans[0].name for d in received)
            assert names == [f"req-{i}" for i in range(4)]
            await wait_for(lambda: metric("otelcol_exporter_sent_spans") == 8)
            assert metric("otelcol_exporter_send_failed_spans") is None
        finally:
            await helper.shutdown()
            await runner.cleanup()

    asyncio.run(run())
