"""String converters: Concat, case conversions, Substring, Split, Trim*, Has*, Format, Index,
Len, IsMatch, ExtractPatterns and the base64/charset codecs."""

from __future__ import annotations

import base64
import binascii
import codecs
from collections.abc import Callable
from typing import Any

from pyotelcol.helpers.goregex import GoRegexError, compile_go_regex
from pyotelcol.ottl.compare import compare
from pyotelcol.ottl.converters.gofmt import go_sprintf
from pyotelcol.ottl.functions import (
    CompileError,
    ExecutionError,
    Getter,
    Param,
    converter,
)
from pyotelcol.ottl.values import (
    as_list,
    expect_int,
    expect_string,
    go_type_name,
    string_like,
    unwrap,
)
from pyotelcol.pdata.pcommon import Map, Value, ValueSlice

Item = Callable[[Any], Any]


# --- joining and splitting -----------------------------------------------------------------------


@converter("Concat", Param("vals", "getter_list"), Param("delimiter", "getter"))
def build_concat(vals: list[Getter], delimiter: Getter) -> Item:
    """Go: each value through the StringLikeGetter (maps and slices as JSON), nil as
    ``<nil>``, joined with the delimiter (a string)."""
    constant = getattr(delimiter, "ottl_constant", None)
    if constant is not None and isinstance(constant[0], str):
        return _concat_literal(vals, constant[0])

    def run(tctx: Any) -> str:
        sep = expect_string(delimiter(tctx))
        parts = []
        for getter in vals:
            text = string_like(getter(tctx))
            parts.append("<nil>" if text is None else text)
        return sep.join(parts)

    return run


def _concat_literal(vals: list[Getter], sep: str) -> Item:
    """Concat with a literal delimiter, the usual form: strings are joined as they are."""

    def run(tctx: Any) -> str:
        parts = []
        for getter in vals:
            value = getter(tctx)
            if type(value) is not str:
                value = string_like(value)
                if value is None:
                    value = "<nil>"
            parts.append(value)
        return sep.join(parts)

    run.ottl_inline = ("concat", vals, sep)  # type: ignore[attr-defined]  # see ottl.codegen
    return run


@converter("Split", Param("target", "getter"), Param("delimiter", "literal"))
def build_split(target: Getter, delimiter: str) -> Item:
    """Go's ``strings.Split``: an empty delimiter splits into UTF-8 characters."""
    sep = _literal_string("Split", "delimiter", delimiter)

    def run(tctx: Any) -> list[str]:
        text = expect_string(target(tctx))
        if sep == "":
            return list(text)
        return text.split(sep)

    return run


# --- case ------------------------------------------------------------------------------------------


def _ascii_lower(byte: int) -> bool:
    return 0x61 <= byte <= 0x7A


def _ascii_upper(byte: int) -> bool:
    return 0x41 <= byte <= 0x5A


def _ascii_digit(byte: int) -> bool:
    return 0x30 <= byte <= 0x39


def to_snake(text: str) -> str:
    """strcase.ToSnake (the library Go uses): words split on case changes, digits, spaces,
    ``_``, ``-`` and ``.``; acronyms stay one word (``JSONData`` -> ``json_data``)."""
    data = text.strip().encode("utf-8", "surrogatepass")
    out = bytearray()
    for i, byte in enumerate(data):
        is_cap, is_low = _ascii_upper(byte), _ascii_lower(byte)
        char = byte + 32 if is_cap else byte
        if i + 1 < len(data):
            nxt = data[i + 1]
            is_num = _ascii_digit(char)
            next_cap, next_low, next_num = _ascii_upper(nxt), _ascii_lower(nxt), _ascii_digit(nxt)
            if (
                (is_cap and (next_low or next_num))
                or (is_low and (next_cap or next_num))
                or (is_num and (next_cap or next_low))
            ):
                if is_cap and next_low and i > 0 and _ascii_upper(data[i - 1]):
                    out.append(0x5F)
                out.append(char)
                if is_low or is_num or next_num:
                    out.append(0x5F)
                continue
        if char in b" _-.":
            out.append(0x5F)
        else:
            out.append(char)
    return out.decode("utf-8", "replace")


