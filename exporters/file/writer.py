"""One output file: framed messages buffered in memory, written and flushed in a worker thread.

``add`` only appends to an in-memory list (on the event loop). ``flush`` hands the pending
chunks to one drain task per file, which writes them in order with ``asyncio.to_thread``; callers
wait on that task through ``asyncio.shield`` so a cancelled caller never leaves a write half
done. With rotation, the worker renames the file once the next chunk would take it past
``max_megabytes`` and prunes old backups (``max_backups``, ``max_days``), like Go's rotating
writer (timberjack): backups are named ``<name>-<UTC time>-size<ext>``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime, timedelta

from .config import Rotation

FILE_MODE = 0o644
BACKUP_TIME_FORMAT = "%Y-%m-%dT%H-%M-%S"  # then ".mmm": Go's "2006-01-02T15-04-05.000"
BACKUP_REASON = "size"


def go_ext(path: str) -> str:
    """Go's ``filepath.Ext`` of the base name: from the last dot, or empty."""
    base = os.path.basename(path)
    dot = base.rfind(".")
    return base[dot:] if dot >= 0 else ""


def backup_name(path: str, when: float, localtime: bool) -> str:
    """``data.json`` rotated at ``when`` -> ``data-2022-09-14T05-02-14.173-size.json``."""
    base = os.path.basename(path)
    ext = go_ext(base)
    stem = base[: len(base) - len(ext)]
    moment = datetime.fromtimestamp(when) if localtime else datetime.fromtimestamp(when, UTC)
    stamp = moment.strftime(BACKUP_TIME_FORMAT) + f".{moment.microsecond // 1000:03d}"
    return os.path.join(os.path.dirname(path), f"{stem}-{stamp}-{BACKUP_REASON}{ext}")


def _backup_time(name: str, prefix: str, ext: str, localtime: bool) -> float | None:
    if not name.startswith(prefix) or not name.endswith(ext) or len(name) < len(prefix) + len(ext) + 23:
        return None
    middle = name[len(prefix) : len(name) - len(ext)]
    stamp, rest = middle[:23], middle[23:]
    if rest and not rest.startswith("-"):
        return None
    try:
        moment = datetime.strptime(stamp, BACKUP_TIME_FORMAT + ".%f")
    except ValueError:
        return None
    if not localtime:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class FileWriter:
    """Appends framed chunks to one file; every method except ``add`` runs its I/O in a thread."""

    def __init__(
        self,
        path: str,
        *,
        append: bool,
        rotation: Rotation | None,
        dir_mode: int | None,
        logger: logging.Logger | logging.LoggerAdapter[logging.Logger],
    ) -> None:
        self.path = path
        self._append = append
        self._rotation = rotation
        self._dir_mode = dir_mode
        self._logger = logger
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._file: int | None = None  # an OS-level descriptor; writes go straight to the kernel
        self._size = 0
        self._drain: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def buffered(self) -> int:
        return self._pending_bytes

    # -- event-loop side ------------------------------------------------------------------
    async def open(self) -> None:
        await asyncio.to_thread(self._open_sync)

    def add(self, chunk: bytes) -> None:
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)

    async def flush(self) -> None:
        if self._pending and (self._drain is None or self._drain.done()):
            self._drain = asyncio.get_running_loop().create_task(self._run_drain())
        if self._drain is not None and not self._drain.done():
            await asyncio.shield(self._drain)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.flush()
        finally:
            await asyncio.to_thread(self._close_sync)

    async def _run_drain(self) -> None:
        while self._pending:
            chunks, self._pending, self._pending_bytes = self._pending, [], 0
            try:
                await asyncio.to_thread(self._write_sync, chunks)
            except OSError as exc:
                self._logger.error("Failed to write to file", extra={"fields": {"path": self.path, "error": str(exc)}})

    # -- worker-thread side -----------------------------------------------------------------
    def _open_sync(self) -> None:
        directory = os.path.dirname(self.path)
        if self._dir_mode is not None and directory:
            os.makedirs(directory, mode=self._dir_mode, exist_ok=True)
        if self._rotation is not None:
            # Like Go's rotating writer: reuse an existing file, appending to it.
            if directory:
                os.makedirs(directory, mode=self._dir_mode or 0o755, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
        else:
            flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if self._append else os.O_TRUNC)
        self._file = os.open(self.path, flags, FILE_MODE)
        self._size = os.fstat(self._file).st_size

    def _write_all(self, data: bytes | memoryview) -> None:
        assert self._file is not None
        view = memoryview(data)
        while view:
            written = os.write(self._file, view)
            view = view[written:]
        self._size += len(data)

    def _write_sync(self, chunks: list[bytes]) -> None:
        if self._file is None:
            return
        rotation = self._rotation
        if rotation is None:
            self._write_all(b"".join(chunks))
            return
        limit = rotation.max_bytes
        batch: list[bytes] = []
        batch_size = 0
        for chunk in chunks:
            if len(chunk) > limit:
                # Go's writer refuses such a write; the exporter rejects it before buffering.
                continue
            if self._size + batch_size + len(chunk) > limit:
                if batch:
                    self._write_all(b"".join(batch))
                    batch, batch_size = [], 0
                if self._size > 0:
                    self._rotate_sync(rotation)
            batch.append(chunk)
            batch_size += len(chunk)
        if batch:
            self._write_all(b"".join(batch))

    def _rotate_sync(self, rotation: Rotation) -> None:
        assert self._file is not None
        os.close(self._file)
        self._file = None
        when = time.time()
        target = backup_name(self.path, when, rotation.localtime)
        while os.path.exists(target):  # two rotations within one millisecond
            when += 0.001
            target = backup_name(self.path, when, rotation.localtime)
        os.rename(self.path, target)
        self._file = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        self._size = 0
        self._prune_sync(rotation)

    def _prune_sync(self, rotation: Rotation) -> None:
        if rotation.max_backups <= 0 and rotation.max_days <= 0:
            return
        directory = os.path.dirname(self.path) or "."
        base = os.path.basename(self.path)
        ext = go_ext(base)
        prefix = base[: len(base) - len(ext)] + "-"
        backups: list[tuple[float, str]] = []
        for name in os.listdir(directory):
            when = _backup_time(name, prefix, ext, rotation.localtime)
            if when is not None:
                backups.append((when, os.path.join(directory, name)))
        backups.sort(reverse=True)
        doomed: list[str] = []
        if rotation.max_backups > 0:
            doomed.extend(path for _, path in backups[rotation.max_backups :])
            backups = backups[: rotation.max_backups]
        if rotation.max_days > 0:
            cutoff = time.time() - timedelta(days=rotation.max_days).total_seconds()
            doomed.extend(path for when, path in backups if when < cutoff)
        for path in doomed:
            try:
                os.remove(path)
            except OSError as exc:
                self._logger.warning(
                    "Failed to remove old backup file", extra={"fields": {"path": path, "error": str(exc)}}
                )

    def _close_sync(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None
