"""file_storage extension: config (Go's messages), client semantics, persistence, crash safety, compaction."""

from __future__ import annotations

import asyncio
import os
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from pyotelcol.extensions.file_storage import create_factory
from pyotelcol.extensions.file_storage.extension import sanitize

from pyotelcol.component import ID, Kind, StabilityLevel
from pyotelcol.config import decode, validate
from pyotelcol.extension import StorageExtension
from pyotelcol.extension.storage import Operation
from pyotelcol.testing import NopHost, make_settings

EXPORTER = ID.parse("otlp")


def make_config(raw: dict[str, Any]) -> Any:
    factory = create_factory()
    return decode(type(factory.create_default_config()), raw, factory.create_default_config())


def errors(raw: dict[str, Any]) -> list[str]:
    return validate(make_config(raw), "extensions::file_storage")


def make_ext(directory: Path, **raw: Any) -> Any:
    cfg = make_config({"directory": str(directory), **raw})
    assert validate(cfg, "extensions::file_storage") == []
    return create_factory().create(make_settings("file_storage", Kind.EXTENSION), cfg)


# -- config --------------------------------------------------------------------------------
def test_factory_and_defaults() -> None:
    factory = create_factory()
    assert factory.type == "file_storage" and factory.stability is StabilityLevel.BETA
    cfg = factory.create_default_config()
    assert cfg.directory == "/var/lib/otelcol/file_storage"
    assert (cfg.timeout, cfg.fsync, cfg.create_directory, cfg.directory_permissions) == (
        timedelta(seconds=1),
        False,
        False,
        "0750",
    )
    c = cfg.compaction
    assert (c.on_start, c.on_rebound, c.max_transaction_size, c.check_interval, c.cleanup_on_start) == (
        False,
        False,
        65536,
        timedelta(seconds=5),
        False,
    )
    assert (c.rebound_needed_threshold_mib, c.rebound_trigger_threshold_mib) == (100, 10)


def test_directory_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    (found,) = errors({"directory": str(missing)})
    assert found == (
        f"extensions::file_storage: directory must exist: stat {missing}: no such file or directory. "
        "You can enable the create_directory option to automatically create it"
    )
    assert errors({"directory": str(missing), "create_directory": True}) == []
    afile = tmp_path / "file"
    afile.write_text("x")
    assert errors({"directory": str(afile)}) == [f"extensions::file_storage: {afile} is not a directory"]


def test_compaction_directory_is_checked_when_compaction_is_on(tmp_path: Path) -> None:
    missing = tmp_path / "compact"
    raw = {"directory": str(tmp_path), "compaction": {"directory": str(missing)}}
    assert errors(raw) == []
    raw["compaction"]["on_start"] = True  # type: ignore[index]
    (found,) = errors(raw)
    assert f"directory must exist: stat {missing}" in found


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"compaction": {"max_transaction_size": -1}}, "max transaction size for compaction cannot be less than 0"),
        (
            {"compaction": {"on_rebound": True, "check_interval": "0s"}},
            "compaction check interval must be positive when rebound compaction is set",
        ),
        (
            {"create_directory": True, "directory_permissions": "0x1ff"},
            "directory_permissions value must be a valid octal representation",
        ),
        (
            {"create_directory": True, "directory_permissions": "01777"},
            "directory_permissions contain invalid bits for file access",
        ),
    ],
)
def test_validation_messages(tmp_path: Path, raw: dict[str, Any], message: str) -> None:
    assert errors({"directory": str(tmp_path), **raw}) == [f"extensions::file_storage: {message}"]


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(ValueError, match="has invalid keys: directorie"):
        make_config({"directorie": "/tmp"})


def test_start_creates_directories_with_permissions(tmp_path: Path) -> None:
    async def run() -> None:
        target = tmp_path / "a" / "b"
        ext = make_ext(target, create_directory=True, directory_permissions="0700")
        await ext.start(NopHost())
        assert target.is_dir()
        assert stat.S_IMODE(target.stat().st_mode) & 0o077 == 0
        await ext.shutdown()

    asyncio.run(run())


