"""The pprof extension: Go's ``net/http/pprof`` paths, answered with the Python equivalents.

Routes under ``/debug/pprof/`` (as Go's ``net/http/pprof``):
- ``/debug/pprof/``: an index page of the profiles;
- ``profile?seconds=N`` (default 30): a CPU profile of the whole process (``sampler``), gzipped pprof;
- ``goroutine``: the stacks of every thread and asyncio task; ``debug=0`` (default) as a pprof
  profile, ``debug=1``/``2`` as text;
- ``heap`` / ``allocs``: live allocations by stack from ``tracemalloc`` (only when the process
  traces allocations: ``PYTHONTRACEMALLOC=<frames>``; 404 saying so otherwise);
- ``cmdline``: the command line, NUL-separated.
Only one pprof extension may run per process, and ``save_to_file`` records a CPU profile from
start to shutdown, as Go's does.
"""

from __future__ import annotations

import asyncio
import io
import sys
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path
from types import FrameType
from typing import IO, Any

from aiohttp import web

from pyotelcol.component import Host, Settings
from pyotelcol.config.confighttp import HttpServer, ServerConfig, ServerRequest, start_http_server

from .config import Config
from .profile import Frame, ProfileBuilder
from .sampler import CpuProfiler, ProfilerBusyError, stack_of

PREFIX = "/debug/pprof/"
_TEXT = "text/plain; charset=utf-8"
_running = threading.Lock()

Page = Callable[[web.BaseRequest], Awaitable[web.Response]]


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(
        status=status, body=body.encode(), headers={"Content-Type": _TEXT, "X-Content-Type-Options": "nosniff"}
    )


