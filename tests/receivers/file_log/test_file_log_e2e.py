"""End to end: real files in a temporary directory → a running pyotelcol (``file_log``) →
otlp_http without a queue → a recording HTTP endpoint in the test process.

Lines are told apart by their text; every test checks that each expected line arrives exactly
once (or, after ``kill -9``, at least once with duplicates bounded by the batch in flight).
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _receiver(include: list[str], **extra: Any) -> str:
    lines = ["  file_log:", f"    include: {include!r}".replace("'", '"'), "    poll_interval: 50ms"]
    for key, value in extra.items():
        lines.append(f"    {key}: {value}")
    return "\n".join(lines)


def _append(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    with open(path, "ab") as fh:
        fh.write("".join(line + "\n" for line in lines).encode(encoding))


def _probe_until_read(harness: Any, path: Path) -> None:
    """Append probe lines until one arrives: the receiver has then polled the file at least once."""
    i = 0

    def seen(bodies: list[str]) -> bool:
        return any(b.startswith("probe-") for b in bodies)

    while True:
        _append(path, [f"probe-{i}"])
        try:
            harness.sink.wait_for(seen, timeout=0.5)
            return
        except AssertionError:
            i += 1
            assert i < 40, "the receiver never read the probe lines"


def _exactly_once(bodies: list[str], expected: list[str]) -> None:
    counts = Counter(b for b in bodies if not b.startswith("probe-"))
    missing = [line for line in expected if counts[line] == 0]
    dupes = {line: n for line, n in counts.items() if n > 1}
    unexpected = set(counts) - set(expected)
    assert not missing, f"missing {len(missing)} lines, first {missing[:5]}"
    assert not dupes, f"duplicated: {list(dupes.items())[:5]}"
    assert not unexpected, f"unexpected: {sorted(unexpected)[:5]}"


def test_start_at_end_skips_existing_lines_and_sets_file_attributes(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    _append(log, [f"old-{i}" for i in range(5)])
    harness.start(_receiver([str(tmp_path / "*.log")], include_file_path="true"))
    _probe_until_read(harness, log)
    new = [f"new-{i}" for i in range(20)]
    _append(log, new)
    bodies = harness.sink.wait_for(lambda b: "new-19" in b)
    _exactly_once(bodies, new)
    _, rec = next(r for r in harness.sink.records() if r[1].body.string_value == "new-0")
    attrs = {kv.key: kv.value.string_value for kv in rec.attributes}
    assert attrs == {"log.file.name": "app.log", "log.file.path": str(log)}
    assert rec.observed_time_unix_nano > 0 and rec.time_unix_nano == 0


def test_start_at_beginning_globs_with_doublestar_and_exclude(harness: Any, tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    _append(tmp_path / "top.log", ["top-1", "top-2"])
    _append(deep / "deep.log", ["deep-1\r", "", "   ", "  deep-2  "])  # CRLF, blank and padded lines
    _append(deep / "skip-me.log", ["skipped"])
    _append(tmp_path / "other.txt", ["not-a-log"])
    harness.start(
        _receiver([str(tmp_path / "**" / "*.log")], start_at="beginning", exclude=f'["{tmp_path}/**/skip-*.log"]')
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 4)
    harness.sink.wait_for(lambda b: len(b) >= 4)
    _exactly_once(bodies, ["top-1", "top-2", "deep-1", "deep-2"])


def test_rotation_by_rename_out_of_the_glob_loses_and_repeats_nothing(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    first = [f"gen1-{i:04d}" for i in range(300)]
    _append(log, first[:100])
    harness.start(_receiver([str(log)], start_at="beginning"))
    harness.sink.wait_for(lambda b: "gen1-0099" in b)
    with open(log, "ab") as writer:  # the application keeps its handle across the rename
        writer.write("".join(f"{line}\n" for line in first[100:200]).encode())
        os.rename(log, tmp_path / "app.log.1")
        writer.write("".join(f"{line}\n" for line in first[200:]).encode())
    second = [f"gen2-{i:04d}" for i in range(100)]
    _append(log, second)
    bodies = harness.sink.wait_for(lambda b: "gen2-0099" in b and "gen1-0299" in b)
    _exactly_once(bodies, first + second)


def test_copytruncate_rotation_loses_and_repeats_nothing(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    first = [f"gen1-{i:04d}" for i in range(200)]
    _append(log, first[:100])
    harness.start(_receiver([str(tmp_path / "app.log*")], start_at="beginning"))
    harness.sink.wait_for(lambda b: "gen1-0099" in b)
    _append(log, first[100:])  # not read yet when logrotate copies and truncates
    shutil.copyfile(log, tmp_path / "app.log.1")
    with open(log, "r+b") as fh:
        fh.truncate(0)
    second = [f"gen2-{i:04d}" for i in range(50)]
    _append(log, second)
    bodies = harness.sink.wait_for(lambda b: "gen2-0049" in b and "gen1-0199" in b)
    _exactly_once(bodies, first + second)


def test_multiline_line_start_pattern_flushes_the_last_entry(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("junk before\nSTART one\n  at a.b\n  at c.d\nSTART two\n  at e.f\n")
    harness.start(
        _receiver(
            [str(log)],
            start_at="beginning",
            multiline="{line_start_pattern: '^START'}",
            force_flush_period="100ms",
        )
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 3)
    assert bodies == ["junk before", "START one\n  at a.b\n  at c.d", "START two\n  at e.f"]


def test_gzip_and_utf16_files(harness: Any, tmp_path: Path) -> None:
    with gzip.open(tmp_path / "old.log.gz", "wb") as gz:
        gz.write(b"zipped-1\nzipped-2\n")
    (tmp_path / "wide.log").write_bytes("wide-\u00e9\nwide-2\n".encode("utf-16-le"))
    harness.start(
        "\n".join(
            [
                "  file_log/gz:",
                f'    include: ["{tmp_path}/*.gz"]',
                "    start_at: beginning",
                "    compression: gzip",
            ]
        )
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 2)
    _exactly_once(bodies, ["zipped-1", "zipped-2"])
    harness.sink.clear()
    harness.start(
        "\n".join(
            [
                "  file_log/wide:",
                f'    include: ["{tmp_path}/wide.log"]',
                "    start_at: beginning",
                "    encoding: utf-16le",
            ]
        )
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 2)
    _exactly_once(bodies, ["wide-\u00e9", "wide-2"])


def test_checkpoints_survive_a_graceful_restart(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    storage = tmp_path / "storage"
    storage.mkdir()
    receiver = _receiver([str(log)], storage="file_storage")  # start_at: end
    first = [f"before-{i}" for i in range(50)]
    col = harness.start(receiver, str(storage))
    _probe_until_read(harness, log)
    _append(log, first)
    harness.sink.wait_for(lambda b: "before-49" in b)
    assert col.stop()[0] == 0
    during = [f"while-down-{i}" for i in range(50)]
    _append(log, during)
    harness.start(receiver, str(storage))
    after = [f"after-{i}" for i in range(50)]
    _append(log, after)
    bodies = harness.sink.wait_for(lambda b: "after-49" in b and "while-down-49" in b)
    _exactly_once(bodies, first + during + after)


def test_kill_9_then_restart_delivers_everything_and_repeats_at_most_the_batch_in_flight(
    harness: Any, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    storage = tmp_path / "storage"
    storage.mkdir()
    lines = [f"line-{i:05d}" for i in range(20000)]
    _append(log, lines)
    receiver = _receiver([str(log)], storage="file_storage", start_at="beginning")
    harness.sink.delay = 0.2  # a slow backend: the kill lands while most of the file is unread
    col = harness.start(receiver, str(storage))
    harness.sink.wait_for(lambda b: len(b) >= 2000)
    col.proc.send_signal(signal.SIGKILL)
    col.proc.communicate()
    harness.sink.delay = 0.0
    received_before = len(harness.sink.bodies())
    assert received_before < len(lines), "everything was read before the kill: nothing was tested"
    harness.start(receiver, str(storage))
    bodies = harness.sink.wait_for(lambda b: len(set(b)) >= len(lines), timeout=60)
    counts = Counter(bodies)
    assert set(counts) == set(lines)
    repeated = sorted(line for line, n in counts.items() if n > 1)
    assert all(n <= 2 for n in counts.values())
    # only the batch that was in flight at the kill is read again: at most 1000 consecutive lines
    assert len(repeated) <= 1000
    if repeated:
        first, last = int(repeated[0][5:]), int(repeated[-1][5:])
        assert last - first + 1 == len(repeated)


def test_retry_on_failure_resends_refused_batches(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    lines = [f"retry-{i}" for i in range(30)]
    _append(log, lines)
    harness.sink.fail_next = 3
    harness.start(
        _receiver([str(log)], start_at="beginning", retry_on_failure="{enabled: true, initial_interval: 50ms}")
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 30)
    assert harness.sink.refused == 3
    _exactly_once(bodies, lines)


def test_static_attributes_record_numbers_and_delete_after_read(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "once.log"
    _append(log, ["first", "second"])
    harness.start(
        _receiver(
            [str(log)],
            start_at="beginning",
            delete_after_read="true",
            include_file_name="false",
            include_file_record_number="true",
            attributes="{team: payments, copy: 'EXPR(body)'}",
            resource="{service.name: billing}",
        )
    )
    harness.sink.wait_for(lambda b: len(b) >= 2)
    got = [
        (res, {kv.key: (kv.value.string_value or kv.value.int_value) for kv in rec.attributes})
        for res, rec in harness.sink.records()
    ]
    assert got == [
        ({"service.name": "billing"}, {"log.file.record_number": 1, "team": "payments", "copy": "first"}),
        ({"service.name": "billing"}, {"log.file.record_number": 2, "team": "payments", "copy": "second"}),
    ]
    deadline = time.monotonic() + 10
    while log.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not log.exists()


def test_max_log_size_splits_long_lines(harness: Any, tmp_path: Path) -> None:
    log = tmp_path / "long.log"
    _append(log, ["x" * 2500, "short"])
    harness.start(_receiver([str(log)], start_at="beginning", max_log_size="1KiB"))
    bodies = harness.sink.wait_for(lambda b: "short" in b)
    assert bodies == ["x" * 1024, "x" * 1024, "x" * 452, "short"]


def test_many_files_in_groups_and_exclude_older_than(harness: Any, tmp_path: Path) -> None:
    expected = []
    for i in range(12):
        line = f"file-{i:02d}"
        _append(tmp_path / f"f{i:02d}.log", [line])
        expected.append(line)
    stale = tmp_path / "stale.log"
    _append(stale, ["stale"])
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    harness.start(
        _receiver([str(tmp_path / "*.log")], start_at="beginning", max_concurrent_files="4", exclude_older_than="1h")
    )
    bodies = harness.sink.wait_for(lambda b: len(b) >= 12)
    time.sleep(0.3)  # a few more polls: nothing else may arrive
    _exactly_once(harness.sink.bodies(), expected)
    assert "stale" not in bodies


def test_a_big_file_does_not_hold_up_the_others(harness: Any, tmp_path: Path) -> None:
    _append(tmp_path / "a-big.log", [f"big-{i:05d}" for i in range(20000)])
    _append(tmp_path / "b-small.log", ["small"])
    harness.start(_receiver([str(tmp_path / "*.log")], start_at="beginning"))
    bodies = harness.sink.wait_for(lambda b: "big-19999" in b and "small" in b)
    # files are read one batch each in turn: the small file's line comes after the first batch
    assert bodies.index("small") < bodies.index("big-19999")
    assert bodies.index("small") <= 1000


def test_hostile_files_do_not_stop_the_valid_lines(harness: Any, tmp_path: Path) -> None:
    """Binary garbage, invalid UTF-8, an 8 MiB line without a newline, a file deleted and one
    truncated while being read: the receiver keeps going and every valid line arrives once."""
    logs = tmp_path / "logs"
    logs.mkdir()
    garbage, huge, deleted, truncated = (logs / f"{n}.log" for n in ("garbage", "huge", "deleted", "truncated"))
    garbage.write_bytes(bytes(range(256)) * 64 + b"\n\xff\xfe\xfd invalid utf-8 \xc3\x28\n")
    huge.write_bytes(b"y" * (8 * 1024 * 1024))  # no newline: cut at max_log_size, force-flushed
    _append(deleted, [f"deleted-{i}" for i in range(50)])
    _append(truncated, [f"before-{i}" for i in range(50)])
    harness.start(
        _receiver([str(logs / "*.log")], start_at="beginning", max_log_size="1MiB", force_flush_period="100ms")
    )
    harness.sink.wait_for(lambda b: "deleted-49" in b and "before-49" in b)
    deleted.unlink()
    with open(truncated, "wb"):
        pass  # truncated to nothing while the receiver follows it
    _append(truncated, [f"after-{i}" for i in range(50)])
    good = logs / "good.log"
    _append(good, [f"good-{i}" for i in range(200)])
    bodies = harness.sink.wait_for(lambda b: "good-199" in b and "after-49" in b)
    expected = (
        [f"deleted-{i}" for i in range(50)]
        + [f"before-{i}" for i in range(50)]
        + [f"after-{i}" for i in range(50)]
        + [f"good-{i}" for i in range(200)]
    )
    valid = [b for b in bodies if b.startswith(("deleted-", "before-", "after-", "good-"))]
    _exactly_once(valid, expected)
    # the 8 MiB line arrived cut into max_log_size pieces, nothing of it lost
    pieces = [b for b in bodies if b and set(b) == {"y"}]
    assert sum(len(p) for p in pieces) == 8 * 1024 * 1024 and max(len(p) for p in pieces) == 1024 * 1024
    # garbage and invalid UTF-8 became records (decoded with replacement), the collector kept running
    assert any("invalid utf-8" in b for b in bodies)


def test_ordering_criteria_reads_the_newest_file_of_each_group(harness: Any, tmp_path: Path) -> None:
    """Go's matcher: group by service, sort by the number in the name (numeric, descending), read the
    top one per group; an unparsable capture drops that file."""
    logs = tmp_path / "logs"
    logs.mkdir()
    for service in ("api", "db"):
        for n in (1, 2, 10):
            _append(logs / f"{service}.{n}.log", [f"{service}-{n}"])
    _append(logs / "api.x.log", ["api-x"])  # matches the glob, not the numeric capture
    criteria = (
        "{group_by: '/(api|db)\\.', regex: '\\.(?P<n>[^.]+)\\.log$', top_n: 1,"
        " sort_by: [{sort_type: numeric, regex_key: n, ascending: false}]}"
    )
    harness.start(_receiver([str(logs / "*.log")], start_at="beginning", ordering_criteria=criteria))
    bodies = harness.sink.wait_for(lambda b: "api-10" in b and "db-10" in b)
    _append(logs / "api.10.log", ["api-10-more"])
    bodies = harness.sink.wait_for(lambda b: "api-10-more" in b)
    assert sorted(bodies) == ["api-10", "api-10-more", "db-10"]