def to_camel(text: str) -> str:
    """strcase.ToCamel: words joined with an upper-case initial (``my_metric`` ->
    ``MyMetric``); separators and non-ASCII bytes are dropped as the Go library drops them."""
    data = text.strip().encode("utf-8", "surrogatepass")
    out = bytearray()
    cap_next = True
    prev_cap = False
    for byte in data:
        is_cap, is_low = _ascii_upper(byte), _ascii_lower(byte)
        char = byte
        if cap_next:
            if is_low:
                char -= 32
        elif prev_cap and is_cap:
            char += 32
        prev_cap = is_cap
        if is_cap or is_low:
            out.append(char)
            cap_next = False
        elif _ascii_digit(byte):
            out.append(char)
            cap_next = True
        else:
            cap_next = byte in b"_ -."
    return out.decode("ascii")


_CASES: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "snake": to_snake,
    "camel": to_camel,
}


@converter("ConvertCase", Param("target", "getter"), Param("toCase", "literal"))
def build_convert_case(target: Getter, toCase: str) -> Item:
    convert = _CASES.get(toCase)
    if convert is None:
        raise CompileError(f"invalid case: {toCase}, allowed cases are: lower, upper, snake, camel")

    def run(tctx: Any) -> str:
        text = expect_string(target(tctx))
        return convert(text) if text else text

    return run


def _case_converter(name: str, convert: Callable[[str], str]) -> None:
    @converter(name, Param("target", "getter"))
    def build(target: Getter) -> Item:
        def run(tctx: Any) -> str:
            text = expect_string(target(tctx))
            return convert(text) if text else text

        return run


_case_converter("ToLowerCase", str.lower)
_case_converter("ToUpperCase", str.upper)
_case_converter("ToSnakeCase", to_snake)
_case_converter("ToCamelCase", to_camel)


# --- substrings ----------------------------------------------------------------------------------


@converter(
    "Substring",
    Param("target", "getter"),
    Param("start", "getter"),
    Param("length", "getter"),
    Param("utf8_safe", "literal", optional=True, default=False),
)
def build_substring(target: Getter, start: Getter, length: Getter, utf8_safe: bool | None = False) -> Item:
    """Go: ``start``/``length`` are byte offsets; with ``utf8_safe`` a start inside a character
    moves to the next character and an end inside one moves back, so the result may be
    shorter than ``length``."""
    safe = bool(utf8_safe)

    def run(tctx: Any) -> str:
        begin = expect_int(start(tctx))
        if begin < 0:
            raise ExecutionError(f"invalid start for substring function, {begin} cannot be negative")
        size = expect_int(length(tctx))
        if size <= 0:
            raise ExecutionError(f"invalid length for substring function, {size} cannot be negative or zero")
        text = expect_string(target(tctx))
        data = text.encode("utf-8", "surrogatepass")
        if begin > len(data) or size > len(data) - begin:
            raise ExecutionError(
                f"invalid range for substring function, start({begin})+length({size}) cannot "
                f"be greater than the length of target string({len(data)})"
            )
        stop = begin + size
        if safe:
            # Never split a character: a start inside one moves forward, an end backward.
            while begin < len(data) and data[begin] & 0xC0 == 0x80:
                begin += 1
            while begin < stop < len(data) and data[stop] & 0xC0 == 0x80:
                stop -= 1
            stop = max(stop, begin)
        return data[begin:stop].decode("utf-8", "replace")

    return run


@converter("Trim", Param("target", "getter"), Param("replacement", "literal", optional=True))
def build_trim(target: Getter, replacement: str | None = None) -> Item:
    """Go's ``strings.Trim(target, cutset)``: every leading/trailing character in the cutset
    (default a space) is removed."""
    cutset = " " if replacement is None else _literal_string("Trim", "replacement", replacement)

    def run(tctx: Any) -> str:
        return expect_string(target(tctx)).strip(cutset) if cutset else expect_string(target(tctx))

    return run


