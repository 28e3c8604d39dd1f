"""Parsing converters: ParseJSON, ParseKeyValue, ToKeyValueString, ParseCSV, URL, ParseXML and
ParseSimplifiedXML."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.converters.csvrow import CSVError, read_csv_row
from pyotelcol.ottl.converters.xmlparse import XMLParseError, parse_simplified_xml, parse_xml
from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import expect_map, expect_string, go_type_name, to_raw
from pyotelcol.pdata.pcommon import Value, any_value

Item = Callable[[Any], Any]


def value_as_string(raw: Any) -> str:
    """Go's ``pcommon.Value.AsString`` of a plain value (bytes in base64, maps as JSON)."""
    return Value(any_value(to_raw(raw))).as_string()


# --- JSON ------------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


@converter("ParseJSON", Param("target", "getter"))
def build_parse_json(target: Getter) -> Item:
    """Go: a JSON object becomes a map, an array a slice; every number is a float64."""

    def run(tctx: Any) -> Any:
        text = expect_string(target(tctx))
        try:
            parsed = json.loads(text, parse_int=float, parse_constant=_refuse_constant)
        except (json.JSONDecodeError, ValueError) as err:
            raise ExecutionError(f"failed to parse JSON: {err}") from None
        if isinstance(parsed, dict | list):
            return parsed
        raise ExecutionError(f"could not convert parsed value of type {go_type_name(parsed)} to JSON object")

    return run


# --- key/value pairs -------------------------------------------------------------------------------


def split_quoted(text: str, delimiter: str) -> list[str]:
    """Go's parseutils.SplitString: split on ``delimiter`` outside single or double quotes
    (quotes removed, ``\\`` keeps the next quote literal); empty pieces are dropped."""
    result: list[str] = []
    current: list[str] = []
    quote = ""
    escaped = False
    i = 0
    size = len(delimiter)
    while i < len(text):
        if not quote and text.startswith(delimiter, i):
            if current:
                result.append("".join(current))
                current = []
            i += size
            continue
        char = text[i]
        if not escaped:
            if not quote and char in "\"'":
                quote = char
                i += 1
                continue
            if char == quote:
                quote = ""
                i += 1
                continue
            escaped = char == "\\"
        else:
            escaped = False
        current.append(char)
        i += 1
    if quote:
        raise ValueError("never reached the end of a quoted value")
    if current:
        result.append("".join(current))
    return result


@converter(
    "ParseKeyValue",
    Param("target", "getter"),
    Param("delimiter", "literal", optional=True),
    Param("pair_delimiter", "literal", optional=True),
)
def build_parse_key_value(target: Getter, delimiter: str | None = None, pair_delimiter: str | None = None) -> Item:
    kv_sep = delimiter or "="
    pair_sep = pair_delimiter or " "
    if kv_sep == pair_sep:
        raise CompileError(f'pair delimiter "{pair_sep}" cannot be equal to delimiter "{kv_sep}"')

    def run(tctx: Any) -> dict[str, Any]:
        source = expect_string(target(tctx))
        if source == "":
            raise ExecutionError("cannot parse from empty target")
        try:
            pairs = split_quoted(source, pair_sep)
        except ValueError as err:
            raise ExecutionError(f'splitting source "{source}" into pairs failed: {err}') from None
        parsed: dict[str, Any] = {}
        for pair in pairs:
            parts = pair.split(kv_sep, 1)
            if len(parts) != 2:
                raise ExecutionError(f'cannot split "{pair}" into 2 items, got 1 item(s)')
            parsed[parts[0].strip()] = parts[1].strip()
        return parsed

    return run


def _quote_kv(text: str, delimiter: str, pair_delimiter: str) -> str:
    text = text.replace('"', '\\"')
    if pair_delimiter in text or delimiter in text:
        return f'"{text}"'
    return text


