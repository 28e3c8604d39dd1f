"""The expr-lang subset, the field syntax and the time layouts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pyotelcol.helpers.stanza import timeparse
from pyotelcol.helpers.stanza.entry import Entry, Field
from pyotelcol.helpers.stanza.expr import ExprError, compile_expr, entry_env


def _env() -> dict[str, Any]:
    e = Entry("GET /api 200")
    e.attributes = {"level": "warn", "n": 3, "nested": {"k": "v"}, "dotted.key": "d", "list": [1, 2]}
    e.resource = {"host": "h1"}
    return entry_env(e)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('body matches "^GET"', True),
        ('body matches "^\\\\{"', False),
        ("attributes.level == 'warn' and attributes.n > 2", True),
        ("attributes.level != 'warn' || attributes.n >= 3", True),
        ("not (attributes.n < 3)", True),
        ('attributes["dotted.key"] == "d"', True),
        ("attributes.nested.k", "v"),
        ("attributes.missing == nil", True),
        ("attributes.missing ?? 'dflt'", "dflt"),
        ("'warn' in ['info', 'warn']", True),
        ("2 in attributes.list", True),
        ("'zzz' not in attributes", True),
        ('body startsWith "GET" && body endsWith "200" && body contains "/api"', True),
        ("attributes.n * 2 + 1", 7),
        ("attributes.n % 2 == 1 ? 'odd' : 'even'", "odd"),
        ("len(body)", 12),
        ("lower('ABC') + upper('d')", "abcD"),
        ("resource.host == 'h1'", True),
        ("int('42') + 1", 43),
        ("type(attributes.n)", "int"),
    ],
)
def test_expressions(text: str, expected: Any) -> None:
    assert compile_expr(text)(_env()) == expected


def test_env_function(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANZA_TEST_VAR", "yes")
    assert compile_expr('env("STANZA_TEST_VAR") == "yes"')({}) is True


@pytest.mark.parametrize("text", ["body ==", "foo(1)", "(body", "body @ 1", ""])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(ExprError):
        compile_expr(text)


def test_runtime_type_errors_raise() -> None:
    with pytest.raises(ExprError):
        compile_expr("attributes.n matches 'x'")(_env())


@pytest.mark.parametrize(
    ("text", "root", "keys"),
    [
        ("body", "body", ()),
        ("body.a.b", "body", ("a", "b")),
        ('attributes["a.b"]', "attributes", ("a.b",)),
        ("attributes['x'].y", "attributes", ("x", "y")),
        ('resource["k8s.pod.name"]', "resource", ("k8s.pod.name",)),
    ],
)
def test_field_syntax(text: str, root: str, keys: tuple[str, ...]) -> None:
    field = Field.parse(text)
    assert (field.root, field.keys) == (root, keys)


@pytest.mark.parametrize("text", ["attributes", "foo.bar", 'attributes["open', "body..a"])
def test_bad_fields(text: str) -> None:
    with pytest.raises(ValueError):
        Field.parse(text)


def test_field_set_merges_maps_and_delete() -> None:
    e = Entry("x")
    Field.parse("attributes.m").set(e, {"a": 1})
    Field.parse("attributes.m").set(e, {"b": 2})
    assert e.attributes == {"m": {"a": 1, "b": 2}}
    assert Field.parse("attributes.m.a").delete(e) == (1, True)
    assert Field.parse("attributes.m.zz").delete(e) == (None, False)
    Field.parse("body.k").set(e, "v")  # a string body becomes a map
    assert e.body == {"k": "v"}


@pytest.mark.parametrize(
    ("layout", "value", "expected"),
    [
        ("2006-01-02T15:04:05.999999999Z07:00", "2024-02-29T23:59:59.5-01:00", "2024-03-01T00:59:59.500000+00:00"),
        ("2006-01-02 15:04:05", "2024-01-01 00:00:00.123", "2024-01-01T00:00:00.123000+00:00"),
        ("Mon, 02 Jan 2006 15:04:05 MST", "Tue, 02 Jan 2024 10:00:00 UTC", "2024-01-02T10:00:00+00:00"),
        ("02/Jan/2006:15:04:05 -0700", "10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36+00:00"),
        ("3:04PM 2006-01-02", "1:05PM 2024-05-06", "2024-05-06T13:05:00+00:00"),
    ],
)
def test_gotime_layouts(layout: str, value: str, expected: str) -> None:
    ns = timeparse.GoLayout(layout).parse(value, dt.UTC)
    assert dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).isoformat() == expected


def test_strptime_mapping_and_errors() -> None:
    layout = timeparse.strptime_to_gotime("%d/%b/%Y:%H:%M:%S %z")
    assert layout == "02/Jan/2006:15:04:05 Z0700"
    with pytest.raises(ValueError, match="cannot parse"):
        timeparse.GoLayout(layout).parse("not a time", dt.UTC)
    with pytest.raises(ValueError, match="unsupported"):
        timeparse.strptime_to_gotime("%Q")


def test_year_less_layout_gets_the_current_year() -> None:
    ns = timeparse.GoLayout("Jan _2 15:04:05").parse("Mar  1 00:00:00", dt.UTC)
    assert dt.datetime.fromtimestamp(ns / 1e9, dt.UTC).year == dt.datetime.now(dt.UTC).year
