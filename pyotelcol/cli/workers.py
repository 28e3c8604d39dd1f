"""``--workers N``: N collector processes sharing the listening ports, under one supervisor.

The supervisor (the process the user started) runs no pipeline. It validates the config, refuses
components that must not run in several processes, starts N workers (``<same command> --config
... --set ...`` with ``PYOTELCOL_WORKER_ID`` and a readiness pipe in the environment), waits until
every worker reports ready (or one reports a startup error: then it stops the others and exits 1
with that error), serves the own-metrics endpoint(s) by summing the workers' metrics, restarts a
worker that dies (with backoff; it gives up after repeated fast crashes), forwards SIGHUP, and on
SIGTERM/SIGINT forwards the signal and waits for every worker to finish its graceful shutdown.
See docs/workers.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..component import ID, Kind
from ..factories import WorkerPolicy

if TYPE_CHECKING:
    from ..service.config import Config
    from ..telemetry.aggregate import AggregatingServer

WORKERS_ENV = "PYOTELCOL_WORKERS"
WORKER_ID_ENV = "PYOTELCOL_WORKER_ID"  # read by the receivers too (SO_REUSEPORT on)
WORKER_FD_ENV = "PYOTELCOL_WORKER_FD"
MAX_WORKERS = 256

#: A worker that dies before running this long counts as a fast crash.
FAST_CRASH_S = 10.0
#: Consecutive fast crashes of one worker after which the supervisor gives up.
MAX_FAST_CRASHES = 5
RESTART_BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0
#: How long SIGTERM waits for the workers' graceful shutdown before killing them.
STOP_TIMEOUT_S = 60.0


class WorkersError(Exception):
    pass


# -- worker side --------------------------------------------------------------------------------


def worker_id() -> int | None:
    """This process's worker id when it runs under the supervisor, else None."""
    raw = os.environ.get(WORKER_ID_ENV)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def _report(message: dict[str, Any]) -> bool:
    raw = os.environ.get(WORKER_FD_ENV)
    if not raw:
        return False
    try:
        os.write(int(raw), (json.dumps(message) + "\n").encode())
    except (OSError, ValueError):
        return False
    return True


def report_ready(metrics_endpoints: Sequence[str]) -> None:
    """Tell the supervisor this worker is serving; ``metrics_endpoints`` in reader order."""
    _report({"ready": list(metrics_endpoints), "pid": os.getpid()})


def report_error(message: str) -> bool:
    """Hand a startup error to the supervisor (which prints it); False when not a worker."""
    return _report({"error": message})


def parent_gone(original_ppid: int) -> bool:
    return os.getppid() != original_ppid


def drop_first_worker_extensions(cfg: Config, wid: int) -> list[ID]:
    """In workers other than 0, leave out the extensions that run once (health_check, zpages)."""
    if wid == 0:
        return []
    ext = cfg.section(Kind.EXTENSION)
    dropped = [e for e in cfg.extensions if e in ext and ext[e].factory.worker_policy is WorkerPolicy.FIRST_WORKER]
    cfg.extensions = [e for e in cfg.extensions if e not in dropped]
    return dropped


# -- supervisor side ----------------------------------------------------------------------------


def workers_requested(flag: int | None, env: dict[str, str] | None = None) -> int:
    """The worker count: the flag, else ``PYOTELCOL_WORKERS``, else 0 (one plain process).

    Inside a worker the answer is always 0 (a worker never supervises)."""
    env = dict(os.environ) if env is None else env
    if env.get(WORKER_ID_ENV):
        return 0
    if flag is not None:
        source, value = "--workers", str(flag)
    elif env.get(WORKERS_ENV, "").strip():
        source, value = WORKERS_ENV, env[WORKERS_ENV].strip()
    else:
        return 0
    try:
        count = int(value)
    except ValueError:
        raise WorkersError(f'invalid {source} value "{value}": must be a whole number') from None
    if count < 0 or count > MAX_WORKERS:
        raise WorkersError(f'invalid {source} value "{value}": must be between 0 and {MAX_WORKERS}')
    return count


