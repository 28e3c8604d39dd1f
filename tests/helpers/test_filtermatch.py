"""Table tests of the shared include/exclude matcher (Go's internal/filter)."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.config.decode import DecodeError, decode
from pyotelcol.helpers.filtermatch import (
    AttributesMatcher,
    GoRegexError,
    LogMatcher,
    MatchProperties,
    MetricMatcher,
    RegexpConfig,
    SpanMatcher,
    compile_go,
    create_filter_set,
    log_skip,
    metric_skip,
    span_skip,
)
from pyotelcol.pdata.pcommon import InstrumentationScope, Map, Resource
from pyotelcol.pdata.plog import LogRecord
from pyotelcol.pdata.pmetric import Metric
from pyotelcol.pdata.ptrace import Span


def props(**raw: Any) -> MatchProperties:
    return decode(MatchProperties, raw)


def resource(**attrs: Any) -> Resource:
    res = Resource.new()
    res.attributes.put_all(attrs)
    return res


def scope(name: str = "", version: str = "") -> InstrumentationScope:
    sc = InstrumentationScope.new()
    sc.name = name
    sc.version = version
    return sc


def span(name: str = "op", kind: int = 2, **attrs: Any) -> Span:
    sp = Span.new()
    sp.name = name
    sp.kind = kind
    sp.attributes.put_all(attrs)
    return sp


def log(body: Any = "hello", severity: int = 9, text: str = "INFO", **attrs: Any) -> LogRecord:
    rec = LogRecord.new()
    rec.body.from_raw(body)
    rec.severity_number = severity
    rec.severity_text = text
    rec.attributes.put_all(attrs)
    return rec


def metric(name: str) -> Metric:
    m = Metric.new()
    m.name = name
    return m


# --- filter sets and Go regexps ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("match_type", "filters", "text", "expected"),
    [
        ("strict", ["a", "b"], "a", True),
        ("strict", ["a"], "ab", False),
        ("strict", ["a.*"], "abc", False),
        ("regexp", ["prefix/.*"], "extra/prefix/test", True),  # unanchored, as MatchString
        ("regexp", [".*_suffix"], "x_suffixextra", True),
        ("regexp", ["^full$"], "full", True),
        ("regexp", ["^full$"], "full\n", False),  # Go's $ is end of text only
        ("regexp", ["^a\\d$"], "a\u0663", False),  # Go's \d is ASCII
        ("regexp", ["[[:digit:]]+"], "x12", True),
        ("regexp", ["(?i)^GET$"], "get", True),
        ("regexp", ["(?<word>ab)c"], "abc", True),
        ("regexp", ["\\Qa.b\\E"], "axb", False),
        ("regexp", ["\\Qa.b\\E"], "a.b", True),
        ("regexp", ["x", "y"], "zzy", True),
        ("regexp", [], "anything", False),
    ],
)
def test_filter_sets(match_type: str, filters: list[str], text: str, expected: bool) -> None:
    assert create_filter_set(filters, match_type).matches(text) is expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("[", "error parsing regexp: missing closing ]: `[`"),
        ("a(b", "error parsing regexp: missing closing ): `a(b`"),
        ("a)", "error parsing regexp: unexpected ): `a)`"),
        ("*a", "error parsing regexp: missing argument to repetition operator: `*`"),
        ("a**", "error parsing regexp: invalid nested repetition operator: `**`"),
        ("(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"),
        ("(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"),
        ("a\\", "error parsing regexp: trailing backslash at end of expression: ``"),
    ],
)
def test_go_regexp_errors(pattern: str, message: str) -> None:
    with pytest.raises(GoRegexError) as info:
        compile_go(pattern)
    assert str(info.value) == message


def test_unknown_match_type() -> None:
    with pytest.raises(ValueError, match=r"^unrecognized match_type: 'glob', valid types are: \[regexp strict\]$"):
        create_filter_set(["a"], "glob")


def test_regexp_cache_keeps_answers_and_refuses_negative_size() -> None:
    bounded = create_filter_set(["^a"], "regexp", RegexpConfig(cacheenabled=True, cachemaxnumentries=2))
    unbounded = create_filter_set(["^a"], "regexp", RegexpConfig(cacheenabled=True))
    for fs in (bounded, unbounded):
        assert [fs.matches(t) for t in ("ab", "ba", "ab", "c", "ab")] == [True, False, True, False, True]
    with pytest.raises(ValueError, match="must provide a positive size"):
        create_filter_set(["a"], "regexp", RegexpConfig(cacheenabled=True, cachemaxnumentries=-1))


def test_bounded_cache_forgets_the_least_recently_used() -> None:
    from pyotelcol.helpers.filtermatch.filterset import _LRU

    lru = _LRU(2)
    lru["a"] = True
    lru["b"] = False
    assert lru.get("a") is True  # a is now the most recent
    lru["c"] = True
    assert (lru.get("a"), lru.get("b"), lru.get("c"), len(lru)) == (True, None, True, 2)


# --- attributes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match_type", "attributes", "attrs", "expected"),
    [
        ("strict", [{"key": "k", "value": "v"}], {"k": "v"}, True),
        ("strict", [{"key": "k", "value": "v"}], {"k": "w"}, False),
        ("strict", [{"key": "k"}], {"k": 3}, True),  # no value: presence only
        ("strict", [{"key": "k"}], {"other": 1}, False),
        ("strict", [{"key": "k", "value": 1}], {"k": 1}, True),
        ("strict", [{"key": "k", "value": 1}], {"k": "1"}, False),  # typed
        ("strict", [{"key": "k", "value": 1}], {"k": 1.0}, False),
        ("strict", [{"key": "k", "value": True}], {"k": 1}, False),
        ("strict", [{"key": "k", "value": ["a", "b"]}], {"k": ["a", "b"]}, True),
        ("strict", [{"key": "k", "value": ["a", "b"]}], {"k": ["b", "a"]}, False),
        ("strict", [{"key": "k", "value": {"x": 1}}], {"k": {"x": 1}}, True),
        ("strict", [{"key": "a", "value": 1}, {"key": "b", "value": 2}], {"a": 1}, False),  # AND
        ("strict", [{"key": "a"}], {}, False),
        ("regexp", [{"key": "k", "value": "^v"}], {"k": "value"}, True),
        ("regexp", [{"key": "k", "value": "^12$"}], {"k": 12}, True),
        ("regexp", [{"key": "k", "value": "^true$"}], {"k": True}, True),
        ("regexp", [{"key": "k", "value": "^1000000000000000000000$"}], {"k": 1e21}, True),  # 'f' format
        ("regexp", [{"key": "k", "value": "^0.5$"}], {"k": 0.5}, True),
        ("regexp", [{"key": "k", "value": "a"}], {"k": ["a"]}, False),  # slices never match
        ("regexp", [{"key": "k", "value": "a"}], {"k": b"a"}, False),
    ],
)
def test_attributes(match_type: str, attributes: list[dict[str, Any]], attrs: dict[str, Any], expected: bool) -> None:
    mp = props(match_type=match_type, attributes=attributes)
    assert AttributesMatcher(mp.match_type, mp.regexp, mp.attributes).matches(Map.from_raw(attrs)) is expected


def test_empty_attribute_list_matches_everything() -> None:
    assert AttributesMatcher("strict", None, []).matches(Map.new())


# --- spans ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "res", "sc", "sp", "expected"),
    [
        ({"match_type": "strict", "services": ["svc"]}, resource(**{"service.name": "svc"}), scope(), span(), True),
        ({"match_type": "strict", "services": ["svc"]}, resource(), scope(), span(), False),
        ({"match_type": "strict", "services": ["<nil-service-name>"]}, resource(), scope(), span(), True),
        ({"match_type": "regexp", "services": ["^sv"]}, resource(**{"service.name": "svc"}), scope(), span(), True),
        ({"match_type": "strict", "span_names": ["a", "op"]}, resource(), scope(), span("op"), True),
        ({"match_type": "strict", "span_names": ["a"]}, resource(), scope(), span("op"), False),
        ({"match_type": "regexp", "span_names": ["^o"]}, resource(), scope(), span("op"), True),
        ({"match_type": "strict", "span_kinds": ["SPAN_KIND_SERVER"]}, resource(), scope(), span(kind=2), True),
        ({"match_type": "strict", "span_kinds": ["SPAN_KIND_CLIENT"]}, resource(), scope(), span(kind=2), False),
        ({"match_type": "regexp", "span_kinds": ["CLIENT|SERVER"]}, resource(), scope(), span(kind=3), True),
        ({"match_type": "strict", "libraries": [{"name": "lib"}]}, resource(), scope("lib", "1"), span(), True),
        (
            {"match_type": "strict", "libraries": [{"name": "lib", "version": "2"}]},
            resource(),
            scope("lib", "1"),
            span(),
            False,
        ),
        (
            {"match_type": "strict", "libraries": [{"name": "lib", "version": ""}]},
            resource(),
            scope("lib", ""),
            span(),
            True,
        ),
        (  # every listed library must match
            {"match_type": "strict", "libraries": [{"name": "lib"}, {"name": "other"}]},
            resource(),
            scope("lib"),
            span(),
            False,
        ),
        (
            {"match_type": "strict", "resources": [{"key": "env", "value": "prod"}]},
            resource(env="prod"),
            scope(),
            span(),
            True,
        ),
        (
            {"match_type": "strict", "resources": [{"key": "env", "value": "prod"}]},
            resource(env="dev"),
            scope(),
            span(),
            False,
        ),
        (  # properties AND
            {"match_type": "strict", "span_names": ["op"], "attributes": [{"key": "k"}]},
            resource(),
            scope(),
            span("op"),
            False,
        ),
        (
            {"match_type": "strict", "span_names": ["op"], "attributes": [{"key": "k"}]},
            resource(),
            scope(),
            span("op", k=1),
            True,
        ),
    ],
)
def test_span_matcher(raw: dict[str, Any], res: Resource, sc: InstrumentationScope, sp: Span, expected: bool) -> None:
    assert SpanMatcher(props(**raw)).matches(res, sc, sp) is expected


@pytest.mark.parametrize(
    ("include", "exclude", "name", "processed"),
    [
        (None, None, "a", True),
        (["a"], None, "a", True),
        (["a"], None, "b", False),
        (None, ["a"], "a", False),
        (None, ["a"], "b", True),
        (["a", "b"], ["b"], "b", False),  # include first, then exclude
        (["a", "b"], ["b"], "a", True),
        (["a"], ["b"], "c", False),
    ],
)
def test_span_include_exclude(include: list[str] | None, exclude: list[str] | None, name: str, processed: bool) -> None:
    inc = props(match_type="strict", span_names=include) if include is not None else None
    exc = props(match_type="strict", span_names=exclude) if exclude is not None else None
    skip = span_skip(inc, exc)
    if include is None and exclude is None:
        assert skip is None
        return
    assert skip is not None
    assert skip.processes(resource(), scope(), span(name)) is processed


# --- logs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "rec", "expected"),
    [
        ({"match_type": "strict", "log_bodies": ["hello"]}, log("hello"), True),
        ({"match_type": "regexp", "log_bodies": ["^he"]}, log("hello"), True),
        ({"match_type": "strict", "log_bodies": ["12"]}, log(12), True),  # body AsString
        ({"match_type": "strict", "log_bodies": ['{"a":1}']}, log({"a": 1}), True),
        ({"match_type": "strict", "log_severity_texts": ["INFO"]}, log(text="INFO"), True),
        ({"match_type": "strict", "log_severity_texts": ["WARN"]}, log(text="INFO"), False),
        ({"match_type": "strict", "log_severity_number": {"min": 9}}, log(severity=9), True),
        ({"match_type": "strict", "log_severity_number": {"min": 13}}, log(severity=9), False),
        ({"match_type": "strict", "log_severity_number": {"min": 0}}, log(severity=0), False),
        ({"match_type": "strict", "log_severity_number": {"min": 9, "match_undefined": True}}, log(severity=0), True),
        ({"match_type": "strict", "attributes": [{"key": "user"}]}, log(user="x"), True),
    ],
)
def test_log_matcher(raw: dict[str, Any], rec: LogRecord, expected: bool) -> None:
    assert LogMatcher(props(**raw)).matches(resource(), scope(), rec) is expected


def test_log_skip_exclude_only() -> None:
    skip = log_skip(None, props(match_type="regexp", log_bodies=["debug"]))
    assert skip is not None
    assert not skip.processes(resource(), scope(), log("a debug line"))
    assert skip.processes(resource(), scope(), log("an info line"))


# --- metrics -------------------------------------------------------------------------------------


def test_metric_names() -> None:
    matcher = MetricMatcher(props(match_type="regexp", metric_names=["^http\\."]))
    assert matcher.matches(resource(), scope(), metric("http.server.duration"))
    assert not matcher.matches(resource(), scope(), metric("rpc.server.duration"))


def test_metric_skip_ignores_resources_like_go() -> None:
    only_resources = props(match_type="strict", resources=[{"key": "env", "value": "prod"}])
    assert metric_skip(only_resources, None) is None
    skip = metric_skip(props(match_type="strict", metric_names=["a"], resources=[{"key": "k"}]), None)
    assert skip is not None
    assert skip.processes(resource(), scope(), metric("a"))
    assert not skip.processes(resource(), scope(), metric("b"))


# --- config errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "raw", "message"),
    [
        ("spans", {"match_type": "strict", "log_bodies": ["x"]}, "log_bodies should not be specified for trace spans"),
        (
            "spans",
            {"match_type": "strict", "metric_names": ["x"]},
            "metric_names should not be specified for trace spans",
        ),
        (
            "spans",
            {"match_type": "strict", "log_severity_number": {"min": 1}},
            "log_severity_number should not be specified for trace spans",
        ),
        (
            "spans",
            {"match_type": "strict"},
            'at least one of "attributes", "libraries",  or "resources" field must be specified',
        ),
        (
            "spans",
            {"match_type": "strict", "span_kinds": ["server"]},
            "span_kinds string must match one of the standard span kinds when match_type=strict: "
            "[     SPAN_KIND_CLIENT SPAN_KIND_CONSUMER SPAN_KIND_INTERNAL SPAN_KIND_PRODUCER SPAN_KIND_SERVER]",
        ),
        (
            "spans",
            {"match_type": "regexp", "span_names": ["("]},
            "error creating span name filters: error parsing regexp: missing closing ): `(`",
        ),
        (
            "spans",
            {"match_type": "glob", "services": ["a"]},
            "error creating service name filters: unrecognized match_type: 'glob', valid types are: [regexp strict]",
        ),
        (
            "spans",
            {"match_type": "regexp", "attributes": [{"key": "k", "value": 1}]},
            'error creating attribute filters: match_type=regexp for "k" only supports Str, but found Int',
        ),
        (
            "spans",
            {"match_type": "strict", "resources": [{"key": "", "value": 1}]},
            "error creating resource filters: can't have empty key in the list of attributes",
        ),
        (
            "spans",
            {"match_type": "regexp", "libraries": [{"name": "["}]},
            "error creating library name filters: error parsing regexp: missing closing ]: `[`",
        ),
        (
            "spans",
            {"match_type": "regexp", "libraries": [{"name": "lib", "version": "["}]},
            "error creating library version filters: error parsing regexp: missing closing ]: `[`",
        ),
        (
            "logs",
            {"match_type": "strict", "span_names": ["x"]},
            "services, span_names, span_kinds and metric_names are not valid for log records",
        ),
        (
            "logs",
            {"match_type": "strict"},
            'at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", '
            '"log_severity_texts" or "log_severity_number" field must be specified',
        ),
        (
            "metrics",
            {"match_type": "strict", "attributes": [{"key": "k"}]},
            '"span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", '
            '"services", "attributes" and "libraries" are not valid for metrics',
        ),
        (
            "metrics",
            {"match_type": "strict"},
            'at least one of "metric_names" or "resources" field must be specified',
        ),
    ],
)
def test_config_errors(signal: str, raw: dict[str, Any], message: str) -> None:
    build = {"spans": SpanMatcher, "logs": LogMatcher, "metrics": MetricMatcher}[signal]
    with pytest.raises(ValueError) as info:
        build(props(**raw))
    assert str(info.value) == message


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(DecodeError, match="'libraries\\[0\\]' has invalid keys: versions"):
        props(match_type="strict", libraries=[{"name": "a", "versions": "1"}])


def test_unknown_match_type_without_lists_is_accepted_like_go() -> None:
    # Go only checks match_type when it builds a set that needs it.
    assert SpanMatcher(props(match_type="", attributes=[{"key": "k"}])).matches(resource(), scope(), span(k=1))
