"""``go_replace_all``: Go's ``ReplaceAllStringFunc`` semantics, where Python's ``re.sub`` differs
(an empty match right after a match is not replaced in Go)."""

from __future__ import annotations

import pytest

from pyotelcol.helpers.goregex import compile_go, go_replace_all


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("(?s).*", "ab\ncd", "<ab\ncd>"),  # one replacement (re.sub gives two)
        ("(?s).*", "", "<>"),
        ("x*", "axb", "<>a<x>b<>"),
        ("[0-9]+", "a12b3", "a<12>b<3>"),
        ("^", "ab", "<>ab"),
        ("$", "ab", "ab<>"),
        ("z", "ab", "ab"),
    ],
)
def test_replacements_match_go(pattern: str, text: str, expected: str) -> None:
    assert go_replace_all(compile_go(pattern), text, lambda m: f"<{m}>") == expected