@converter(
    "ToKeyValueString",
    Param("target", "getter"),
    Param("delimiter", "literal", optional=True),
    Param("pair_delimiter", "literal", optional=True),
    Param("sort_output", "literal", optional=True),
)
def build_to_key_value_string(
    target: Getter,
    delimiter: str | None = None,
    pair_delimiter: str | None = None,
    sort_output: bool | None = None,
) -> Item:
    """Go: ``k=v`` pairs joined by a space; keys or values holding a delimiter are quoted
    (inner quotes escaped); nested maps and slices as JSON."""
    if delimiter == "":
        raise CompileError("delimiter cannot be set to an empty string")
    if pair_delimiter == "":
        raise CompileError("pair delimiter cannot be set to an empty string")
    kv_sep = "=" if delimiter is None else delimiter
    pair_sep = " " if pair_delimiter is None else pair_delimiter
    if kv_sep == pair_sep:
        raise CompileError(f'pair delimiter "{pair_sep}" cannot be equal to delimiter "{kv_sep}"')
    ordered = bool(sort_output)

    def run(tctx: Any) -> str:
        source = to_raw(expect_map(target(tctx)))
        keys = sorted(source) if ordered else list(source)
        return pair_sep.join(
            _quote_kv(key, kv_sep, pair_sep) + kv_sep + _quote_kv(value_as_string(source[key]), kv_sep, pair_sep)
            for key in keys
        )

    return run


# --- CSV -------------------------------------------------------------------------------------------


def _single_char(value: str | None, what: str) -> str | None:
    if value is not None and len(value) != 1:
        raise CompileError(f"invalid arguments: {what} must be a single character")
    return value


@converter(
    "ParseCSV",
    Param("target", "getter"),
    Param("headers", "getter"),
    Param("delimiter", "literal", optional=True),
    Param("headerDelimiter", "literal", optional=True),
    Param("mode", "literal", optional=True),
)
def build_parse_csv(
    target: Getter,
    headers: Getter,
    delimiter: str | None = None,
    headerDelimiter: str | None = None,
    mode: str | None = None,
) -> Item:
    sep = _single_char(delimiter, "delimiter") or ","
    header_sep = _single_char(headerDelimiter, "header_delimiter") or sep
    parse_mode = mode or "strict"
    if parse_mode not in ("strict", "lazyQuotes", "ignoreQuotes"):
        raise CompileError(f"unknown mode: {parse_mode}")

    def run(tctx: Any) -> dict[str, Any]:
        text = expect_string(target(tctx))
        header_text = expect_string(headers(tctx))
        if header_text == "":
            raise ExecutionError("headers must not be an empty string")
        names = header_text.split(header_sep)
        if parse_mode == "ignoreQuotes":
            fields = text.split(sep)
        else:
            try:
                fields = read_csv_row(text, sep, lazy_quotes=parse_mode == "lazyQuotes")
            except CSVError as err:
                raise ExecutionError(str(err)) from None
        if len(fields) != len(names):
            raise ExecutionError(f"map csv headers: wrong number of fields: expected {len(names)}, found {len(fields)}")
        return dict(zip(names, fields, strict=True))

    return run


# --- URL -------------------------------------------------------------------------------------------


@converter("URL", Param("url_string", "getter"))
def build_url(url_string: Getter) -> Item:
    """Go: the URL's semantic-convention attributes (url.original, url.scheme, url.domain,
    url.path always; url.port, url.fragment, url.user_info, url.username, url.password,
    url.query, url.extension when present)."""

    def run(tctx: Any) -> dict[str, Any]:
        text = expect_string(url_string(tctx))
        if text == "":
            raise ExecutionError("url cannot be empty")
        return parse_url(text)

    return run


