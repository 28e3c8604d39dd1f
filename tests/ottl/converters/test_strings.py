"""String converters against Go's documented behaviour (ottlfuncs README and func_*.go)."""

from __future__ import annotations

from typing import Any

import pytest

from pyotelcol.helpers.goregex import GoRegexError, compile_go_regex
from pyotelcol.ottl.functions import CompileError, ExecutionError
from pyotelcol.pdata.pcommon import Map, ValueSlice

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # Concat: StringLikeGetter forms, nil as <nil>, maps and slices as JSON.
    ("Concat", (["GET", "/api"], ": "), "GET: /api"),
    ("Concat", (["a", 1, 1.5, True, None, b"\x01\xff"], "-"), "a-1-1.5-true-<nil>-01ff"),
    ("Concat", ([{"b": 1, "a": [1, "x"]}], ""), '{"a":[1,"x"],"b":1}'),
    ("Concat", ([], ","), ""),
    # ConvertCase and the To*Case converters (iancoleman/strcase rules).
    ("ConvertCase", ("myMetric", "snake"), "my_metric"),
    ("ConvertCase", ("my_metric", "camel"), "MyMetric"),
    ("ConvertCase", ("MY_METRIC", "lower"), "my_metric"),
    ("ConvertCase", ("my_metric", "upper"), "MY_METRIC"),
    ("ConvertCase", ("", "camel"), ""),
    ("ToLowerCase", ("MyMetricName",), "mymetricname"),
    ("ToUpperCase", ("MyMetricName",), "MYMETRICNAME"),
    ("ToSnakeCase", ("MyMetricName",), "my_metric_name"),
    ("ToSnakeCase", ("JSONData",), "json_data"),
    ("ToSnakeCase", ("AnyKind of_string",), "any_kind_of_string"),
    ("ToSnakeCase", ("numbers2And55with000",), "numbers_2_and_55_with_000"),
    ("ToSnakeCase", ("http.server-duration",), "http_server_duration"),
    ("ToCamelCase", ("my_metric_name",), "MyMetricName"),
    ("ToCamelCase", ("AnyKind of_string",), "AnyKindOfString"),
    ("ToCamelCase", ("odd-fix",), "OddFix"),
    ("ToCamelCase", ("numbers2And55with000",), "Numbers2And55With000"),
    ("ToCamelCase", ("ID",), "Id"),
    # Substring: byte offsets, or characters with utf8_safe.
    ("Substring", ("123456789", 0, 3), "123"),
    ("Substring", ("123456789", 5, 4), "6789"),
    ("Substring", ("一二三", 0, 4, True), "一"),
    ("Substring", ("一二三", 1, 6, True), "二"),
    ("Substring", ("一二三", 0, 9, True), "一二三"),
    # Split, Trim*, Has*.
    ("Split", ("A|B|C", "|"), ["A", "B", "C"]),
    ("Split", ("", ","), [""]),
    ("Split", ("abc", ""), ["a", "b", "c"]),
    ("Trim", (" this is a test ", " "), "this is a test"),
    ("Trim", ("!!this is a test!!", "!!"), "this is a test"),
    ("Trim", ("  padded  ",), "padded"),
    ("TrimPrefix", ("ingest_service", "ingest_"), "service"),
    ("TrimPrefix", ("service", "ingest_"), "service"),
    ("TrimSuffix", ("ingest_service", "_service"), "ingest"),
    ("HasPrefix", ("ingest_service", "ingest_"), True),
    ("HasPrefix", ("service", "ingest_"), False),
    ("HasSuffix", ("ingest_service", "_service"), True),
    # Format: Go's fmt.Sprintf, including its in-band error forms.
    ("Format", ("%02d", [5]), "05"),
    ("Format", ("%04d-%02d-%02d", [2024, 3, 7]), "2024-03-07"),
    ("Format", ("%s/%s.log", ["host", "app"]), "host/app.log"),
    ("Format", ("%.2f|%6.1f|%-4d|%+d", [3.14159, 2.25, 7, 3]), "3.14|   2.2|7   |+3"),
    ("Format", ("%v %v %v %v", [1000000.0, 0.5, True, None]), "1e+06 0.5 true <nil>"),
    ("Format", ("%v", [{"b": 2, "a": "x"}]), "map[a:x b:2]"),
    ("Format", ("%v", [[1, "a"]]), "[1 a]"),
    ("Format", ("%x %X %o %b %#x", [255, 255, 8, 5, 255]), "ff FF 10 101 0xff"),
    ("Format", ("%q %t %c %%", ["hi", False, 65]), '"hi" false A %'),
    ("Format", ("%d", ["x"]), "%!d(string=x)"),
    ("Format", ("%s", [5]), "%!s(int64=5)"),
    ("Format", ("%d %d", [1]), "1 %!d(MISSING)"),
    ("Format", ("%d", [1, "a"]), "1%!(EXTRA string=a)"),
    ("Format", ("%*d", [4, 7]), "   7"),
    # Index: byte index in strings, OTTL equality in slices.
    ("Index", ("hello world", "world"), 6),
    ("Index", ("héllo", "l"), 3),
    ("Index", ("hello", "z"), -1),
    ("Index", (["a", "b", "c"], "b"), 1),
    ("Index", ([1, 2.0, 3], 2), 1),
    ("Index", (["1"], 1), -1),
    # Len: bytes of a string, elements of a slice or map.
    ("Len", ("héllo",), 6),
    ("Len", ([1, 2, 3],), 3),
    ("Len", ({"a": 1},), 1),
    # IsMatch: unanchored Go regexp on the string form; nil never matches.
    ("IsMatch", ("string", ".*ring"), True),
    ("IsMatch", ("string", "^ring"), False),
    ("IsMatch", (None, ".*"), False),
    ("IsMatch", (123, "^12"), True),
    ("IsMatch", (True, "^true$"), True),
    ("IsMatch", ({"k": "v"}, '"k":"v"'), True),
    ("IsMatch", ("a\n", "a$"), False),
    ("IsMatch", ("line1\nline2", "(?m)^line2$"), True),
    ("IsMatch", ("HELLO", "(?i)hello"), True),
    ("IsMatch", ("x1", "x[[:digit:]]"), True),
    ("IsMatch", ("x٣", r"x\d"), False),
    # ExtractPatterns: named groups of the first match, group names Python would refuse.
    (
        "ExtractPatterns",
        ("GIT_SHA=abc123 more", r"GIT_SHA=(?P<git.sha>\w+)"),
        {"git.sha": "abc123"},
    ),
    (
        "ExtractPatterns",
        (
            "Mar 1 10:00:00 web-1 sshd[42]: accepted",
            r"^(?P<timestamp>\w+ \w+ [0-9]+:[0-9]+:[0-9]+) (?P<hostname>([A-Za-z0-9-_]+)) "
            r"(?P<process>\w+)(\[(?P<pid>\d+)\])?: (?P<message>.*)$",
        ),
        {
            "timestamp": "Mar 1 10:00:00",
            "hostname": "web-1",
            "process": "sshd",
            "pid": "42",
            "message": "accepted",
        },
    ),
    ("ExtractPatterns", ("nothing here", r"id=(?P<id>\d+)"), {}),
    # Encodings.
    ("Base64Decode", ("aGVsbG8gd29ybGQ=",), "hello world"),
    ("Decode", ("aGVsbG8gd29ybGQ=", "base64"), "hello world"),
    ("Decode", ("aGVsbG8gd29ybGQ", "base64-raw"), "hello world"),
    ("Decode", ("PDw_Pz4-", "base64-url"), "<<??>>"),
    ("Decode", (b"caf\xe9", "ISO-8859-1"), "café"),
    ("Decode", ("plain", "us-ascii"), "plain"),
    ("Base64Encode", ("test string",), "dGVzdCBzdHJpbmc="),
    ("Base64Encode", ("<<??>>", "base64-url"), "PDw_Pz4-"),
    ("Base64Encode", ("test string", "base64-raw"), "dGVzdCBzdHJpbmc"),
    ("Base64Encode", ("<<??>>a", "base64-raw-url"), "PDw_Pz4-YQ"),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES)
