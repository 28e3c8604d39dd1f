"""The standard editors, each from span attributes in to span attributes out (Go's semantics)."""

from __future__ import annotations

from typing import Any

import pytest
from ottl.engine_data import first_span, plain_attrs, span, traces

from pyotelcol.ottl import CompileError, ExecutionError, parse_statements
from pyotelcol.ottl.editors import glob_to_regex

BASE = {"http.method": "GET", "http.route": "/users/123", "password": "s3cret", "api_token": "t", "n": 42}


def apply(statement: str, **attributes: Any) -> dict[str, Any]:
    data = traces(span(**(attributes or BASE)))
    parse_statements([statement], "traces", error_mode="propagate").execute(data)
    return plain_attrs(first_span(data).get("attributes", []))


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ('set(span.attributes["env"], "prod")', {**BASE, "env": "prod"}),
        ('set(span.attributes["env"], span.attributes["missing"])', {**BASE, "env": None}),  # nil: an empty value
        ('delete_key(span.attributes, "password")', {k: v for k, v in BASE.items() if k != "password"}),
        ('delete_key(span.attributes, "absent")', BASE),
        (
            'delete_matching_keys(span.attributes, "(?i).*(password|token).*")',
            {"http.method": "GET", "http.route": "/users/123", "n": 42},
        ),
        ('keep_keys(span.attributes, ["http.method", "n", "absent"])', {"http.method": "GET", "n": 42}),
        ("keep_keys(span.attributes, [])", {}),
        ('keep_matching_keys(span.attributes, "^http\\\\.")', {"http.method": "GET", "http.route": "/users/123"}),
        (
            'replace_pattern(span.attributes["http.route"], "/users/\\\\d+", "/users/{id}")',
            {**BASE, "http.route": "/users/{id}"},
        ),
        (
            'replace_pattern(span.attributes["http.route"], "^/(\\\\w+)/(\\\\d+)$", "$2-$1")',
            {**BASE, "http.route": "123-users"},
        ),
        (
            'replace_pattern(span.attributes["http.route"], "^/(?P<kind>\\\\w+)/.*$", "${kind}!")',
            {**BASE, "http.route": "users!"},
        ),
        ('replace_pattern(span.attributes["http.route"], "x", "$$")', BASE),  # no match: unchanged
        ('replace_pattern(span.attributes["n"], "4", "5")', BASE),  # not a string: unchanged
        (
            'replace_pattern(span.attributes["password"], ".+", "$0", SHA256, "hash:%s")',
            {**BASE, "password": "hash:1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"},
        ),
        (
            'replace_all_patterns(span.attributes, "value", "\\\\d+", "N")',
            {**BASE, "http.route": "/users/N", "password": "sNcret"},
        ),
        (
            'replace_all_patterns(span.attributes, "key", "^http\\\\.", "h.")',
            {"h.method": "GET", "h.route": "/users/123", "password": "s3cret", "api_token": "t", "n": 42},
        ),
        (
            'replace_match(span.attributes["http.route"], "/users/*", "/users/{id}")',
            {**BASE, "http.route": "/users/{id}"},
        ),
        # Go's gobwas glob has no separator: * crosses '/'.
        ('replace_match(span.attributes["http.route"], "/u*", "x")', {**BASE, "http.route": "x"}),
        ('replace_match(span.attributes["http.route"], "/x*", "x")', BASE),
        ('replace_all_matches(span.attributes, "s3*", "***")', {**BASE, "password": "***"}),
        ("truncate_all(span.attributes, 3)", {**BASE, "http.route": "/us", "password": "s3c"}),
        (
            'truncate_all(span.attributes, 4, truncation_marker="..")',
            {**BASE, "http.route": "/u..", "password": "s3.."},
        ),
        ('limit(span.attributes, 2, ["password"])', {"http.method": "GET", "password": "s3cret"}),
        ("limit(span.attributes, 10, [])", BASE),
        ('merge_maps(span.attributes, {"n": 1, "new": "x"}, "insert")', {**BASE, "new": "x"}),
        ('merge_maps(span.attributes, {"n": 1, "new": "x"}, "update")', {**BASE, "n": 1}),
        ('merge_maps(span.attributes, {"n": 1, "new": "x"}, "upsert")', {**BASE, "n": 1, "new": "x"}),
        ("stringify_all(span.attributes)", {**BASE, "n": "42"}),
    ],
)
def test_editor(statement: str, expected: dict[str, Any]) -> None:
    assert apply(statement) == expected


