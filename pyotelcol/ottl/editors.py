"""The standard OTTL editors (Go's ``pkg/ottl/ottlfuncs`` editors), with Go's semantics.

Map editors work in place on the ``Map`` view a path returns (attributes, a map body, a nested
map value, the cache); a path to something that is not a map is an execution error, as Go's
``PMapGetSetter`` makes it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ..helpers.goregex import GoRegex, GoRegexError, compile_go_regex
from ..pdata.pcommon import Map, Value, ValueSlice
from .functions import CompileError, ExecutionError, GetSetter, Getter, Param, editor
from .pvalues import write_value
from .values import IdBytes, go_type_name

__all__ = ["expand_go_template", "glob_to_regex"]

Fn = Callable[[Any], Any]


def _regex(pattern: Any, function: str) -> GoRegex:
    if not isinstance(pattern, str):
        raise CompileError(f"the regex pattern supplied to {function} must be a string")
    try:
        return compile_go_regex(pattern)
    except GoRegexError as exc:
        raise CompileError(f"the regex pattern supplied to {function} is not a valid pattern: {exc}") from None


def _map_of(target: GetSetter, t: Any) -> Map:
    value = target.get(t)
    if isinstance(value, Map):
        return value
    if isinstance(value, Value) and value.type.value == "Map":
        return value.map
    raise ExecutionError(f"expected pcommon.Map but got {go_type_name(value)}")


def _string_list(value: Any, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CompileError(f"{what} must be a list of strings")
    return value


# --- set -----------------------------------------------------------------------------------------


@editor("set", Param("target", "target"), Param("value", "getter"))
def _set(target: GetSetter, value: Getter) -> Fn:
    run = _set_run(target.set, value)
    run.ottl_inline = ("set", target, value)  # type: ignore[attr-defined]  # see codegen
    return run


def _set_run(setter: Any, value: Getter) -> Fn:
    set_from = getattr(setter, "ottl_set_from", None)
    if set_from is not None:  # the setter reads the value itself: one call less per item
        fused: Fn = set_from(value)
        return fused
    constant = getattr(value, "ottl_constant", None)
    if constant is not None:
        literal = constant[0]

        def run_literal(t: Any) -> None:  # one call less per item for set(x, "literal")
            setter(t, literal)

        return run_literal

    def run(t: Any) -> None:
        # Go passes nil on to the target (the ottl.set.allowNil behaviour, the default since
        # v0.161): an attribute becomes an empty value, a typed field ignores it.
        setter(t, value(t))

    return run


def _cleared(value: Any) -> Any:
    """The empty form of a value, as Go's ``clear`` computes it: "" for a string, 0 for
    numbers, false for a bool, an empty map or slice for pdata maps and slices, zero bytes for
    an ID, and nil for everything else (bytes, raw lists and maps, an attribute value)."""
    if isinstance(value, IdBytes):
        return IdBytes(len(value))
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return ""
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, timedelta):
        return timedelta(0)
    if isinstance(value, Map):
        return {}
    if isinstance(value, ValueSlice):
        return []
    return None


@editor("clear", Param("target", "target"))
def _clear(target: GetSetter) -> Fn:
    def run(t: Any) -> None:
        target.set(t, _cleared(target.get(t)))

    return run


# --- keys ----------------------------------------------------------------------------------------


@editor("delete_key", Param("target", "target"), Param("key", "getter"))
def _delete_key(target: GetSetter, key: Getter) -> Fn:
    # an attribute map path removes through the item's key index (paths._remove_key)
    remove_key: Callable[..., bool] | None = getattr(target.get, "ottl_remove_key", None)
    constant = getattr(key, "ottl_constant", None)
    if remove_key is not None and constant is not None and isinstance(constant[0], str):
        # the usual delete_key(x.attributes, "literal"): the key needs no check per item
        remove = functools.partial(remove_key, key=constant[0])
        remove.ottl_inline = ("delete_key", remove_key, constant[0])  # type: ignore[attr-defined]  # see codegen
        return remove

    def run(t: Any) -> None:
        name = key(t)
        if not isinstance(name, str):
            raise ExecutionError(f"expected string but got {go_type_name(name)}")
        if remove_key is not None:
            remove_key(t, name)
        else:
            _map_of(target, t).remove(name)

    return run


@editor("delete_matching_keys", Param("target", "target"), Param("pattern", "literal"))
def _delete_matching_keys(target: GetSetter, pattern: Any) -> Fn:
    regex = _regex(pattern, "delete_matching_keys").regex

    def run(t: Any) -> None:
        _map_of(target, t).remove_if(lambda k, v: regex.search(k) is not None)

    return run


@editor("keep_keys", Param("target", "target"), Param("keys", "literal"))
def _keep_keys(target: GetSetter, keys: Any) -> Fn:
    keep = frozenset(_string_list(keys, "keys"))

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        if not keep:
            attrs.clear()
            return
        attrs.remove_if(lambda k, v: k not in keep)

    return run


@editor("keep_matching_keys", Param("target", "target"), Param("pattern", "literal"))
def _keep_matching_keys(target: GetSetter, pattern: Any) -> Fn:
    regex = _regex(pattern, "keep_matching_keys").regex

    def run(t: Any) -> None:
        _map_of(target, t).remove_if(lambda k, v: regex.search(k) is None)

    return run


@editor(
    "truncate_all",
    Param("target", "target"),
    Param("limit", "literal"),
    Param("utf8_safe", "literal", optional=True, default=True),
    Param("truncation_marker", "literal", optional=True, default=""),
)
def _truncate_all(target: GetSetter, limit: Any, utf8_safe: Any, truncation_marker: Any) -> Fn:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise CompileError("limit must be an int")
    if limit < 0:
        raise CompileError(f"invalid limit for truncate_all function, {limit} cannot be negative")
    if not isinstance(utf8_safe, bool) or not isinstance(truncation_marker, str):
        raise CompileError("utf8_safe must be a bool and truncation_marker a string")
    marker = truncation_marker.encode()
    if len(marker) > limit:
        raise CompileError(
            f"invalid truncation_marker for truncate_all function, its length {len(marker)} exceeds the limit {limit}"
        )
    room = limit - len(marker)

    def cut(text: str) -> str | None:
        raw = text.encode()
        if len(raw) <= limit:
            return None
        # Python strings are always valid UTF-8 once stored, so both modes cut on a character
        # boundary (utf8_safe=false in Go may split a character).
        return raw[:room].decode("utf-8", errors="ignore") + truncation_marker

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        for key, value in list(attrs.items()):
            pb = value._pb
            if pb.WhichOneof("value") == "string_value":
                shorter = cut(pb.string_value)
                if shorter is not None:
                    attrs.put_str(key, shorter)

    return run


@editor("limit", Param("target", "target"), Param("limit", "literal"), Param("priority_keys", "literal"))
def _limit(target: GetSetter, limit: Any, priority_keys: Any) -> Fn:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise CompileError("limit must be an int")
    if limit < 0:
        raise CompileError(f"invalid limit for limit function, {limit} cannot be negative")
    keys = _string_list(priority_keys, "priority_keys")
    if len(keys) > limit:
        raise CompileError(
            f"invalid limit for limit function, {limit} cannot be less than number of priority attributes {len(keys)}"
        )
    priority = frozenset(keys)

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        if len(attrs) <= limit:
            return
        kept = sum(1 for k in attrs if k in priority)
        budget = [limit - kept]

        def drop(key: str, value: Any) -> bool:
            if key in priority:
                return False
            if budget[0] > 0:
                budget[0] -= 1
                return False
            return True

        attrs.remove_if(drop)

    return run


# --- replacing -----------------------------------------------------------------------------------

_EXPAND_RE = re.compile(r"\$(?:\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+)|(\$))")


def expand_go_template(template: str, match: re.Match[str], regex: GoRegex) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``; a missing group
    gives "" (``$1x`` names the group ``1x``, as in Go)."""
    by_go_name = {go: py for py, go in regex.group_names.items()}

    def repl(m: re.Match[str]) -> str:
        if m.group(3):
            return "$"
        name = m.group(1) if m.group(1) is not None else m.group(2)
        if name is None or name == "":
            return "" if m.group(1) is not None else m.group(0)
        if name.isdigit():
            index = int(name)
            if index > (match.re.groups or 0):
                return ""
            return match.group(index) or ""
        py_name = by_go_name.get(name)
        if py_name is None:
            return ""
        return match.group(py_name) or ""

    return _EXPAND_RE.sub(repl, template)


