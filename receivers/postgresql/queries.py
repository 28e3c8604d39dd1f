"""The statements Go's postgresqlreceiver runs (its client.go), and their rows read into numbers.

``databases`` lists are spliced in as quoted literals, as Go's ``filterQueryByDatabases`` does."""

from __future__ import annotations

__all__ = [
    "BGWRITER_BEFORE_17",
    "BGWRITER_FROM_17",
    "BLOCKS_READ_BY_TABLE",
    "INDEX_STATS",
    "LIST_DATABASES",
    "MAX_CONNECTIONS",
    "SERVER_VERSION",
    "TABLE_STATS",
    "backends",
    "database_sizes",
    "database_stats",
    "major_version",
]

LIST_DATABASES = "SELECT datname FROM pg_database WHERE datistemplate = false;"
MAX_CONNECTIONS = "SHOW max_connections;"
SERVER_VERSION = "SHOW server_version;"

TABLE_STATS = """SELECT schemaname, relname, n_live_tup, n_dead_tup, n_tup_ins, n_tup_upd, n_tup_del,
n_tup_hot_upd, seq_scan, pg_relation_size(relid), vacuum_count FROM pg_stat_user_tables;"""

BLOCKS_READ_BY_TABLE = """SELECT schemaname, relname,
coalesce(heap_blks_read, 0), coalesce(heap_blks_hit, 0), coalesce(idx_blks_read, 0), coalesce(idx_blks_hit, 0),
coalesce(toast_blks_read, 0), coalesce(toast_blks_hit, 0), coalesce(tidx_blks_read, 0), coalesce(tidx_blks_hit, 0)
FROM pg_statio_user_tables;"""

INDEX_STATS = """SELECT schemaname, relname, indexrelname, pg_relation_size(indexrelid), idx_scan
FROM pg_stat_user_indexes;"""

# checkpoints requested, scheduled, write ms, sync ms, bgwriter writes, backend writes,
# backend fsyncs, checkpoint writes, allocated, maxwritten
BGWRITER_BEFORE_17 = """SELECT checkpoints_req, checkpoints_timed, checkpoint_write_time, checkpoint_sync_time,
buffers_clean, buffers_backend, buffers_backend_fsync, buffers_checkpoint, buffers_alloc, maxwritten_clean
FROM pg_stat_bgwriter;"""

# PostgreSQL 17 moved the checkpoint columns to pg_stat_checkpointer and dropped the backend ones.
BGWRITER_FROM_17 = """SELECT cp.num_requested, cp.num_timed, cp.write_time, cp.sync_time,
bg.buffers_clean, NULL, NULL, cp.buffers_written, bg.buffers_alloc, bg.maxwritten_clean
FROM pg_stat_checkpointer cp, pg_stat_bgwriter bg;"""


def _literal_list(databases: list[str]) -> str:
    return ", ".join("'" + db.replace("'", "''") + "'" for db in databases)


def _filtered(base: str, databases: list[str], group_by: bool) -> str:
    query = base
    if databases:
        query += (" AND" if " WHERE " in base else " WHERE") + f" datname IN ({_literal_list(databases)})"
    if group_by:
        query += " GROUP BY datname"
    return query + ";"


def backends(databases: list[str]) -> str:
    return _filtered("SELECT datname, count(*) as count from pg_stat_activity", databases, True)


def database_sizes(databases: list[str]) -> str:
    return _filtered(
        "SELECT datname, pg_database_size(datname) FROM pg_catalog.pg_database WHERE datistemplate = false",
        databases,
        False,
    )


def database_stats(databases: list[str]) -> str:
    return _filtered(
        "SELECT datname, xact_commit, xact_rollback, deadlocks, temp_files, tup_updated, tup_returned, "
        "tup_fetched, tup_inserted, tup_deleted, blks_hit, blks_read FROM pg_stat_database",
        databases,
        False,
    )


def major_version(version: str) -> int:
    """The major version of ``SHOW server_version`` (``15.18 (Debian ...)`` → 15)."""
    head = version.split(" ", 1)[0].split(".", 1)[0]
    if not head.isdigit():
        raise ValueError(f"unable to parse version string: {version}")
    return int(head)