def test_truncate_all_cuts_on_utf8_boundaries() -> None:
    assert apply("truncate_all(span.attributes, 3)", s="héllo") == {"s": "hé"}
    assert apply("truncate_all(span.attributes, 2)", s="héllo") == {"s": "h"}


def test_flatten() -> None:
    nested = {"title": "test", "address": {"street": "first", "house": 1234}, "occupants": ["user 1", "user 2"]}
    assert apply("flatten(span.attributes)", **nested) == {
        "title": "test",
        "address.street": "first",
        "address.house": 1234,
        "occupants.0": "user 1",
        "occupants.1": "user 2",
    }
    assert apply('flatten(span.attributes, "app", 1)', **{"a": {"b": {"c": 1}}}) == {"app.a.b": {"c": 1}}
    assert apply("flatten(span.attributes, depth=0)", **{"a": {"b": 1}}) == {"a": {"b": 1}}
    assert apply("flatten(span.attributes, resolveConflicts=true)", **{"a": {"b": 1}}) == {"a.b": 1}
    conflicts = {
        "address": {"street": {"number": "first"}, "house": "1234"},
        "address.street": {"number": ["second", "third"]},
        "address.street.number": "fourth",
        "occupants": ["user 1", "user 2"],
    }
    assert apply("flatten(span.attributes, resolve_conflicts=true)", **conflicts) == {
        "address.street.number": "first",
        "address.house": "1234",
        "address.street.number.0": "second",
        "address.street.number.1": "third",
        "address.street.number.2": "fourth",
        "occupants": "user 1",
        "occupants.0": "user 2",
    }


def test_append_and_delete_index() -> None:
    assert apply('append(span.attributes["tags"], "c")', tags=["a", "b"]) == {"tags": ["a", "b", "c"]}
    assert apply('append(span.attributes["tags"], values=["x", "y"])', tags="a") == {"tags": ["a", "x", "y"]}
    assert apply('append(span.attributes["new"], 1)', other=1) == {"other": 1, "new": [1]}
    assert apply('delete_index(span.attributes["tags"], 0)', tags=["a", "b", "c"]) == {"tags": ["b", "c"]}
    assert apply('delete_index(span.attributes["tags"], 1, 3)', tags=["a", "b", "c"]) == {"tags": ["a"]}
    with pytest.raises(ExecutionError, match="out of bounds"):
        apply('delete_index(span.attributes["tags"], 5)', tags=["a"])
    with pytest.raises(ExecutionError, match="target must be a slice type"):
        apply('delete_index(span.attributes["tags"], 0)', tags="a")


def test_map_editors_refuse_non_maps() -> None:
    with pytest.raises(ExecutionError, match=r"expected pcommon\.Map but got string"):
        apply('delete_key(span.attributes["s"], "a")', s="x")


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("truncate_all(span.attributes, -1)", "invalid limit for truncate_all function, -1 cannot be negative"),
        ('truncate_all(span.attributes, 2, true, "long")', "invalid truncation_marker"),
        ('limit(span.attributes, 1, ["a", "b"])', "cannot be less than number of priority attributes 2"),
        ('merge_maps(span.attributes, {}, "replace")', "invalid value for strategy, replace"),
        ('replace_all_patterns(span.attributes, "both", "a", "b")', "invalid mode both"),
        ("flatten(span.attributes, depth=-1)", "invalid depth for flatten function, -1 cannot be negative"),
        ('append(span.attributes["a"])', "at least one of the optional arguments"),
        ('replace_match(span.attributes["a"], "[", "b")', "syntax error in pattern"),
    ],
)
def test_editor_compile_errors(statement: str, message: str) -> None:
    with pytest.raises(CompileError, match=message.replace("[", "\\[").replace("(", "\\(")):
        parse_statements([statement], "traces")


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("/user/*/list/*", "/user/1/list/2", True),
        ("a?c", "abc", True),
        ("a?c", "a/c", True),
        ("a?c", "abbc", False),
        ("[a-c]x", "bx", True),
        ("[!a]x", "ax", False),
        ("[!a]x", "bx", True),
        ("{GET,POST} /*", "POST /a/b", True),
        ("{GET,POST} /*", "PUT /a", False),
        ("**.log", "a/b.log", True),
        ("\\*", "*", True),
        ("\\*", "x", False),
    ],
)
def test_glob(pattern: str, text: str, matches: bool) -> None:
    assert bool(glob_to_regex(pattern).fullmatch(text)) is matches
