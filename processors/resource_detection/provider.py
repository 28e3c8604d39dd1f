"""Runs the configured detectors and keeps the merged result (Go's ResourceProvider).

Detectors run concurrently; each failing attempt is retried with the ``retry`` back-off. With
``retry.max_elapsed_time`` 0 the whole detection is bounded by ``timeout``; above 0, each attempt is
bounded by ``timeout`` and the whole by ``max_elapsed_time``. Results merge in the configured order:
the first detector that sets an attribute wins. Any detector error fails the detection (and so the
processor's start). A periodic refresh that fails keeps the last good result.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from .config import BaseConfig
from .detectors import IMPLEMENTED, Deadline, Detected, DetectionError, Detector, DetectorContext, NotAvailable
from .detectors.base import AnyLogger

# How long past an attempt's deadline a detector may take to notice it before it is cancelled.
_GRACE_SECONDS = 0.5


@dataclass
class Snapshot:
    attributes: dict[str, Any] = field(default_factory=dict)
    schema_url: str = ""


def merge_schema_url(current: str, new: str) -> str:
    """Go's MergeSchemaURL: the first non-empty URL is kept (no schema conversion)."""
    return current or new


def create_detectors(cfg: BaseConfig, logger: AnyLogger) -> list[tuple[str, Detector]]:
    """The configured detectors, created now so that a bad setup fails before start (as Go's factory does)."""
    out: list[tuple[str, Detector]] = []
    for name in cfg.detector_names():
        make = IMPLEMENTED.get(name)
        if make is None:
            raise NotAvailable(name)
        ctx = DetectorContext(cfg.section(name), logger, cfg.fail_on_missing_metadata)
        try:
            out.append((name, make(ctx)))
        except DetectionError as exc:
            raise ValueError(f'failed creating detector type "{name}": {exc}') from None
    return out


class _Backoff:
    """cenkalti/backoff's exponential back-off, as configured by ``retry``."""

    def __init__(self, cfg: BaseConfig) -> None:
        self._retry = cfg.retry
        self._current = cfg.retry.initial_interval.total_seconds()

    def next(self) -> float:
        factor = self._retry.randomization_factor
        delta = factor * self._current
        interval = random.uniform(self._current - delta, self._current + delta)
        self._current = min(self._current * self._retry.multiplier, self._retry.max_interval.total_seconds())
        return max(interval, 0.0)


class ResourceProvider:
    def __init__(self, cfg: BaseConfig, logger: AnyLogger) -> None:
        self._cfg = cfg
        self._logger = logger
        self._detectors: list[tuple[str, Detector]] | None = None
        self._snapshot: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._users = 0
        self._refresh_task: asyncio.Task[None] | None = None

    # -- life cycle shared by the processor instances of every signal ---------------------------
    async def acquire(self) -> None:
        """Called by each processor's start: the first one of a run detects (and starts refreshing)."""
        async with self._lock:
            if self._users == 0:
                if self._detectors is None:
                    # Created at the first start (Go: at creation), so that an unavailable detector
                    # fails the start with its message.
                    self._detectors = create_detectors(self._cfg, self._logger)
                await self.refresh()
                interval = self._cfg.refresh_interval.total_seconds()
                if interval > 0:
                    self._refresh_task = asyncio.create_task(self._refresh_loop(interval))
            self._users += 1

    async def release(self) -> None:
        async with self._lock:
            self._users = max(self._users - 1, 0)
            if self._users == 0 and self._refresh_task is not None:
                self._refresh_task.cancel()
                await asyncio.gather(self._refresh_task, return_exceptions=True)
                self._refresh_task = None

    def get(self) -> Snapshot:
        return self._snapshot or Snapshot()

    # -- detection --------------------------------------------------------------------------------
    async def refresh(self) -> None:
        """Detect again; raises DetectionError unless a previous good result is kept."""
        try:
            snapshot = await self._detect()
        except DetectionError as exc:
            previous = self._snapshot
            if previous is not None and previous.attributes:
                self._logger.warning("resource refresh failed; keeping previous snapshot: %s", exc)
                return
            raise
        self._snapshot = snapshot

    async def _detect(self) -> Snapshot:
        self._logger.info("began detecting resource information")
        detectors = self._detectors or []
        session_end, attempt_seconds = self._bounds()
        results = await asyncio.gather(
            *(self._detect_one(name, detector, session_end, attempt_seconds) for name, detector in detectors)
        )
        merged = Snapshot()
        errors: list[str] = []
        for result in results:
            if isinstance(result, str):
                errors.append(result)
                continue
            merged.schema_url = merge_schema_url(merged.schema_url, result.schema_url)
            for key, value in result.attributes.items():
                merged.attributes.setdefault(key, value)
        self._logger.info("detected resource information", extra={"fields": {"resource": merged.attributes}})
        if errors:
            raise DetectionError("\n".join(errors))
        if not detectors:
            raise DetectionError("resource detection failed: no detectors succeeded")
        return merged

    def _bounds(self) -> tuple[float | None, float | None]:
        """(monotonic end of the whole detection or None, bound of one attempt in seconds or None)."""
        timeout = self._cfg.timeout.total_seconds() or None
        max_elapsed = self._cfg.retry.max_elapsed_time.total_seconds() if self._cfg.retry.enabled else 0.0
        now = time.monotonic()
        if max_elapsed > 0:
            return now + max_elapsed, timeout
        return (now + timeout if timeout else None), None

    async def _detect_one(
        self, name: str, detector: Detector, session_end: float | None, attempt_seconds: float | None
    ) -> Detected | str:
        """The detector's result, or the error text (naming the detector) once retries are over."""
        backoff = _Backoff(self._cfg)
        attempts = 0
        while True:
            attempts += 1
            end = session_end
            if attempt_seconds is not None:
                attempt_end = time.monotonic() + attempt_seconds
                end = attempt_end if end is None else min(end, attempt_end)
            try:
                limit = None if end is None else max(end - time.monotonic(), 0.0) + _GRACE_SECONDS
                async with asyncio.timeout(limit):
                    return await detector.detect(Deadline(end))
            except DetectionError as exc:
                error = str(exc)
            except TimeoutError:
                error = "context deadline exceeded"
            except Exception as exc:  # a detector bug or an OS error: report it, do not crash the collector
                error = f"{type(exc).__name__}: {exc}"
            message = f'detector "{name}": {error}'
            if not self._cfg.retry.enabled:
                self._logger.warning("failed to detect resource: %s", message)
                return message
            pause = backoff.next()
            if session_end is not None and time.monotonic() + pause >= session_end:
                self._logger.warning("resource detection cancelled: %s", message)
                return f"{message} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})"
            self._logger.warning("failed to detect resource, will retry: %s", message)
            await asyncio.sleep(pause)

    async def _refresh_loop(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh()
            except DetectionError as exc:
                self._logger.warning("resource refresh failed: %s", exc)
