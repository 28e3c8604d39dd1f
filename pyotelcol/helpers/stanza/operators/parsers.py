"""Parsers (Go's operator/parser/*): json, regex, key_value, csv, time, severity, trace, scope_name."""

from __future__ import annotations

import csv
import json
from collections import OrderedDict
from typing import Any

from ....pdata import MAX_DEPTH
from ..entry import Entry
from ..regexp import compile_go
from .base import ParserOperator, ScopeNameParser, SeverityParser, Spec, TimeParser, TraceParser


def _text(value: Any, what: str) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise ValueError(f"type {_go_type(value)} cannot be parsed as {what}")
    return value


def _go_type(value: Any) -> str:
    return {dict: "map[string]interface {}", list: "[]interface {}", int: "int64", float: "float64",
            bool: "bool", type(None): "<nil>"}.get(type(value), type(value).__name__)  # fmt: skip


# Each map level is three protobuf messages (AnyValue, KeyValueList, KeyValue) under six of the
# request's own: keep parsed values within the nesting OTLP decoders accept (pdata.MAX_DEPTH).
MAX_VALUE_DEPTH = (MAX_DEPTH - 6) // 3 - 1


def _depth_ok(value: Any, limit: int = MAX_VALUE_DEPTH) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


class JsonParser(ParserOperator):
    type_name = "json_parser"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.parse_ints = spec.flag("parse_ints")

    def parse(self, value: Any) -> Any:
        text = _text(value, "JSON")
        try:
            # Go's json.Unmarshal into interface{} makes every number a float64: the decoder
            # converts integers itself rather than a second walk over the value.
            parsed = json.loads(text) if self.parse_ints else json.loads(text, parse_int=float)
        except json.JSONDecodeError as exc:
            raise ValueError(str(exc)) from None
        except RecursionError:
            raise ValueError("json: exceeded max depth") from None
        # Fewer brackets than the limit cannot nest deeper than it: walk only when there are more.
        if text.count("{") + text.count("[") > MAX_VALUE_DEPTH and not _depth_ok(parsed):
            raise ValueError(f"json: nested deeper than {MAX_VALUE_DEPTH} levels")
        if not isinstance(parsed, dict):
            raise ValueError(
                f"json: cannot unmarshal {_go_type(parsed)} into Go value of type map[string]interface {{}}"
            )
        return parsed


class RegexParser(ParserOperator):
    type_name = "regex_parser"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        pattern = spec.text("regex")
        if not pattern:
            raise spec.fail("missing required field 'regex'")
        try:
            self.regex = compile_go(pattern)
        except ValueError as exc:
            raise spec.fail(f"compiling regex: {exc}") from None
        if not self.regex.groupindex:
            raise spec.fail("no named capture groups in regex pattern")
        cache = spec.sub("cache")
        self.cache_size = 0
        if cache is not None:
            self.cache_size = cache.integer("size")
            cache.finish()
        self.cache: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def parse(self, value: Any) -> Any:
        text = _text(value, "regex")
        if self.cache_size:
            hit = self.cache.get(text)
            if hit is not None:
                self.cache.move_to_end(text)
                return dict(hit)
        m = self.regex.search(text)
        if m is None:
            raise ValueError("regex pattern does not match")
        parsed = {k: (v if v is not None else "") for k, v in m.groupdict().items()}
        if self.cache_size:
            self.cache[text] = dict(parsed)
            if len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return parsed


def _split_quoted(text: str, sep: str | None) -> list[str]:
    """Split on ``sep`` (whitespace when None) outside double or single quotes."""
    out: list[str] = []
    cur: list[str] = []
    quote = ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            cur.append(c)
            if c == quote:
                quote = ""
            i += 1
            continue
        if c in "\"'":
            quote = c
            cur.append(c)
            i += 1
            continue
        if (sep is None and c.isspace()) or (sep is not None and text.startswith(sep, i)):
            if cur:
                out.append("".join(cur))
            cur = []
            i += 1 if sep is None else len(sep)
            continue
        cur.append(c)
        i += 1
    if cur:
        out.append("".join(cur))
    return out


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


