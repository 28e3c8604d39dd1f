"""A Prometheus scrape target for the benchmark: a pre-rendered text exposition (format 0.0.4)
served by aiohttp from a thread of the bench process, counting the scrapes it answers.

The exposition has ``families`` metric families of ``per_family`` series each (10,000 series by
default): 60 % counters, the rest gauges, every series with three labels, ``# HELP`` and
``# TYPE`` lines, as an application's /metrics page looks. It is rendered once; every scrape gets
the same bytes, so the receiver's work per scrape is constant.
"""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web

_METHODS = ("GET", "POST", "PUT", "DELETE")
_CODES = ("200", "201", "400", "404", "500")


def exposition(families: int = 100, per_family: int = 100) -> bytes:
    lines: list[str] = []
    counters = families * 6 // 10
    for f in range(families):
        if f < counters:
            name, kind, help_text = f"bench_http_requests_{f}_total", "counter", "Requests served."
        else:
            name, kind, help_text = f"bench_queue_depth_{f}", "gauge", "Items waiting."
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for s in range(per_family):
            labels = (
                f'method="{_METHODS[s % len(_METHODS)]}",code="{_CODES[s % len(_CODES)]}",handler="/api/v1/route{s}"'
            )
            value = (f * 7919 + s * 104729) % 1_000_003 if kind == "counter" else (s * 37 % 1000) / 10
            lines.append(f"{name}{{{labels}}} {value}")
    return ("\n".join(lines) + "\n").encode()


class Target:
    """``/metrics`` on 127.0.0.1:``port`` in a daemon thread; ``scrapes`` counts answered GETs."""

    def __init__(self, port: int, body: bytes) -> None:
        self.port = port
        self.body = body
        self.scrapes = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _metrics(self, request: web.Request) -> web.Response:
        self.scrapes += 1
        return web.Response(body=self.body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the scrape target did not start on port {self.port}")

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
