"""The ``file_storage`` extension: a key-value store per component, in one SQLite file each."""

from __future__ import annotations

import asyncio
import glob
import logging
import os
from typing import Any

from pyotelcol.component import ID, Host, Kind, Settings

from .client import FileStorageClient
from .config import Config

TEMP_DB_PREFIX = "tempdb"


def _safe(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9") or ch in "._-"


def sanitize(name: str) -> str:
    """Characters outside ``A-Za-z0-9._-`` (``~`` included) become ``~`` and their code point in hex."""
    return "".join(ch if _safe(ch) else f"~{ord(ch):04X}" for ch in name)


def file_name(kind: Kind, component_id: ID, name: str = "") -> str:
    """Go's database file name: ``<kind>_<type>_<name>[_<client name>]``, sanitized."""
    raw = f"{kind.value}_{component_id.type}_{component_id.name}"
    if name:
        raw += f"_{name}"
    return sanitize(raw)


class FileStorageExtension:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._settings = settings
        self._cfg = cfg
        self._logger: logging.Logger | logging.LoggerAdapter[Any] = settings.telemetry.logger
        self._clients: set[FileStorageClient] = set()

    async def start(self, host: Host) -> None:
        await asyncio.to_thread(self._prepare)

    def _prepare(self) -> None:
        cfg = self._cfg
        if cfg.create_directory:
            dirs = [cfg.directory]
            if cfg.compaction.on_start or cfg.compaction.on_rebound:
                dirs.append(cfg.compaction_directory)
            for path in dirs:
                if not os.path.exists(path):
                    os.makedirs(path, mode=cfg.permissions(), exist_ok=True)
        if cfg.compaction.cleanup_on_start:
            self._cleanup(cfg.compaction_directory)

    def _cleanup(self, directory: str) -> None:
        """Remove ``tempdb*`` files a killed compaction may have left (Go's cleanup_on_start)."""
        errors = []
        for path in glob.glob(os.path.join(glob.escape(directory), TEMP_DB_PREFIX + "*")):
            try:
                os.remove(path)
                self._logger.debug("cleanup", extra={"fields": {"deletedFile": path}})
            except OSError as exc:
                errors.append(str(exc))
        if errors:
            self._logger.info("cleanup errors", extra={"fields": {"error": "\n".join(errors)}})

    async def get_client(self, kind: Kind, component_id: ID, name: str = "") -> FileStorageClient:
        cfg = self._cfg
        path = os.path.join(cfg.directory, file_name(kind, component_id, name))
        client = FileStorageClient(
            path,
            timeout=cfg.timeout.total_seconds(),
            fsync=cfg.fsync,
            max_size=cfg.max_size,
            recreate=cfg.recreate,
            compaction=cfg.compaction,
            logger=self._logger,
            on_close=self._clients.discard,
        )
        try:
            await client.open()
        except BaseException:
            await client.close()
            raise
        self._clients.add(client)
        if cfg.compaction.on_start:
            try:
                await client.compact()
            except Exception as exc:
                self._logger.error("compaction on start failed", extra={"fields": {"error": str(exc)}})
        if cfg.compaction.on_rebound:
            client.start_rebound_loop()
        return client

    async def shutdown(self) -> None:
        """Close the databases of clients their components did not close."""
        for client in list(self._clients):
            try:
                await client.close()
            except Exception as exc:
                self._logger.warning(
                    "failed to close storage client", extra={"fields": {"file": client.path, "error": str(exc)}}
                )
        self._clients.clear()
