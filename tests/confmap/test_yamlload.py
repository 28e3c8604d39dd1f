"""YAML parsed like Go's yaml.v3 (every expectation checked against otelcol-contrib 0.135)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pyotelcol.confmap import YamlError, load_yaml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("on", "on"),
        ("off", "off"),
        ("n", "n"),
        ("tRUE", "tRUE"),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("", None),
        ("~", None),
        ("Null", None),
        ("NULL", None),
        ("007", 7),
        ("0123", 83),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", 5),
        ("-0b11", -3),
        ("+12", 12),
        ("1_000", 1000),
        ("1__0", 10),
        ("08", 8.0),
        ("1e3", 1000.0),
        ("1.", 1.0),
        (".5", 0.5),
        (".5_0", 0.5),
        ("18446744073709551615", 2**64 - 1),
        ("99999999999999999999", 1e20),
        ("-.Inf", -math.inf),
        ("12:30:00", "12:30:00"),
        ("0x", "0x"),
        ("_1", "_1"),
        ("2001-12-14", datetime(2001, 12, 14, tzinfo=UTC)),
        ("2001-1-2 3:04:05", datetime(2001, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2001-12-14t21:59:43.1+02:00",
            datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2001-12-14T21:59:43", "2001-12-14T21:59:43"),
        ("2001-02-30", "2001-02-30"),
    ],
)
def test_plain_scalars_resolve_like_yaml_v3(text: str, expected: object) -> None:
    value = load_yaml(f"k: {text}")["k"]
    assert value == expected and type(value) is type(expected)


def test_quoted_tagged_and_structural_values() -> None:
    doc = load_yaml('a: "007"\nb: !!str 5\nc: !custom 5\nd: &x {k: 1}\ne: *x\nf: {<<: *x, z: 2}\ng: |\n  x\n')
    assert doc == {"a": "007", "b": "5", "c": "5", "d": {"k": 1}, "e": {"k": 1}, "f": {"k": 1, "z": 2}, "g": "x\n"}
    assert math.isnan(load_yaml("k: .nan")["k"])


def test_non_string_keys_become_go_strings() -> None:
    assert load_yaml("x: {1: a, true: b, 1.0: c, ~: d, 1e6: e}")["x"] == {
        "1": "c",
        "true": "b",
        "<nil>": "d",
        "1e+06": "e",
    }


def test_documents() -> None:
    assert load_yaml("") is None
    assert load_yaml("# nothing\n") is None
    assert load_yaml("---\n") is None
    assert load_yaml("a: 1\n---\n[broken") == {"a": 1}  # only the first document is read


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n b: 2\n", "yaml: line 2: mapping values are not allowed in this context"),
        ("a:\n\tb: 1\n", "yaml: line 2: found character that cannot start any token"),
        ("a: [a, b\n", "yaml: line 1: did not find expected ',' or ']'"),
        ("a: 1\nb\n", "yaml: line 2: could not find expected ':'"),
        ("- a\nb: c\n", "yaml: line 1: did not find expected '-' indicator"),
        ("a: b: c\n", "yaml: mapping values are not allowed in this context"),
        ("a: *x\n", "yaml: unknown anchor 'x' referenced"),
        ("a: &a [*a]\n", "yaml: anchor 'a' value contains itself"),
        (
            "x:\n  a: 1\n  a: 2\n",
            'yaml: unmarshal errors:\n  line 3: mapping key "a" already defined at line 2\n'
            '  line 3: mapping key "a" already defined at line 2',
        ),
    ],
)
def test_errors_use_yaml_v3_wording(text: str, message: str) -> None:
    with pytest.raises(YamlError) as exc:
        load_yaml(text)
    assert str(exc.value) == message