@converter("TrimPrefix", Param("target", "getter"), Param("prefix", "literal"))
def build_trim_prefix(target: Getter, prefix: str) -> Item:
    text_prefix = _literal_string("TrimPrefix", "prefix", prefix)

    def run(tctx: Any) -> str:
        return expect_string(target(tctx)).removeprefix(text_prefix)

    return run


@converter("TrimSuffix", Param("target", "getter"), Param("suffix", "literal"))
def build_trim_suffix(target: Getter, suffix: str) -> Item:
    text_suffix = _literal_string("TrimSuffix", "suffix", suffix)

    def run(tctx: Any) -> str:
        return expect_string(target(tctx)).removesuffix(text_suffix)

    return run


@converter("HasPrefix", Param("target", "getter"), Param("prefix", "literal"))
def build_has_prefix(target: Getter, prefix: str) -> Item:
    text_prefix = _literal_string("HasPrefix", "prefix", prefix)

    def run(tctx: Any) -> bool:
        return expect_string(target(tctx)).startswith(text_prefix)

    return run


@converter("HasSuffix", Param("target", "getter"), Param("suffix", "literal"))
def build_has_suffix(target: Getter, suffix: str) -> Item:
    text_suffix = _literal_string("HasSuffix", "suffix", suffix)

    def run(tctx: Any) -> bool:
        return expect_string(target(tctx)).endswith(text_suffix)

    return run


# --- formatting, search, length ---------------------------------------------------------------------


@converter("Format", Param("format", "literal"), Param("vals", "getter_list"))
def build_format(format: str, vals: list[Getter]) -> Item:
    """Go's ``fmt.Sprintf(format, vals...)``; a wrong or missing argument is reported in the
    output (``%!d(string=x)``) as Go does, not as an error."""
    template = _literal_string("Format", "format", format)

    def run(tctx: Any) -> str:
        return go_sprintf(template, [unwrap(getter(tctx)) for getter in vals])

    return run


@converter("Index", Param("target", "getter"), Param("value", "getter"))
def build_index(target: Getter, value: Getter) -> Item:
    """Go: the byte index of ``value`` in a string (-1 when absent), or the index of the first
    slice element equal to ``value`` under OTTL's comparison rules."""

    def run(tctx: Any) -> int:
        source = unwrap(target(tctx))
        wanted = unwrap(value(tctx))
        if isinstance(source, str):
            if not isinstance(wanted, str):
                raise ExecutionError("when source is string, value must also be string")
            found = source.find(wanted)
            return found if found <= 0 else len(source[:found].encode("utf-8", "surrogatepass"))
        items = as_list(source)
        if items is None:
            raise ExecutionError("source must be of type string or slice")
        for position, item in enumerate(items):
            if compare(item, wanted, "=="):
                return position
        return -1

    return run


@converter("Len", Param("target", "getter"))
def build_len(target: Getter) -> Item:
    """Go: the byte length of a string, the number of elements of a slice or map."""

    def run(tctx: Any) -> int:
        value = target(tctx)
        if isinstance(value, Value):
            value = unwrap(value)
        if isinstance(value, str):
            return len(value.encode("utf-8", "surrogatepass"))
        if isinstance(value, Map | ValueSlice | dict | list | tuple):
            return len(value)
        if isinstance(value, bytes | bytearray):
            return len(value)
        raise ExecutionError(f"unimplemented type: {go_type_name(value)}")

    return run


# --- regular expressions -------------------------------------------------------------------------


def compile_pattern(function: str, pattern: Any) -> Any:
    text = _literal_string(function, "pattern", pattern)
    try:
        return compile_go_regex(text)
    except GoRegexError as err:
        raise CompileError(f"the pattern supplied to {function} is not a valid regexp pattern: {err}") from None


@converter("IsMatch", Param("target", "getter"), Param("pattern", "literal"))
def build_is_match(target: Getter, pattern: str) -> Item:
    """Go's ``regexp.MatchString`` (unanchored) on the StringLikeGetter form of the target;
    nil never matches."""
    regex = compile_pattern("IsMatch", pattern)

    def run(tctx: Any) -> bool:
        text = string_like(target(tctx))
        if text is None:
            return False
        return regex.search(text) is not None

    return run


