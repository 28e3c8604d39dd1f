"""The postgresql scraper: each round lists the databases (or takes ``databases``), reads the
per-database, per-table and per-index statistics views over one connection per database, then
the server-wide ones, as Go's scraper does. A failed connection to the ``postgres`` database fails
the round; a failed query or connection to one database loses only its metrics (a partial scrape
error, logged, the rest is sent)."""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Sequence

from pyotelcol.component import Host, Settings
from pyotelcol.helpers.scraperhelper import PartialScrapeError
from pyotelcol.pdata import Metrics

from . import queries
from .config import Config, split_host_port
from .metrics import MetricsBuilder
from .pgwire import PgClient, PgError, Row, connect

__all__ = ["PostgreSQLScraper"]

DEFAULT_DATABASE = "postgres"  # Go connects here to list the databases and read server-wide views

BLOCK_SOURCES = ("heap_read", "heap_hit", "idx_read", "idx_hit", "toast_read", "toast_hit", "tidx_read", "tidx_hit")


class _RowError(ValueError):
    pass


def _ints(row: Row, start: int) -> list[int]:
    """Columns ``start``.. as int64, failing like database/sql's Scan on NULL or text."""
    out = []
    for value in row[start:]:
        if value is None:
            raise _RowError("sql: Scan error: converting NULL to int64 is unsupported")
        try:
            out.append(int(value))
        except ValueError:
            out.append(int(float(value)))  # numeric columns (sizes) come as decimals
    return out