def parse_url(text: str) -> dict[str, Any]:
    if text.startswith("?"):
        query: dict[str, Any] = {}
        for key, value in urllib.parse.parse_qsl(text[1:], keep_blank_values=True):
            query.setdefault(key, []).append(value)
        return {"query": query} if query else {}
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ExecutionError(f'parse "{text}": net/url: invalid control character in URL')
    try:
        parts = urllib.parse.urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise ExecutionError(f'parse "{text}": {err}') from None
    path = urllib.parse.unquote(parts.path)
    result: dict[str, Any] = {
        "url.original": text,
        "url.domain": parts.hostname or "",
        "url.scheme": parts.scheme,
        "url.path": path,
    }
    if port is not None:
        result["url.port"] = port
    if parts.fragment:
        result["url.fragment"] = urllib.parse.unquote(parts.fragment)
    if "@" in parts.netloc:
        user_info = parts.netloc.rsplit("@", 1)[0]
        result["url.user_info"] = user_info
        if parts.username:
            result["url.username"] = urllib.parse.unquote(parts.username)
        if parts.password is not None:
            result["url.password"] = urllib.parse.unquote(parts.password)
    if parts.query:
        result["url.query"] = parts.query
    dot = path.rfind(".")
    if dot != -1 and dot < len(path) - 1:
        result["url.extension"] = path[dot + 1 :]
    return result


# --- XML -------------------------------------------------------------------------------------------


@converter("ParseXML", Param("target", "getter"))
def build_parse_xml(target: Getter) -> Item:
    """Go: ``{tag, attributes, content, children}`` maps for the document element."""

    def run(tctx: Any) -> dict[str, Any]:
        text = expect_string(target(tctx))
        try:
            return parse_xml(text)
        except XMLParseError as err:
            raise ExecutionError(f"unmarshal xml: {err}") from None

    return run


@converter("ParseSimplifiedXML", Param("target", "getter"))
def build_parse_simplified_xml(target: Getter) -> Item:
    """Go: elements become keys; attributes and text mixed with elements are dropped;
    repeated siblings become slices."""

    def run(tctx: Any) -> dict[str, Any]:
        text = expect_string(target(tctx))
        try:
            return parse_simplified_xml(text)
        except XMLParseError as err:
            raise ExecutionError(f"parse xml: {err}") from None

    return run


# --- severity --------------------------------------------------------------------------------------

_STATUS_RANGES = {"2xx": (200, 299), "3xx": (300, 399), "4xx": (400, 499), "5xx": (500, 599)}


def _criterion_matches(criterion: Any, value: Any) -> bool:
    if not isinstance(criterion, dict):
        raise ExecutionError(f"invalid severity mapping: criterion {criterion!r} is not a map")
    if "equals" in criterion:
        equals = criterion["equals"]
        if not isinstance(equals, list):
            raise ExecutionError("invalid severity mapping: 'equals' must be a list")
        if isinstance(value, str) and value in equals:
            return True
    if "range" in criterion and isinstance(value, int) and not isinstance(value, bool):
        bounds = criterion["range"]
        if isinstance(bounds, str):
            if bounds not in _STATUS_RANGES:
                raise ExecutionError(f"invalid severity mapping: unknown range '{bounds}'")
            low, high = _STATUS_RANGES[bounds]
        elif isinstance(bounds, dict) and "min" in bounds and "max" in bounds:
            low, high = int(bounds["min"]), int(bounds["max"])
        else:
            raise ExecutionError("invalid severity mapping: 'range' needs 'min' and 'max'")
        return low <= value <= high
    return False


@converter("ParseSeverity", Param("target", "getter"), Param("severityMapping", "getter"))
def build_parse_severity(target: Getter, severityMapping: Getter) -> Item:
    """Go: the first level of the mapping (in its order) with a criterion matching the value:
    ``{"equals": [strings]}`` or ``{"range": {"min", "max"}}`` / ``{"range": "2xx"}``."""

    def run(tctx: Any) -> str:
        mapping = to_raw(expect_map(severityMapping(tctx)))
        value = to_raw(target(tctx))
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ExecutionError(
                f"could not map log level: log level must be either string or int, got {go_type_name(value)}"
            )
        for level, criteria in mapping.items():
            if not isinstance(criteria, list):
                raise ExecutionError(f"invalid severity mapping: '{level}' must be a list")
            if any(_criterion_matches(criterion, value) for criterion in criteria):
                return str(level)
        raise ExecutionError(f"could not map log level: no matching log level found for value '{value}'")

    return run
