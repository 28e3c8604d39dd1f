"""Map, slice and parsing converters against Go's documented behaviour."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.ottl.functions import CompileError, ExecutionError
from pyotelcol.pdata.pcommon import Map

THINGS = [{"name": "foo", "value": 2}, {"name": "bar", "value": 5}]

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    ("Keys", ({"k1": "v1", "k2": "v2"},), ["k1", "k2"]),
    ("Values", ({"key1": "value1", "key2": 5, "key3": [1, 2]},), ["value1", 5, [1, 2]]),
    ("ContainsValue", (["staging", "prod"], "staging"), True),
    ("ContainsValue", ([1, 2, 3, 4, 5], 3), True),
    ("ContainsValue", ([1.1, 2.2, 3.3, 4.4], 4.4), True),
    ("ContainsValue", (["GET", "PUT", "POST"], "DELETE"), False),
    ("ContainsValue", ([1, 2], 2.0), True),
    ("ContainsValue", (["1"], 1), False),
    # SliceToMap: the README's three forms, plus items without the key skipped.
    ("SliceToMap", (THINGS, ["name"]), {"foo": THINGS[0], "bar": THINGS[1]}),
    ("SliceToMap", (THINGS,), {"0": THINGS[0], "1": THINGS[1]}),
    ("SliceToMap", (THINGS, ["name"], ["value"]), {"foo": 2, "bar": 5}),
    ("SliceToMap", ([{"a": {"b": "k"}}, {"x": 1}, "s"], ["a", "b"]), {"k": {"a": {"b": "k"}}}),
    # Sort: typed copies, per Go's common-type rules.
    ("Sort", ([3, 1, 2],), [1, 2, 3]),
    ("Sort", ([3, 1, 2], "desc"), [3, 2, 1]),
    ("Sort", ([2.5, 1, 3],), [1.0, 2.5, 3.0]),
    ("Sort", (["b", "a", "C"],), ["C", "a", "b"]),
    ("Sort", ([True, False],), ["false", "true"]),
    ("Sort", ([1, "a", True],), ["1", "a", "true"]),
    ("Sort", ([[1], 2],), [[1], 2]),
    ("Sort", ([],), []),
    # ParseJSON: every number a float64.
    (
        "ParseJSON",
        ('{"attr":true,"n":1,"o":{"x":[1,"a",null]}}',),
        {"attr": True, "n": 1.0, "o": {"x": [1.0, "a", None]}},
    ),
    ("ParseJSON", ('["attr1","attr2"]',), ["attr1", "attr2"]),
    # ParseKeyValue: quotes group, delimiters configurable, values trimmed.
    ("ParseKeyValue", ("k1=v1 k2=v2 k3=v3",), {"k1": "v1", "k2": "v2", "k3": "v3"}),
    ("ParseKeyValue", ("k1!v1_k2!v2_k3!v3", "!", "_"), {"k1": "v1", "k2": "v2", "k3": "v3"}),
    ("ParseKeyValue", ("a=\"x y\" b='p q'  c=1=2",), {"a": "x y", "b": "p q", "c": "1=2"}),
    # ToKeyValueString: quoting, JSON for nested values, optional sorting.
    ("ToKeyValueString", ({"k1": "v1", "k2": "v2", "k3": "v3"},), "k1=v1 k2=v2 k3=v3"),
    (
        "ToKeyValueString",
        ({"k1": "v1", "k2": {"k3": "v3", "k4": ["v4", "v5"]}},),
        'k1=v1 k2={\\"k3\\":\\"v3\\",\\"k4\\":[\\"v4\\",\\"v5\\"]}',
    ),
    (
        "ToKeyValueString",
        ({"k1": "v1", "k2": "v=2", "k3": '"v=3"'},),
        'k1=v1 k2="v=2" k3="\\"v=3\\""',
    ),
    ("ToKeyValueString", ({"b": 2, "a": True}, ":", ",", True), "a:true,b:2"),
    # ParseCSV: strict, lazyQuotes, ignoreQuotes; newlines inside the row join fields.
    (
        "ParseCSV",
        ("999-999-9999,Joe Smith,joe.smith@example.com", "phone,name,email"),
        {"phone": "999-999-9999", "name": "Joe Smith", "email": "joe.smith@example.com"},
    ),
    ("ParseCSV", ("1|2|3", "a|b|c", "|"), {"a": "1", "b": "2", "c": "3"}),
    ("ParseCSV", ("1|2", "a,b", "|", ","), {"a": "1", "b": "2"}),
    ("ParseCSV", ('"x, y",z', "a,b"), {"a": "x, y", "b": "z"}),
    ("ParseCSV", ('"say ""hi""",z', "a,b"), {"a": 'say "hi"', "b": "z"}),
    ("ParseCSV", ('ab"c,d', "a,b", None, None, "lazyQuotes"), {"a": 'ab"c', "b": "d"}),
    (
        "ParseCSV",
        ('"555-555-5556,Joe Smith",joe.smith@example.com', "phone,name,email", None, None, "ignoreQuotes"),
        {"phone": '"555-555-5556', "name": 'Joe Smith"', "email": "joe.smith@example.com"},
    ),
    ("ParseCSV", ("a,b\nc,d", "x,y,z"), {"x": "a", "y": "b\nc", "z": "d"}),
    ("ParseCSV", ('"a\nb",c', "x,y"), {"x": "a\nb", "y": "c"}),
    ("ParseCSV", ("a,", "x,y"), {"x": "a", "y": ""}),
    # URL: the README's examples.
    (
        "URL",
        ("http://www.example.com",),
        {
            "url.original": "http://www.example.com",
            "url.scheme": "http",
            "url.domain": "www.example.com",
            "url.path": "",
        },
    ),
    (
        "URL",
        ("http://myusername:mypassword@www.example.com:80/foo.gif?key1=val1&key2=val2#fragment",),
        {
            "url.path": "/foo.gif",
            "url.fragment": "fragment",
            "url.extension": "gif",
            "url.password": "mypassword",
            "url.original": "http://myusername:mypassword@www.example.com:80/foo.gif?key1=val1&key2=val2#fragment",
            "url.scheme": "http",
            "url.port": 80,
            "url.user_info": "myusername:mypassword",
            "url.domain": "www.example.com",
            "url.query": "key1=val1&key2=val2",
            "url.username": "myusername",
        },
    ),
    # ParseXML and ParseSimplifiedXML: the README's documents.
    (
        "ParseXML",
        (
            '<?xml version="1.0" encoding="UTF-8" ?><Log><User><ID>00001</ID>'
            '<Name type="first">Joe</Name><Email>joe.smith@example.com</Email></User>'
            "<!-- note --><Text>User fired alert A</Text></Log>",
        ),
        {
            "tag": "Log",
            "children": [
                {
                    "tag": "User",
                    "children": [
                        {"tag": "ID", "content": "00001"},
                        {"tag": "Name", "content": "Joe", "attributes": {"type": "first"}},
                        {"tag": "Email", "content": "joe.smith@example.com"},
                    ],
                },
                {"tag": "Text", "content": "User fired alert A"},
            ],
        },
    ),
    (
        "ParseXML",
        ('<HostInfo hostname="example.com" zone="east-1" />',),
        {"tag": "HostInfo", "attributes": {"hostname": "example.com", "zone": "east-1"}},
    ),
    ("ParseSimplifiedXML", ("<x>\n  <y>1</y>\n  <z>2</z>\n</x>",), {"x": {"y": "1", "z": "2"}}),
    ("ParseSimplifiedXML", ("<a><b>1</b><b>2</b></a>",), {"a": {"b": ["1", "2"]}}),
    ("ParseSimplifiedXML", ("<a><b>1</b><b><![CDATA[2]]></b></a>",), {"a": {"b": ["1", "2"]}}),
    ("ParseSimplifiedXML", ("<a> <b>1</b> <b/> </a>",), {"a": {"b": ["1"]}}),
    ("ParseSimplifiedXML", ('<a x="1">text<b>1</b></a>',), {"a": {"b": "1"}}),
    # ParseSeverity.
    ("ParseSeverity", ("inf", {"info": [{"equals": ["inf"]}, {"range": {"min": 200, "max": 299}}]}), "info"),
    ("ParseSeverity", (250, {"info": [{"equals": ["inf"]}, {"range": {"min": 200, "max": 299}}]}), "info"),
    ("ParseSeverity", (404, {"info": [{"range": "2xx"}], "error": [{"range": "4xx"}]}), "error"),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_converter(call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert call(name, *args) == expected


def test_map_views_are_accepted_and_left_unchanged(call: Any) -> None:
    attrs = Map.from_raw({"b": 1, "a": {"n": [1, 2]}, "things": THINGS})
    assert call("Keys", attrs) == ["b", "a", "things"]
    assert call("Values", attrs)[1] == {"n": [1, 2]}
    things = attrs.get("things")
    assert things is not None
    assert call("SliceToMap", things.slice, ["name"], ["value"]) == {"foo": 2, "bar": 5}
    assert call("ToKeyValueString", attrs.get("a"), sort_output=True) == "n=[1,2]"
    assert attrs.as_raw() == {"b": 1, "a": {"n": [1, 2]}, "things": THINGS}


def test_sort_returns_a_copy(call: Any) -> None:
    attrs = Map.from_raw({"tags": ["b", "a"]})
    tags = attrs.get("tags")
    assert tags is not None
    assert call("Sort", tags.slice) == ["a", "b"]
    assert attrs.as_raw() == {"tags": ["b", "a"]}


RUN_ERRORS: list[tuple[str, tuple[Any, ...], str]] = [
    ("Sort", ("not a list",), "sort with unsupported type: 'string'. Target is not a list"),
    ("Sort", (None,), "Target is not a list"),
    ("Keys", ("x",), "expected pcommon.Map but got string"),
    ("ContainsValue", ("abc", "a"), "expected pcommon.Slice but got string"),
    ("SliceToMap", ("x", ["name"]), "unsupported type provided to SliceToMap function: string"),
    ("ParseJSON", ("{bad",), "failed to parse JSON"),
    ("ParseJSON", ("NaN",), "failed to parse JSON"),
    ("ParseJSON", ('"just a string"',), "could not convert parsed value of type string"),
    ("ParseJSON", (5,), "expected string but got int64"),
    ("ParseKeyValue", ("",), "cannot parse from empty target"),
    ("ParseKeyValue", ("k1=v1 k2",), 'cannot split "k2" into 2 items, got 1 item(s)'),
    ("ParseKeyValue", ('k1="v1',), "never reached the end of a quoted value"),
    ("ParseCSV", ("1,2", "a,b,c"), "wrong number of fields: expected 3, found 2"),
    ("ParseCSV", ('ab"c,d', "a,b"), 'parse error on line 1, column 3: bare " in non-quoted field'),
    ("ParseCSV", ('"ab"c,d', "a,b"), 'extraneous or missing " in quoted-field'),
    ("ParseCSV", ("1", ""), "headers must not be an empty string"),
    ("URL", ("",), "url cannot be empty"),
    ("URL", ("http://host:port/",), 'parse "http://host:port/"'),
    ("ParseXML", ("<a><b></a>",), "unmarshal xml"),
    ("ParseSimplifiedXML", ("not xml",), "parse xml"),
    ("ParseSeverity", ([1], {"info": [{"equals": ["x"]}]}), "log level must be either string or int"),
    ("ParseSeverity", ("x", {"info": [{"equals": ["y"]}]}), "no matching log level found for value 'x'"),
    ("ToKeyValueString", ("x",), "expected pcommon.Map but got string"),
]


@pytest.mark.parametrize(("name", "args", "message"), RUN_ERRORS)
def test_execution_errors(call: Any, name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        call(name, *args)
    assert message in str(caught.value)


COMPILE_ERRORS: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = [
    ("Sort", ([1], "up"), {}, 'invalid arguments: up. Order should be either "asc" or "desc"'),
    ("ParseKeyValue", ("a", "=", "="), {}, 'pair delimiter "=" cannot be equal to delimiter "="'),
    ("ToKeyValueString", ({},), {"delimiter": ""}, "delimiter cannot be set to an empty string"),
    ("ToKeyValueString", ({}, ":", ":"), {}, 'pair delimiter ":" cannot be equal to delimiter ":"'),
    ("ParseCSV", ("a", "b", ";;"), {}, "invalid arguments: delimiter must be a single character"),
    ("ParseCSV", ("a", "b"), {"mode": "loose"}, "unknown mode: loose"),
    ("SliceToMap", ([],), {"keyPath": []}, "key path must contain at least one element"),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "message"), COMPILE_ERRORS)
def test_compile_errors(
    compile_converter: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(CompileError) as caught:
        compile_converter(name, *args, **kwargs)
    assert message in str(caught.value)


def test_deep_xml_is_refused_not_crashing(call: Any) -> None:
    depth = 10_001
    document = "<a>" * depth + "</a>" * depth
    with pytest.raises(ExecutionError, match="maximum nesting depth"):
        call("ParseXML", document)
    # Below the limit, nesting deeper than Python's recursion limit still works.
    nested = "<a>" * 2000 + "x" + "</a>" * 2000
    result = call("ParseSimplifiedXML", nested)
    for _ in range(1999):
        result = result["a"]
    assert result == {"a": "x"}