def _format(replacement_format: Getter | None, t: Any, value: Any) -> str:
    if replacement_format is None:
        return value if isinstance(value, str) else str(value)
    fmt = replacement_format(t)
    if not isinstance(fmt, str) or fmt.count("%s") != 1 or fmt.replace("%s", "").count("%") > 0:
        raise ExecutionError("replacementFormat must contain exactly one %s format specifier")
    return fmt.replace("%s", value if isinstance(value, str) else str(value))


def _check_fn(function: Fn | None, replacement_format: Getter | None) -> None:
    if replacement_format is not None and function is None:
        raise CompileError("replacementFormat requires a function")


def _replacer(regex: GoRegex, function: Fn | None, replacement_format: Getter | None) -> Callable[[Any, str, str], str]:
    def replace(t: Any, text: str, replacement: str) -> str:
        if function is None:
            if "$" not in replacement:  # nothing to expand: let re substitute the text as is
                return regex.regex.sub(replacement.replace("\\", "\\\\"), text)
            return regex.regex.sub(lambda m: expand_go_template(replacement, m, regex), text)

        def hashed(m: re.Match[str]) -> str:
            expanded = expand_go_template(replacement, m, regex)
            result = function(expanded)
            if not isinstance(result, str):
                raise ExecutionError("replacement function must return a string")
            return _format(replacement_format, t, result)

        return regex.regex.sub(hashed, text)

    return replace