def test_converter(call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert call(name, *args) == expected


def test_views_are_read_like_plain_values(call: Any) -> None:
    attrs = Map.from_raw({"method": "GET", "tags": ["b", "a"]})
    tags = attrs.get("tags")
    assert tags is not None
    assert call("Concat", [attrs, "x"], "|") == '{"method":"GET","tags":["b","a"]}|x'
    assert call("Index", tags.slice, "a") == 1
    assert call("Len", tags.slice) == 2
    assert isinstance(tags.slice, ValueSlice)
    # Converters never change their inputs.
    assert attrs.as_raw() == {"method": "GET", "tags": ["b", "a"]}


RUN_ERRORS: list[tuple[str, tuple[Any, ...], str]] = [
    ("Split", (5, ","), "expected string but got int64"),
    ("Split", (None, ","), "expected string but got nil"),
    ("ToUpperCase", ([1],), "expected string but got []interface {}"),
    ("Substring", ("abc", -1, 2), "invalid start for substring function, -1 cannot be negative"),
    (
        "Substring",
        ("abc", 0, 0),
        "invalid length for substring function, 0 cannot be negative or zero",
    ),
    (
        "Substring",
        ("abc", 1, 5),
        "invalid range for substring function, start(1)+length(5) cannot be greater than the "
        "length of target string(3)",
    ),
    ("Substring", ("abc", "1", 2), "expected int64 but got string"),
    ("Index", ("abc", 1), "when source is string, value must also be string"),
    ("Index", (5, 1), "source must be of type string or slice"),
    ("Len", (5,), "unimplemented type: int64"),
    ("ExtractPatterns", (5, r"(?P<a>.)"), "expected string but got int64"),
    # Go checks for a named group when the statement runs, not when it is compiled.
    ("ExtractPatterns", ("x", r"(\d+)"), "at least 1 named capture group must be supplied in the given regex"),
    ("Base64Decode", ("abc",), "illegal base64 data at input byte 0"),
    ("Decode", ("a$==", "base64"), "illegal base64 data at input byte 1"),
    ("Concat", (["a"], 5), "expected string but got int64"),
]


@pytest.mark.parametrize(("name", "args", "message"), RUN_ERRORS)
def test_execution_errors(call: Any, name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ExecutionError) as caught:
        call(name, *args)
    assert str(caught.value) == message


COMPILE_ERRORS: list[tuple[str, tuple[Any, ...], str]] = [
    (
        "ConvertCase",
        ("x", "kebab"),
        "invalid case: kebab, allowed cases are: lower, upper, snake, camel",
    ),
    ("IsMatch", ("x", "(unclosed"), "the pattern supplied to IsMatch is not a valid regexp"),
    ("IsMatch", ("x", "a(?=b)"), "invalid or unsupported Perl syntax"),
    ("IsMatch", ("x", r"(a)\1"), "invalid escape sequence"),
    ("Decode", ("x", "no-such-charset"), "could not get encoding for no-such-charset"),
    ("Base64Encode", ("x", "base32"), "unsupported base64 variant: base32"),
]


@pytest.mark.parametrize(("name", "args", "message"), COMPILE_ERRORS)
def test_compile_errors(compile_converter: Any, name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(CompileError) as caught:
        compile_converter(name, *args)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a(?i)b", "aB", True),
        ("a(?i)b", "AB", False),
        ("(x(?i)y)z", "xYz", True),
        ("(x(?i)y)z", "xYZ", False),
        (r"\Qa.b\E", "a.b", True),
        (r"\Qa.b\E", "axb", False),
        ("[[:alpha:]]+$", "abc", True),
        ("[[:upper:][:digit:]]", "a1", True),
        (r"\w+", "é", False),
        (r"\s", "\u00a0", False),
        (r"a\z", "a", True),
        ("[a-c]", "b", True),
    ],
)
def test_go_regex_translation(pattern: str, text: str, matches: bool) -> None:
    assert (compile_go_regex(pattern).search(text) is not None) is matches


def test_go_regex_duplicate_names_keep_the_last_group() -> None:
    regex = compile_go_regex("(?P<x>a)(?P<x>b)")
    match = regex.search("ab")
    assert match is not None
    assert regex.named_groups(match) == {"x": "b"}


def test_go_regex_group_names_map_back() -> None:
    regex = compile_go_regex(r"(?P<a.b>\d)(?<c>x)?")
    match = regex.search("1")
    assert match is not None
    assert regex.named_groups(match) == {"a.b": "1", "c": ""}


@pytest.mark.parametrize("pattern", [r"\p{Greek}", "(?<=a)b", "(?U)a+", "a)", "(?P<>a)"])
def test_go_regex_refuses(pattern: str) -> None:
    with pytest.raises(GoRegexError):
        compile_go_regex(pattern)
