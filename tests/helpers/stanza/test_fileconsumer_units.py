"""The splitter (newline, multiline, max_log_size, encodings) and the doublestar globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyotelcol.helpers.stanza.fileconsumer import Splitter
from pyotelcol.helpers.stanza.fileconsumer.finder import match_files


def _tokens(splitter: Splitter, data: bytes, flush: bool = False) -> tuple[list[str | bytes], int]:
    tokens, used = splitter.split(data, flush)
    return [splitter.decode(t) for _, t in tokens], used


def test_newline_split_keeps_the_partial_line() -> None:
    s = Splitter("utf-8", 1024)
    assert _tokens(s, b"a\r\n b \n\nc") == (["a", "b", ""], 8)
    assert _tokens(s, b"c", flush=True) == (["c"], 1)


def test_max_log_size_cuts_long_lines() -> None:
    s = Splitter("utf-8", 4)
    assert _tokens(s, b"abcdefghij\nxy\n") == (["abcd", "efgh", "ij", "xy"], 14)
    assert _tokens(s, b"abcdefg") == (["abcd"], 4)  # no newline yet, but max_log_size reached


def test_line_start_pattern() -> None:
    s = Splitter("utf-8", 1024, line_start_pattern=r"^\d{4}-")
    data = b"pre\n2024-a\n cont\n2024-b\n"
    assert _tokens(s, data) == (["pre", "2024-a\n cont"], 17)
    assert _tokens(s, data[17:], flush=True) == (["2024-b"], 7)


def test_line_end_pattern_and_omit() -> None:
    s = Splitter("utf-8", 1024, line_end_pattern=r"END\n", omit_pattern=True)
    assert _tokens(s, b"one\ntwo END\nthree") == (["one\ntwo"], 12)


def test_utf16_and_nop_encodings() -> None:
    s = Splitter("utf-16le", 1024)
    assert _tokens(s, "h\u00e9\nx\n".encode("utf-16-le")) == (["h\u00e9", "x"], 10)
    nop = Splitter("nop", 4)
    assert _tokens(nop, b"\x00\x01\x02\x03\x04") == ([b"\x00\x01\x02\x03"], 4)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"encoding": "klingon"}, "unsupported encoding"),
        ({"encoding": "nop", "line_start_pattern": "x"}, "should not be set when using nop"),
        ({"encoding": "utf-8", "line_start_pattern": "a", "line_end_pattern": "b"}, "only one of"),
        ({"encoding": "utf-8", "line_start_pattern": "(unclosed"}, "compile line start regex"),
    ],
)
def test_splitter_config_errors(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Splitter(
            kwargs["encoding"],
            1024,
            line_start_pattern=kwargs.get("line_start_pattern", ""),
            line_end_pattern=kwargs.get("line_end_pattern", ""),
        )


def test_doublestar_include_and_exclude(tmp_path: Path) -> None:
    for rel in ["a.log", "x/b.log", "x/y/c.log", "x/y/skip.log", "x/d.txt"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = match_files([f"{tmp_path}/**/*.log"], [f"{tmp_path}/**/skip.log"])
    assert [Path(p).relative_to(tmp_path).as_posix() for p in found] == ["a.log", "x/b.log", "x/y/c.log"]
    assert match_files([f"{tmp_path}/x/*.{{log,txt}}"], []) == [f"{tmp_path}/x/b.log", f"{tmp_path}/x/d.txt"]