def check_worker_policies(cfg: Config) -> None:
    """Refuse, naming them, the components in use that cannot run in several processes."""
    used: list[tuple[Kind, ID]] = [(Kind.EXTENSION, e) for e in cfg.extensions]
    for pipe in cfg.pipelines.values():
        used += [(Kind.RECEIVER, r) for r in pipe.receivers]
        used += [(Kind.PROCESSOR, p) for p in pipe.processors]
        used += [(Kind.EXPORTER, e) for e in pipe.exporters]
    refused: list[str] = []
    for kind, cid in used:
        comp = cfg.section(kind).get(cid) or cfg.section(Kind.CONNECTOR).get(cid)
        if comp is None:
            continue
        policy = comp.factory.worker_policy
        if policy is WorkerPolicy.SINGLE or (policy is WorkerPolicy.FIRST_WORKER and kind is not Kind.EXTENSION):
            text = f"{kind.plural}::{cid}"
            if text not in refused:
                refused.append(text)
    if refused:
        raise WorkersError(
            f"component(s) {', '.join(refused)} cannot run in several worker processes "
            f"(it is single-instance: see docs/workers.md); run without --workers / {WORKERS_ENV}"
        )


def worker_command(configs: Sequence[str], sets: Sequence[str], gates: Sequence[str]) -> list[str]:
    """The command that starts this same program as a worker (same config, no --workers)."""
    main_mod = sys.modules.get("__main__")
    spec = getattr(main_mod, "__spec__", None)
    argv0 = sys.argv[0] if sys.argv else ""
    if spec is not None and spec.name and not spec.name.startswith("pytest"):
        name = spec.name
        prog = [sys.executable, "-m", name[: -len(".__main__")] if name.endswith(".__main__") else name]
    elif argv0 and os.path.exists(argv0) and not argv0.endswith("pytest"):
        prog = [sys.executable, argv0]
    else:
        prog = [sys.executable, "-m", "pyotelcol"]
    args: list[str] = []
    for c in configs:
        args += ["--config", c]
    for s in sets:
        args += ["--set", s]
    for g in gates:
        args += ["--feature-gates", g]
    return prog + args


@dataclass
class _Worker:
    wid: int
    proc: asyncio.subprocess.Process | None = None
    endpoints: list[str] = field(default_factory=list)
    started: float = 0.0
    fast_crashes: int = 0
    ready: bool = False


