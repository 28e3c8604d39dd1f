"""A real collector scrapes a real PostgreSQL (a fresh cluster started here on a free port with
SCRAM passwords and TLS; skipped when the server binaries are absent) and writes the metrics with the
``file`` exporter: Go's default metrics in Go's per-database / per-table / per-index resources with
the server's values, ``databases`` over a unix socket with an opt-in metric, and the errors of a
wrong password, of an unverifiable certificate and of a server that is not there."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import Collector, free_port, wait_for_port

SCOPE = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/postgresqlreceiver"
PASSWORD = "s3cret"
MAX_CONNECTIONS = 37
ROWS, DELETED = 20, 5


def _bin_dir() -> Path | None:
    found = shutil.which("postgres") or "/usr/local/bin/postgres"
    real = Path(found).resolve()
    return real.parent if real.exists() and (real.parent / "initdb").exists() else None


BIN = _bin_dir()
pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL server binaries (postgres, initdb) are not installed")


def _as_server_user(*args: str) -> list[str]:
    # postgres refuses to run as root: run it as the postgres account when the tests are root
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@dataclass
class Run:
    all_batches: list[dict[str, Any]]
    shop_batches: list[dict[str, Any]]
    tls_batches: list[dict[str, Any]]
    stderr: str
    refused_port: int


def _resources(batches: list[dict[str, Any]]) -> dict[tuple[tuple[str, str], ...], dict[str, dict[str, Any]]]:
    """The last batch's resources (by their attributes) and their metrics by name."""
    out: dict[tuple[tuple[str, str], ...], dict[str, dict[str, Any]]] = {}
    for rm in batches[-1]["resourceMetrics"]:
        attrs = tuple(
            sorted((kv["key"], kv["value"]["stringValue"]) for kv in rm.get("resource", {}).get("attributes", []))
        )
        assert attrs not in out
        for sm in rm["scopeMetrics"]:
            assert sm["scope"]["name"] == SCOPE
            out[attrs] = {m["name"]: m for m in sm["metrics"]}
    return out


def _points(metric: dict[str, Any]) -> dict[str, float]:
    """Values by the point's attribute value ("" for none)."""
    data = metric.get("sum") or metric["gauge"]
    out = {}
    for p in data["dataPoints"]:
        label = ",".join(kv["value"]["stringValue"] for kv in p.get("attributes", []))
        out[label] = float(p["asDouble"]) if "asDouble" in p else int(p.get("asInt", 0))
    return out


