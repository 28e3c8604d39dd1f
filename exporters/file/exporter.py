"""The file exporter: one shared instance per config writes every signal to the same file(s).

Encoding happens on the event loop, once per request (``to_wire()`` reuses the received bytes
for ``proto``; ``otlpjson.to_json`` for ``json``); the framed bytes are buffered and written by
``FileWriter`` in a worker thread every ``flush_interval``, when more than ``FLUSH_AT`` bytes are
waiting, and at shutdown (which writes everything before returning).
"""

from __future__ import annotations

import asyncio
import os
import struct
from collections import OrderedDict
from typing import Any

import zstandard

from pyotelcol.component import Host, Settings, Signal
from pyotelcol.consumer import Capabilities, ConsumerError, PermanentError
from pyotelcol.helpers.sharedcomponent import SharedComponent, SharedComponents
from pyotelcol.pdata import AnyData
from pyotelcol.pdata.otlpjson import to_json
from pyotelcol.telemetry.obsreport import ExporterObs

from .config import COMPRESSION_ZSTD, FORMAT_PROTO, Config
from .writer import FileWriter

FLUSH_AT = 4 * 1024 * 1024  # a consumer waits for the write once this much is buffered for a file
_CAPABILITIES = Capabilities(mutates_data=False)
_LENGTH = struct.Struct(">I")


class _Encoder:
    """Go's framing: JSON lines, or a 4-byte big-endian length before each (compressed) message."""

    def __init__(self, cfg: Config) -> None:
        self._proto = cfg.format == FORMAT_PROTO
        self._zstd = zstandard.ZstdCompressor() if cfg.compression == COMPRESSION_ZSTD else None
        self._prefixed = cfg.length_prefixed

    def encode(self, data: AnyData) -> bytes:
        payload = data.to_wire() if self._proto else to_json(data.message)
        if self._zstd is not None:
            payload = self._zstd.compress(payload)
        if self._prefixed:
            return _LENGTH.pack(len(payload)) + payload
        return payload + b"\n"