class Supervisor:
    def __init__(
        self,
        count: int,
        command: list[str],
        cfg: Config,
        logger: Any,
    ) -> None:
        self.count = count
        self.command = command
        self.cfg = cfg
        self.log = logger
        self.workers = [_Worker(i) for i in range(count)]
        self._stopping = False
        self._servers: list[AggregatingServer] = []
        self._failure: str | None = None
        self._done = asyncio.Event()

    # -- one worker -----------------------------------------------------------------------------
    async def _spawn(self, worker: _Worker) -> str | None:
        """Start one worker and wait for its readiness line; the startup error if it failed."""
        read_fd, write_fd = os.pipe()
        env = dict(os.environ)
        env.pop(WORKERS_ENV, None)
        env[WORKER_ID_ENV] = str(worker.wid)
        env[WORKER_FD_ENV] = str(write_fd)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command, env=env, pass_fds=(write_fd,), stdin=asyncio.subprocess.DEVNULL
            )
        finally:
            os.close(write_fd)
        worker.proc = proc
        worker.started = time.monotonic()
        worker.ready = False
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", buffering=0)
        )
        try:
            line = await reader.readline()
        finally:
            transport.close()
        try:
            message = json.loads(line) if line else {}
        except ValueError:
            message = {}
        if "ready" in message:
            worker.endpoints = [str(e) for e in message["ready"]]
            worker.ready = True
            return None
        if "error" in message:
            await proc.wait()
            return str(message["error"])
        code = await proc.wait()
        return f"worker {worker.wid} exited with code {code} before it was ready"

    async def _watch(self, worker: _Worker) -> None:
        """Keep one worker running until the supervisor stops (restart with backoff)."""
        while not self._stopping:
            assert worker.proc is not None
            code = await worker.proc.wait()
            worker.ready = False
            if self._stopping:
                return
            ran = time.monotonic() - worker.started
            worker.fast_crashes = worker.fast_crashes + 1 if ran < FAST_CRASH_S else 1
            self.log.error(
                "Worker exited unexpectedly, restarting it",
                extra={"fields": {"worker": worker.wid, "exit_code": code, "crashes_in_a_row": worker.fast_crashes}},
            )
            while not self._stopping:
                if worker.fast_crashes >= MAX_FAST_CRASHES:
                    self._fail(
                        f"worker {worker.wid} crashed {worker.fast_crashes} times in a row "
                        f"(each within {FAST_CRASH_S:g}s of starting); giving up"
                    )
                    return
                delay = min(RESTART_BACKOFF_S * 2 ** (worker.fast_crashes - 1), MAX_BACKOFF_S)
                await asyncio.sleep(delay)
                if self._stopping:
                    return
                error = await self._spawn(worker)
                if error is None:
                    self.log.info("Worker restarted", extra={"fields": {"worker": worker.wid}})
                    break
                worker.fast_crashes += 1
                self.log.error("Worker failed to restart", extra={"fields": {"worker": worker.wid, "error": error}})

    def _fail(self, message: str) -> None:
        if self._failure is None:
            self._failure = message
        self._done.set()

    # -- all workers ----------------------------------------------------------------------------
    def _sources(self, index: int) -> list[str]:
        return [w.endpoints[index] for w in self.workers if w.ready and index < len(w.endpoints)]

    async def _start_metrics(self) -> None:
        from ..telemetry.aggregate import AggregatingServer
        from ..telemetry.prometheus import exporter_bind_error

        options = [r.prometheus_options() for r in self.cfg.telemetry.effective_readers()]
        for index, opts in enumerate(o for o in options if o is not None):
            server = AggregatingServer(opts, functools.partial(self._sources, index), self.log)
            try:
                await server.start()
            except OSError as exc:  # worded like a single collector's own-metrics listener
                raise exporter_bind_error(opts.host, opts.port, exc) from exc
            self._servers.append(server)

    def _signal_all(self, sig: int) -> None:
        for w in self.workers:
            if w.proc is not None and w.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    w.proc.send_signal(sig)

    async def _stop_all(self, sig: int) -> bool:
        """Signal every worker and wait for it; True when all exited with code 0."""
        self._stopping = True
        procs = [w.proc for w in self.workers if w.proc is not None and w.proc.returncode is None]
        self._signal_all(sig)
        try:
            codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in procs)), STOP_TIMEOUT_S)
        except TimeoutError:
            self.log.error("Workers did not stop in time; killing them")
            self._signal_all(signal.SIGKILL)
            await asyncio.gather(*(p.wait() for p in procs))
            return False
        return all(c == 0 for c in codes)

    async def run(self) -> tuple[int, str | None]:
        """Run until a stop signal (exit code, error text for stderr)."""
        loop = asyncio.get_running_loop()
        received: list[int] = []

        def on_stop(sig: int) -> None:
            if not received:
                received.append(sig)
            self._done.set()

        def on_hup() -> None:
            self.log.info("Received SIGHUP, forwarding it to the workers")
            self._signal_all(signal.SIGHUP)

        loop.add_signal_handler(signal.SIGINT, on_stop, signal.SIGINT)
        loop.add_signal_handler(signal.SIGTERM, on_stop, signal.SIGTERM)
        loop.add_signal_handler(signal.SIGHUP, on_hup)
        watchers: list[asyncio.Task[None]] = []
        try:
            self.log.info("Starting workers", extra={"fields": {"workers": self.count}})
            starting = asyncio.gather(*(self._spawn(w) for w in self.workers))
            done_wait = asyncio.ensure_future(self._done.wait())
            await asyncio.wait([starting, done_wait], return_when=asyncio.FIRST_COMPLETED)  # type: ignore[type-var]
            if not starting.done():  # a stop signal during startup
                self._stopping = True
                self._signal_all(signal.SIGTERM)
                await asyncio.gather(starting, return_exceptions=True)
                await self._stop_all(signal.SIGTERM)
                return 0, None
            done_wait.cancel()
            errors = [e for e in starting.result() if e is not None]
            if errors:
                await self._stop_all(signal.SIGTERM)
                return 1, errors[0]
            try:
                await self._start_metrics()
            except OSError as exc:
                await self._stop_all(signal.SIGTERM)
                return 1, f"failed to create meter provider: {exc.strerror or exc}"
            watchers = [asyncio.ensure_future(self._watch(w)) for w in self.workers]
            self.log.info(
                "Everything is ready. Begin running and processing data.", extra={"fields": {"workers": self.count}}
            )
            await self._done.wait()
            if received:
                name = "interrupt" if received[0] == signal.SIGINT else "terminated"
                self.log.info("Received signal from OS", extra={"fields": {"signal": name}})
            self.log.info("Stopping workers...")
            clean = await self._stop_all(received[0] if received else signal.SIGTERM)
            self.log.info("Shutdown complete.")
            if self._failure is not None:
                return 1, self._failure
            return (0, None) if clean else (1, "a worker did not shut down cleanly")
        finally:
            self._stopping = True
            for t in watchers:
                t.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            for server in self._servers:
                await server.shutdown()
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)


__all__ = [
    "WORKERS_ENV",
    "WORKER_FD_ENV",
    "WORKER_ID_ENV",
    "Supervisor",
    "WorkersError",
    "check_worker_policies",
    "drop_first_worker_extensions",
    "parent_gone",
    "report_error",
    "report_ready",
    "worker_command",
    "worker_id",
    "workers_requested",
]
