"""The poll loop (Go's fileconsumer.Manager).

Every ``poll_interval``: match the globs, open each file and read its fingerprint (its first
``fingerprint_size`` bytes; empty files wait), and find what is known about it: a file read in the
previous poll whose fingerprint is a prefix of this one (it grew, or was renamed or copied), else
a closed file from an earlier poll or the checkpoint. Known files continue at their offset; new
ones start at 0, except in the very first poll with ``start_at: end`` (and no checkpoint), where
they start at their end. Files of the previous poll that no longer match are read to their end
through the still-open handle (a rotated file's last lines), then closed.

Files are read one batch each in turn until all reach their end. Each batch of up to
``max_batch`` tokens is handed to ``emit``; the offset moves past the batch only
when ``emit`` returns, and the checkpoint (storage key ``knownFiles``) is written after every
batch, so a crash re-reads at most the batch that was in flight.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ....extension.storage import StorageClient
from ...tasks import cancel_and_wait
from . import finder
from .ordering import Ordering
from .reader import Batch, FileReader, Metadata, read_fingerprint
from .splitter import Splitter

logger = logging.getLogger("pyotelcol.fileconsumer")

CHECKPOINT_KEY = "knownFiles"
CHECKPOINT_VERSION = 1
KNOWN_POLLS = 3  # Go keeps closed files' metadata for three polls (+ polls_to_archive)

# emit(reader attributes, batch tokens, first record number) -> awaitable
EmitFunc = Callable[[dict[str, Any], list[tuple[int, bytes]], int], Awaitable[None]]


@dataclass
class Settings:
    include: list[str]
    exclude: list[str] = field(default_factory=list)
    exclude_older_than: float = 0.0
    start_at_beginning: bool = False
    poll_interval: float = 0.2
    fingerprint_size: int = 1000
    max_concurrent_files: int = 1024
    max_batch: int = 1000
    flush_period: float = 0.5
    delete_after_read: bool = False
    compression: str = ""
    include_file_name: bool = True
    include_file_path: bool = False
    include_file_name_resolved: bool = False
    include_file_path_resolved: bool = False
    include_file_owner_name: bool = False
    include_file_owner_group_name: bool = False
    include_file_permissions: bool = False
    on_truncate: str = "ignore"
    # ordering_criteria: which of the matched files are read (None: all of them)
    ordering: Ordering | None = None


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def file_attributes(path: str, fh: Any, s: Settings) -> dict[str, Any]:
    """Go's attrs.Resolver: ``log.file.name``, ``log.file.path`` and the optional variants."""
    attrs: dict[str, Any] = {}
    if s.include_file_name:
        attrs["log.file.name"] = os.path.basename(path)
    if s.include_file_path:
        attrs["log.file.path"] = path
    if s.include_file_owner_name or s.include_file_owner_group_name or s.include_file_permissions:
        st = os.fstat(fh.fileno())
        if s.include_file_owner_name:
            import pwd

            try:
                attrs["log.file.owner.name"] = pwd.getpwuid(st.st_uid).pw_name
            except KeyError:
                attrs["log.file.owner.name"] = str(st.st_uid)
        if s.include_file_owner_group_name:
            import grp

            try:
                attrs["log.file.owner.group.name"] = grp.getgrgid(st.st_gid).gr_name
            except KeyError:
                attrs["log.file.owner.group.name"] = str(st.st_gid)
        if s.include_file_permissions:
            attrs["log.file.permissions"] = format(st.st_mode & 0o777, "o")
    if s.include_file_name_resolved or s.include_file_path_resolved:
        resolved = os.path.abspath(os.path.realpath(path))
        if s.include_file_name_resolved:
            attrs["log.file.name_resolved"] = os.path.basename(resolved)
        if s.include_file_path_resolved:
            attrs["log.file.path_resolved"] = resolved
    return attrs