class FileExporterCore(SharedComponent):
    """The state shared by the traces, metrics and logs exporters created from one config."""

    def __init__(self, cfg: Config, settings: Settings) -> None:
        super().__init__()
        self._cfg = cfg
        self._logger = settings.telemetry.logger
        self._encoder = _Encoder(cfg)
        self._rotation = cfg.rotation.get()
        self._max_write = self._rotation.max_bytes if self._rotation is not None else None
        self._interval = cfg.effective_flush_interval.total_seconds()
        self._writer: FileWriter | None = None
        # group_by: open writers by path, least recently used first
        self._groups: OrderedDict[str, FileWriter] = OrderedDict()
        self._opened_paths: set[str] = set()
        self._group_lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._running = False
        group = cfg.group_by
        if group.enabled:
            prefix, _, self._suffix = cfg.path.partition("*")
            cleaned = os.path.normpath(prefix) if prefix else prefix
            if prefix.endswith("/") and not cleaned.endswith("/"):
                cleaned += "/"
            self._prefix = cleaned

    # -- lifecycle ----------------------------------------------------------------------------
    async def _start(self, host: Host) -> None:
        cfg = self._cfg
        if cfg.group_by.enabled:
            if cfg.group_by.max_open_files <= 0:
                raise ValueError("must provide a positive size")
        else:
            writer = FileWriter(
                cfg.path,
                append=cfg.append,
                rotation=self._rotation,
                dir_mode=cfg.directory_mode if cfg.create_directory else None,
                logger=self._logger,
            )
            await writer.open()
            self._writer = writer
        self._stop = asyncio.Event()
        self._flusher = asyncio.get_running_loop().create_task(self._flush_loop())
        self._running = True

    async def _shutdown(self) -> None:
        self._running = False
        self._stop.set()
        if self._flusher is not None:
            await self._flusher
            self._flusher = None
        writers = list(self._groups.values())
        self._groups.clear()
        if self._writer is not None:
            writers.append(self._writer)
            self._writer = None
        errors: list[BaseException] = []
        for writer in writers:
            try:
                await writer.close()
            except OSError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    async def _flush_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), self._interval)
            except TimeoutError:
                await self.flush()

    async def flush(self) -> None:
        """Write everything buffered so far (used by the timer; tests may call it too)."""
        writers = list(self._groups.values())
        if self._writer is not None:
            writers.append(self._writer)
        for writer in writers:
            await writer.flush()

    # -- data -----------------------------------------------------------------------------------
    async def write(self, data: AnyData) -> None:
        if not self._running:
            raise ConsumerError("the file exporter is not running")
        if self._writer is not None:
            await self._put(self._writer, self._encoder.encode(data))
            return
        await self._write_grouped(data)

    def _check_size(self, chunk: bytes) -> None:
        if self._max_write is not None and len(chunk) > self._max_write:
            raise PermanentError(f"write length {len(chunk)} exceeds maximum file size {self._max_write}")

    async def _put(self, writer: FileWriter, chunk: bytes) -> None:
        self._check_size(chunk)
        writer.add(chunk)
        if writer.buffered >= FLUSH_AT:
            await writer.flush()

    async def _write_grouped(self, data: AnyData) -> None:
        field = data.resource_field
        blocks = getattr(data.message, field)
        if not len(blocks):
            return
        attribute = self._cfg.group_by.resource_attribute
        groups: dict[str, list[Any]] = {}
        for block in blocks:
            segment = _string_attribute(block.resource.attributes, attribute)
            if segment is None:
                self._logger.debug("Resource does not contain %s attribute, dropping it", attribute)
                continue
            groups.setdefault(segment, []).append(block)
        errors: list[str] = []
        for segment, members in groups.items():
            if len(members) == len(blocks):
                part: AnyData = data
            else:
                msg = type(data).message_type()
                getattr(msg, field).extend(members)
                part = type(data)(msg)  # type: ignore[arg-type]
            try:
                writer = await self._group_writer(segment)
                await self._put(writer, self._encoder.encode(part))
            except (OSError, ConsumerError) as exc:
                errors.append(str(exc))
        if errors:
            raise PermanentError("; ".join(errors))

    def full_path(self, segment: str) -> str:
        """The file for a path segment, kept inside the directory part of ``path``."""
        if segment.startswith("./"):
            segment = segment[1:]
        elif segment.startswith("../"):
            segment = segment[2:]
        candidate = os.path.normpath(self._prefix + segment + self._suffix)
        if candidate.startswith(self._prefix):
            return candidate
        return os.path.normpath(os.path.join(self._prefix, os.path.normpath("/" + segment + self._suffix).lstrip("/")))

    async def _group_writer(self, segment: str) -> FileWriter:
        path = self.full_path(segment)
        async with self._group_lock:
            writer = self._groups.get(path)
            if writer is not None:
                self._groups.move_to_end(path)
                return writer
            writer = FileWriter(
                path,
                # a file closed to stay under max_open_files is appended to when reopened
                append=self._cfg.append or path in self._opened_paths,
                rotation=self._rotation,
                dir_mode=self._cfg.directory_mode,
                logger=self._logger,
            )
            await writer.open()
            self._opened_paths.add(path)
            self._groups[path] = writer
            while len(self._groups) > self._cfg.group_by.max_open_files:
                _, evicted = self._groups.popitem(last=False)
                try:
                    await evicted.close()
                except OSError as exc:
                    self._logger.warning(
                        "Failed to close file", extra={"fields": {"error": str(exc), "path": evicted.path}}
                    )
            return writer


def _string_attribute(attributes: Any, key: str) -> str | None:
    for kv in attributes:
        if kv.key == key:
            return str(kv.value.string_value) if kv.value.WhichOneof("value") == "string_value" else None
    return None


class FileExporter:
    """What the pipeline sees for one signal: a consumer over the shared core."""

    def __init__(self, settings: Settings, signal: Signal, core: FileExporterCore) -> None:
        self._core = core
        self._obs = ExporterObs(settings, signal)
        self._logger = settings.telemetry.logger

    @property
    def core(self) -> FileExporterCore:
        return self._core

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def start(self, host: Host) -> None:
        await self._core.start(host)

    async def shutdown(self) -> None:
        await self._core.shutdown()

    async def consume(self, data: AnyData) -> None:
        items = data.item_count()
        try:
            await self._core.write(data)
        except Exception as exc:
            self._obs.record_sent(items, exc)
            self._logger.error(
                "Exporting failed. Rejecting data.", extra={"fields": {"error": str(exc), "rejected_items": items}}
            )
            if isinstance(exc, ConsumerError):
                raise
            raise PermanentError(str(exc)) from exc
        self._obs.record_sent(items, None)


_SHARED: SharedComponents[FileExporterCore] = SharedComponents()


def create(settings: Settings, signal: Signal, cfg: Config) -> FileExporter:
    core = _SHARED.get_or_add(cfg, lambda: FileExporterCore(cfg, settings))
    return FileExporter(settings, signal, core)
