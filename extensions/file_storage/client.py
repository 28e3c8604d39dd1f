"""One storage client = one SQLite database file, driven from one worker thread.

Every call is one SQLite transaction (``batch`` is a single ``BEGIN IMMEDIATE ... COMMIT``) run on
the client's own thread, so the asyncio loop never waits on disk and calls keep their order. The
database is opened in WAL mode with ``locking_mode=EXCLUSIVE``: another process (or client) that
opens the same file waits ``timeout`` for the lock and then fails, like bbolt's file lock.
``synchronous=FULL`` when ``fsync`` is set (a commit survives power loss), else ``NORMAL``
(a commit survives the process being killed at any instant; the OS may lose the last commits on
power loss).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, TypeVar

from pyotelcol.extension.storage import Operation

from .config import CompactionConfig

T = TypeVar("T")
MIB = 1 << 20

STORAGE_FULL = "the storage extension has run out of available space"


class StorageError(Exception):
    """A storage operation failed (the message says why)."""


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")


class FileStorageClient:
    def __init__(
        self,
        path: str,
        *,
        timeout: float,
        fsync: bool,
        max_size: int,
        recreate: bool,
        compaction: CompactionConfig,
        logger: logging.Logger | logging.LoggerAdapter[Any],
        on_close: Callable[[FileStorageClient], None] | None = None,
    ) -> None:
        self.path = path
        self._timeout = timeout
        self._fsync = fsync
        self._max_size = max_size
        self._recreate = recreate
        self._compaction = compaction
        self._logger = logger
        self._on_close = on_close
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="file_storage")
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._rebound: asyncio.Task[None] | None = None

    # -- plumbing ----------------------------------------------------------------------------
    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise StorageError("database not open")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("database not open")
        return self._conn

    def _translate(self, exc: sqlite3.Error) -> StorageError:
        if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc) and self._max_size:
            return StorageError(STORAGE_FULL)
        return StorageError(str(exc))

    # -- open --------------------------------------------------------------------------------
    async def open(self) -> None:
        await self._call(self._open_sync)

    def _connect(self) -> sqlite3.Connection:
        if not os.path.exists(self.path):
            # Create the file owner-only, as bbolt does (0600); SQLite keeps the mode for its -wal file.
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
        conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        try:
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={'FULL' if self._fsync else 'NORMAL'}")
            conn.execute("BEGIN IMMEDIATE")  # takes (and, in exclusive mode, keeps) the file lock
            conn.execute("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID")
            conn.execute("COMMIT")
            if self._recreate:
                row = conn.execute("PRAGMA quick_check").fetchone()
                if row is None or row[0] != "ok":
                    raise sqlite3.DatabaseError(f"database disk image is malformed: {row[0] if row else ''}")
            if self._max_size:
                page_size = conn.execute("PRAGMA page_size").fetchone()[0]
                conn.execute(f"PRAGMA max_page_count={max(1, self._max_size // page_size)}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_sync(self) -> None:
        try:
            self._conn = self._connect()
            return
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StorageError("timeout") from None
            if not self._recreate:
                raise self._translate(exc) from None
            err: sqlite3.Error = exc
        except sqlite3.DatabaseError as exc:
            if not self._recreate:
                raise self._translate(exc) from None
            err = exc
        backup = f"{self.path}.{_iso_now()}.backup"
        self._logger.warning(
            "Database corruption detected, recreating database file",
            extra={"fields": {"file": self.path, "error": str(err)}},
        )
        try:
            os.replace(self.path, backup)
            for suffix in ("-wal", "-shm"):
                if os.path.exists(self.path + suffix):
                    os.replace(self.path + suffix, backup + suffix)
        except OSError as exc:
            raise StorageError(
                f"error renaming corrupted database. Please remove {self.path} manually: {exc}"
            ) from None
        self._logger.info(
            "Corrupted database file renamed, creating fresh database",
            extra={"fields": {"original": self.path, "backup": backup}},
        )
        try:
            self._conn = self._connect()
        except sqlite3.Error as exc:
            raise StorageError(f"failed to create fresh database after corruption recovery: {exc}") from None

    # -- StorageClient -----------------------------------------------------------------------
    async def get(self, key: str) -> bytes | None:
        return await self._call(self._get_sync, key)

    def _get_sync(self, key: str) -> bytes | None:
        try:
            row = self._db().execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return bytes(row[0]) if row is not None else None

    async def set(self, key: str, value: bytes) -> None:
        await self._call(self._batch_sync, [Operation(key, bytes(value))])

    async def delete(self, key: str) -> None:
        await self._call(self._batch_sync, [Operation(key, delete=True)])

    async def batch(self, ops: Sequence[Operation]) -> list[bytes | None]:
        return await self._call(self._batch_sync, list(ops))

    def _batch_sync(self, ops: list[Operation]) -> list[bytes | None]:
        db = self._db()
        out: list[bytes | None] = []
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for op in ops:
                    if op.delete:
                        db.execute("DELETE FROM kv WHERE k = ?", (op.key,))
                        out.append(None)
                    elif op.value is None:
                        row = db.execute("SELECT v FROM kv WHERE k = ?", (op.key,)).fetchone()
                        out.append(bytes(row[0]) if row is not None else None)
                    else:
                        db.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (op.key, bytes(op.value)))
                        out.append(None)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        return out

    async def close(self) -> None:
        if self._closed:
            return
        if self._rebound is not None:
            self._rebound.cancel()
            await asyncio.gather(self._rebound, return_exceptions=True)
            self._rebound = None
        try:
            await self._call(self._close_sync)
        finally:
            self._closed = True
            self._executor.shutdown(wait=False)
            if self._on_close is not None:
                self._on_close(self)

    def _close_sync(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- compaction --------------------------------------------------------------------------
    async def compact(self) -> None:
        await self._call(self._compact_sync)

    def _compact_sync(self) -> None:
        db = self._db()
        started = time.monotonic()
        before = self._sizes_sync()[0]
        self._logger.debug("starting compaction", extra={"fields": {"file": self.path}})
        try:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise self._translate(exc) from None
        after = self._sizes_sync()[0]
        self._logger.info(
            "finished compaction",
            extra={
                "fields": {
                    "file": self.path,
                    "originalSize": before,
                    "compactedSize": after,
                    "elapsed": f"{time.monotonic() - started:.3f}s",
                }
            },
        )

    def _sizes_sync(self) -> tuple[int, int]:
        """(allocated bytes, bytes in use) of the database."""
        db = self._db()
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0]
        return pages * page_size, (pages - free) * page_size

    async def sizes(self) -> tuple[int, int]:
        return await self._call(self._sizes_sync)

    def should_compact(self, total: int, used: int) -> bool:
        """Rebound compaction: the file grew past the "needed" threshold and what is in use fell
        to the "trigger" threshold."""
        cfg = self._compaction
        return used <= cfg.rebound_trigger_threshold_mib * MIB and total >= cfg.rebound_needed_threshold_mib * MIB

    def start_rebound_loop(self) -> None:
        if self._rebound is None:
            self._rebound = asyncio.ensure_future(self._rebound_loop())

    async def _rebound_loop(self) -> None:
        interval = self._compaction.check_interval.total_seconds()
        while not self._closed:
            await asyncio.sleep(interval)
            try:
                total, used = await self.sizes()
                if self.should_compact(total, used):
                    await self.compact()
            except StorageError as exc:
                self._logger.error(
                    "compaction failure",
                    extra={"fields": {"directory": self._compaction.directory, "error": str(exc)}},
                )