class PostgreSQLScraper:
    def __init__(self, settings: Settings, cfg: Config) -> None:
        self._cfg = cfg
        self._logger = settings.telemetry.logger
        self._mb = MetricsBuilder(cfg.metrics.enabled(), settings.build_info.version)
        self._resource_enabled = cfg.resource_attributes.enabled()
        self._excludes = set(cfg.exclude_databases)
        self._ssl: ssl.SSLContext | None = None
        host, port = split_host_port(cfg.endpoint) or ("", "0")
        self._host, self._port = host, int(port) if port.isdigit() else 0
        self._errors: list[str] = []
        self._clients: dict[str, PgClient] = {}

    async def start(self, host: Host) -> None:
        self._mb.start_ns = time.time_ns()
        # Go's lib/pq sslmode: insecure → disable, insecure_skip_verify → require, else verify-full
        self._ssl = None if self._cfg.tls.insecure else self._cfg.tls.build_ssl_context()

    async def shutdown(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()

    @contextlib.asynccontextmanager
    async def _client(self, database: str) -> AsyncIterator[PgClient]:
        """The open connection to ``database`` (made on first use and kept between rounds, as Go's
        connection pool does); dropped when it fails, so the next round dials again."""
        client = self._clients.get(database)
        if client is None:
            unix = self._cfg.transport == "unix"
            client = await connect(
                host=self._host,
                port=self._port,
                unix_dir="/" + self._host if unix else None,
                user=self._cfg.username,
                password=self._cfg.password,
                database=database,
                ssl_context=self._ssl,
                server_hostname=(self._host or None) if self._ssl is not None and not unix else None,
            )
            self._clients[database] = client
        try:
            yield client
        except BaseException as exc:
            # a broken connection, or one left mid-exchange by a cancelled (timed out) round
            if not isinstance(exc, PgError) or exc.broken:
                self._clients.pop(database, None)
                await client.close()
            raise

    async def _close_unlisted(self, databases: list[str]) -> None:
        for database in [db for db in self._clients if db not in databases and db != DEFAULT_DATABASE]:
            await self._clients.pop(database).close()

    async def scrape(self) -> Metrics:
        self._errors = []
        stage = "Failed to initialize connection to postgres"
        try:
            async with self._client(DEFAULT_DATABASE) as list_client:
                databases = list(self._cfg.databases)
                if not databases:
                    stage = "Failed to request list of databases from postgres"
                    databases = [row[0] for row in await list_client.query(queries.LIST_DATABASES) if row[0]]
                stage = "Failed to read server statistics from postgres"
                databases = [db for db in databases if db not in self._excludes]
                await self._close_unlisted(databases)
                now = time.time_ns()
                backends = await self._per_database(list_client, queries.backends(databases), "backends")
                sizes = await self._per_database(list_client, queries.database_sizes(databases), "database size")
                stats = await self._per_database(
                    list_client, queries.database_stats(databases), "commits and rollbacks"
                )
                for database in databases:
                    await self._scrape_database(now, database, backends, sizes, stats)
                self._mb.record("postgresql.database.count", now, len(databases))
                await self._bgwriter(now, list_client)
                await self._max_connections(now, list_client)
        except PgError as exc:
            self._logger.error(stage, extra={"fields": {"error": str(exc)}})
            self._mb.emit()  # drop what was recorded
            raise
        data = self._mb.emit()
        if self._errors:
            raise PartialScrapeError("; ".join(self._errors), len(self._errors), data)
        return data

    async def _rows(self, client: PgClient, sql: str) -> list[Row] | None:
        try:
            return await client.query(sql)
        except PgError as exc:
            if exc.broken:
                raise  # the round (or this database) stops; the connection is dialled again next round
            self._errors.append(str(exc))
            return None

    async def _per_database(self, client: PgClient, sql: str, what: str) -> dict[str, list[int]]:
        rows = await self._rows(client, sql)
        if rows is None:
            self._logger.error(
                f"Errors encountered while fetching {what}", extra={"fields": {"error": self._errors[-1]}}
            )
            return {}
        out = {}
        for row in rows:
            try:
                values = _ints(row, 1)
            except _RowError as exc:
                self._errors.append(str(exc))
                continue
            if row[0]:
                out[row[0]] = values
        return out

    async def _scrape_database(
        self,
        now: int,
        database: str,
        backends: dict[str, list[int]],
        sizes: dict[str, list[int]],
        stats: dict[str, list[int]],
    ) -> None:
        try:
            async with self._client(database) as client:
                tables = await self._tables(now, client, database)
                self._record_database(now, database, tables, backends, sizes, stats)
                await self._indexes(now, client, database)
        except PgError as exc:
            self._errors.append(str(exc))
            self._logger.error(
                "Failed to initialize connection to postgres",
                extra={"fields": {"database": database, "error": str(exc)}},
            )

    async def _tables(self, now: int, client: PgClient, database: str) -> int:
        blocks: dict[tuple[str, str], list[int]] = {}
        for row in await self._rows(client, queries.BLOCKS_READ_BY_TABLE) or []:
            with contextlib.suppress(_RowError):
                blocks[(row[0] or "", row[1] or "")] = _ints(row, 2)
        rows = await self._rows(client, queries.TABLE_STATS) or []
        count = 0
        for row in rows:
            try:
                live, dead, ins, upd, delete, hot_upd, seq_scans, size, vacuums = _ints(row, 2)
            except _RowError as exc:
                self._errors.append(str(exc))
                continue
            count += 1
            record = self._mb.record
            record("postgresql.rows", now, dead, [("state", "dead")])
            record("postgresql.rows", now, live, [("state", "live")])
            for operation, value in (("ins", ins), ("del", delete), ("upd", upd), ("hot_upd", hot_upd)):
                record("postgresql.operations", now, value, [("operation", operation)])
            record("postgresql.table.size", now, size)
            record("postgresql.table.vacuum.count", now, vacuums)
            record("postgresql.sequential_scans", now, seq_scans)
            schema, table = row[0] or "", row[1] or ""
            for source, value in zip(BLOCK_SOURCES, blocks.get((schema, table), []), strict=False):
                record("postgresql.blocks_read", now, value, [("source", source)])
            self._emit_resource(database, f"{schema}.{table}", None)
        return count

    def _record_database(
        self,
        now: int,
        database: str,
        tables: int,
        backends: dict[str, list[int]],
        sizes: dict[str, list[int]],
        stats: dict[str, list[int]],
    ) -> None:
        record = self._mb.record
        record("postgresql.table.count", now, tables)
        if database in backends:
            record("postgresql.backends", now, backends[database][0])
        if database in sizes:
            record("postgresql.db_size", now, sizes[database][0])
        if database in stats:
            (commits, rollbacks, deadlocks, temp_files, updated, returned, fetched, inserted, deleted, hit, read) = (
                stats[database]
            )
            record("postgresql.commits", now, commits)
            record("postgresql.rollbacks", now, rollbacks)
            record("postgresql.deadlocks", now, deadlocks)
            record("postgresql.temp_files", now, temp_files)
            record("postgresql.tup_updated", now, updated)
            record("postgresql.tup_returned", now, returned)
            record("postgresql.tup_fetched", now, fetched)
            record("postgresql.tup_inserted", now, inserted)
            record("postgresql.tup_deleted", now, deleted)
            record("postgresql.blks_hit", now, hit)
            record("postgresql.blks_read", now, read)
        self._emit_resource(database, None, None)

    async def _indexes(self, now: int, client: PgClient, database: str) -> None:
        for row in await self._rows(client, queries.INDEX_STATS) or []:
            try:
                size, scans = _ints(row, 3)
            except _RowError as exc:
                self._errors.append(str(exc))
                continue
            self._mb.record("postgresql.index.scans", now, scans)
            self._mb.record("postgresql.index.size", now, size)
            self._emit_resource(database, row[1] or "", row[2] or "")

    async def _bgwriter(self, now: int, client: PgClient) -> None:
        version_rows = await self._rows(client, queries.SERVER_VERSION)
        if not version_rows:
            return
        try:
            major = queries.major_version(version_rows[0][0] or "")
        except ValueError as exc:
            self._errors.append(str(exc))
            return
        rows = await self._rows(client, queries.BGWRITER_BEFORE_17 if major < 17 else queries.BGWRITER_FROM_17)
        if not rows:
            return
        values = rows[0]
        try:
            req, timed = int(values[0] or 0), int(values[1] or 0)
            write_ms, sync_ms = float(values[2] or 0), float(values[3] or 0)
        except ValueError as exc:
            self._errors.append(str(exc))
            return
        record = self._mb.record
        record("postgresql.bgwriter.buffers.allocated", now, int(values[8] or 0))
        for source, value in (("bgwriter", values[4]), ("backend", values[5]), ("checkpoints", values[7])):
            if value is not None:
                record("postgresql.bgwriter.buffers.writes", now, int(value), [("source", source)])
        if values[6] is not None:
            record("postgresql.bgwriter.buffers.writes", now, int(values[6]), [("source", "backend_fsync")])
        record("postgresql.bgwriter.checkpoint.count", now, req, [("type", "requested")])
        record("postgresql.bgwriter.checkpoint.count", now, timed, [("type", "scheduled")])
        record("postgresql.bgwriter.duration", now, sync_ms, [("type", "sync")])
        record("postgresql.bgwriter.duration", now, write_ms, [("type", "write")])
        record("postgresql.bgwriter.maxwritten", now, int(values[9] or 0))

    async def _max_connections(self, now: int, client: PgClient) -> None:
        rows = await self._rows(client, queries.MAX_CONNECTIONS)
        if rows and rows[0][0] and rows[0][0].isdigit():
            self._mb.record("postgresql.connection.max", now, int(rows[0][0]))

    def _emit_resource(self, database: str, table: str | None, index: str | None) -> None:
        values: Sequence[tuple[str, str | None]] = (
            ("postgresql.database.name", database),
            ("postgresql.table.name", table),
            ("postgresql.index.name", index),
        )
        self._mb.emit_for_resource(
            {key: value for key, value in values if value is not None and key in self._resource_enabled}
        )