class KeyValueParser(ParserOperator):
    type_name = "key_value_parser"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.delimiter = spec.text("delimiter", "=")
        pair = spec.get("pair_delimiter")
        if pair is not None and not isinstance(pair, str):
            raise spec.fail("'pair_delimiter' expected a string")
        self.pair_delimiter: str | None = pair or None
        if not self.delimiter:
            raise spec.fail("delimiter is a required parameter")
        if self.pair_delimiter == self.delimiter:
            raise spec.fail("delimiter and pair_delimiter cannot be the same value")

    def parse(self, value: Any) -> Any:
        text = _text(value, "key value pairs")
        out: dict[str, Any] = {}
        for pair in _split_quoted(text.strip(), self.pair_delimiter):
            key, sep, val = pair.partition(self.delimiter)
            if not sep:
                raise ValueError(f"expected '{self.delimiter}' to split by in '{pair}'")
            out[_unquote(key)] = _unquote(val)
        return out


class CsvParser(ParserOperator):
    type_name = "csv_parser"

    def __init__(self, spec: Spec) -> None:
        super().__init__(spec)
        self.delimiter = spec.text("delimiter", ",")
        self.header_delimiter = spec.text("header_delimiter", self.delimiter)
        header = spec.text("header", "")
        self.header_attribute = spec.text("header_attribute", "")
        self.lazy_quotes = spec.flag("lazy_quotes")
        self.ignore_quotes = spec.flag("ignore_quotes")
        if len(self.delimiter) != 1:
            raise spec.fail("invalid 'delimiter': must be a single character")
        if not header and not self.header_attribute:
            raise spec.fail("missing header field")
        if header and self.header_attribute:
            raise spec.fail("only one header parameter can be set: 'header' or 'header_attribute'")
        if self.lazy_quotes and self.ignore_quotes:
            raise spec.fail("only one of 'ignore_quotes' or 'lazy_quotes' can be true")
        self.header = header.split(self.header_delimiter) if header else None
        self._current_header: list[str] | None = self.header

    def transform(self, entry: Entry) -> None:
        if self.header_attribute:
            raw = entry.attributes.get(self.header_attribute)
            if not isinstance(raw, str):
                raise ValueError(f"failed to read dynamic header attribute {self.header_attribute}")
            self._current_header = raw.split(self.header_delimiter)
        super().transform(entry)

    def parse(self, value: Any) -> Any:
        header = self._current_header or []
        text = _text(value, "csv")
        if self.ignore_quotes:
            fields = text.split(self.delimiter)
        else:
            reader = csv.reader([text], delimiter=self.delimiter, strict=not self.lazy_quotes)
            try:
                fields = next(reader, [])
            except csv.Error as exc:
                raise ValueError(f"parse error: {exc}") from None
        if len(fields) != len(header):
            raise ValueError(f"wrong number of fields: expected {len(header)}, found {len(fields)}")
        return dict(zip(header, fields, strict=True))


class _StandaloneBlock(ParserOperator):
    """time/severity/trace/scope_name parsers: the block's keys at the operator's top level."""

    def __init__(self, spec: Spec) -> None:
        # These operators have no parse_to/body keys: only the transformer's and the block's.
        from .base import Operator

        Operator.__init__(self, spec)
        self.block = self.make_block(spec)

    def make_block(self, spec: Spec) -> Any:
        raise NotImplementedError

    def transform(self, entry: Entry) -> None:
        self.block.parse(entry)


class TimeParserOperator(_StandaloneBlock):
    type_name = "time_parser"

    def make_block(self, spec: Spec) -> Any:
        return TimeParser(spec)


class SeverityParserOperator(_StandaloneBlock):
    type_name = "severity_parser"

    def make_block(self, spec: Spec) -> Any:
        return SeverityParser(spec)


class TraceParserOperator(_StandaloneBlock):
    type_name = "trace_parser"

    def make_block(self, spec: Spec) -> Any:
        return TraceParser(spec)


class ScopeNameParserOperator(_StandaloneBlock):
    type_name = "scope_name_parser"

    def make_block(self, spec: Spec) -> Any:
        return ScopeNameParser(spec)