def _replacement_of(replacement: Getter, t: Any) -> str:
    value = replacement(t)
    if not isinstance(value, str):
        raise ExecutionError(f"expected string but got {go_type_name(value)}")
    return value


@editor(
    "replace_pattern",
    Param("target", "target"),
    Param("regex", "literal"),
    Param("replacement", "getter"),
    Param("function", "function", optional=True),
    Param("replacement_format", "getter", optional=True),
)
def _replace_pattern(
    target: GetSetter, regex: Any, replacement: Getter, function: Fn | None, replacement_format: Getter | None
) -> Fn:
    compiled = _regex(regex, "replace_pattern")
    _check_fn(function, replacement_format)
    replace = _replacer(compiled, function, replacement_format)
    constant = getattr(replacement, "ottl_constant", None)
    if function is None and constant is not None and isinstance(constant[0], str) and "$" not in constant[0]:
        return _replace_literal(target, compiled, constant[0])

    def run(t: Any) -> None:
        value = target.get(t)
        if not isinstance(value, str) or compiled.regex.search(value) is None:
            return
        updated = replace(t, value, _replacement_of(replacement, t))
        if updated != value:
            target.set(t, updated)

    return run


def _replace_literal(target: GetSetter, compiled: GoRegex, replacement: str) -> Fn:
    """replace_pattern with a literal replacement that expands nothing (no ``$``): one regex
    pass per item (``subn`` counts the matches the general path searches for first)."""
    get, set_ = target.get, target.set
    subn = compiled.regex.subn
    escaped = replacement.replace("\\", "\\\\")  # re must insert the text as is

    def run(t: Any) -> None:
        value = get(t)
        if not isinstance(value, str):
            return
        updated, count = subn(escaped, value)
        if count and updated != value:
            set_(t, updated)

    run.ottl_inline = ("replace_literal", target, subn, escaped)  # type: ignore[attr-defined]  # see codegen
    return run


