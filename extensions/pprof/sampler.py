"""A sampling CPU profiler for the whole process, in the spirit of Go's ``runtime/pprof``.

Go's CPU profiler is signal driven: every 10 ms of CPU time (``SIGPROF``) it records the running
goroutine's stack. Here the main thread, which runs the event loop and nearly all the work, is
sampled the same way: an ``ITIMER_PROF`` timer raises ``SIGPROF`` every 10 ms of process CPU time
and the handler records the main thread's stack at the point it runs (Python runs handlers
between bytecodes, so time inside C code lands on the Python frame that called it) when the main
thread's own CPU clock moved. Other threads (gRPC's, ``asyncio.to_thread`` workers) are sampled by
a background thread 100 times a second: each thread whose CPU clock (``pthread_getcpuclockid``)
moved since the last tick is recorded with its current stack. Idle threads, such as the event loop
waiting in ``epoll``, cost nothing and never appear, as in Go. Only one CPU profile runs at a time
in a process (Go: "cpu profiling already in use").
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

from .profile import Frame, ProfileBuilder

PERIOD_NANOS = 10_000_000  # 100 Hz, Go's default rate
MAX_DEPTH = 64  # Go's pprof keeps 64 frames too

_active_lock = threading.Lock()
_active: CpuProfiler | None = None


class ProfilerBusyError(RuntimeError):
    """Another CPU profile is running in this process."""


def stack_of(frame: FrameType | None) -> list[Frame]:
    """The stack from ``frame`` outwards (innermost first), at most MAX_DEPTH frames."""
    stack: list[Frame] = []
    while frame is not None and len(stack) < MAX_DEPTH:
        code = frame.f_code
        stack.append((code.co_qualname, code.co_filename, frame.f_lineno or 0, code.co_firstlineno))
        frame = frame.f_back
    return stack


def _thread_cpu_ns(ident: int) -> int | None:
    try:
        return time.clock_gettime_ns(time.pthread_getcpuclockid(ident))
    except (OSError, AttributeError):  # the thread ended, or the platform has no thread clocks
        return None


class CpuProfiler:
    """Samples every thread's stack while it uses CPU, from ``start()`` to ``stop()``."""

    def __init__(self, period_ns: int = PERIOD_NANOS) -> None:
        self._period_ns = period_ns
        self._builder = ProfileBuilder(
            [("samples", "count"), ("cpu", "nanoseconds")], period_type=("cpu", "nanoseconds")
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started_ns = 0
        self._started_mono = 0
        self._duration_ns = 0
        self._last_cpu: dict[int, int] = {}
        self._main = threading.main_thread().ident or 0
        self._main_cpu = 0
        self._previous_handler: Any = None
        self._signal_mode = False
        # The SIGPROF handler (main thread) and the sampling thread both add samples.
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start sampling; the SIGPROF part needs the main thread (elsewhere: ticks only)."""
        global _active
        with _active_lock:
            if _active is not None:
                raise ProfilerBusyError("cpu profiling already in use")
            _active = self
        self._started_ns = time.time_ns()
        self._started_mono = time.monotonic_ns()
        if threading.get_ident() == self._main and hasattr(signal, "setitimer"):
            self._main_cpu = _thread_cpu_ns(self._main) or 0
            self._previous_handler = signal.signal(signal.SIGPROF, self._on_sigprof)
            interval = self._period_ns / 1e9
            signal.setitimer(signal.ITIMER_PROF, interval, interval)
            self._signal_mode = True
        self._thread = threading.Thread(target=self._run, name="pprof-cpu-sampler", daemon=True)
        self._thread.start()

    def _on_sigprof(self, signum: int, frame: FrameType | None) -> None:
        cpu = _thread_cpu_ns(self._main)
        if cpu is None:
            return
        used, self._main_cpu = cpu - self._main_cpu, cpu
        if used > 0:
            stack = stack_of(frame)
            with self._lock:
                self._builder.add(stack, (max(round(used / self._period_ns), 1), used))

    def stop(self) -> bytes:
        """Stop sampling (idempotent) and return the gzip-compressed pprof profile."""
        global _active
        if self._signal_mode:
            # Must run on the main thread, as start() did.
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            signal.signal(signal.SIGPROF, self._previous_handler or signal.SIG_DFL)
            self._signal_mode = False
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self._duration_ns = time.monotonic_ns() - self._started_mono
            with _active_lock:
                if _active is self:
                    _active = None
        return self._builder.build(
            time_nanos=self._started_ns,
            duration_nanos=self._duration_ns,
            period=self._period_ns,
        )

    def _run(self) -> None:
        me = threading.get_ident()
        interval = self._period_ns / 1e9
        while not self._stop.wait(interval):
            self._tick(me)

    def _tick(self, me: int) -> None:
        frames = sys._current_frames()
        seen: dict[int, int] = {}
        for ident, frame in frames.items():
            if ident == me or (self._signal_mode and ident == self._main):
                continue
            cpu = _thread_cpu_ns(ident)
            if cpu is None:
                continue
            seen[ident] = cpu
            used = cpu - self._last_cpu.get(ident, cpu)
            if used <= 0:
                continue
            # Round to whole periods as Go's signal-driven samples are; at least one.
            samples = max(round(used / self._period_ns), 1)
            stack = stack_of(frame)
            with self._lock:
                self._builder.add(stack, (samples, used))
        self._last_cpu = seen