# -- client ---------------------------------------------------------------------------------
def test_is_a_storage_extension_with_go_file_names(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path)
        assert isinstance(make_ext(tmp_path), StorageExtension)
        await ext.start(NopHost())
        c1 = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        c2 = await ext.get_client(Kind.RECEIVER, ID.parse("file_log"))
        c3 = await ext.get_client(Kind.EXPORTER, ID.parse("otlp/a/b:c"), "logs")
        names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
        assert names == ["exporter_otlp__traces", "exporter_otlp_a~002Fb~003Ac_logs", "receiver_file_log_"]
        assert stat.S_IMODE((tmp_path / "exporter_otlp__traces").stat().st_mode) == 0o600
        for c in (c1, c2, c3):
            await c.close()
        await ext.shutdown()

    asyncio.run(run())
    # "~" is escaped too, so a sanitized name never equals a name that needed no escaping.
    assert sanitize("a~b é") == "a~007Eb~0020~00E9"


def test_get_set_delete_batch(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        assert await client.get("a") is None
        await client.set("a", b"1")
        assert await client.get("a") == b"1"
        await client.set("a", b"2")
        assert await client.get("a") == b"2"
        await client.delete("a")
        await client.delete("a")  # deleting a missing key is fine
        assert await client.get("a") is None
        await client.set("empty", b"")
        assert await client.get("empty") == b""
        out = await client.batch(
            [
                Operation("x", b"10"),
                Operation("x"),  # reads what this batch wrote
                Operation("y", b"20"),
                Operation("y", delete=True),
                Operation("y"),
                Operation("missing"),
            ]
        )
        assert out == [None, b"10", None, None, None, None]
        # A batch is atomic: a failing operation undoes the ones before it.
        with pytest.raises(Exception, match="boom"):
            await client.batch([Operation("x", b"changed"), Operation("z", cast(bytes, _Unbytable()))])
        assert await client.get("x") == b"10" and await client.get("z") is None
        # Other clients (other components) have their own keys.
        other = await ext.get_client(Kind.EXPORTER, EXPORTER, "logs")
        assert await other.get("x") is None
        await other.close()
        await client.close()
        with pytest.raises(Exception, match="database not open"):
            await client.get("x")
        await ext.shutdown()

    asyncio.run(run())


class _Unbytable:
    def __bytes__(self) -> bytes:
        raise ValueError("boom")


def test_data_persists_across_reopen_and_extension_restart(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await client.batch([Operation(f"k{i}", bytes([i]) * 100) for i in range(50)])
        await client.close()
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        assert await client.get("k7") == bytes([7]) * 100
        await ext.shutdown()  # closes the client its component did not close

        ext2 = make_ext(tmp_path, fsync=True)
        await ext2.start(NopHost())
        client = await ext2.get_client(Kind.EXPORTER, EXPORTER, "traces")
        assert [await client.get(f"k{i}") for i in (0, 49)] == [b"\x00" * 100, b"\x31" * 100]
        await client.close()
        await ext2.shutdown()

    asyncio.run(run())


def test_a_locked_file_times_out(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path, timeout="100ms")
        await ext.start(NopHost())
        first = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        with pytest.raises(Exception, match=r"^timeout$"):
            await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await first.close()
        again = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await again.close()
        await ext.shutdown()

    asyncio.run(run())


def test_max_size_refuses_writes_past_the_limit(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path, max_size=256 * 1024)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await client.set("small", b"x" * 1000)
        with pytest.raises(Exception, match=r"^the storage extension has run out of available space$"):
            await client.set("big", b"x" * (1 << 20))
        assert await client.get("small") == b"x" * 1000
        await client.close()
        await ext.shutdown()

    asyncio.run(run())


def test_recreate_replaces_a_corrupt_file(tmp_path: Path) -> None:
    async def run() -> None:
        path = tmp_path / "exporter_otlp__traces"
        path.write_bytes(b"this is not a database" * 100)
        ext = make_ext(tmp_path)
        await ext.start(NopHost())
        with pytest.raises(Exception, match="not a database"):
            await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await ext.shutdown()

        ext = make_ext(tmp_path, recreate=True)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await client.set("k", b"v")
        assert await client.get("k") == b"v"
        backups = [p.name for p in tmp_path.iterdir() if p.name.endswith(".backup")]
        assert len(backups) == 1 and backups[0].startswith("exporter_otlp__traces.")
        await client.close()
        await ext.shutdown()

    asyncio.run(run())


# -- crash safety ---------------------------------------------------------------------------
_WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pyotelcol.component import ID, Kind
    from pyotelcol.config import decode
    from pyotelcol.extension.storage import Operation
    from pyotelcol.extensions.file_storage import create_factory
    from pyotelcol.testing import make_settings, NopHost

    async def main(directory, fsync):
        factory = create_factory()
        cfg = decode(type(factory.create_default_config()), {"directory": directory, "fsync": fsync},
                     factory.create_default_config())
        ext = factory.create(make_settings("file_storage", Kind.EXTENSION), cfg)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, ID.parse("otlp"), "traces")
        i = 0
        while True:
            # Each batch writes item i and the counter together: after a crash the
            # database must hold items 0..last and nothing beyond.
            await client.batch([Operation(f"k{i}", b"%d:" % i + b"x" * 2000), Operation("last", b"%d" % i)])
            if i % 10 == 0:
                print(i, flush=True)
            i += 1

    asyncio.run(main(sys.argv[1], sys.argv[2] == "1"))
    """
)


@pytest.mark.parametrize("fsync", [False, True])
def test_survives_sigkill_at_any_instant(tmp_path: Path, fsync: bool) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path), "1" if fsync else "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if int(line) >= 300:
                break
        else:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "writer exited")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()

    async def check() -> None:
        ext = make_ext(tmp_path)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        raw = await client.get("last")
        assert raw is not None
        last = int(raw)
        assert last >= 300
        values = await client.batch([Operation(f"k{i}") for i in range(last + 2)])
        for i, value in enumerate(values[: last + 1]):
            assert value is not None and value.startswith(b"%d:" % i), i
        assert values[last + 1] is None
        await client.set("after", b"crash")  # the database is writable again
        await client.close()
        await ext.shutdown()

    asyncio.run(check())


# -- compaction -----------------------------------------------------------------------------
async def _fill_and_empty(client: Any, mib: int) -> None:
    chunk = b"z" * (256 * 1024)
    keys = [f"big{i}" for i in range(mib * 4)]
    await client.batch([Operation(k, chunk) for k in keys])
    await client.batch([Operation(k, delete=True) for k in keys])


def test_compaction_on_start_reclaims_space(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(tmp_path)
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await client.set("keep", b"k")
        await _fill_and_empty(client, 4)
        total, used = await client.sizes()
        assert total >= 4 << 20 and used < 1 << 20
        await client.close()
        await ext.shutdown()

        ext = make_ext(tmp_path, compaction={"on_start": True})
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        total_after, _ = await client.sizes()
        assert total_after < 1 << 20
        assert await client.get("keep") == b"k"
        await client.close()
        await ext.shutdown()

    asyncio.run(run())


def test_rebound_compaction_runs_online(tmp_path: Path) -> None:
    async def run() -> None:
        ext = make_ext(
            tmp_path,
            compaction={
                "on_rebound": True,
                "check_interval": "20ms",
                "rebound_needed_threshold_mib": 2,
                "rebound_trigger_threshold_mib": 1,
            },
        )
        await ext.start(NopHost())
        client = await ext.get_client(Kind.EXPORTER, EXPORTER, "traces")
        await _fill_and_empty(client, 3)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (await client.sizes())[0] >= 2 << 20:
            assert loop.time() < deadline, "no rebound compaction"
            await asyncio.sleep(0.02)
        await client.set("still", b"works")
        assert await client.get("still") == b"works"
        await client.close()
        await ext.shutdown()

    asyncio.run(run())


def test_cleanup_on_start_removes_temp_files(tmp_path: Path) -> None:
    async def run() -> None:
        (tmp_path / "tempdb12345").write_bytes(b"x")
        (tmp_path / "other").write_bytes(b"x")
        ext = make_ext(tmp_path, compaction={"cleanup_on_start": True})
        await ext.start(NopHost())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["other"]
        await ext.shutdown()

    asyncio.run(run())