def _profile_response(data: bytes, name: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _debug_level(request: web.BaseRequest) -> int:
    try:
        return int(request.query.get("debug", "0"))
    except ValueError:
        return 0


def _coroutine_stack(task: asyncio.Task[Any]) -> list[Frame]:
    """A task's await chain, innermost frame first (``Task.get_stack`` stops at one frame)."""
    frames: list[FrameType] = []
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            frames.append(frame)
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    stack: list[Frame] = []
    for frame in reversed(frames):
        code = frame.f_code
        stack.append((code.co_qualname, code.co_filename, frame.f_lineno or 0, code.co_firstlineno))
    return stack


def _format_stack(stack: list[Frame]) -> str:
    return "".join(f"\t{name}\n\t\t{filename}:{line}\n" for name, filename, line, _ in stack)


class PprofExtension:
    def __init__(self, settings: Settings, config: Config) -> None:
        self._settings = settings
        self._config = config
        self._logger = settings.telemetry.logger
        self._server: HttpServer | None = None
        self._owner = False
        self._file: IO[bytes] | None = None
        self._file_profiler: CpuProfiler | None = None
        self._pages: dict[str, Page] = {
            "": self._index,
            "profile": self._profile,
            "goroutine": self._goroutine,
            "heap": self._heap,
            "allocs": self._heap,
            "cmdline": self._cmdline,
        }

    @property
    def endpoint(self) -> str:
        return self._server.endpoint if self._server is not None else self._config.endpoint

    async def start(self, host: Host) -> None:
        # Go: the profiler settings are process-wide, so only one instance may run at a time.
        if not _running.acquire(blocking=False):
            raise RuntimeError("only a single pprof extension instance can be running per process")
        self._owner = True
        try:
            await self._start(host)
        except BaseException:
            await self.shutdown()
            raise

    async def _start(self, host: Host) -> None:
        cfg = self._config
        server_cfg = ServerConfig(endpoint=cfg.endpoint, dialer=cfg.dialer)
        self._logger.info(
            "Starting net/http/pprof server",
            extra={
                "fields": {
                    "config": {
                        "endpoint": cfg.endpoint,
                        "block_profile_fraction": cfg.block_profile_fraction,
                        "mutex_profile_fraction": cfg.mutex_profile_fraction,
                        "save_to_file": cfg.save_to_file,
                    }
                }
            },
        )
        if cfg.block_profile_fraction > 0 or cfg.mutex_profile_fraction > 0:
            self._logger.warning(
                "block_profile_fraction and mutex_profile_fraction have no effect: "
                "Python has no block or mutex profiles"
            )
        self._server = await start_http_server(server_cfg, host, self._dispatch, logger=self._logger)
        if cfg.save_to_file:
            self._file = Path(cfg.save_to_file).open("wb")  # noqa: SIM115 - closed at shutdown
            self._file_profiler = CpuProfiler()
            self._file_profiler.start()

    async def shutdown(self) -> None:
        profiler, self._file_profiler = self._file_profiler, None
        file, self._file = self._file, None
        if profiler is not None and file is not None:
            data = profiler.stop()  # on the loop's (main) thread, which started it
            file.write(data)
        if file is not None:
            file.close()
        server, self._server = self._server, None
        if server is not None:
            await server.stop()
        if self._owner:
            self._owner = False
            _running.release()

    async def _dispatch(self, served: ServerRequest) -> web.Response:
        request = served.request
        path = request.path
        if not path.startswith(PREFIX):
            return _text("404 page not found\n", 404)
        page = self._pages.get(path[len(PREFIX) :])
        if page is None:
            return _text("Unknown profile\n", 404)
        return await page(request)

    # -- pages ---------------------------------------------------------------------------------
    async def _index(self, request: web.BaseRequest) -> web.Response:
        rows = [
            ("allocs", "Live allocations by stack (needs PYTHONTRACEMALLOC)."),
            ("cmdline", "The command line of the program."),
            ("goroutine", "Stack traces of every thread and asyncio task."),
            ("heap", "Live allocations by stack (needs PYTHONTRACEMALLOC)."),
            ("profile", "CPU profile; ?seconds=N sets its duration (default 30)."),
        ]
        items = "\n".join(
            f'<li><a href="{escape(name)}?debug=1">{escape(name)}</a>: {escape(text)}</li>' for name, text in rows
        )
        body = (
            "<html><head><title>/debug/pprof/</title></head><body>\n/debug/pprof/\n"
            f"<p>Profiles:</p>\n<ul>\n{items}\n</ul>\n</body></html>\n"
        )
        return web.Response(body=body.encode(), headers={"Content-Type": "text/html; charset=utf-8"})

    async def _profile(self, request: web.BaseRequest) -> web.Response:
        raw = request.query.get("seconds", "30")
        try:
            seconds = int(raw)
        except ValueError:
            seconds = 0
        if seconds <= 0:
            return _text('invalid value for "seconds"\n', 400)
        profiler = CpuProfiler()
        try:
            profiler.start()
        except ProfilerBusyError as exc:
            return _text(f"Could not enable CPU profiling: {exc}\n", 500)
        try:
            await asyncio.sleep(seconds)
        finally:
            data = profiler.stop()  # on the loop's (main) thread, which started it
        return _profile_response(data, "profile")

    async def _goroutine(self, request: web.BaseRequest) -> web.Response:
        names = {t.ident: t.name for t in threading.enumerate()}
        threads = [
            (f"thread {names.get(ident, ident)}", stack_of(frame)) for ident, frame in sys._current_frames().items()
        ]
        tasks = [(f"task {task.get_name()}", _coroutine_stack(task)) for task in asyncio.all_tasks()]
        stacks = threads + tasks
        if _debug_level(request) > 0:
            out = io.StringIO()
            out.write(f"goroutine profile: total {len(stacks)}\n")
            for title, stack in stacks:
                out.write(f"\n{title}:\n{_format_stack(stack)}")
            return _text(out.getvalue())
        builder = ProfileBuilder([("goroutine", "count")], period_type=("goroutine", "count"))
        for _, stack in stacks:
            builder.add(stack, (1,))
        return _profile_response(builder.build(time_nanos=time.time_ns(), period=1), "goroutine")

    async def _heap(self, request: web.BaseRequest) -> web.Response:
        if not tracemalloc.is_tracing():
            return _text(
                "heap profile not available: allocations are not traced; "
                "start the collector with PYTHONTRACEMALLOC=<frames> (e.g. 25)\n",
                404,
            )
        snapshot = await asyncio.to_thread(tracemalloc.take_snapshot)
        builder = ProfileBuilder([("inuse_objects", "count"), ("inuse_space", "bytes")])
        for stat in snapshot.statistics("traceback"):
            # tracemalloc records file and line only; the "function" is named by its location.
            stack: list[Frame] = [
                (f"{frame.filename}:{frame.lineno}", frame.filename, frame.lineno, 0)
                for frame in reversed(stat.traceback)
            ]
            builder.add(stack, (stat.count, stat.size))
        return _profile_response(builder.build(time_nanos=time.time_ns()), "heap")

    async def _cmdline(self, request: web.BaseRequest) -> web.Response:
        return _text("\x00".join(sys.argv))