@editor(
    "replace_all_patterns",
    Param("target", "target"),
    Param("mode", "literal"),
    Param("regex", "literal"),
    Param("replacement", "getter"),
    Param("function", "function", optional=True),
    Param("replacement_format", "getter", optional=True),
)
def _replace_all_patterns(
    target: GetSetter,
    mode: Any,
    regex: Any,
    replacement: Getter,
    function: Fn | None,
    replacement_format: Getter | None,
) -> Fn:
    if mode not in ("key", "value"):
        raise CompileError(f"invalid mode {mode}, must be either 'key' or 'value'")
    compiled = _regex(regex, "replace_all_patterns")
    _check_fn(function, replacement_format)
    replace = _replacer(compiled, function, replacement_format)
    search = compiled.regex.search

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        repl = _replacement_of(replacement, t)
        if mode == "value":
            for key, value in list(attrs.items()):
                pb = value._pb
                if pb.WhichOneof("value") == "string_value" and search(pb.string_value):
                    attrs.put_str(key, replace(t, pb.string_value, repl))
            return
        if not any(search(k) for k in attrs):
            return
        entries = [(k, v.as_raw()) for k, v in attrs.items()]
        attrs.clear()
        for key, raw in entries:
            attrs.put(replace(t, key, repl) if search(key) else key, raw)

    return run


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Go's ``glob.Compile(pattern)`` (gobwas/glob, no separators) as a regex over the whole
    string: ``*`` and ``**`` match any run of characters, ``?`` any one, ``[a-z]`` / ``[!a-z]`` a
    class, ``{a,b}`` alternatives, ``\\c`` the character c. Raises CompileError for a malformed
    pattern."""
    regex, end = _glob_terms(pattern, 0, nested=False)
    if end != len(pattern):
        raise CompileError("syntax error in pattern")
    try:
        return re.compile(regex, re.S)
    except re.error:
        raise CompileError("syntax error in pattern") from None


def _glob_terms(pattern: str, i: int, nested: bool) -> tuple[str, int]:
    """Translate terms from ``i`` until the end (or, inside ``{}``, a ``,`` or ``}``)."""
    out: list[str] = []
    while i < len(pattern):
        c = pattern[i]
        if nested and c in ",}":
            return "".join(out), i
        if c == "*":
            out.append(".*")
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
        elif c == "?":
            out.append(".")
        elif c == "\\":
            i += 1
            if i >= len(pattern):
                raise CompileError("syntax error in pattern")
            out.append(re.escape(pattern[i]))
        elif c == "[":
            regex, i = _glob_class(pattern, i + 1)
            out.append(regex)
            continue
        elif c == "{":
            options = []
            i += 1
            while True:
                option, i = _glob_terms(pattern, i, nested=True)
                options.append(option)
                if i >= len(pattern):
                    raise CompileError("syntax error in pattern")
                i += 1
                if pattern[i - 1] == "}":
                    break
            out.append("(?:" + "|".join(options) + ")")
            continue
        elif c == "}" and not nested:
            raise CompileError("syntax error in pattern")
        else:
            out.append(re.escape(c))
        i += 1
    if nested:
        raise CompileError("syntax error in pattern")
    return "".join(out), i


def _glob_class(pattern: str, i: int) -> tuple[str, int]:
    """A ``[...]`` class starting after the ``[``; returns the regex and the index after ``]``."""
    negate = i < len(pattern) and pattern[i] == "!"
    if negate:
        i += 1
    parts: list[str] = []
    while i < len(pattern) and pattern[i] != "]":
        c = pattern[i]
        if c == "\\":
            i += 1
            if i >= len(pattern):
                raise CompileError("syntax error in pattern")
            c = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            parts.append(re.escape(c) + "-" + re.escape(pattern[i + 2]))
            i += 3
        else:
            parts.append(re.escape(c))
            i += 1
    if i >= len(pattern) or not parts:
        raise CompileError("syntax error in pattern")
    return "[" + ("^" if negate else "") + "".join(parts) + "]", i + 1


def _glob_value(replacement: Getter, function: Fn | None, fmt: Getter | None, t: Any) -> str:
    text = _replacement_of(replacement, t)
    if function is None:
        return text
    result = function(text)
    if not isinstance(result, str):
        raise ExecutionError("replacement function must return a string")
    return _format(fmt, t, result)


@editor(
    "replace_match",
    Param("target", "target"),
    Param("pattern", "literal"),
    Param("replacement", "getter"),
    Param("function", "function", optional=True),
    Param("replacement_format", "getter", optional=True),
)
def _replace_match(
    target: GetSetter, pattern: Any, replacement: Getter, function: Fn | None, replacement_format: Getter | None
) -> Fn:
    if not isinstance(pattern, str):
        raise CompileError("pattern must be a string")
    glob = glob_to_regex(pattern)
    _check_fn(function, replacement_format)

    def run(t: Any) -> None:
        value = target.get(t)
        if isinstance(value, str) and glob.fullmatch(value):
            target.set(t, _glob_value(replacement, function, replacement_format, t))

    return run


@editor(
    "replace_all_matches",
    Param("target", "target"),
    Param("pattern", "literal"),
    Param("replacement", "getter"),
    Param("function", "function", optional=True),
    Param("replacement_format", "getter", optional=True),
)
def _replace_all_matches(
    target: GetSetter, pattern: Any, replacement: Getter, function: Fn | None, replacement_format: Getter | None
) -> Fn:
    if not isinstance(pattern, str):
        raise CompileError("pattern must be a string")
    glob = glob_to_regex(pattern)
    _check_fn(function, replacement_format)

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        new_value: str | None = None
        for key, value in list(attrs.items()):
            pb = value._pb
            if pb.WhichOneof("value") == "string_value" and glob.fullmatch(pb.string_value):
                if new_value is None:
                    new_value = _glob_value(replacement, function, replacement_format, t)
                attrs.put_str(key, new_value)

    return run


# --- maps ----------------------------------------------------------------------------------------


@editor("merge_maps", Param("target", "target"), Param("source", "getter"), Param("strategy", "literal"))
def _merge_maps(target: GetSetter, source: Getter, strategy: Any) -> Fn:
    if strategy not in ("insert", "update", "upsert"):
        raise CompileError(f"invalid value for strategy, {strategy}, must be 'insert', 'update' or 'upsert'")

    def run(t: Any) -> None:
        dest = _map_of(target, t)
        src = source(t)
        if isinstance(src, Map):
            entries = [(k, v.as_raw()) for k, v in src.items()]
        elif isinstance(src, dict):
            entries = list(src.items())
        else:
            raise ExecutionError(f"expected pcommon.Map but got {go_type_name(src)}")
        for key, raw in entries:
            present = key in dest
            if strategy == "upsert" or (strategy == "insert" and not present) or (strategy == "update" and present):
                slot = dest.put_empty(key)
                write_value(slot._pb, raw)

    return run


@editor(
    "flatten",
    Param("target", "target"),
    Param("prefix", "literal", optional=True),
    Param("depth", "literal", optional=True),
    Param("resolve_conflicts", "literal", optional=True, default=False),
)
def _flatten(target: GetSetter, prefix: Any, depth: Any, resolve_conflicts: Any) -> Fn:
    if prefix is not None and not isinstance(prefix, str):
        raise CompileError("prefix must be a string")
    if depth is None:
        depth = 1 << 62
    elif not isinstance(depth, int) or isinstance(depth, bool):
        raise CompileError("depth must be an int")
    elif depth < 0:
        raise CompileError(f"invalid depth for flatten function, {depth} cannot be negative")
    resolve = bool(resolve_conflicts)

    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        result: dict[str, Any] = {}
        counters: dict[str, int] = {}

        def put(key: str, raw: Any) -> None:
            if resolve and key in result:
                n = counters.get(key, 0)
                while f"{key}.{n}" in result:
                    n += 1
                counters[key] = n + 1
                key = f"{key}.{n}"
            result[key] = raw

        def flat_value(key: str, raw: Any, level: int) -> None:
            if isinstance(raw, dict) and level < depth:
                flat_map(raw, key, level + 1)
            elif isinstance(raw, list) and level < depth:
                for i, item in enumerate(raw):
                    flat_value(key if resolve else f"{key}.{i}", item, level + 1)
            else:
                put(key, raw)

        def flat_map(raw: dict[str, Any], pre: str, level: int) -> None:
            for key, value in raw.items():
                flat_value(f"{pre}.{key}" if pre else key, value, level)

        flat_map(attrs.as_raw(), prefix or "", 0)
        attrs.clear()
        attrs.put_all(result)

    return run


# --- slices --------------------------------------------------------------------------------------


@editor(
    "append",
    Param("target", "target"),
    Param("value", "getter", optional=True),
    Param("values", "getter_list", optional=True),
)
def _append(target: GetSetter, value: Getter | None, values: list[Getter] | None) -> Fn:
    if value is None and values is None:
        raise CompileError("at least one of the optional arguments ('value' or 'values') must be provided")

    def run(t: Any) -> None:
        current = target.get(t)
        items: list[Any]
        if isinstance(current, ValueSlice):
            items = current.as_raw()
        elif isinstance(current, list):
            items = list(current)
        elif current is None:
            items = []
        elif isinstance(current, Map):
            items = [current.as_raw()]
        else:
            items = [current]
        if value is not None:
            item = value(t)
            if item is not None:
                items.append(item.as_raw() if isinstance(item, Map | ValueSlice) else item)
        for getter in values or ():
            item = getter(t)
            if item is not None:
                items.append(item.as_raw() if isinstance(item, Map | ValueSlice) else item)
        target.set(t, items)

    return run


@editor(
    "delete_index",
    Param("target", "target"),
    Param("start_index", "getter"),
    Param("end_index", "getter", optional=True),
)
def _delete_index(target: GetSetter, start_index: Getter, end_index: Getter | None) -> Fn:
    def run(t: Any) -> None:
        current = target.get(t)
        if not isinstance(current, ValueSlice):
            raise ExecutionError(f"target must be a slice type, got {go_type_name(current)}")
        length = len(current)
        start = start_index(t)
        if not isinstance(start, int) or isinstance(start, bool):
            raise ExecutionError(f"expected int64 but got {go_type_name(start)}")
        end = start + 1 if end_index is None else end_index(t)
        if not isinstance(end, int) or isinstance(end, bool):
            raise ExecutionError(f"expected int64 but got {go_type_name(end)}")
        if start < 0 or start >= length:
            raise ExecutionError(f"startIndex {start} out of bounds for slice of length {length}")
        if end < start or end > length:
            raise ExecutionError(f"endIndex {end} out of bounds for slice of length {length}")
        if start == end:
            return
        items = current.as_raw()
        del items[start:end]
        current.from_raw(items)

    return run


@editor("stringify_all", Param("target", "target"))
def _stringify_all(target: GetSetter) -> Fn:
    def run(t: Any) -> None:
        attrs = _map_of(target, t)
        for key, value in list(attrs.items()):
            if value._pb.WhichOneof("value") != "string_value":
                attrs.put_str(key, value.as_string())

    return run
