"""The ``file_log`` receiver: fileconsumer → entries → operators → OTLP logs → next consumer.

Reading, decoding, the operators and the conversion run in a worker thread; the event loop only
awaits the consumer. A batch's offsets are committed (and checkpointed with ``storage``) once the
consumer accepted it. A refused batch is retried with ``retry_on_failure`` (permanent errors are
not); without it, or when retries run out, it is logged and dropped, as Go does.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

from pyotelcol.component import ID, Host, Kind, Settings, Signal
from pyotelcol.consumer import Consumer, is_permanent
from pyotelcol.extension.storage import StorageClient, find_storage
from pyotelcol.helpers.stanza.convert import entries_to_logs
from pyotelcol.helpers.stanza.entry import Entry
from pyotelcol.helpers.stanza.expr import ExprString
from pyotelcol.helpers.stanza.fileconsumer import Manager
from pyotelcol.helpers.stanza.fileconsumer import Settings as ConsumerSettings
from pyotelcol.pdata import Logs
from pyotelcol.telemetry.obsreport import ReceiverObs

from .config import Config


class FileLogReceiver:
    def __init__(self, settings: Settings, cfg: Config, next_consumer: Consumer) -> None:
        cfg.validate()  # fills the internal fields when the config was built without validate
        self._cfg = cfg
        self._consumer = next_consumer
        self._settings = settings
        self._logger = settings.telemetry.logger
        self._obs = ReceiverObs(settings, "", format=None)
        self._splitter = cfg.build_splitter()
        self._pipeline = cfg.build_pipeline()
        self._lock = threading.Lock()  # the operators are stateful (recombine): one batch at a time
        self._attributes = {k: ExprString(v) for k, v in cfg.attributes.items()}
        self._resource = {k: ExprString(v) for k, v in cfg.resource.items()}
        self._storage: StorageClient | None = None
        self._manager = Manager(self._consumer_settings(), self._splitter, self._emit_tokens)
        self._manager.after_poll = self._flush_operators
        self._stopping = False

    def _consumer_settings(self) -> ConsumerSettings:
        c = self._cfg
        return ConsumerSettings(
            include=list(c.include),
            exclude=list(c.exclude),
            exclude_older_than=c.exclude_older_than.total_seconds(),
            start_at_beginning=c.start_at == "beginning",
            poll_interval=c.poll_interval.total_seconds(),
            fingerprint_size=c.fingerprint_bytes,
            max_concurrent_files=c.max_concurrent_files,
            flush_period=c.force_flush_period.total_seconds()
            if c.force_flush_period > c.force_flush_period * 0
            else -1,
            delete_after_read=c.delete_after_read,
            compression=c.compression,
            include_file_name=c.include_file_name,
            include_file_path=c.include_file_path,
            include_file_name_resolved=c.include_file_name_resolved,
            include_file_path_resolved=c.include_file_path_resolved,
            include_file_owner_name=c.include_file_owner_name,
            include_file_owner_group_name=c.include_file_owner_group_name,
            include_file_permissions=c.include_file_permissions,
            on_truncate=c.on_truncate,
            ordering=c.build_ordering(),
        )

    async def start(self, host: Host) -> None:
        if self._cfg.storage:
            storage = find_storage(host, ID.parse(self._cfg.storage))
            self._storage = await storage.get_client(Kind.RECEIVER, self._settings.id, "")
        await self._manager.start(self._storage)

    async def shutdown(self) -> None:
        self._stopping = True
        await self._manager.stop()
        held = await asyncio.to_thread(self._locked, self._pipeline.stop)
        if held:
            await self._send(held, retry=False)
        if self._storage is not None:
            await self._storage.close()
            self._storage = None

    # -- tokens → logs -------------------------------------------------------------------------
    def _locked(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            return fn(*args)

    def _entries(self, attrs: dict[str, Any], tokens: list[tuple[int, bytes]], first_record: int) -> Logs | None:
        now = time.time_ns()
        decode = self._splitter.decode
        cfg = self._cfg
        entries: list[Entry] = []
        record = first_record
        for offset, token in tokens:
            record += 1
            body = decode(token)
            if not body:
                continue
            entry = Entry(body, now)
            entry.attributes = dict(attrs)
            if cfg.include_file_record_number:
                entry.attributes["log.file.record_number"] = record
            if cfg.include_file_record_offset:
                entry.attributes["log.file.record_offset"] = offset
            for key, value in self._attributes.items():
                entry.attributes[key] = value.render(entry)
            for key, value in self._resource.items():
                entry.resource[key] = value.render(entry)
            entries.append(entry)
        out = self._pipeline.run(entries)
        return entries_to_logs(out) if out else None

    async def _emit_tokens(self, attrs: dict[str, Any], tokens: list[tuple[int, bytes]], first_record: int) -> None:
        logs = await asyncio.to_thread(self._locked, self._entries, attrs, tokens, first_record)
        if logs is not None:
            await self._consume(logs)

    async def _flush_operators(self) -> None:
        held = await asyncio.to_thread(self._locked, self._pipeline.flush, time.time_ns())
        if held:
            await self._send(held, retry=True)

    async def _send(self, entries: list[Entry], retry: bool) -> None:
        await self._consume(entries_to_logs(entries), retry)

    async def _consume(self, logs: Logs, retry: bool = True) -> None:
        count = logs.item_count()
        cfg = self._cfg.retry_on_failure
        delay = cfg.initial_interval.total_seconds()
        deadline = time.monotonic() + cfg.max_elapsed_time.total_seconds() if cfg.max_elapsed_time else None
        while True:
            try:
                await self._consumer.consume(logs)
                self._obs.record(Signal.LOGS, count, refused=False)
                return
            except Exception as err:
                self._obs.record(Signal.LOGS, count, refused=True)
                can_retry = retry and cfg.enabled and not is_permanent(err) and not self._stopping
                if can_retry and (deadline is None or time.monotonic() + delay <= deadline):
                    self._logger.debug("logs refused, retrying in %.1fs: %s", delay, err)
                    await asyncio.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 1.5, cfg.max_interval.total_seconds())
                    continue
                self._logger.error("failed to emit %d log records: %s", count, err)
                return