@converter("ExtractPatterns", Param("target", "getter"), Param("pattern", "literal"))
def build_extract_patterns(target: Getter, pattern: str) -> Item:
    """Go: the named groups of the first match as a map of strings (empty map when nothing
    matches); a pattern without a named group fails each call (Go checks it when the statement
    runs, so error_mode decides), not the config."""
    regex = compile_pattern("ExtractPatterns", pattern)
    named = bool(regex.group_names)

    def run(tctx: Any) -> dict[str, Any]:
        if not named:
            raise ExecutionError("at least 1 named capture group must be supplied in the given regex")
        text = expect_string(target(tctx))
        match = regex.search(text)
        if match is None:
            return {}
        return dict(regex.named_groups(match))

    return run


# --- encodings -----------------------------------------------------------------------------------

_B64_VARIANTS = {
    "base64": (base64.b64encode, base64.b64decode, True),
    "base64-raw": (base64.b64encode, base64.b64decode, False),
    "base64-url": (base64.urlsafe_b64encode, base64.urlsafe_b64decode, True),
    "base64-raw-url": (base64.urlsafe_b64encode, base64.urlsafe_b64decode, False),
}


def _b64_decode(text: str, variant: str) -> bytes:
    """Go's base64 decoders: strict alphabet; padded variants need whole quanta."""
    _, decode, padded = _B64_VARIANTS[variant]
    extra = "-_" if "url" in variant else "+/"
    body = text
    if padded:
        if len(text) % 4:
            raise ExecutionError(f"illegal base64 data at input byte {len(text) - len(text) % 4}")
        body = text[:-2] + text[-2:].rstrip("=") if text else text
    for position, char in enumerate(body):
        if not (char.isascii() and (char.isalnum() or char in extra)):
            raise ExecutionError(f"illegal base64 data at input byte {position}")
    try:
        return decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as err:
        raise ExecutionError(f"illegal base64 data: {err}") from None


@converter("Base64Decode", Param("target", "getter"))
def build_base64_decode(target: Getter) -> Item:
    """Deprecated in Go (use Decode): standard padded base64 to a string."""

    def run(tctx: Any) -> str:
        data = _b64_decode(expect_string(target(tctx)), "base64")
        return data.decode("utf-8", "replace")

    return run


@converter("Base64Encode", Param("target", "getter"), Param("variant", "literal", optional=True))
def build_base64_encode(target: Getter, variant: str | None = None) -> Item:
    name = "base64" if variant is None else variant
    if name not in _B64_VARIANTS:
        raise CompileError(
            f"unsupported base64 variant: {name}, "
            "supported variants are: base64, base64-raw, base64-url, base64-raw-url"
        )
    encode, _, padded = _B64_VARIANTS[name]

    def run(tctx: Any) -> str:
        text = encode(expect_string(target(tctx)).encode("utf-8", "surrogatepass")).decode()
        return text if padded else text.rstrip("=")

    return run


@converter("Decode", Param("target", "getter"), Param("encoding", "literal"))
def build_decode(target: Getter, encoding: str) -> Item:
    """Go: base64 variants, or a charset from the IANA index decoded to a UTF-8 string."""
    name = _literal_string("Decode", "encoding", encoding)
    codec: str | None = None
    if name.lower() not in _B64_VARIANTS:
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            raise CompileError(f"could not get encoding for {name}") from None

    def run(tctx: Any) -> str:
        value = unwrap(target(tctx))
        if isinstance(value, str):
            data = value.encode("utf-8", "surrogatepass")
        elif isinstance(value, bytes | bytearray):
            data = bytes(value)
        elif value is None:
            raise ExecutionError("expected string or []byte but got nil")
        else:
            raise ExecutionError(f"unsupported type provided to Decode function: {type(value)}")
        if codec is None:
            decoded = _b64_decode(data.decode("latin-1"), name.lower())
            return decoded.decode("utf-8", "replace")
        try:
            return data.decode(codec)
        except UnicodeDecodeError as err:
            raise ExecutionError(f"could not decode: {err}") from None

    return run


def _literal_string(function: str, param: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CompileError(f"{function}: {param} must be a string literal")
    return value