def _psql(port: int, sockets: Path, database: str, sql: str) -> None:
    assert BIN is not None
    subprocess.run(
        [str(BIN / "psql"), "-h", str(sockets), "-p", str(port), "-U", "otel", "-d", database, "-v", "ON_ERROR_STOP=1"],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
        timeout=30,
        env={**os.environ, "PGPASSWORD": PASSWORD},
    )


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    assert BIN is not None
    # the server account must reach its data directory, so not under pytest's private tmp
    tmp = Path(tempfile.mkdtemp(prefix="pyotelcol-pg-", dir="/tmp"))
    os.chmod(tmp, 0o755)
    data, sockets = tmp / "data", tmp / "sockets"
    sockets.mkdir()
    (tmp / "pw").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres")
        shutil.chown(sockets, "postgres")
    port, refused_port = free_port(), free_port()
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", str(tmp / "server.key"), "-out", str(tmp / "server.crt")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    os.chmod(tmp / "server.key", 0o600)
    if os.geteuid() == 0:
        shutil.chown(tmp / "server.key", "postgres")
    subprocess.run(
        _as_server_user(
            str(BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "otel",
            f"--pwfile={tmp / 'pw'}",
            "--auth=scram-sha-256",
            "--no-sync",
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = subprocess.Popen(
        _as_server_user(
            *(str(BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets)),
            *("-c", "listen_addresses=127.0.0.1", "-c", f"max_connections={MAX_CONNECTIONS}", "-c", "fsync=off"),
            *("-c", "ssl=on", "-c", f"ssl_cert_file={tmp / 'server.crt'}", "-c", f"ssl_key_file={tmp / 'server.key'}"),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        time.sleep(0.5)  # the port opens a moment before the server takes logins
        _psql(port, sockets, "postgres", "CREATE DATABASE shop;")
        _psql(
            port,
            sockets,
            "shop",
            f"CREATE TABLE items (id int PRIMARY KEY, name text);"
            f"INSERT INTO items SELECT g, 'item' || g FROM generate_series(1, {ROWS}) g;"
            f"DELETE FROM items WHERE id <= {DELETED};"
            "SELECT count(*) FROM items WHERE id = 7;",
        )
        # a session's counts reach the statistics when it ends: vacuum after, for exact live/dead rows
        _psql(port, sockets, "shop", "VACUUM items;")
        out_all, out_shop, out_tls = tmp / "all.json", tmp / "shop.json", tmp / "tls.json"
        common = "collection_interval: 1s\n    initial_delay: 0s\n    username: otel"
        config = tmp / "config.yaml"
        config.write_text(
            f"""
receivers:
  postgresql:
    endpoint: 127.0.0.1:{port}
    {common}
    password: {PASSWORD}
    tls: {{insecure: true}}
  postgresql/shop:
    endpoint: {str(sockets).lstrip("/")}:{port}
    transport: unix
    databases: [shop]
    {common}
    password: {PASSWORD}
    tls: {{insecure: true}}
    metrics:
      postgresql.sequential_scans: {{enabled: true}}
      postgresql.bgwriter.maxwritten: {{enabled: false}}
  postgresql/wrong_password:
    endpoint: 127.0.0.1:{port}
    {common}
    password: nope
    tls: {{insecure: true}}
  postgresql/tls:
    endpoint: 127.0.0.1:{port}
    databases: [shop]
    {common}
    password: {PASSWORD}
  postgresql/tls_verified:
    endpoint: 127.0.0.1:{port}
    {common}
    password: {PASSWORD}
    tls: {{insecure_skip_verify: false}}
  postgresql/down:
    endpoint: 127.0.0.1:{refused_port}
    {common}
    password: {PASSWORD}
    tls: {{insecure: true}}
exporters:
  file/all: {{path: {out_all}}}
  file/shop: {{path: {out_shop}}}
  file/tls: {{path: {out_tls}}}
service:
  pipelines:
    metrics/all:
      receivers: [postgresql, postgresql/wrong_password, postgresql/tls_verified, postgresql/down]
      exporters: [file/all]
    metrics/shop: {{receivers: [postgresql/shop], exporters: [file/shop]}}
    metrics/tls: {{receivers: [postgresql/tls], exporters: [file/tls]}}
"""
        )
        collector = Collector(config)
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and collector.proc.poll() is None:
                if all(p.exists() and len(p.read_text().splitlines()) >= 2 for p in (out_all, out_shop, out_tls)):
                    break
                time.sleep(0.3)
        finally:
            code, _, stderr = collector.stop()
        assert code == 0, stderr

        def batches(path: Path) -> list[dict[str, Any]]:
            return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

        yield Run(batches(out_all), batches(out_shop), batches(out_tls), stderr, refused_port)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


DB = (("postgresql.database.name", "shop"),)
TABLE = (("postgresql.database.name", "shop"), ("postgresql.table.name", "public.items"))
INDEX = (
    ("postgresql.database.name", "shop"),
    ("postgresql.index.name", "items_pkey"),
    ("postgresql.table.name", "items"),
)


def test_go_resources_and_default_metrics(run: Run) -> None:
    resources = _resources(run.all_batches)
    assert set(resources) == {(("postgresql.database.name", "postgres"),), DB, TABLE, INDEX, ()}
    assert list(resources[DB]) == [
        "postgresql.backends",
        "postgresql.commits",
        "postgresql.db_size",
        "postgresql.rollbacks",
        "postgresql.table.count",
    ]
    assert list(resources[TABLE]) == [
        "postgresql.blocks_read",
        "postgresql.operations",
        "postgresql.rows",
        "postgresql.table.size",
        "postgresql.table.vacuum.count",
    ]
    assert list(resources[INDEX]) == ["postgresql.index.scans", "postgresql.index.size"]
    assert list(resources[()]) == [
        "postgresql.bgwriter.buffers.allocated",
        "postgresql.bgwriter.buffers.writes",
        "postgresql.bgwriter.checkpoint.count",
        "postgresql.bgwriter.duration",
        "postgresql.bgwriter.maxwritten",
        "postgresql.connection.max",
        "postgresql.database.count",
    ]
    size = resources[DB]["postgresql.db_size"]
    assert (size["unit"], size["sum"].get("isMonotonic", False), size["sum"]["aggregationTemporality"]) == (
        "By",
        False,
        2,
    )
    assert "gauge" in resources[INDEX]["postgresql.index.size"]
    assert "asDouble" in resources[()]["postgresql.bgwriter.duration"]["sum"]["dataPoints"][0]


def test_values_are_the_servers(run: Run) -> None:
    resources = _resources(run.all_batches)
    table = resources[TABLE]
    assert _points(table["postgresql.rows"]) == {"dead": 0, "live": ROWS - DELETED}  # vacuumed
    assert _points(table["postgresql.operations"]) == {"ins": ROWS, "del": DELETED, "upd": 0, "hot_upd": 0}
    assert _points(table["postgresql.table.vacuum.count"]) == {"": 1}
    assert _points(table["postgresql.table.size"])[""] > 0
    sources = _points(table["postgresql.blocks_read"])
    assert set(sources) == {
        "heap_read",
        "heap_hit",
        "idx_read",
        "idx_hit",
        "toast_read",
        "toast_hit",
        "tidx_read",
        "tidx_hit",
    }
    assert _points(resources[INDEX]["postgresql.index.size"])[""] > 0
    assert _points(resources[INDEX]["postgresql.index.scans"])[""] >= 1  # the lookup of id 7
    assert _points(resources[DB]["postgresql.table.count"]) == {"": 1}
    assert _points(resources[DB]["postgresql.commits"])[""] > 0
    server = resources[()]
    assert _points(server["postgresql.database.count"]) == {"": 2}
    assert _points(server["postgresql.connection.max"]) == {"": MAX_CONNECTIONS}
    assert set(_points(server["postgresql.bgwriter.buffers.writes"])) == {
        "bgwriter",
        "backend",
        "checkpoints",
        "backend_fsync",
    }
    assert set(_points(server["postgresql.bgwriter.checkpoint.count"])) == {"requested", "scheduled"}


def test_listed_databases_over_a_unix_socket(run: Run) -> None:
    resources = _resources(run.shop_batches)
    assert set(resources) == {DB, TABLE, INDEX, ()}
    assert _points(resources[TABLE]["postgresql.sequential_scans"])[""] >= 0
    assert "postgresql.bgwriter.maxwritten" not in resources[()]
    assert _points(resources[()]["postgresql.database.count"]) == {"": 1}


def test_tls_without_verification_by_default(run: Run) -> None:
    assert set(_resources(run.tls_batches)) == {DB, TABLE, INDEX, ()}


def test_failures_are_logged_with_lib_pq_wording(run: Run) -> None:
    errors: dict[str, set[str]] = {}
    for line in run.stderr.splitlines():
        if "Error scraping metrics" in line:
            fields = json.loads(line.rsplit("\t", 1)[1])
            errors.setdefault(fields["otelcol.component.id"], set()).add(fields["error"])
    assert errors == {
        "postgresql/wrong_password": {'pq: password authentication failed for user "otel"'},
        "postgresql/tls_verified": {"x509: certificate signed by unknown authority"},
        "postgresql/down": {f"dial tcp 127.0.0.1:{run.refused_port}: connect: connection refused"},
    }