class Manager:
    def __init__(self, settings: Settings, splitter: Splitter, emit: EmitFunc) -> None:
        self.s = settings
        self.splitter = splitter
        self.emit = emit
        self.storage: StorageClient | None = None
        self.previous: list[FileReader] = []
        self.current: list[FileReader] = []  # readers of the poll under way
        self.unreadable: set[str] = set()
        self.known: list[list[Metadata]] = []  # newest poll first
        self.from_beginning = settings.start_at_beginning
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.after_poll: Callable[[], Awaitable[None]] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self, storage: StorageClient | None) -> None:
        self.storage = storage
        if storage is not None:
            offsets = await self._load()
            if offsets:
                logger.info("Resuming from previously known offset(s). 'start_at' setting is not applicable.")
                self.from_beginning = True
                self.known = [offsets]
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._save()
        for reader in self.previous:
            reader.close()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.s.poll_interval)
            try:
                await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("file_log poll failed")

    # -- one poll ----------------------------------------------------------------------------
    async def poll(self) -> None:
        paths = await asyncio.to_thread(self._match)
        group = max(1, self.s.max_concurrent_files // 2)
        current = self.current = []
        lost: list[FileReader] = []
        try:
            for i in range(0, max(len(paths), 1), group):
                current.extend(await asyncio.to_thread(self._make_readers, paths[i : i + group], current))
            lost = self.previous  # previous-poll files no reader of this poll took over
            await self._read_all(lost)  # moved out of the globs or deleted: finish through the open handle
            await self._read_all(current)
        finally:
            # even when the poll is cut short, every reader stays tracked: none is read again from 0
            untouched = [r for r in self.previous if r not in lost]  # cut short before reaching them
            closed = [r.close() for r in lost]
            self.previous = untouched + [r for r in current if r.fh is not None]
            self.current = []
            if closed:
                self.known.insert(0, closed)
                del self.known[KNOWN_POLLS:]
        self.from_beginning = True
        if self.after_poll is not None:
            await self.after_poll()
        await self._save()

    def _match(self) -> list[str]:
        paths = finder.match_files(self.s.include, self.s.exclude)
        ordering = self.s.ordering
        if ordering is None or not ordering.active:
            return paths
        if self.s.exclude_older_than > 0:  # Go applies the age filter before sorting and top_n
            cutoff = time.time() - self.s.exclude_older_than
            paths = [p for p in paths if _mtime(p) >= cutoff]
        return ordering.select(paths)

    def _make_readers(self, paths: list[str], already: list[FileReader]) -> list[FileReader]:
        out: list[FileReader] = []
        cutoff = time.time() - self.s.exclude_older_than if self.s.exclude_older_than > 0 else None
        seen = [r.meta.fingerprint for r in already]
        for path in paths:
            try:
                if cutoff is not None and os.stat(path).st_mtime < cutoff:
                    continue
                fh = open(path, "rb")  # noqa: SIM115 - kept open across polls, closed by FileReader
            except OSError as exc:
                if path not in self.unreadable:  # Go logs an unreadable file once, not every poll
                    if len(self.unreadable) < 10000:
                        self.unreadable.add(path)
                    logger.error("Failed to open file %s: %s", path, exc)
                continue
            if path in self.unreadable:
                self.unreadable.discard(path)
                logger.info("Previously unreadable file is now readable: %s", path)
            compressed = self._compressed(path)
            try:
                fp = read_fingerprint(fh, self.s.fingerprint_size, compressed)
            except OSError:
                fh.close()
                continue
            if not fp or fp in seen:
                fh.close()  # empty, or a duplicate of a file already opened in this poll
                continue
            seen.append(fp)
            meta = self._take_known(fp, fh)
            if meta is None:
                size = os.fstat(fh.fileno()).st_size
                meta = Metadata(fp, offset=0 if self.from_beginning else size)
            meta.fingerprint = fp
            meta.attributes = file_attributes(path, fh, self.s)
            out.append(FileReader(path, fh, meta, compressed))
        return out

    def _compressed(self, path: str) -> bool:
        return self.s.compression == "gzip" or (self.s.compression == "auto" and path.endswith(".gz"))

    def _take_known(self, fp: bytes, fh: Any) -> Metadata | None:
        for i, reader in enumerate(self.previous):
            if fp.startswith(reader.meta.fingerprint):
                meta = reader.close()
                del self.previous[i]
                return self._check_truncation(meta, fh)
        for generation in self.known:
            for i, meta in enumerate(generation):
                if fp.startswith(meta.fingerprint):
                    del generation[i]
                    return self._check_truncation(meta, fh)
        return None

    def _check_truncation(self, meta: Metadata, fh: Any) -> Metadata:
        size = os.fstat(fh.fileno()).st_size
        if meta.offset > size and not self._compressed(getattr(fh, "name", "")):
            if self.s.on_truncate == "read_whole_file":
                meta.offset = 0
            elif self.s.on_truncate == "read_new":
                meta.offset = size
        return meta

    async def _read_batch(self, reader: FileReader) -> bool:
        """Emit and commit the next batch of ``reader``; False at its end."""
        batch: Batch | None = await asyncio.to_thread(
            reader.read_batch, self.splitter, self.s.max_batch, self.s.flush_period
        )
        if batch is None:
            return False
        if batch.tokens:
            await self.emit(reader.meta.attributes, batch.tokens, reader.meta.record_num)
        reader.commit(batch)
        await self._save()
        return True

    async def _read_all(self, readers: list[FileReader]) -> None:
        """Read every file to its end, one batch of each in turn, so that a busy file does not hold
        up the others (Go reads them in parallel)."""
        active = list(readers)
        while active and not self._stopping:
            still: list[FileReader] = []
            for reader in active:
                if self._stopping:
                    return
                try:
                    more = await self._read_batch(reader)
                except OSError as exc:
                    logger.error("failed reading %s: %s", reader.path, exc)
                    more = False
                if more:
                    still.append(reader)
                else:
                    self._finished(reader)
            active = still

    def _finished(self, reader: FileReader) -> None:
        # delete only what was read completely: a partial last line waits for its flush
        if self.s.delete_after_read and reader.fh is not None and not reader.meta.pending_len:
            reader.close()
            try:
                os.remove(reader.path)
            except OSError as exc:
                logger.error("could not delete %s: %s", reader.path, exc)

    # -- checkpoints -------------------------------------------------------------------------
    def metadata(self) -> list[Metadata]:
        out = [r.meta for r in self.current]
        out.extend(r.meta for r in self.previous if r.fh is not None)
        for generation in self.known:
            out.extend(generation)
        return out

    async def _save(self) -> None:
        if self.storage is None:
            return
        doc = {"version": CHECKPOINT_VERSION, "files": [m.to_json() for m in self.metadata()]}
        try:
            await self.storage.set(CHECKPOINT_KEY, json.dumps(doc, separators=(",", ":")).encode())
        except Exception as exc:
            logger.error("save offsets: %s", exc)

    async def _load(self) -> list[Metadata]:
        assert self.storage is not None
        raw = await self.storage.get(CHECKPOINT_KEY)
        if not raw:
            return []
        try:
            doc = json.loads(raw)
            return [Metadata.from_json(item) for item in doc["files"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"read known files from database: {exc}") from None
